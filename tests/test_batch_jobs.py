"""Jobs on disk: submit, run in the background, survive a restart and resume."""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("pyarrow")

from audit.batch.jobs import JobRunner, JobStore
from audit.batch.samples import sample_files, write_zip
from audit.errors import InputError


def _wait(store: JobStore, job_id: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = store.get(job_id)
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError("job did not finish")


def test_job_runs_and_a_restart_resumes_unfinished_jobs(tmp_path: Path) -> None:
    archive = write_zip(tmp_path / "a.zip")
    store = JobStore(tmp_path / "jobs")
    options = {"grammar": False, "workers": 1}
    first = store.create("a.zip", archive.open("rb"), options)
    second = store.create("b.zip", io.BytesIO(archive.read_bytes()), options)
    store.update(second["id"], state="running")  # as if the server died while running it

    restarted = JobStore(tmp_path / "jobs")  # a new process: the same directory
    assert restarted.unfinished() == [first["id"], second["id"]]
    runner = JobRunner(restarted)
    runner.start()
    try:
        for job_id in (first["id"], second["id"]):
            job = _wait(restarted, job_id)
            assert job["state"] == "done", job["error"]
            assert job["summary"]["segments"] == 36 and job["summary"]["files_skipped"] == 1
            assert job["progress"]["documents_done"] == 10
    finally:
        runner.stop()
        runner.join(timeout=30)
    assert restarted.output_path(first["id"], "report.html") is not None
    results = restarted.results_zip(first["id"])
    assert results is not None
    with zipfile.ZipFile(results) as zf:
        assert json.loads(zf.read("summary.json"))["segments"] == 36


def test_bad_uploads_and_ids(tmp_path: Path) -> None:
    store = JobStore(tmp_path / "jobs", max_upload_bytes=1000)
    with pytest.raises(InputError):
        store.create("notes.txt", io.BytesIO(b"x"))
    with pytest.raises(InputError):
        store.create("big.zip", io.BytesIO(b"x" * 5000))
    with pytest.raises(KeyError):
        store.get("../etc")
    with pytest.raises(KeyError):
        store.get("deadbeef")
    assert sample_files()  # the sample set is importable without the archive
