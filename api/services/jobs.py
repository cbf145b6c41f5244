"""The batch job service of the API: the on-disk :class:`audit.batch.jobs.JobStore` under
``<instance>/jobs`` (``MT_AUDIT_JOBS_DIR``) and at most one runner thread per job folder.

Under gunicorn every worker builds its own app; the runner is guarded by an exclusive
``fcntl.flock`` on ``<jobs>/runner.lock``, so one process runs jobs while the others only
store and report them. The runner also rescans the folder for queued jobs when it is idle, so
jobs submitted to another worker are picked up, and re-queues unfinished ones when it starts
(they resume from their checkpoints). A process that did not get the lock tries again on each
job request (the holder may have died). ``mt-audit serve`` starts it in each worker's
``post_worker_init``; elsewhere (``flask run``, tests) the first ``/v1/jobs`` request does.

Once :meth:`JobService.bind` has given it the app's database, the store is a :class:`DbJobStore`:
every job also has a row in ``batch_jobs`` (owner key, state, times, folder), kept in step with
``job.json`` on each change; listing, ownership and clean-up read the rows, while the folders stay
the checkpoint store a restart resumes from. A job found on disk without a row (made before the
table existed) gets one when first looked up, with the owner its ``job.json`` names (else none:
admins only). The runner prunes finished jobs older than ``JOBS_RETENTION_DAYS`` every
``JOBS_PRUNE_SECONDS`` (``mt-audit jobs prune`` does it by hand).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import queue
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, BinaryIO

from sqlalchemy import delete, func, select
from sqlalchemy.exc import SQLAlchemyError

from audit.batch.jobs import FINISHED, JobRunner, JobStore
from audit.errors import InputError

from ..storage.db import Database
from ..storage.models import JobRecord
from ..timefmt import iso

DAY = 86400.0


def _when(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(float(value), UTC)


def _epoch(value: datetime | None) -> float | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


#: job.json keys mirrored into the row, and how.
_MIRROR: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "state": ("state", str),
    "error": ("error", lambda v: v),
    "summary": ("summary", lambda v: v),
    "started": ("started_at", _when),
    "finished": ("finished_at", _when),
    "documents_done": ("documents_done", int),
}


def archive_problem(input_dir: Path) -> str | None:
    """Why the uploaded archive in ``input_dir`` cannot be read (None when it can): its suffix
    promised a zip or a tar, its bytes must be one."""
    import tarfile
    import zipfile

    path = next(input_dir.iterdir(), None)
    if path is None:
        return "the upload is empty"
    name = path.name.lower()
    if name.endswith(".zip"):
        if not zipfile.is_zipfile(path):
            return "the file is named .zip but is not a zip archive"
        try:
            with zipfile.ZipFile(path) as archive:
                archive.infolist()
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            return f"the zip archive cannot be read: {exc}"
        return None
    try:
        with tarfile.open(path, mode="r:*") as archive:
            archive.next()
    except (tarfile.TarError, OSError, EOFError, ValueError) as exc:
        return f"the file is named {path.suffix} but is not a readable tar archive ({exc.__class__.__name__})"
    return None


class DbJobStore(JobStore):
    """A :class:`JobStore` that keeps a ``batch_jobs`` row per job in step with its ``job.json``."""

    def __init__(self, root: str | Path, db: Database, max_upload_bytes: int = 2 * 1024**3) -> None:
        super().__init__(root, max_upload_bytes=max_upload_bytes)
        self.db = db
        self._synced = False

    def create(self, filename: str, stream: BinaryIO, options: dict[str, Any] | None = None,
               owner: int | None = None) -> dict[str, Any]:
        job = super().create(filename, stream, options, owner)
        problem = archive_problem(self.root / job["id"] / "input")
        if problem is not None:  # refused at upload (422 invalid_archive), not failed later
            JobStore.remove(self, job["id"])
            raise InputError(f"{Path(filename).name}: {problem}", file=Path(filename).name)
        try:
            with self.db.session() as session:
                session.add(self._row(job))
        except SQLAlchemyError:
            self.remove(job["id"])  # no row, no job: the upload is not kept
            raise
        return job

    def _row(self, job: dict[str, Any]) -> JobRecord:
        return JobRecord(
            id=job["id"],
            owner_key_id=job.get("owner"),
            state=job["state"],
            filename=str(job.get("filename") or "upload")[:255],
            options=job.get("options") or {},
            directory=str(self.root / job["id"]),
            upload_bytes=int(job.get("upload_bytes") or 0),
            documents_done=int((job.get("progress") or {}).get("documents_done", 0)),
            error=job.get("error"),
            summary=job.get("summary"),
            created_at=_when(job.get("created") or time.time()),
            started_at=_when(job.get("started")),
            finished_at=_when(job.get("finished")),
        )

    def update(self, job_id: str, **changes: Any) -> None:
        if isinstance(changes.get("error"), str):  # never show the client this server's paths
            changes["error"] = changes["error"].replace(f"{self.root / job_id}/", "").replace(str(self.root), "<jobs>")
        super().update(job_id, **changes)
        values = {column: convert(changes[key]) for key, (column, convert) in _MIRROR.items() if key in changes}
        if values:
            with self.db.session() as session:
                row = session.get(JobRecord, job_id)
                if row is not None:
                    for column, value in values.items():
                        setattr(row, column, value)

    def remove(self, job_id: str) -> None:
        super().remove(job_id)
        self.forget(job_id)

    def forget(self, job_id: str) -> None:
        """Drop the job's row (its folder is removed by :meth:`cancel` or, if running, by the runner)."""
        with self.db.session() as session:
            session.execute(delete(JobRecord).where(JobRecord.id == job_id))

    def record(self, job_id: str) -> JobRecord | None:
        """The job's row; a job on disk without one (older than the table) gets one now."""
        with self.db.session() as session:
            row = session.get(JobRecord, job_id)
            if row is not None:
                return row
        try:
            job = self.get(job_id)
        except (KeyError, OSError, ValueError):
            return None
        with contextlib.suppress(SQLAlchemyError), self.db.session() as session:  # another process added it
            session.add(self._row(job))
        with self.db.session() as session:
            return session.get(JobRecord, job_id)

    def sync(self) -> int:
        """Give every job folder without a row one (jobs made before the table); returns how many."""
        with self.db.session() as session:
            known = set(session.scalars(select(JobRecord.id)))
        added = 0
        for job in self.all_jobs():
            if job.get("id") not in known and self.record(str(job["id"])) is not None:
                added += 1
        return added

    def page(self, owner: int | None, page: int, per_page: int, state: str | None = None
             ) -> tuple[int, list[JobRecord]]:
        """One page of jobs, newest first: ``owner``'s, or everyone's when ``owner`` is None. The
        first listing in a process indexes job folders that have no row yet (made before the table)."""
        if not self._synced:
            self._synced = True
            with contextlib.suppress(SQLAlchemyError, OSError):
                self.sync()
        query = select(JobRecord)
        count = select(func.count()).select_from(JobRecord)
        if owner is not None:
            query = query.where(JobRecord.owner_key_id == owner)
            count = count.where(JobRecord.owner_key_id == owner)
        if state is not None:
            query = query.where(JobRecord.state == state)
            count = count.where(JobRecord.state == state)
        with self.db.session() as session:
            total = int(session.scalar(count) or 0)
            rows = list(session.scalars(query.order_by(JobRecord.created_at.desc(), JobRecord.id)
                                        .offset((page - 1) * per_page).limit(per_page)))
        return total, rows

    def prune(self, max_age_seconds: float, now: float | None = None, running_here: set[str] | None = None
              ) -> list[str]:
        """Folders as :meth:`JobStore.prune` does, then rows: those of removed folders, and finished
        or cancelled rows older than the retention whose folder is gone."""
        removed = super().prune(max_age_seconds, now, running_here)
        cutoff = _when((time.time() if now is None else now) - max_age_seconds)
        with self.db.session() as session:
            if removed:
                session.execute(delete(JobRecord).where(JobRecord.id.in_(removed)))
            stale = session.scalars(
                select(JobRecord).where(JobRecord.state.in_(FINISHED), JobRecord.created_at < cutoff)
            )
            for row in stale:
                if not Path(row.directory).exists():
                    removed.append(row.id)
                    session.delete(row)
        return sorted(set(removed))


class PollingJobRunner(JobRunner):
    """A :class:`JobRunner` that also picks up jobs queued by other processes (rescans when idle)
    and, every ``prune_seconds``, runs ``prune`` (the clean-up of old jobs)."""

    def __init__(self, store: JobStore, poll_seconds: float = 2.0, prune: Callable[[], Any] | None = None,
                 prune_seconds: float = 3600.0, **kwargs: Any) -> None:
        super().__init__(store, **kwargs)
        self.poll_seconds = poll_seconds
        self.prune = prune
        self.prune_seconds = prune_seconds
        self._last_prune = float("-inf")

    def _maybe_prune(self) -> None:
        if self.prune is None or time.monotonic() - self._last_prune < self.prune_seconds:
            return
        self._last_prune = time.monotonic()
        with contextlib.suppress(OSError, SQLAlchemyError):  # the next round tries again
            self.prune()

    def run(self) -> None:
        """Wake on a submission here or every ``poll_seconds``; then run every unfinished job of the
        folder oldest first (first in, first out across workers: the queue only wakes the runner,
        the order is the jobs' upload times, whichever worker took the upload)."""
        self._maybe_prune()
        while True:
            try:
                job_id = self.queue.get(timeout=self.poll_seconds)
            except queue.Empty:
                job_id = ""
            if job_id is None:
                return
            self._maybe_prune()
            self._drain()

    def _drain(self) -> None:
        tried: set[str] = set()
        while True:
            try:
                pending = [j for j in self.store.unfinished() if j not in tried]
            except (OSError, ValueError, KeyError):  # a job.json being written; next round
                return
            if not pending:
                return
            tried.add(pending[0])
            self._process(pending[0])


class JobService:
    def __init__(self, root: str | Path, max_upload_bytes: int, workers: int = 0, poll_seconds: float = 2.0) -> None:
        self.store: JobStore = JobStore(root, max_upload_bytes=max_upload_bytes)
        self.workers = workers
        self.poll_seconds = poll_seconds
        self.retention_days = 30.0
        self.prune_seconds = 3600.0
        self.runner: PollingJobRunner | None = None
        self._lock_file: IO[str] | None = None
        self._guard = threading.Lock()

    def bind(self, db: Database, retention_days: float = 30.0, prune_seconds: float = 3600.0) -> None:
        """Index the jobs in ``db`` (a :class:`DbJobStore`); keep finished ones ``retention_days``
        (0: forever), pruned by the runner every ``prune_seconds``."""
        if retention_days < 0 or prune_seconds <= 0:
            raise ValueError("JOBS_RETENTION_DAYS must be >= 0 and JOBS_PRUNE_SECONDS > 0")
        self.store = DbJobStore(self.store.root, db, max_upload_bytes=self.store.max_upload_bytes)
        self.retention_days = retention_days
        self.prune_seconds = prune_seconds

    @property
    def db_store(self) -> DbJobStore | None:
        return self.store if isinstance(self.store, DbJobStore) else None

    def prune(self, retention_days: float | None = None, now: float | None = None) -> list[str]:
        """Remove finished jobs older than the retention (their folders and rows); returns their ids."""
        days = self.retention_days if retention_days is None else retention_days
        if days <= 0:
            return []
        runner = self.runner
        running = {runner.current} if runner is not None and runner.current else set()
        return self.store.prune(days * DAY, now=now, running_here=running)

    @staticmethod
    def describe(row: JobRecord) -> dict[str, Any]:
        """A row as the API shows it (without links and live progress)."""
        return {
            "id": row.id,
            "state": row.state,
            "filename": row.filename,
            "options": row.options,
            "created": _epoch(row.created_at),
            "created_at": iso(row.created_at),
            "started_at": iso(row.started_at),
            "finished_at": iso(row.finished_at),
            "owner_key_id": row.owner_key_id,
            "upload_bytes": row.upload_bytes,
            "error": row.error,
            "summary": row.summary,
            "progress": {"documents_done": row.documents_done},
        }

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
            store = self.db_store
            if store is not None:
                with contextlib.suppress(SQLAlchemyError, OSError):
                    store.sync()  # rows for jobs made before the table
            self.runner = PollingJobRunner(self.store, poll_seconds=self.poll_seconds,
                                           prune=self.prune if self.retention_days > 0 else None,
                                           prune_seconds=self.prune_seconds)
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
