"""Batch exposes the source-aware checks and the model layer, as ``mt-audit check`` has them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("pyarrow")

from click.testing import CliRunner

from audit.batch.samples import SENTENCES, write_zip
from audit.cli import main

NUMBER_MT = SENTENCES[3][1]  # "... killed 5 people." for a source that says 3
WITH_SOURCE = {"memories/news.tmx", "xliff/doc12.xlf", "xliff/doc20.xlf", "po/app.po", "tables/batch.csv#csvdoc",
               "lines/feed.jsonl#j2", "refs/story.mt.txt"}


def _run(tmp_path: Path, *args: str) -> tuple[dict, list[dict]]:
    archive = write_zip(tmp_path / "samples.zip")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["batch", str(archive), "--out", str(out), "--workers", "1", "-q",
                                       "--no-grammar", "--no-report", *args])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    records = [json.loads(line) for line in (out / "segments.jsonl").read_text().splitlines()]
    return summary, records


def test_source_flags_appear_for_a_number_that_differs_from_the_source(tmp_path: Path) -> None:
    summary, records = _run(tmp_path, "--source-checks")
    number = [r for r in records if r["mt"] == NUMBER_MT]
    assert len(number) == 9  # every format holds the sentence; 7 of them with its source
    for record in number:
        flags = [f for f in record["flags"] if f["rule"] == "source.number"]
        if record["doc_id"] in WITH_SOURCE:
            assert record["source"] and len(flags) == 1, record["doc_id"]
            flag = flags[0]
            assert record["mt"][flag["start"]:flag["end"]] == "5" == flag["text"]  # offsets into the MT
            assert flag["category"] == "Accuracy/Mistranslation" and flag["severity"] == "major"
            assert record["source"][flag["source_start"]:flag["source_end"]] == "3"
            assert record["penalty_points"] >= 5.0
        else:  # TSV and lone text: no source, no source flags
            assert record["source"] is None and flags == [], record["doc_id"]
    assert summary["flags_by_rule"]["source.number"] == len(WITH_SOURCE)
    assert summary["flags_by_category"]["Accuracy/Mistranslation"] >= len(WITH_SOURCE)


def test_no_source_checks_audits_the_mt_alone(tmp_path: Path) -> None:
    summary, records = _run(tmp_path, "--no-source-checks")
    assert "source.number" not in summary["flags_by_rule"]
    assert not any(f["rule"].startswith("source.") or "source_start" in f for r in records for f in r["flags"])
    assert summary["segments"] == 36


def test_model_options_reach_the_workers(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from audit.models.causal import RULE_ID
    from audit.models.tiny import build_tiny_llama

    seed = Path(__file__).resolve().parent.parent / "seeds" / "lavrov-kommersant.en.txt"
    lm = build_tiny_llama(tmp_path / "tiny-llama", seed.read_text(encoding="utf-8"))
    settings = tmp_path / "models.yaml"
    # Thresholds far below a random model's surprisal: every flaggable word is unusual to it.
    settings.write_text("surprisal_minor: 0.5\nsurprisal_major: 1.0\n", encoding="utf-8")
    summary, records = _run(tmp_path, "--no-source-checks", "--lm", str(lm), "--models", str(settings))
    model_flags = [f for r in records for f in r["flags"] if f["rule"] == RULE_ID]
    assert model_flags, "the workers ran without the language model"
    assert all(r["mt"][f["start"]:f["end"]] == f["text"] for r in records for f in r["flags"])
    assert "models" in summary["signatures"] and str(lm) in json.dumps(summary["signatures"]["models"])
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["config"]["models"]["lm"] == str(lm) and manifest["config"]["models"]["surprisal_minor"] == 0.5
