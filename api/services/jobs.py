"""The batch job service of the API: job state in the database, artefacts on disk.

A job's state (state, progress, error, summary, times, owner key, options; a cancel request is the
state ``cancelled``) is one row of ``batch_jobs``, read and written only by :class:`DbJobStore`.
The jobs folder (``<instance>/jobs``, ``MT_AUDIT_JOBS_DIR``) holds artefacts only: per job
``<id>/input/`` (the upload), ``<id>/out/`` (checkpoints and outputs) and ``<id>/results.zip``; no
``job.json``. Job folders written by older versions (a ``job.json``, maybe no row) are imported
once, when :meth:`JobService.bind` attaches the database at app start: a row is made from the
``job.json`` where there is none (with the owner it names, else none: admins only), then the
``job.json`` goes; a folder that was being deleted goes too.

At most one runner thread per jobs folder: under gunicorn every worker builds its own app, and
the runner is guarded by an exclusive ``fcntl.flock`` on ``<jobs>/runner.lock``, so one process
runs jobs while the others only store and report them. The runner rescans the table for queued
jobs when it is idle, so jobs submitted to another worker are picked up first in, first out, and
re-queues unfinished ones when it starts (they resume from their checkpoints). It starts only
at service start or on a job submission, never on a read: ``mt-audit serve`` starts it in each
worker's ``post_worker_init`` (a worker gunicorn replaces tries again); elsewhere (``flask run``,
tests) the first ``POST /v1/jobs`` of a process does (``MtAudit.start_jobs_runner``). The runner
prunes finished jobs older than ``JOBS_RETENTION_DAYS`` every ``JOBS_PRUNE_SECONDS``
(``mt-audit jobs prune`` does it by hand).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, BinaryIO, cast

from sqlalchemy import CursorResult, delete, func, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from audit.batch.jobs import CANCEL_MARKER, BaseJobStore, JobRunner, valid_job_id
from audit.errors import InputError

from ..storage.db import Database
from ..storage.models import ApiKey, JobRecord
from ..timefmt import iso

DAY = 86400.0
LEGACY_FILE = "job.json"
log = logging.getLogger(__name__)


def _when(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(float(value), UTC)


def _epoch(value: datetime | None) -> float | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


#: The job fields :meth:`DbJobStore.update` writes: the column each goes to, and how.
_COLUMNS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "state": ("state", str),
    "error": ("error", lambda v: None if v is None else str(v)),
    "summary": ("summary", lambda v: v),
    "started": ("started_at", _when),
    "finished": ("finished_at", _when),
    "documents_done": ("documents_done", int),
}


def describe(row: JobRecord) -> dict[str, Any]:
    """A row as the API shows it (without links)."""
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


class DbJobStore(BaseJobStore):
    """The :class:`BaseJobStore` of the API: each job's state is its ``batch_jobs`` row, nothing else;
    the folders under ``root`` hold the jobs' artefacts. A cancel request sets the row's state to
    ``cancelled`` (from then on the job answers as unknown); the runner that runs it (or, when that
    process has gone, a prune) removes the row and the folder."""

    def __init__(self, root: str | Path, db: Database, max_upload_bytes: int = 2 * 1024**3) -> None:
        super().__init__(root, max_upload_bytes=max_upload_bytes)
        self.db = db

    # --- state ----------------------------------------------------------------------------------
    def create(self, filename: str, stream: BinaryIO, options: dict[str, Any] | None = None,
               owner: int | None = None) -> dict[str, Any]:
        shown = Path(filename.replace("\\", "/")).name or "upload"
        job_id, size = self.store_upload(filename, stream)
        problem = archive_problem(self.folder(job_id) / "input")
        if problem is not None:  # refused at upload (422 invalid_archive), not failed later
            self.remove_folder(job_id)
            raise InputError(f"{shown}: {problem}", file=shown)
        row = JobRecord(id=job_id, owner_key_id=owner, state="queued", filename=shown[:255], options=options or {},
                        directory=str(self.folder(job_id)), upload_bytes=size, documents_done=0,
                        created_at=datetime.now(UTC))
        try:
            with self.db.session() as session:
                session.add(row)
        except SQLAlchemyError:
            self.remove_folder(job_id)  # no row, no job: the upload is not kept
            raise
        return self._job(row)

    @staticmethod
    def _job(row: JobRecord) -> dict[str, Any]:
        """The row as a job dict (:class:`BaseJobStore`'s keys and the API's)."""
        return {**describe(row), "started": _epoch(row.started_at), "finished": _epoch(row.finished_at),
                "owner": row.owner_key_id}

    def record(self, job_id: str) -> JobRecord | None:
        """The job's row (None when there is no such job, or it was cancelled)."""
        if not valid_job_id(job_id):
            return None
        with self.db.session() as session:
            row = session.get(JobRecord, job_id)
        return None if row is None or row.state == "cancelled" else row

    def get(self, job_id: str) -> dict[str, Any]:
        row = self.record(job_id)
        if row is None:
            raise KeyError(job_id)
        return self._job(row)

    def exists(self, job_id: str) -> bool:
        return self.record(job_id) is not None

    def update(self, job_id: str, **changes: Any) -> None:
        unknown = sorted(set(changes) - set(_COLUMNS))
        if unknown:
            raise TypeError(f"not a job field: {unknown[0]}")
        if isinstance(changes.get("error"), str):  # never show the client this server's paths
            changes["error"] = changes["error"].replace(f"{self.root / job_id}/", "").replace(str(self.root), "<jobs>")
        values = {column: convert(changes[key]) for key, (column, convert) in _COLUMNS.items() if key in changes}
        if not valid_job_id(job_id):
            raise KeyError(job_id)
        live = (JobRecord.id == job_id, JobRecord.state != "cancelled")
        with self.db.session() as session:
            if values:  # one statement: a job cancelled meanwhile is never changed back
                result = cast(CursorResult[Any], session.execute(
                    update(JobRecord).where(*live).values(**values).execution_options(synchronize_session=False)))
                changed = result.rowcount > 0
            else:
                changed = session.scalar(select(JobRecord.id).where(*live)) is not None
        if not changed:
            raise KeyError(job_id)

    def record_progress(self, job_id: str, documents_done: int) -> None:
        with contextlib.suppress(KeyError, SQLAlchemyError):
            self.update(job_id, documents_done=documents_done)

    def unfinished(self) -> list[str]:
        query = (select(JobRecord.id).where(JobRecord.state.in_(("queued", "running")))
                 .order_by(JobRecord.created_at, JobRecord.id))
        with self.db.session() as session:
            return list(session.scalars(query))

    def all_jobs(self) -> list[dict[str, Any]]:
        query = select(JobRecord).where(JobRecord.state != "cancelled").order_by(JobRecord.created_at, JobRecord.id)
        with self.db.session() as session:
            rows = list(session.scalars(query))
        return [self._job(row) for row in rows]

    def page(self, owner: int | None, page: int, per_page: int, state: str | None = None
             ) -> tuple[int, list[JobRecord]]:
        """One page of jobs, newest first: ``owner``'s, or everyone's when ``owner`` is None."""
        query = select(JobRecord).where(JobRecord.state != "cancelled")
        count = select(func.count()).select_from(JobRecord).where(JobRecord.state != "cancelled")
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

    # --- cancel, remove, prune ------------------------------------------------------------------
    def cancel_requested(self, job_id: str) -> bool:
        if not valid_job_id(job_id):
            return True
        with self.db.session() as session:
            state = session.scalar(select(JobRecord.state).where(JobRecord.id == job_id))
        return state is None or state == "cancelled"

    def _mark_cancelled(self, job_id: str, states: tuple[str, ...]) -> bool:
        with self.db.session() as session:
            result = cast(CursorResult[Any], session.execute(
                update(JobRecord).where(JobRecord.id == job_id, JobRecord.state.in_(states))
                .values(state="cancelled").execution_options(synchronize_session=False)))
            return result.rowcount > 0

    def cancel(self, job_id: str) -> bool:
        if not valid_job_id(job_id):
            raise KeyError(job_id)
        # One conditional statement each: the runner may take a queued job, or finish it, meanwhile.
        for _attempt in range(3):
            if self._mark_cancelled(job_id, ("queued", "done", "failed")):
                self.remove(job_id)  # nobody runs it: it goes now
                return True
            if self._mark_cancelled(job_id, ("running",)):
                return False  # the runner stops it before its next document and removes it
            if not self.exists(job_id):
                break
        raise KeyError(job_id)

    def remove(self, job_id: str) -> None:
        """Drop the job's row, then its folder (a folder left by a failure is pruned later)."""
        folder = self.folder(job_id)
        with self.db.session() as session:
            session.execute(delete(JobRecord).where(JobRecord.id == job_id))
        if folder.exists():
            self.remove_folder(job_id)

    def prune(self, max_age_seconds: float, now: float | None = None, running_here: set[str] | None = None
              ) -> list[str]:
        """Rows: done or failed ones that finished before the cutoff, and cancelled ones nobody here
        runs (their folders too). Folders: those without a row (a crashed upload, a failed removal)
        whose last change is older than the cutoff."""
        now = time.time() if now is None else now
        cutoff = _when(now - max_age_seconds)
        running_here = running_here or set()
        ended = func.coalesce(JobRecord.finished_at, JobRecord.created_at)
        with self.db.session() as session:
            stale = set(session.scalars(select(JobRecord.id).where(
                (JobRecord.state.in_(("done", "failed")) & (ended < cutoff)) | (JobRecord.state == "cancelled"))))
            known = set(session.scalars(select(JobRecord.id)))
        removed: list[str] = []
        for job_id in sorted(stale - running_here):
            self.remove(job_id)
            removed.append(job_id)
        for path in self.folders():
            name = path.name
            if name in known or name in running_here or (path / LEGACY_FILE).exists():
                continue  # a job's folder; or an older version's, imported at the next start
            try:
                old = path.stat().st_mtime < now - max_age_seconds
            except OSError:
                continue
            if old:
                self.remove_folder(name)
                removed.append(name)
        return sorted(set(removed))

    # --- job folders of older versions ------------------------------------------------------------
    def import_legacy(self) -> int:
        """Import job folders written by older versions (state in ``<id>/job.json``) once: a row
        from the ``job.json`` where the job has none (a row made by a version that kept both is
        kept as it is), then the ``job.json`` goes; a folder marked as deleted goes altogether.
        Returns how many rows were made."""
        made = 0
        for meta in sorted(self.root.glob(f"*/{LEGACY_FILE}")):
            folder = meta.parent
            if not valid_job_id(folder.name):
                continue
            if (folder / CANCEL_MARKER).exists():  # deleted while it ran under the older version
                self.remove(folder.name)
                continue
            try:
                job = json.loads(meta.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                log.warning("job folder %s: unreadable %s, not imported", folder.name, LEGACY_FILE)
                continue
            if not isinstance(job, dict):
                continue
            with contextlib.suppress(IntegrityError):  # another process imported it meanwhile
                made += self._import_one(folder.name, job)
            with self.db.session() as session:
                imported = session.get(JobRecord, folder.name) is not None
            if imported:  # the row holds the state now
                meta.unlink(missing_ok=True)
                (folder / f".{LEGACY_FILE}.tmp").unlink(missing_ok=True)
        if made:
            log.info("imported %d job(s) from older job folders in %s", made, self.root)
        return made

    def _import_one(self, job_id: str, job: dict[str, Any]) -> int:
        with self.db.session() as session:
            if session.get(JobRecord, job_id) is not None:
                return 0
            owner = job.get("owner")
            if not isinstance(owner, int) or session.get(ApiKey, owner) is None:
                owner = None  # not recorded, or its key is gone
            state = job.get("state")
            session.add(JobRecord(
                id=job_id,
                owner_key_id=owner,
                state=state if state in ("queued", "running", "done", "failed") else "failed",
                filename=str(job.get("filename") or "upload")[:255],
                options=job.get("options") if isinstance(job.get("options"), dict) else {},
                directory=str(self.folder(job_id)),
                upload_bytes=int(job.get("upload_bytes") or 0),
                documents_done=self.documents_done(job_id),
                error=job.get("error"),
                summary=job.get("summary"),
                created_at=_when(job.get("created") or time.time()),
                started_at=_when(job.get("started")),
                finished_at=_when(job.get("finished")),
            ))
        return 1


class PollingJobRunner(JobRunner):
    """A :class:`JobRunner` that also picks up jobs queued by other processes (rescans when idle)
    and, every ``prune_seconds``, runs ``prune`` (the clean-up of old jobs)."""

    def __init__(self, store: BaseJobStore, poll_seconds: float = 2.0, prune: Callable[[], Any] | None = None,
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
            try:
                self._drain()
            except SQLAlchemyError as exc:  # the database is away: the next round tries again
                log.warning("batch job runner: %s", exc)

    def _drain(self) -> None:
        tried: set[str] = set()
        while True:
            try:
                pending = [j for j in self.store.unfinished() if j not in tried]
            except (OSError, ValueError, KeyError):  # next round
                return
            if not pending:
                return
            tried.add(pending[0])
            self._process(pending[0])


class JobService:
    """The jobs of one app: the store (bound to the app's database by :meth:`bind`) and, in at most
    one process per jobs folder, the runner thread."""

    def __init__(self, root: str | Path, max_upload_bytes: int, workers: int = 0, poll_seconds: float = 2.0) -> None:
        self.root = Path(root)
        self.max_upload_bytes = max_upload_bytes
        self.workers = workers
        self.poll_seconds = poll_seconds
        self.retention_days = 30.0
        self.prune_seconds = 3600.0
        self.runner: PollingJobRunner | None = None
        self._store: DbJobStore | None = None
        self._lock_file: IO[str] | None = None
        self._guard = threading.Lock()

    def bind(self, db: Database, retention_days: float = 30.0, prune_seconds: float = 3600.0) -> None:
        """Keep the jobs in ``db`` (a :class:`DbJobStore`) and import job folders of older versions
        (:meth:`DbJobStore.import_legacy`); keep finished ones ``retention_days`` (0: forever),
        pruned by the runner every ``prune_seconds``."""
        if retention_days < 0 or prune_seconds <= 0:
            raise ValueError("JOBS_RETENTION_DAYS must be >= 0 and JOBS_PRUNE_SECONDS > 0")
        self._store = DbJobStore(self.root, db, max_upload_bytes=self.max_upload_bytes)
        self.retention_days = retention_days
        self.prune_seconds = prune_seconds
        try:
            self._store.import_legacy()
        except (SQLAlchemyError, OSError) as exc:  # the next start tries again
            log.warning("job folders of an older version not imported: %s", exc)

    @property
    def db_store(self) -> DbJobStore | None:
        """The store, once :meth:`bind` has run (else None)."""
        return self._store

    @property
    def store(self) -> DbJobStore:
        if self._store is None:
            raise RuntimeError("JobService.bind() has not attached a database")
        return self._store

    def prune(self, retention_days: float | None = None, now: float | None = None) -> list[str]:
        """Remove finished jobs older than the retention (their folders and rows); returns their ids."""
        days = self.retention_days if retention_days is None else retention_days
        if days <= 0:
            return []
        runner = self.runner
        running = {runner.current} if runner is not None and runner.current else set()
        return self.store.prune(days * DAY, now=now, running_here=running)

    describe = staticmethod(describe)

    def start_runner(self) -> bool:
        """Start the runner here unless another process holds ``runner.lock`` (or no database is
        bound); True when it runs here."""
        with self._guard:
            if self.runner is not None:
                return True
            if self._store is None:
                return False
            self.root.mkdir(parents=True, exist_ok=True)
            handle = open(self.root / "runner.lock", "a+", encoding="utf-8")  # noqa: SIM115 - held open
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
            try:
                runner = PollingJobRunner(self._store, poll_seconds=self.poll_seconds,
                                          prune=self.prune if self.retention_days > 0 else None,
                                          prune_seconds=self.prune_seconds)
            except SQLAlchemyError as exc:  # the database is away: the next start or submission tries
                log.warning("batch job runner not started: %s", exc)
                self._release_lock()
                return False
            self.runner = runner
            runner.start()
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
            self._release_lock()

    def _release_lock(self) -> None:
        if self._lock_file is not None:
            fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None
