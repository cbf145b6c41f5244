"""Batch jobs for a server: submit an archive, poll its state, fetch its report and results.

:class:`BaseJobStore` is the interface a :class:`JobRunner` and an HTTP layer use; it also owns
the artefacts on disk: every job has a folder ``ROOT/<id>/`` holding its upload (``input/``),
the checkpoints and outputs of its run (``out/``, see :mod:`audit.batch.runner`) and, once
fetched, ``results.zip``. Where a job's *state* lives (state, progress, error, summary, times,
owner, options, a cancel request) is the subclass's business:

- :class:`JobStore` keeps it in ``ROOT/<id>/job.json`` (no database: a library user, tests);
- :class:`api.services.jobs.DbJobStore` keeps it in the API's database only (``batch_jobs``).

A :class:`JobRunner` thread runs queued jobs one at a time and, when started, re-queues those a
restart interrupted: they resume from their checkpoints. The runner reads and writes state only
through the store's methods (:meth:`~BaseJobStore.get`, :meth:`~BaseJobStore.update`,
:meth:`~BaseJobStore.unfinished`, :meth:`~BaseJobStore.cancel_requested`,
:meth:`~BaseJobStore.remove`, :meth:`~BaseJobStore.record_progress`), never a file.

An HTTP layer needs only: ``POST /v1/jobs`` -> :meth:`BaseJobStore.create` (202 + id),
``GET /v1/jobs/<id>`` -> :meth:`BaseJobStore.get`, ``GET /v1/jobs/<id>/report`` ->
:meth:`BaseJobStore.output_path` (``report.html``), ``GET /v1/jobs/<id>/results`` ->
:meth:`BaseJobStore.results_zip`, ``DELETE /v1/jobs/<id>`` -> :meth:`BaseJobStore.cancel` (a queued
or finished job goes at once; a running one stops at its next document and the runner removes
it), and clean-up -> :meth:`BaseJobStore.prune` (finished jobs older than a retention).
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import secrets
import shutil
import threading
import time
import zipfile
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from ..errors import InputError

STATES = ("queued", "running", "done", "failed", "cancelled")
FINISHED = ("done", "failed", "cancelled")
#: (:class:`JobStore`) A job folder holding this file was deleted (cancelled): nothing reads or resumes it.
CANCEL_MARKER = "cancelled"
RESULT_FILES = ("summary.json", "documents.csv", "segments.jsonl", "segments.parquet", "report.html")
SAFE_SUFFIXES = (".zip", ".tar.gz", ".tgz", ".tar")
TRASH_PREFIX = ".trash-"


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


def valid_job_id(job_id: str) -> bool:
    """Job ids are short ASCII letters and digits (they name folders)."""
    return job_id.isascii() and job_id.isalnum() and len(job_id) <= 32


class BaseJobStore(ABC):
    """What a :class:`JobRunner` and an HTTP layer use: the jobs' state (abstract: each subclass keeps
    it its own way) and their artefacts on disk (here: ``ROOT/<id>/input``, ``out/``, ``results.zip``).

    A job is a dict with at least ``id``, ``state`` (one of :data:`STATES`), ``filename``, ``options``,
    ``created``/``started``/``finished`` (epoch seconds or None), ``error``, ``summary``, ``owner`` and
    ``progress`` (``{"documents_done": n}``). A cancelled job is gone for every reader: :meth:`get`
    and :meth:`exists` treat it as unknown."""

    def __init__(self, root: str | Path, max_upload_bytes: int = 2 * 1024**3) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.max_upload_bytes = max_upload_bytes

    # --- state (the subclass's) -------------------------------------------------------------------
    @abstractmethod
    def create(self, filename: str, stream: BinaryIO, options: dict[str, Any] | None = None,
               owner: int | None = None) -> dict[str, Any]:
        """Store an uploaded archive (a .zip or .tar.gz; :meth:`store_upload`) and queue it; returns
        the job. ``owner``: the id of the API key that submitted it."""

    @abstractmethod
    def get(self, job_id: str) -> dict[str, Any]:
        """The job (KeyError when there is no such job, or it was cancelled)."""

    @abstractmethod
    def exists(self, job_id: str) -> bool:
        """Whether :meth:`get` would find the job (a cheap check)."""

    @abstractmethod
    def update(self, job_id: str, **changes: Any) -> None:
        """Change the job's ``state``, ``started``, ``finished``, ``error``, ``summary`` or
        ``documents_done``; KeyError when the job is gone or cancelled (so a deleted job never
        comes back as done or failed)."""

    @abstractmethod
    def unfinished(self) -> list[str]:
        """Queued and running jobs, first uploaded first (a restart resumes the running ones)."""

    @abstractmethod
    def all_jobs(self) -> list[dict[str, Any]]:
        """Every job (cancelled ones left out), oldest first."""

    @abstractmethod
    def cancel_requested(self, job_id: str) -> bool:
        """True when the job was cancelled (``DELETE``) or is gone: its run must stop."""

    @abstractmethod
    def cancel(self, job_id: str) -> bool:
        """Cancel a job; True when it is gone now (queued or finished: its files too), False when it
        is running: the runner stops it before its next document and removes it then (or the next
        prune does, if the process that ran it has died). KeyError when there is no such job."""

    @abstractmethod
    def remove(self, job_id: str) -> None:
        """Forget the job and delete its folder (no error when it is gone already)."""

    @abstractmethod
    def prune(self, max_age_seconds: float, now: float | None = None, running_here: set[str] | None = None
              ) -> list[str]:
        """Remove finished (done/failed) jobs that finished more than ``max_age_seconds`` ago,
        cancelled jobs, and leftover folders older than that; returns the removed ids.
        ``running_here``: jobs this process is running (never removed)."""

    def record_progress(self, job_id: str, documents_done: int) -> None:
        """Best effort, while a job runs: how many documents are done (never raises for a job that
        went meanwhile)."""
        with contextlib.suppress(KeyError, OSError, ValueError):
            self.update(job_id, documents_done=documents_done)

    # --- artefacts on disk --------------------------------------------------------------------------
    def folder(self, job_id: str) -> Path:
        """``ROOT/<id>`` (whether or not it exists); KeyError for an id that cannot be a job's."""
        if not valid_job_id(job_id):
            raise KeyError(job_id)
        return self.root / job_id

    def job_dir(self, job_id: str) -> Path:
        """The folder of job ``job_id`` (KeyError when there is no such job)."""
        if not self.exists(job_id):
            raise KeyError(job_id)
        return self.folder(job_id)

    def store_upload(self, filename: str, stream: BinaryIO) -> tuple[str, int]:
        """Write an upload to a new job folder (``input/archive.<suffix>``); returns (id, bytes).
        InputError (and nothing kept) for another kind of file or one over ``max_upload_bytes``."""
        name = Path(filename.replace("\\", "/")).name.lower()
        suffix = next((s for s in SAFE_SUFFIXES if name.endswith(s)), None)
        if suffix is None:
            raise InputError("upload a .zip or .tar.gz archive", file=filename)
        job_id = secrets.token_hex(8)
        job_dir = self.root / job_id
        (job_dir / "input").mkdir(parents=True)
        target = job_dir / "input" / f"archive{suffix}"
        size, kept = 0, False
        try:
            with target.open("wb") as handle:
                while chunk := stream.read(1024 * 1024):
                    size += len(chunk)
                    if size > self.max_upload_bytes:
                        raise InputError(f"upload larger than {self.max_upload_bytes} bytes", file=filename)
                    handle.write(chunk)
            kept = True
        finally:
            if not kept:  # too large, or the upload broke off: nothing stays behind
                self.remove_folder(job_id)
        return job_id, size

    def remove_folder(self, job_id: str) -> None:
        """Delete a job's folder (renamed first, so readers never see half of it)."""
        path = self.folder(job_id)
        if not path.exists():
            return
        trash = self.root / f"{TRASH_PREFIX}{job_id}-{secrets.token_hex(4)}"
        try:
            os.replace(path, trash)
        except OSError:
            trash = path
        shutil.rmtree(trash, ignore_errors=True)

    def folders(self) -> Iterator[Path]:
        """The job folders under ROOT (half-deleted ``.trash-*`` ones are removed on the way)."""
        for path in sorted(self.root.iterdir()):
            if not path.is_dir():
                continue
            if path.name.startswith(TRASH_PREFIX):
                shutil.rmtree(path, ignore_errors=True)
                continue
            if valid_job_id(path.name):
                yield path

    def documents_done(self, job_id: str) -> int:
        """Documents with a checkpoint in the job's ``out/parts`` (its run's progress on disk)."""
        parts = self.folder(job_id) / "out" / "parts"
        return sum(1 for _ in parts.glob("*.jsonl")) if parts.is_dir() else 0

    def archive_path(self, job_id: str) -> Path:
        return next((self.job_dir(job_id) / "input").iterdir())

    def out_dir(self, job_id: str) -> Path:
        return self.job_dir(job_id) / "out"

    def output_path(self, job_id: str, name: str) -> Path | None:
        if name not in RESULT_FILES:
            raise KeyError(name)
        path = self.out_dir(job_id) / name
        return path if path.exists() else None

    def results_zip(self, job_id: str) -> Path | None:
        """A zip of the finished job's outputs (built once)."""
        if self.get(job_id)["state"] != "done":
            return None
        out = self.out_dir(job_id)
        target = out.parent / "results.zip"
        if not target.exists():
            tmp = target.with_name(f".results-{secrets.token_hex(4)}.zip.tmp")
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
                for name in RESULT_FILES:
                    path = out / name
                    if path.exists():
                        zf.write(path, name)
            os.replace(tmp, target)
        return target


class JobStore(BaseJobStore):
    """Jobs whose state is kept on disk beside their artefacts, in ``ROOT/<id>/job.json`` (no
    database needed); a deleted running job is marked by a ``cancelled`` file in its folder."""

    def __init__(self, root: str | Path, max_upload_bytes: int = 2 * 1024**3) -> None:
        super().__init__(root, max_upload_bytes=max_upload_bytes)
        self._lock = threading.Lock()

    def _dir(self, job_id: str) -> Path:
        path = self.folder(job_id)
        if not (path / "job.json").exists() or (path / CANCEL_MARKER).exists():
            raise KeyError(job_id)
        return path

    def exists(self, job_id: str) -> bool:
        try:
            self._dir(job_id)
        except KeyError:
            return False
        return True

    def create(self, filename: str, stream: BinaryIO, options: dict[str, Any] | None = None,
               owner: int | None = None) -> dict[str, Any]:
        job_id, size = self.store_upload(filename, stream)
        job = {"id": job_id, "state": "queued", "filename": Path(filename).name, "options": options or {},
               "created": time.time(), "started": None, "finished": None, "error": None, "summary": None,
               "owner": owner, "upload_bytes": size}
        _write_json(self.root / job_id / "job.json", job)
        return job

    def get(self, job_id: str) -> dict[str, Any]:
        job_dir = self._dir(job_id)
        job = json.loads((job_dir / "job.json").read_text(encoding="utf-8"))
        job["progress"] = {"documents_done": self.documents_done(job_id)}
        return job

    def update(self, job_id: str, **changes: Any) -> None:
        with self._lock:
            job_dir = self._dir(job_id)
            job = json.loads((job_dir / "job.json").read_text(encoding="utf-8"))
            job.update(changes)
            _write_json(job_dir / "job.json", job)

    def unfinished(self) -> list[str]:
        jobs = []
        for path in sorted(self.root.glob("*/job.json")):
            if (path.parent / CANCEL_MARKER).exists():
                continue
            job = json.loads(path.read_text(encoding="utf-8"))
            if job["state"] in ("queued", "running"):
                jobs.append((job["created"], job["id"]))
        return [job_id for _created, job_id in sorted(jobs)]

    def all_jobs(self) -> list[dict[str, Any]]:
        """Every job on disk (cancelled ones left out), oldest first; unreadable ``job.json`` skipped."""
        jobs = []
        for path in sorted(self.root.glob("*/job.json")):
            if (path.parent / CANCEL_MARKER).exists():
                continue
            with contextlib.suppress(OSError, ValueError):
                jobs.append(json.loads(path.read_text(encoding="utf-8")))
        return sorted(jobs, key=lambda j: (j.get("created") or 0, j.get("id", "")))

    # --- cancel, remove, prune -----------------------------------------------------------------
    def cancel_requested(self, job_id: str) -> bool:
        path = self.folder(job_id)
        return (path / CANCEL_MARKER).exists() or not (path / "job.json").exists()

    def cancel(self, job_id: str) -> bool:
        job_dir = self._dir(job_id)
        job = json.loads((job_dir / "job.json").read_text(encoding="utf-8"))
        (job_dir / CANCEL_MARKER).write_text(f"{time.time()}\n", encoding="utf-8")
        if job["state"] == "running":
            return False
        self.remove(job_id)
        return True

    def remove(self, job_id: str) -> None:
        self.remove_folder(job_id)

    def prune(self, max_age_seconds: float, now: float | None = None, running_here: set[str] | None = None
              ) -> list[str]:
        """Finished jobs, cancelled folders whose runner is gone, and half-created folders (no
        ``job.json``) older than the retention."""
        now = time.time() if now is None else now
        cutoff = now - max_age_seconds
        running_here = running_here or set()
        removed: list[str] = []
        for path in self.folders():
            name = path.name
            if name in running_here:
                continue
            meta = path / "job.json"
            try:
                if (path / CANCEL_MARKER).exists():
                    stale = True
                elif not meta.exists():
                    stale = path.stat().st_mtime < cutoff
                else:
                    job = json.loads(meta.read_text(encoding="utf-8"))
                    ended = job.get("finished") or job.get("created") or 0
                    stale = job.get("state") in ("done", "failed") and float(ended) < cutoff
            except (OSError, ValueError):
                continue
            if stale:
                self.remove(name)
                removed.append(name)
        return removed


#: Seconds between two progress writes of a running job (the first and the last always go).
PROGRESS_SECONDS = 1.0


#: The job options that reach the audit's configuration.
JOB_CONFIG_OPTIONS = ("src_lang", "tgt_lang", "grammar", "disabled_rules", "rule_adjustments")


def default_run(store: BaseJobStore, job_id: str) -> dict[str, Any]:
    """Run one job with :func:`audit.batch.runner.run_batch` on its folder's archive and ``out/``; its
    options and cancel requests come from the store, its progress goes to the store."""
    from ..config import DEFAULT_BATCH_GRAMMAR_RULES, AuditConfig
    from .runner import BatchOptions, run_batch

    options = store.get(job_id)["options"]
    # disabled_rules and rule_adjustments: the submitting team's learnt rule states (api.services.learnt).
    config = AuditConfig.from_options({k: options[k] for k in JOB_CONFIG_OPTIONS if k in options},
                                      grammar_rules=DEFAULT_BATCH_GRAMMAR_RULES)
    last = [float("-inf")]

    def progress(done: int) -> None:
        if time.monotonic() - last[0] >= PROGRESS_SECONDS:
            last[0] = time.monotonic()
            store.record_progress(job_id, done)

    outcome = run_batch(BatchOptions(archive=str(store.archive_path(job_id)), out=str(store.out_dir(job_id)),
                                     config=config, workers=int(options.get("workers", 0)), progress=False,
                                     source_checks=bool(options.get("source_checks", False)),
                                     scheduler=options.get("scheduler"),
                                     should_stop=lambda: store.cancel_requested(job_id), on_progress=progress))
    return outcome.summary


class JobRunner(threading.Thread):
    """Runs queued jobs one after another; at start, re-queues the unfinished ones (they resume).
    It knows jobs only through the :class:`BaseJobStore` interface."""

    def __init__(self, store: BaseJobStore,
                 run: Callable[[BaseJobStore, str], dict[str, Any]] = default_run) -> None:
        super().__init__(name="mt-audit-jobs", daemon=True)
        self.store = store
        self.run_job = run
        self.current: str | None = None  # the job being run now
        self.queue: queue.Queue[str | None] = queue.Queue()
        for job_id in store.unfinished():
            self.queue.put(job_id)

    def submit(self, job_id: str) -> None:
        self.queue.put(job_id)

    def stop(self) -> None:
        self.queue.put(None)

    def run(self) -> None:
        while (job_id := self.queue.get()) is not None:
            self._process(job_id)

    def _process(self, job_id: str) -> None:
        """Run one job unless it is finished; record done (with a slim summary) or failed. A job
        cancelled meanwhile (``DELETE``) is stopped and removed."""
        from .runner import BatchCancelled

        self.current = job_id
        try:
            if self.store.cancel_requested(job_id):
                self.store.remove(job_id)
                return
            if self.store.get(job_id)["state"] in FINISHED:
                return
            self.store.update(job_id, state="running", started=time.time())
            summary = self.run_job(self.store, job_id)
            if self.store.cancel_requested(job_id):
                raise BatchCancelled(job_id)
            slim = {k: summary[k] for k in ("documents", "segments", "files_skipped", "flags", "mqm_penalty",
                                            "mean_edit_ratio") if k in summary}
            self.store.update(job_id, state="done", summary=slim, finished=time.time(),
                              documents_done=self.store.documents_done(job_id))
        except BatchCancelled:  # deleted while it ran: it goes
            with contextlib.suppress(OSError, KeyError):
                self.store.remove(job_id)
        except Exception as exc:  # noqa: BLE001 - a failed job is recorded, the runner goes on
            if self.store.cancel_requested(job_id):  # deleted meanwhile: not a failure
                with contextlib.suppress(OSError, KeyError):
                    self.store.remove(job_id)
                return
            with contextlib.suppress(KeyError, OSError, ValueError):  # the job went meanwhile
                self.store.update(job_id, state="failed", error=str(exc)[:500], finished=time.time())
        finally:
            self.current = None
