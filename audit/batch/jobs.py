"""Batch jobs kept on disk, for a server: submit an archive, poll its state, fetch its report and
results. Every job lives in ``ROOT/<id>/`` (``job.json``, ``input/``, ``out/``); a
:class:`JobRunner` thread runs queued jobs one at a time and, when started, re-queues those a
restart interrupted: they resume from their checkpoints (see :mod:`audit.batch.runner`).

An HTTP layer needs only: ``POST /v1/jobs`` -> :meth:`JobStore.create` (202 + id),
``GET /v1/jobs/<id>`` -> :meth:`JobStore.get`, ``GET /v1/jobs/<id>/report`` ->
:meth:`JobStore.output_path` (``report.html``), ``GET /v1/jobs/<id>/results`` ->
:meth:`JobStore.results_zip`.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import secrets
import threading
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from ..errors import InputError

STATES = ("queued", "running", "done", "failed")
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
        if not job_id.isalnum():
            raise KeyError(job_id)
        path = self.root / job_id
        if not (path / "job.json").exists():
            raise KeyError(job_id)
        return path

    def create(self, filename: str, stream: BinaryIO, options: dict[str, Any] | None = None) -> dict[str, Any]:
        """Store an uploaded archive (a .zip or .tar.gz) and queue it; returns the job."""
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
               "created": time.time(), "error": None, "summary": None}
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
            job = json.loads(path.read_text(encoding="utf-8"))
            if job["state"] in ("queued", "running"):
                jobs.append((job["created"], job["id"]))
        return [job_id for _created, job_id in sorted(jobs)]

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
    from ..cli import build_config
    from .runner import BatchOptions, run_batch

    options = store.get(job_id)["options"]
    config = build_config(options.get("src_lang", "zh"), options.get("tgt_lang", "en"), (), False, (), False,
                          not options.get("grammar", True), tuple(options.get("disabled_rules", ())), None, 0)
    outcome = run_batch(BatchOptions(archive=str(store.archive_path(job_id)), out=str(store.out_dir(job_id)),
                                     config=config, workers=int(options.get("workers", 0)), progress=False,
                                     source_checks=bool(options.get("source_checks", False)),
                                     scheduler=options.get("scheduler")))
    return outcome.summary


class JobRunner(threading.Thread):
    """Runs queued jobs one after another; at start, re-queues the unfinished ones (they resume)."""

    def __init__(self, store: JobStore, run: Callable[[JobStore, str], dict[str, Any]] = default_run) -> None:
        super().__init__(name="mt-audit-jobs", daemon=True)
        self.store = store
        self.run_job = run
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
        """Run one job unless it is finished; record done (with a slim summary) or failed."""
        try:
            if self.store.get(job_id)["state"] in ("done", "failed"):
                return
            self.store.update(job_id, state="running")
            summary = self.run_job(self.store, job_id)
            slim = {k: summary[k] for k in ("documents", "segments", "files_skipped", "flags", "mqm_penalty",
                                            "mean_edit_ratio") if k in summary}
            self.store.update(job_id, state="done", summary=slim)
        except Exception as exc:  # noqa: BLE001 - a failed job is recorded, the runner goes on
            with contextlib.suppress(Exception):  # the job folder vanished meanwhile
                self.store.update(job_id, state="failed", error=str(exc)[:500])
