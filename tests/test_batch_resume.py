"""Resumability: SIGKILL the command after its first checkpoint, rerun it, and get byte-identical
outputs to an uninterrupted run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("pyarrow")

import pyarrow.parquet as pq

from audit.batch.samples import SENTENCES

OUTPUTS = ["segments.jsonl", "documents.csv", "summary.json", "report.html", "segments.parquet"]


def _archive(root: Path, documents: int = 30, segments: int = 16) -> Path:
    root.mkdir()
    for d in range(documents):
        with (root / f"doc{d:03d}.jsonl").open("w", encoding="utf-8") as handle:
            for s in range(segments):
                src, mt, ref = SENTENCES[(d + s) % len(SENTENCES)]
                row = {"id": f"{d}-{s}", "source": src, "mt": f"{mt} ({d}.{s})",
                       "reference": ref if d % 3 == 0 else None}
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return root


def _command(archive: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "audit.cli", "batch", str(archive), "--out", str(out), "--workers", "1",
            "--no-source-checks", "--chunk", "8", "-q"]


def _run(archive: Path, out: Path) -> None:
    done = subprocess.run(_command(archive, out), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr


def test_sigkill_then_rerun_gives_identical_outputs(tmp_path: Path) -> None:
    archive = _archive(tmp_path / "archive")
    killed = tmp_path / "killed"
    process = subprocess.Popen(_command(archive, killed), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    parts = killed / "parts"
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and process.poll() is None:
            if parts.is_dir() and any(p.suffix == ".jsonl" for p in parts.iterdir()):
                break
            time.sleep(0.05)
        assert process.poll() is None, "finished before it could be killed"
        os.killpg(process.pid, signal.SIGKILL)  # the command and its pool workers, at once
    finally:
        process.wait(timeout=30)
    finished_before = {p.name for p in parts.iterdir() if p.suffix == ".jsonl"}
    assert finished_before and not (killed / "summary.json").exists()
    assert len(finished_before) < 60  # 30 documents x 2 chunks: it was really interrupted

    _run(archive, killed)  # resume
    assert {p.name for p in parts.iterdir() if p.suffix == ".jsonl"} >= finished_before
    assert not [p for p in parts.iterdir() if p.name.endswith(".tmp")]

    clean = tmp_path / "clean"
    _run(archive, clean)
    for name in OUTPUTS[:-1]:
        assert (killed / name).read_bytes() == (clean / name).read_bytes(), name
    assert pq.read_table(killed / "segments.parquet").equals(pq.read_table(clean / "segments.parquet"))
    summary = json.loads((clean / "summary.json").read_text())
    assert summary["documents"] == 30 and summary["segments"] == 30 * 16
    lines = (clean / "segments.jsonl").read_text().splitlines()
    assert len(lines) == len(set(lines)) == 30 * 16
