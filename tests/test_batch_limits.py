"""``mt-audit batch`` and the text limit (audit/limits.py): a segment longer than ``--max-chars``
(default MT_AUDIT_MAX_TEXT_CHARS, 100,000) is not audited but listed as skipped with the reason; the
rest of its document, and every other document, is audited as before; a rerun resumes it all."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

pytest.importorskip("pyarrow")

from click.testing import CliRunner

from audit.batch.readers import BatchDocument, BatchSegment, ReaderOptions, ReadStats, within_limit
from audit.batch.samples import SENTENCES
from audit.cli import main
from audit.limits import DEFAULT_MAX_TEXT_CHARS

HUGE = "a" * (DEFAULT_MAX_TEXT_CHARS + 1)  # one 100 KB token with no sentence end


def _archive(root: Path) -> Path:
    root.mkdir()
    rows = [{"doc": "mixed", "id": str(i), "source": s, "mt": t} for i, (s, t, _r) in enumerate(SENTENCES[:3])]
    rows.insert(1, {"doc": "mixed", "id": "huge", "source": "很长", "mt": HUGE})
    rows.append({"doc": "alone", "id": "1", "source": HUGE, "mt": "A short line."})
    (root / "feed.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                                     encoding="utf-8")
    (root / "plain.txt").write_text(f"{SENTENCES[0][1]}\n{HUGE}\n{SENTENCES[1][1]}\n", encoding="utf-8")
    return root


def _run(archive: Path, out: Path, *extra: str):
    return CliRunner().invoke(main, ["batch", str(archive), "--out", str(out), "--workers", "1", "-q",
                                     "--no-grammar", "--no-annotate", "--no-report", *extra])


def test_over_long_segments_are_skipped_and_reported_and_the_run_goes_on(tmp_path: Path) -> None:
    archive, out = _archive(tmp_path / "in"), tmp_path / "out"
    started = time.monotonic()
    result = _run(archive, out)
    assert result.exit_code == 0, result.output
    assert time.monotonic() - started < 120  # no stall on the 100 KB lines
    summary = json.loads((out / "summary.json").read_text())
    reasons = {(s["file"], s["message"].split(":")[0]) for s in summary["skipped"]}
    assert reasons == {("feed.jsonl", "feed.jsonl#mixed"), ("feed.jsonl", "feed.jsonl#alone"),
                       ("plain.txt", "plain.txt")}
    messages = " ".join(s["message"] for s in summary["skipped"])
    assert f"MT of {len(HUGE):,} characters, over the limit of {DEFAULT_MAX_TEXT_CHARS:,}" in messages
    assert f"source of {len(HUGE):,} characters" in messages
    records = [json.loads(x) for x in (out / "segments.jsonl").read_text().splitlines()]
    by_doc: dict[str, list[str]] = {}
    for r in records:
        by_doc.setdefault(r["doc_id"], []).append(r["seg_id"])
        assert len(r["mt"]) < DEFAULT_MAX_TEXT_CHARS
    assert by_doc["feed.jsonl#mixed"] == ["0", "1", "2"]  # the segments around the long one are all there
    assert "feed.jsonl#alone" not in by_doc  # listed (0 segments) but nothing audited
    assert len(by_doc["plain.txt"]) == 2
    assert summary["segments"] == 5
    first = (out / "segments.jsonl").read_bytes()
    again = _run(archive, out)  # a rerun resumes: nothing audited again, nothing lost
    assert again.exit_code == 0, again.output
    assert (out / "segments.jsonl").read_bytes() == first
    assert json.loads((out / "summary.json").read_text())["skipped"] == summary["skipped"]


def test_max_chars_option_and_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive, out = _archive(tmp_path / "in"), tmp_path / "out"
    result = _run(archive, out, "--max-chars", "20")  # every segment over it: nothing audited, all listed
    assert result.exit_code == 2, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert len(summary["skipped"]) == 8 and summary["segments"] == 0
    assert all("over the limit of 20 " in s["message"] for s in summary["skipped"])
    monkeypatch.setenv("MT_AUDIT_MAX_TEXT_CHARS", "0")
    assert _run(archive, tmp_path / "out2").exit_code == 2  # a bad setting is a usage error


def test_within_limit_keeps_order_and_passes_an_emptied_document_on() -> None:
    segs = [BatchSegment("d", str(i), None, text, None) for i, text in enumerate(["ok", "x" * 11, "fine"])]
    stats = ReadStats()
    (doc,) = within_limit([BatchDocument("d", 0, 0, segs, "m.jsonl")], ReaderOptions(max_chars=10), stats)
    assert [s.seg_id for s in doc.segments] == ["0", "2"]
    (skipped,) = stats.skipped
    assert skipped.file == "m.jsonl" and "segment 1 not audited: MT of 11 characters" in skipped.message
    (empty,) = within_limit([BatchDocument("e", 0, 0, [segs[1]], "m.jsonl")], ReaderOptions(max_chars=10), stats)
    assert empty.segments == [] and len(stats.skipped) == 2
    (same,) = within_limit([BatchDocument("d", 0, 0, list(segs), "m")], ReaderOptions(max_chars=None), stats)
    assert len(same.segments) == 3
