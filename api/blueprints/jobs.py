"""``/v1/jobs``: batch scoring of an uploaded archive (.zip or .tar.gz), run in the background.

A job's state is its row in the database (``batch_jobs``: owner key, state, progress, times); its
upload and outputs are files under ``<instance>/jobs``; one process runs the jobs, started at
service start or by a ``POST``, never by a read (see :mod:`api.services.jobs`). Translators and
above may submit jobs, and list, read and delete their own; another key's job answers 404 as if it
did not exist. Admin keys see and delete every job.
"""

from __future__ import annotations

import math
from typing import Any, BinaryIO, cast

from flask import Blueprint, Response, jsonify, send_file, url_for
from flask.blueprints import BlueprintSetupState

from audit.batch.jobs import SAFE_SUFFIXES
from audit.errors import InputError

from ..auth import current_principal
from ..blueprints.review import learning_thresholds
from ..errors import ApiError
from ..extension import services
from ..routes import empty_answer, json_answer, media_answer, route_doc
from ..schemas import ARCHIVE_MEDIA_TYPES, JOB_STATES, PAGING_PARAMETERS, query_parameter
from ..services.jobs import DbJobStore, JobService
from ..services.learnt import team_applied
from ..validation import Upload, typed_filename

bp = Blueprint("jobs", __name__, url_prefix="/v1")
#: States a listed job can be in (a deleted job is gone, never listed as cancelled).
LISTED_STATES = JOB_STATES


@bp.record_once
def _bind_database(state: BlueprintSetupState) -> None:
    """Index the app's jobs in its database (``batch_jobs``), with the retention settings."""
    app = state.app
    ext = app.extensions["mt_audit"]
    try:
        retention = float(app.config.get("JOBS_RETENTION_DAYS", 30))
        prune_seconds = float(app.config.get("JOBS_PRUNE_SECONDS", 3600))
    except (TypeError, ValueError):
        raise ValueError("MT_AUDIT_JOBS_RETENTION_DAYS and MT_AUDIT_JOBS_PRUNE_SECONDS must be numbers") from None
    ext.jobs.bind(ext.db, retention_days=retention, prune_seconds=prune_seconds)

#: Form fields besides ``file`` (checked as ``JobUpload``): booleans ("true"/"false"), and the language pair.
BOOL_FIELDS = ("grammar", "source_checks")
TEXT_FIELDS = ("src_lang", "tgt_lang")


def _links(job_id: str) -> dict[str, str]:
    return {
        "self": url_for("jobs.get_job", job_id=job_id),
        "report": url_for("jobs.get_job_report", job_id=job_id),
        "results": url_for("jobs.get_job_results", job_id=job_id),
    }


def _job_body(job: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "state", "filename", "options", "created", "created_at", "started_at", "finished_at",
            "owner_key_id", "error", "summary", "progress")
    body = {key: job.get(key) for key in keys}
    body["progress"] = body["progress"] or {"documents_done": 0}
    body["links"] = _links(job["id"])
    return body


def _store() -> DbJobStore:
    store = services().jobs.db_store
    if store is None:  # bound when the blueprint is registered; only a hand-built app lacks it
        raise ApiError(503, "unavailable", "the job index is not configured")
    return store


def _owner_filter() -> int | None:
    """The key whose jobs the caller may see; None: every job (admin)."""
    principal = current_principal()
    return None if principal.may("admin") else principal.key_id


def _load(job_id: str) -> dict[str, Any]:
    """The job from its row (a read never starts the runner); 404 when unknown or another key's."""
    missing = ApiError(404, "not_found", f"no job with id {job_id!r}")
    try:
        job = _store().get(job_id)
    except KeyError:
        raise missing from None
    owner = _owner_filter()
    if owner is not None and job["owner_key_id"] != owner:
        raise missing  # another key's job is not disclosed
    return job


def _not_ready(job: dict[str, Any]) -> ApiError:
    if job["state"] == "failed":
        return ApiError(409, "job_failed", f"job {job['id']} failed: {job.get('error') or 'unknown error'}")
    return ApiError(409, "not_ready", f"job {job['id']} is {job['state']}; poll GET /v1/jobs/{job['id']}")


@bp.post("/jobs")
@route_doc(
    role="translator",
    upload="JobUpload",
    responses=[json_answer(202, "Job", "Queued.", headers={"Location": "The job's URL."})],
)
def create_job(upload: Upload) -> tuple[Response, int, dict[str, str]]:
    """Submit an archive for batch scoring

    multipart/form-data with a `file` part: a .zip or .tar.gz archive of documents, as `mt-audit batch`
    reads them (its name's suffix gives the format; a name without one: the part's Content-Type). The
    job is queued and runs in the background (one at a time per server); poll
    `links.self` until `state` is `done`, then fetch `links.report` and `links.results`. Bodies are
    capped by MT_AUDIT_MAX_CONTENT_LENGTH (413); a file that is no archive is a 422 `invalid_archive`
    naming `file`.
    """
    fields = upload.fields
    options: dict[str, Any] = {name: fields[name] == "true" for name in BOOL_FIELDS if name in fields}
    options.update({name: fields[name] for name in TEXT_FIELDS if name in fields})
    ext = services()
    if "grammar" not in options:
        options["grammar"] = ext.grammar_default
    options["workers"] = ext.jobs.workers
    # The team's learnt rule states, fixed at submission (as for POST /v1/audit): the key's team.
    learnt = team_applied(None, current_principal().key_id, learning_thresholds())
    if learnt:
        options = {**learnt.options(options), "learnt": learnt.to_dict()}
    part = upload.files["file"]
    filename = typed_filename(part, SAFE_SUFFIXES, ARCHIVE_MEDIA_TYPES)
    try:
        job = _store().create(filename or "upload", cast(BinaryIO, part.stream), options,
                              owner=current_principal().key_id)
    except InputError as exc:
        raise ApiError(422, "invalid_archive", exc.message, "file") from None
    row = _store().record(job["id"])
    if row is not None:
        described = JobService.describe(row)
        job = {**job, "created_at": described["created_at"], "owner_key_id": row.owner_key_id}
    if ext.jobs_runner_enabled:
        ext.start_jobs_runner()  # lazily, when no process took the lock at start
    ext.jobs.submit(job["id"])
    body = _job_body({**job, "progress": {"documents_done": 0}})
    return jsonify(body), 202, {"Location": body["links"]["self"]}


@bp.get("/jobs")
@route_doc(
    role="translator",
    query=[
        *PAGING_PARAMETERS,
        query_parameter("state", {"type": "string", "enum": list(LISTED_STATES)}, "Only jobs in this state."),
    ],
    strict_query=True,
    responses=[json_answer(200, "JobPage", "One page of jobs.")],
)
def list_jobs(query: dict[str, Any]) -> Response:
    """The caller's jobs (an admin key: every job), newest first, paged

    Each job as `GET /v1/jobs/{job_id}` shows it, with `owner_key_id` (the key that submitted it) and
    ISO 8601 `created_at`/`started_at`/`finished_at`. Finished jobs are removed after
    MT_AUDIT_JOBS_RETENTION_DAYS (default 30).
    """
    page, per_page, state = query["page"], query["per_page"], query["state"]
    total, rows = _store().page(_owner_filter(), page, per_page, state)
    jobs = [_job_body(JobService.describe(row)) for row in rows]
    return jsonify(
        {
            "page": page,
            "per_page": per_page,
            "total": total,
            "pages": math.ceil(total / per_page) if total else 0,
            "jobs": jobs,
        }
    )


@bp.get("/jobs/<job_id>")
@route_doc(role="translator", responses=[json_answer(200, "Job", "The job.")])
def get_job(job_id: str) -> Response:
    """A job's state, progress and (when done) summary

    Another key's job answers 404 (an admin key reads every job).
    """
    return jsonify(_job_body(_load(job_id)))


@bp.delete("/jobs/<job_id>")
@route_doc(role="translator", responses=[empty_answer(204, "Deleted.")])
def delete_job(job_id: str) -> tuple[str, int]:
    """Cancel a job and remove its files

    The owner's key or an admin key. A queued or finished job's files go at once; a running job stops
    before its next document and its files go then. The job answers 404 from now on.
    """
    _load(job_id)
    try:
        _store().cancel(job_id)
    except KeyError:
        raise ApiError(404, "not_found", f"no job with id {job_id!r}") from None
    return "", 204


@bp.get("/jobs/<job_id>/report")
@route_doc(
    role="translator",
    responses=[media_answer(200, "text/html", {"type": "string"}, "HTML.")],
    errors=["Conflict"],
)
def get_job_report(job_id: str) -> Response:
    """The finished job's HTML report

    409 `not_ready` until the job is done (`job_failed` when it failed).
    """
    job = _load(job_id)
    path = services().jobs.store.output_path(job_id, "report.html") if job["state"] == "done" else None
    if path is None:
        raise _not_ready(job)
    return send_file(path, mimetype="text/html", max_age=0)


@bp.get("/jobs/<job_id>/results")
@route_doc(
    role="translator",
    responses=[
        media_answer(
            200, "application/zip", {"type": "string", "contentMediaType": "application/zip"}, "A zip archive."
        )
    ],
    errors=["Conflict"],
)
def get_job_results(job_id: str) -> Response:
    """The finished job's outputs as a zip

    summary.json, documents.csv, segments.jsonl, segments.parquet and report.html. 409 `not_ready` until
    the job is done (`job_failed` when it failed).
    """
    job = _load(job_id)
    path = services().jobs.store.results_zip(job_id) if job["state"] == "done" else None
    if path is None:
        raise _not_ready(job)
    return send_file(
        path, mimetype="application/zip", as_attachment=True, download_name=f"mt-audit-{job_id}.zip", max_age=0
    )
