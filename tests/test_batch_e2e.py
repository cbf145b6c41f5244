"""End to end: an archive with one file of each format, a corrupt file and one with references."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

pytest.importorskip("pyarrow")
pytest.importorskip("matplotlib")

import pyarrow.parquet as pq
from click.testing import CliRunner

from audit.batch.runner import BatchOptions, run_batch
from audit.batch.samples import SENTENCES, write_tar, write_zip
from audit.cli import build_config, main
from audit.scoring import score_corpus

DOCS = {"lines/feed.jsonl#j1", "lines/feed.jsonl#j2", "memories/news.tmx", "po/app.po", "refs/story.mt.txt",
        "tables/batch.csv#csvdoc", "tables/batch.tsv#tsvdoc", "text/plain.txt", "xliff/doc12.xlf", "xliff/doc20.xlf"}


def _config(grammar: bool = True):
    return build_config("zh", "en", (), False, (), False, not grammar, (), None, 0)


def _check_outputs(out: Path) -> dict:
    summary = json.loads((out / "summary.json").read_text())
    assert summary["documents"] == len(DOCS)
    assert summary["segments"] == 36
    assert summary["files_skipped"] == 1
    assert summary["skipped"][0]["file"] == "broken/bad.jsonl" and summary["skipped"][0]["line"] == 3
    assert summary["flags"] > 0 and summary["flags_by_category"] and summary["mqm_penalty"] > 0
    # corpus scores from summed sufficient statistics equal sacrebleu's corpus scores
    expected = score_corpus([t for _s, t, _r in SENTENCES], [r for _s, _t, r in SENTENCES])
    ref = summary["reference_scores"]
    assert summary["reference_segments"] == 4
    assert ref["bleu"] == pytest.approx(expected.bleu, abs=1e-3)
    assert ref["chrf"] == pytest.approx(expected.chrf, abs=1e-3)
    assert ref["ter"] == pytest.approx(expected.ter, abs=1e-3)
    assert ref["signatures"]["bleu"].startswith("nrefs:1")

    lines = [json.loads(x) for x in (out / "segments.jsonl").read_text().splitlines()]
    assert len(lines) == 36
    assert [(r["doc_id"], r["index"]) for r in lines] == sorted((r["doc_id"], r["index"]) for r in lines)
    with_ref = [r for r in lines if r["reference"]]
    assert len(with_ref) == 4 and all(r["reference_scores"]["chrf"] > 0 for r in with_ref)
    sentence = next(r for r in with_ref if r["seg_id"] == "1")
    assert sentence["reference_scores"]["bleu"] == pytest.approx(expected.sentences[0].bleu, abs=1e-3)
    proposed = [r for r in lines if r["proposal"]]
    assert proposed and all(r["edit"]["char_distance"] > 0 and r["edit"]["ter"] > 0 for r in proposed)
    assert all(r["edit"] == {"char_distance": 0, "char_ratio": 0.0, "ter": 0.0} for r in lines if not r["proposal"])

    table = pq.read_table(out / "segments.parquet")
    assert table.num_rows == 36
    assert table.column("doc_id").to_pylist() == [r["doc_id"] for r in lines]

    with (out / "documents.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert {r["doc_id"] for r in rows} == DOCS
    story = next(r for r in rows if r["doc_id"] == "refs/story.mt.txt")
    assert float(story["bleu"]) == pytest.approx(expected.bleu, abs=1e-3)
    html = (out / "report.html").read_text()
    assert "data:image/svg+xml;base64," in html and "broken/bad.jsonl" in html
    return summary


def test_zip_end_to_end_with_source_checks(tmp_path: Path) -> None:
    archive = write_zip(tmp_path / "archive.zip")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["batch", str(archive), "--out", str(out), "--workers", "1", "-q"])
    assert result.exit_code == 0, result.output
    _check_outputs(out)
    # Archives get the evidence-backed Harper lints unless --grammar-rules all is asked for.
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["config"]["grammar"] is True and manifest["config"]["grammar_rules"] == "evidence"


def test_tar_end_to_end_and_rerun_is_a_no_op(tmp_path: Path) -> None:
    archive = write_tar(tmp_path / "archive.tar.gz")
    out = tmp_path / "out"
    options = BatchOptions(archive=str(archive), out=str(out), config=_config(), workers=1, progress=False,
                           source_checks=False)
    first = run_batch(options)
    assert first.processed == len(DOCS) and first.resumed == 0
    _check_outputs(out)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    second = run_batch(options)
    assert second.processed == 0 and second.resumed == len(DOCS)
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert after == before


def test_other_settings_in_the_same_out_dir_are_refused(tmp_path: Path) -> None:
    from audit.errors import ConfigError

    archive = write_zip(tmp_path / "archive.zip")
    out = tmp_path / "out"
    (out).mkdir()
    (out / "manifest.json").write_text('{"archive": "other.zip"}')
    with pytest.raises(ConfigError):
        run_batch(BatchOptions(archive=str(archive), out=str(out), config=_config(), workers=1, progress=False))
