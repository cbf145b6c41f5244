"""``/v1/jobs``: batch scoring of an uploaded archive (.zip or .tar.gz), run in the background.

The job store is :mod:`audit.batch.jobs` on disk (``<instance>/jobs``); one process runs the
jobs (see :mod:`api.services.jobs`). Translators and above may submit and read jobs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO, cast

from flask import Blueprint, Response, jsonify, send_file, url_for

from audit.errors import InputError

from ..auth import require_role
from ..errors import ApiError
from ..extension import services
from ..validation import multipart_upload

bp = Blueprint("jobs", __name__, url_prefix="/v1")

#: Form fields besides ``file``: booleans, and the language pair.
BOOL_FIELDS = ("grammar", "source_checks")
TEXT_FIELDS = ("src_lang", "tgt_lang")
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


def _links(job_id: str) -> dict[str, str]:
    return {
        "self": url_for("jobs.get_job", job_id=job_id),
        "report": url_for("jobs.report", job_id=job_id),
        "results": url_for("jobs.results", job_id=job_id),
    }


def _job_body(job: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "state", "filename", "options", "created", "error", "summary", "progress")
    body = {key: job.get(key) for key in keys}
    body["progress"] = body["progress"] or {"documents_done": 0}
    body["links"] = _links(job["id"])
    return body


def _load(job_id: str) -> dict[str, Any]:
    jobs = services().jobs
    if jobs.runner is None and services().jobs_runner_enabled:
        services().start_jobs_runner()  # lazily; or the process that ran jobs has gone
    try:
        return jobs.store.get(job_id)
    except (KeyError, ValueError, OSError):
        raise ApiError(404, "not_found", f"no job with id {job_id!r}") from None


def _not_ready(job: dict[str, Any]) -> ApiError:
    if job["state"] == "failed":
        return ApiError(409, "job_failed", f"job {job['id']} failed: {job.get('error') or 'unknown error'}")
    return ApiError(409, "not_ready", f"job {job['id']} is {job['state']}; poll GET /v1/jobs/{job['id']}")


@bp.post("/jobs")
@require_role("translator")
def create() -> tuple[Response, int, dict[str, str]]:
    upload, form, files = multipart_upload("a .zip or .tar.gz archive")
    unknown = sorted((set(form) | set(files)) - {"file", *BOOL_FIELDS, *TEXT_FIELDS})
    if unknown:
        raise ApiError(422, "unknown_field", f"unknown field {unknown[0]!r}", unknown[0])
    options: dict[str, Any] = {}
    for name in BOOL_FIELDS:
        raw = form.get(name)
        if raw is None:
            continue
        value = raw.strip().lower()
        if value not in _TRUE | _FALSE:
            raise ApiError(422, "invalid_field", "must be true or false", name)
        options[name] = value in _TRUE
    for name in TEXT_FIELDS:
        raw = form.get(name)
        if raw is None:
            continue
        if not (raw.isascii() and raw.replace("-", "").isalpha() and 2 <= len(raw) <= 12):
            raise ApiError(422, "invalid_field", "must be a language code such as zh or en", name)
        options[name] = raw
    ext = services()
    if "grammar" not in options:
        options["grammar"] = ext.grammar_default
    options["workers"] = ext.jobs.workers
    filename = Path((upload.filename or "").replace("\\", "/")).name
    try:
        job = ext.jobs.store.create(filename or "upload", cast(BinaryIO, upload.stream), options)
    except InputError as exc:
        raise ApiError(422, "invalid_archive", exc.message, "file") from None
    if ext.jobs_runner_enabled:
        ext.start_jobs_runner()  # lazily, when no process took the lock at start
    ext.jobs.submit(job["id"])
    body = _job_body({**job, "progress": {"documents_done": 0}})
    return jsonify(body), 202, {"Location": body["links"]["self"]}


@bp.get("/jobs/<job_id>")
@require_role("translator")
def get_job(job_id: str) -> Response:
    return jsonify(_job_body(_load(job_id)))


@bp.get("/jobs/<job_id>/report")
@require_role("translator")
def report(job_id: str) -> Response:
    job = _load(job_id)
    path = services().jobs.store.output_path(job_id, "report.html") if job["state"] == "done" else None
    if path is None:
        raise _not_ready(job)
    return send_file(path, mimetype="text/html", max_age=0)


@bp.get("/jobs/<job_id>/results")
@require_role("translator")
def results(job_id: str) -> Response:
    job = _load(job_id)
    path = services().jobs.store.results_zip(job_id) if job["state"] == "done" else None
    if path is None:
        raise _not_ready(job)
    return send_file(
        path, mimetype="application/zip", as_attachment=True, download_name=f"mt-audit-{job_id}.zip", max_age=0
    )
