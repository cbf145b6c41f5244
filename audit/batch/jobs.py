"""Batch jobs kept on disk, for a server: submit an archive, poll its state, fetch its report and
results. Every job lives in ``ROOT/<id>/`` (``job.json``, ``input/``, ``out/``); a
:class:`JobRunner` thread runs queued jobs one at a time and, when started, re-queues those a
restart interrupted: they resume from their checkpoints (see :mod:`audit.batch.runner`).

An HTTP layer needs only: ``POST /v1/jobs`` -> :meth:`JobStore.create` (202 + id),
``GET /v1/jobs/<id>`` -> :meth:`JobStore.get`, ``GET /v1/jobs/<id>/report`` ->
:meth:`JobStore.output_path` (``report.html``), ``GET /v1/jobs/<id>/results`` ->
:meth:`JobStore.results_zip`, ``DELETE /v1/jobs/<id>`` -> :meth:`JobStore.cancel` (a queued or
finished job's folder goes at once; a running one stops at its next document and the runner
removes it), and clean-up -> :meth:`JobStore.prune` (finished jobs older than a retention).
The API keeps an index of the jobs in its database (:mod:`api.services.jobs`).
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
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from ..errors import InputError

STATES = ("queued", "running", "done", "failed", "cancelled")
FINISHED = ("done", "failed", "cancelled")
#: A job folder holding this file was deleted (cancelled): nothing reads or resumes it any more.
CANCEL_MARKER = "cancelled"
RESULT_FILES = ("summary.json", "documents.csv", "segments.jsonl", "segments.parquet", "report.html")
SAFE_SUFFIXES = (".zip", ".tar.gz", ".tgz", ".tar")


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


class JobStore:
    def __init__(self, root: str | Path, max_upload_bytes: int = 2 * 1024**3) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.max_upload_bytes = max_upload_bytes
        self._lock = threading.Lock()

    def _dir(self, job_id: str) -> Path:
        if not job_id.isascii() or not job_id.isalnum():
            raise KeyError(job_id)
        path = self.root / job_id
        if not (path / "job.json").exists() or (path / CANCEL_MARKER).exists():
            raise KeyError(job_id)
        return path

    def job_dir(self, job_id: str) -> Path:
        """The folder of job ``job_id`` (KeyError when there is no such job)."""
        return self._dir(job_id)

    def create(self, filename: str, stream: BinaryIO, options: dict[str, Any] | None = None,
               owner: int | None = None) -> dict[str, Any]:
        """Store an uploaded archive (a .zip or .tar.gz) and queue it; returns the job.
        ``owner``: the id of the API key that submitted it (recorded in ``job.json``)."""
        name = Path(filename.replace("\\", "/")).name.lower()
        suffix = next((s for s in SAFE_SUFFIXES if name.endswith(s)), None)
        if suffix is None:
            raise InputError("upload a .zip or .tar.gz archive", file=filename)
        job_id = secrets.token_hex(8)
        job_dir = self.root / job_id
        (job_dir / "input").mkdir(parents=True)
        target = job_dir / "input" / f"archive{suffix}"
        size = 0
        with target.open("wb") as handle:
            while chunk := stream.read(1024 * 1024):
                size += len(chunk)
                if size > self.max_upload_bytes:
                    handle.close()
                    target.unlink()
                    raise InputError(f"upload larger than {self.max_upload_bytes} bytes", file=filename)
                handle.write(chunk)
        job = {"id": job_id, "state": "queued", "filename": Path(filename).name, "options": options or {},
               "created": time.time(), "started": None, "finished": None, "error": None, "summary": None,
               "owner": owner, "upload_bytes": size}
        _write_json(job_dir / "job.json", job)
        return job

    def get(self, job_id: str) -> dict[str, Any]:
        job_dir = self._dir(job_id)
        job = json.loads((job_dir / "job.json").read_text(encoding="utf-8"))
        parts = job_dir / "out" / "parts"
        job["progress"] = {"documents_done": sum(1 for p in parts.glob("*.jsonl")) if parts.is_dir() else 0}
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
        return (self.root / job_id / CANCEL_MARKER).exists()

    def cancel(self, job_id: str) -> bool:
        """Cancel a job and remove its files; True when they are gone now, False when it is
        running: the runner stops it before its next document and removes the folder then (or the
        next runner start or prune does, if the process that ran it has died)."""
        job_dir = self._dir(job_id)
        job = json.loads((job_dir / "job.json").read_text(encoding="utf-8"))
        (job_dir / CANCEL_MARKER).write_text(f"{time.time()}\n", encoding="utf-8")
        if job["state"] == "running":
            return False
        self.remove(job_id)
        return True

    def remove(self, job_id: str) -> None:
        """Delete a job's folder (renamed first, so readers never see half of it)."""
        if not job_id.isascii() or not job_id.isalnum():
            raise KeyError(job_id)
        path = self.root / job_id
        if not path.exists():
            return
        trash = self.root / f".trash-{job_id}-{secrets.token_hex(4)}"
        try:
            os.replace(path, trash)
        except OSError:
            trash = path
        shutil.rmtree(trash, ignore_errors=True)

    def prune(self, max_age_seconds: float, now: float | None = None, running_here: set[str] | None = None
              ) -> list[str]:
        """Remove finished (done/failed) jobs that finished more than ``max_age_seconds`` ago,
        cancelled folders whose runner is gone, and half-created folders (no ``job.json``) older than
        that; returns the removed ids. ``running_here``: jobs this process is running (never removed)."""
        now = time.time() if now is None else now
        cutoff = now - max_age_seconds
        running_here = running_here or set()
        removed: list[str] = []
        for path in sorted(self.root.iterdir()):
            if not path.is_dir():
                continue
            name = path.name
            if name.startswith(".trash-"):
                shutil.rmtree(path, ignore_errors=True)
                continue
            if not name.isalnum() or name in running_here:
                continue
            meta = path / "job.json"
            try:
                if (path / CANCEL_MARKER).exists():
                    job: dict[str, Any] | None = None
                    stale = True
                elif not meta.exists():
                    job, stale = None, path.stat().st_mtime < cutoff
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

    def archive_path(self, job_id: str) -> Path:
        return next((self._dir(job_id) / "input").iterdir())

    def out_dir(self, job_id: str) -> Path:
        return self._dir(job_id) / "out"

    def output_path(self, job_id: str, name: str) -> Path | None:
        if name not in RESULT_FILES:
            raise KeyError(name)
        path = self.out_dir(job_id) / name
        return path if path.exists() else None

    def results_zip(self, job_id: str) -> Path | None:
        """A zip of the finished job's outputs (built once)."""
        if self.get(job_id)["state"] != "done":
            return None
        target = self._dir(job_id) / "results.zip"
        if not target.exists():
            tmp = target.with_name(".results.zip.tmp")
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
                for name in RESULT_FILES:
                    path = self.out_dir(job_id) / name
                    if path.exists():
                        zf.write(path, name)
            os.replace(tmp, target)
        return target


def default_run(store: JobStore, job_id: str) -> dict[str, Any]:
    from ..config import DEFAULT_BATCH_GRAMMAR_RULES, AuditConfig
    from .runner import BatchOptions, run_batch

    options = store.get(job_id)["options"]
    config = AuditConfig.from_options({k: options[k] for k in ("src_lang", "tgt_lang", "grammar", "disabled_rules")
                                       if k in options}, grammar_rules=DEFAULT_BATCH_GRAMMAR_RULES)
    outcome = run_batch(BatchOptions(archive=str(store.archive_path(job_id)), out=str(store.out_dir(job_id)),
                                     config=config, workers=int(options.get("workers", 0)), progress=False,
                                     source_checks=bool(options.get("source_checks", False)),
                                     scheduler=options.get("scheduler"),
                                     should_stop=lambda: store.cancel_requested(job_id)))
    return outcome.summary


class JobRunner(threading.Thread):
    """Runs queued jobs one after another; at start, re-queues the unfinished ones (they resume)."""

    def __init__(self, store: JobStore, run: Callable[[JobStore, str], dict[str, Any]] = default_run) -> None:
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
        cancelled meanwhile (``DELETE``) is stopped and its folder removed."""
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
                              documents_done=self._documents_done(job_id))
        except BatchCancelled:  # deleted while it ran: its files go
            with contextlib.suppress(OSError, KeyError):
                self.store.remove(job_id)
        except Exception as exc:  # noqa: BLE001 - a failed job is recorded, the runner goes on
            if self.store.cancel_requested(job_id) or not (self.store.root / job_id).exists():
                with contextlib.suppress(OSError, KeyError):  # deleted meanwhile: not a failure
                    self.store.remove(job_id)
                return
            with contextlib.suppress(Exception):  # the job folder vanished meanwhile
                self.store.update(job_id, state="failed", error=str(exc)[:500], finished=time.time())
        finally:
            self.current = None

    def _documents_done(self, job_id: str) -> int:
        return int(self.store.get(job_id)["progress"]["documents_done"])
