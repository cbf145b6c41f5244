"""Jobs on disk: submit, run in the background, survive a restart and resume."""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("pyarrow")

from audit.batch.jobs import FINISHED, BaseJobStore, JobRunner, JobStore
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
    assert list((tmp_path / "jobs").iterdir()) == []  # nothing of a refused upload stays
    with pytest.raises(KeyError):
        store.get("../etc")
    with pytest.raises(KeyError):
        store.get("deadbeef")
    assert sample_files()  # the sample set is importable without the archive


def test_should_stop_cancels_a_run_and_a_rerun_resumes(tmp_path: Path) -> None:
    from audit.batch.runner import BatchCancelled, BatchOptions, run_batch
    from audit.cli import build_config

    archive = write_zip(tmp_path / "a.zip")
    config = build_config("zh", "en", (), False, (), False, True, (), None, 0)
    asked = []

    def stop() -> bool:
        asked.append(1)
        return len(asked) > 3  # three documents handed out, then stop

    options = BatchOptions(archive=str(archive), out=str(tmp_path / "out"), config=config, workers=1,
                           progress=False, should_stop=stop)
    with pytest.raises(BatchCancelled):
        run_batch(options)
    done = len(list((tmp_path / "out" / "parts").glob("*.jsonl")))
    assert 1 <= done <= 3 and not (tmp_path / "out" / "summary.json").exists()
    options.should_stop = None
    outcome = run_batch(options)
    assert outcome.resumed == done and outcome.summary["segments"] == 36


def test_cancel_remove_and_prune(tmp_path: Path) -> None:
    store = JobStore(tmp_path / "jobs")
    data = write_zip(tmp_path / "a.zip").read_bytes()
    queued, running, old, new = (store.create(f"{n}.zip", io.BytesIO(data), owner=7)["id"] for n in "abcd")
    assert store.get(queued)["owner"] == 7 and store.get(queued)["upload_bytes"] == len(data)
    # A queued job goes at once; a running one is marked, and stays until its runner removes it.
    assert store.cancel(queued) is True and not (tmp_path / "jobs" / queued).exists()
    store.update(running, state="running")
    assert store.cancel(running) is False and store.cancel_requested(running)
    with pytest.raises(KeyError):
        store.get(running)
    assert running not in store.unfinished()
    # prune: finished more than the retention ago, and cancelled folders nobody runs; not new ones.
    now = time.time()
    store.update(old, state="done", finished=now - 10 * 86400)
    store.update(new, state="done", finished=now - 3600)
    (tmp_path / "jobs" / "halfmade").mkdir()  # no job.json: a crashed upload, new: kept
    assert store.prune(7 * 86400, now=now, running_here={running}) == [old]
    assert sorted(store.prune(7 * 86400, now=now)) == [running]
    assert (tmp_path / "jobs" / "halfmade").exists()
    assert sorted(store.prune(60, now=now + 3 * 3600)) == sorted(["halfmade", new])
    assert [p.name for p in (tmp_path / "jobs").iterdir() if p.is_dir()] == []


def test_the_runner_removes_a_job_deleted_while_it_runs(tmp_path: Path) -> None:
    store = JobStore(tmp_path / "jobs")
    job_id = store.create("a.zip", write_zip(tmp_path / "a.zip").open("rb"), {"grammar": False})["id"]

    def run(s: JobStore, jid: str) -> dict:
        assert s.get(jid)["state"] == "running" and s.get(jid)["started"] is not None
        assert s.cancel(jid) is False  # DELETE arrives while it runs
        return {"segments": 1}

    runner = JobRunner(store, run=run)
    runner._process(job_id)
    assert not (tmp_path / "jobs" / job_id).exists()
    assert runner.current is None


class MemoryJobStore(BaseJobStore):
    """Job state in a dict: the runner needs nothing but the :class:`BaseJobStore` interface."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.jobs: dict[str, dict] = {}

    def create(self, filename, stream, options=None, owner=None):
        job_id, _size = self.store_upload(filename, stream)
        self.jobs[job_id] = {"id": job_id, "state": "queued", "filename": filename, "options": options or {},
                             "created": time.time(), "started": None, "finished": None, "error": None,
                             "summary": None, "owner": owner, "documents_done": 0}
        return self.get(job_id)

    def get(self, job_id):
        job = self.jobs[job_id]
        if job["state"] == "cancelled":
            raise KeyError(job_id)
        return {**job, "progress": {"documents_done": job["documents_done"]}}

    def exists(self, job_id):
        return self.jobs.get(job_id, {}).get("state", "cancelled") != "cancelled"

    def update(self, job_id, **changes):
        self.get(job_id)
        self.jobs[job_id].update(changes)

    def unfinished(self):
        return [j for j, job in self.jobs.items() if job["state"] in ("queued", "running")]

    def all_jobs(self):
        return [self.get(j) for j in self.jobs if self.exists(j)]

    def cancel_requested(self, job_id):
        return not self.exists(job_id)

    def cancel(self, job_id):
        running = self.get(job_id)["state"] == "running"
        self.jobs[job_id]["state"] = "cancelled"
        if not running:
            self.remove(job_id)
        return not running

    def remove(self, job_id):
        self.jobs.pop(job_id, None)
        self.remove_folder(job_id)

    def prune(self, max_age_seconds, now=None, running_here=None):
        return []


def test_the_runner_needs_only_the_store_interface(tmp_path: Path) -> None:
    store = MemoryJobStore(tmp_path / "jobs")
    data = write_zip(tmp_path / "a.zip").read_bytes()
    done, failing, deleted = (store.create(f"{n}.zip", io.BytesIO(data), {"grammar": False})["id"] for n in "abc")
    progress: list[int] = []

    def run(s: BaseJobStore, jid: str) -> dict:
        assert s.get(jid)["state"] == "running"
        if jid == failing:
            raise ValueError("broken archive")
        if jid == deleted:
            assert s.cancel(jid) is False
        s.record_progress(jid, 1)
        progress.append(s.get(jid)["progress"]["documents_done"] if s.exists(jid) else -1)
        return {"segments": 1, "other": "dropped"}

    runner = JobRunner(store, run=run)
    assert list(runner.queue.queue) == [done, failing, deleted]
    for job_id in (done, failing, deleted):
        runner._process(job_id)
    assert store.get(done)["state"] in FINISHED and store.get(done)["summary"] == {"segments": 1}
    assert store.get(failing)["state"] == "failed" and store.get(failing)["error"] == "broken archive"
    assert deleted not in store.jobs and not (tmp_path / "jobs" / deleted).exists()
    assert progress == [1, -1]
    assert sorted(p.name for p in (tmp_path / "jobs" / done).iterdir()) == ["input"]  # no state file
