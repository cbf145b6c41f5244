"""The batch job service of the API: the on-disk :class:`audit.batch.jobs.JobStore` under
``<instance>/jobs`` (``MT_AUDIT_JOBS_DIR``) and at most one runner thread per job folder.

Under gunicorn every worker builds its own app; the runner is guarded by an exclusive
``fcntl.flock`` on ``<jobs>/runner.lock``, so one process runs jobs while the others only
store and report them. The runner also rescans the folder for queued jobs when it is idle, so
jobs submitted to another worker are picked up, and re-queues unfinished ones when it starts
(they resume from their checkpoints). A process that did not get the lock tries again on each
job request (the holder may have died). ``mt-audit serve`` starts it in each worker's
``post_worker_init``; elsewhere (``flask run``, tests) the first ``/v1/jobs`` request does.
"""

from __future__ import annotations

import fcntl
import os
import queue
import threading
from pathlib import Path
from typing import IO, Any

from audit.batch.jobs import JobRunner, JobStore


class PollingJobRunner(JobRunner):
    """A :class:`JobRunner` that also picks up jobs queued by other processes (rescans when idle)."""

    def __init__(self, store: JobStore, poll_seconds: float = 2.0, **kwargs: Any) -> None:
        super().__init__(store, **kwargs)
        self.poll_seconds = poll_seconds

    def run(self) -> None:
        while True:
            try:
                job_id = self.queue.get(timeout=self.poll_seconds)
            except queue.Empty:
                try:
                    pending = self.store.unfinished()
                except Exception:  # noqa: BLE001 - a job.json being written; next round
                    pending = []
                for pending_id in pending:
                    self._process(pending_id)
                continue
            if job_id is None:
                return
            self._process(job_id)


class JobService:
    def __init__(self, root: str | Path, max_upload_bytes: int, workers: int = 0, poll_seconds: float = 2.0) -> None:
        self.store = JobStore(root, max_upload_bytes=max_upload_bytes)
        self.workers = workers
        self.poll_seconds = poll_seconds
        self.runner: PollingJobRunner | None = None
        self._lock_file: IO[str] | None = None
        self._guard = threading.Lock()

    def start_runner(self) -> bool:
        """Start the runner here unless another process holds ``runner.lock``; True when it runs here."""
        with self._guard:
            if self.runner is not None:
                return True
            handle = open(self.store.root / "runner.lock", "a+", encoding="utf-8")  # noqa: SIM115 - held open
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.close()
                return False
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()}\n")
            handle.flush()
            self._lock_file = handle
            self.runner = PollingJobRunner(self.store, poll_seconds=self.poll_seconds)
            self.runner.start()
            return True

    def submit(self, job_id: str) -> None:
        if self.runner is not None:
            self.runner.submit(job_id)

    def stop(self, timeout: float = 30) -> None:
        """Stop the runner after its current job and release the lock (tests, shutdown)."""
        with self._guard:
            runner, self.runner = self.runner, None
            if runner is not None:
                runner.stop()
                runner.join(timeout=timeout)
            if self._lock_file is not None:
                fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_UN)
                self._lock_file.close()
                self._lock_file = None
