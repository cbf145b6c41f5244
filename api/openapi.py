"""The OpenAPI 3.1 document of every endpoint, built from :mod:`api.schemas`.

Served at ``GET /v1/openapi.json`` and rendered as a self-contained HTML page at
``GET /v1/docs`` (no CDN, no scripts). Each operation names the role it needs
(``x-required-role``) and every status it can answer.
"""

from __future__ import annotations

import copy
from typing import Any

from audit import __version__

from .schemas import GLOSSARY_ID_PATTERN, SCHEMAS, ref
from .storage.models import ROLES

SEED_PARAGRAPH = (
    "It can be seen that Trump has been trying to reshape the U.S. geopolitical strategy after returning "
    "to the White House, and the anti-China alliance is one of the important directions."
)

_ERROR = {"application/json": {"schema": ref("Error")}}



#: The ``page``/``per_page`` query parameters of the paged lists (glossary entries, jobs).
PAGING_PARAMETERS: tuple[dict[str, object], ...] = (
    {
        "name": "page",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": 1_000_000, "default": 1},
    },
    {
        "name": "per_page",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 50},
    },
)

def _error(
    description: str,
    example_code: str,
    example_message: str,
    field: str | None = None,
    headers: dict[str, Any] | None = None,
) -> dict[str, Any]:
    example: dict[str, Any] = {"code": example_code, "message": example_message}
    if field:
        example["field"] = field
    out: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": ref("Error"), "example": {"error": example}}},
    }
    if headers:
        out["headers"] = headers
    return out


RESPONSES: dict[str, dict[str, Any]] = {
    "BadRequest": _error(
        "Malformed JSON (or an empty body).",
        "malformed_json",
        "malformed JSON: Expecting value (line 1, column 1)",
    ),
    "Unauthorized": _error(
        "No API key, or an invalid or revoked one.",
        "unauthorized",
        "no API key: send 'Authorization: Bearer <key>'",
        headers={"WWW-Authenticate": {"description": '`Bearer realm="mt-audit"`', "schema": {"type": "string"}}},
    ),
    "Forbidden": _error(
        "The key's role may not do this.", "forbidden", "this needs the admin role; your key has translator"
    ),
    "NotFound": _error("No such resource.", "not_found", "no glossary with id 'nope'"),
    "Conflict": _error(
        "The id is taken, or the resource is read-only.",
        "conflict",
        "a glossary with id 'diplomacy' exists",
        "id",
    ),
    "PayloadTooLarge": _error(
        "The body is larger than MT_AUDIT_MAX_CONTENT_LENGTH (default 5 MB), or (`text_too_long`, with "
        "`field`) the text is longer than MT_AUDIT_MAX_TEXT_CHARS characters (default 100,000).",
        "payload_too_large",
        "request body too large (limit 5242880 bytes)",
    ),
    "UnsupportedMediaType": _error(
        "Wrong Content-Type.", "unsupported_media_type", "send the body as application/json (got text/plain)"
    ),
    "Unprocessable": _error(
        "A field has the wrong type or value, is unknown or missing, or the language pair is unsupported.",
        "invalid_field",
        "must be a number",
        "options.weights.minor",
    ),
    "TooManyRequests": _error(
        "Over the key's rate limit (MT_AUDIT_RATE_LIMIT).",
        "rate_limited",
        "rate limit exceeded: 600 per 1 minute; retry after the time in Retry-After",
        headers={"Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "string"}}},
    ),
}


def _responses(ok: dict[str, Any], *names: str) -> dict[str, Any]:
    codes = {
        "BadRequest": "400",
        "Unauthorized": "401",
        "Forbidden": "403",
        "NotFound": "404",
        "Conflict": "409",
        "PayloadTooLarge": "413",
        "UnsupportedMediaType": "415",
        "Unprocessable": "422",
        "TooManyRequests": "429",
    }
    out = dict(ok)
    for name in names:
        out[codes[name]] = {"$ref": f"#/components/responses/{name}"}
    return out


def _json_ok(status: str, schema: str, description: str) -> dict[str, Any]:
    return {status: {"description": description, "content": {"application/json": {"schema": ref(schema)}}}}


def _json_body(schema: str, examples: dict[str, Any]) -> dict[str, Any]:
    return {
        "required": True,
        "content": {
            "application/json": {
                "schema": ref(schema),
                "examples": {name: {"summary": summary, "value": value} for name, (summary, value) in examples.items()},
            }
        },
    }


def _secured(role: str, op: dict[str, Any]) -> dict[str, Any]:
    op["security"] = [{"bearerAuth": []}]
    op["x-required-role"] = role
    op["description"] = (op.get("description", "") + f"\n\nRequires a key with role **{role}** or higher.").strip()
    return op


_GLOSSARY_ID = {
    "name": "glossary_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": GLOSSARY_ID_PATTERN},
    "description": "Glossary id (built-in: the file stem).",
}
_JOB_ID = {
    "name": "job_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[0-9a-f]{16}$"},
    "description": "Job id (from `POST /v1/jobs`).",
}
_BODY_ERRORS = (
    "BadRequest",
    "Unauthorized",
    "PayloadTooLarge",
    "UnsupportedMediaType",
    "Unprocessable",
    "TooManyRequests",
)


def _paths() -> dict[str, Any]:
    return {
        "/v1/audit": {
            "post": _secured(
                "translator",
                {
                    "operationId": "audit",
                    "tags": ["audit"],
                    "summary": "Audit machine-translated text",
                    "description": (
                        "Flags glossary, rule and grammar problems with character offsets into `text`, "
                        "proposes a corrected sentence, and scores the edit. The answer is the JSON of "
                        "`mt-audit check --format json` (same offsets, same fields). With `source`, the "
                        "source-aware checks run too (`mt-audit check --source`). Besides schema errors, a 422 "
                        "may be `unknown_glossary` or `invalid_text` (empty, or NUL characters). With "
                        "`store: true` the audit is stored for editors: the answer adds `document_id` and "
                        "`review_url` (the review page, `/review/documents/{id}`). With `options.models: true` "
                        "the server's configured model layer runs too (400 `models_not_configured` when it has "
                        "none); proposals then record their `origin` and `scores`."
                    ),
                    "requestBody": _json_body(
                        "AuditRequest",
                        {
                            "paragraph": ("One seed paragraph", {"text": SEED_PARAGRAPH}),
                            "options": (
                                "Options, glossaries and language pair",
                                {
                                    "text": SEED_PARAGRAPH,
                                    "src_lang": "zh",
                                    "tgt_lang": "en",
                                    "options": {
                                        "grammar": False,
                                        "candidates": 2,
                                        "weights": {"minor": 1, "major": 5},
                                    },
                                },
                            ),
                        },
                    ),
                    "responses": {
                        **_responses(_json_ok("200", "AuditResult", "The audit."), *_BODY_ERRORS),
                        "503": _error(
                            "The audit ran past MT_AUDIT_TIME_LIMIT_SECONDS (default 30) and was stopped.",
                            "time_limit_exceeded",
                            "the audit took longer than this server's limit of 30 s (MT_AUDIT_TIME_LIMIT_SECONDS) "
                            "and was stopped; send a shorter text",
                            "text",
                        ),
                    },
                },
            )
        },
        "/v1/score": {
            "post": _secured(
                "translator",
                {
                    "operationId": "score",
                    "tags": ["score"],
                    "summary": "Score hypotheses against references",
                    "description": (
                        "Sentence and corpus BLEU, chrF and TER (sacrebleu, with signatures) and "
                        "character edit distance, as `mt-audit score --format json`."
                    ),
                    "requestBody": _json_body(
                        "ScoreRequest",
                        {
                            "pair": (
                                "One segment",
                                {
                                    "hypotheses": ["The cat sat on mat."],
                                    "references": ["The cat sat on the mat."],
                                },
                            ),
                        },
                    ),
                    "responses": _responses(_json_ok("200", "ScoreResult", "The scores."), *_BODY_ERRORS),
                },
            )
        },
        "/v1/glossaries": {
            "get": _secured(
                "translator",
                {
                    "operationId": "listGlossaries",
                    "tags": ["glossaries"],
                    "summary": "List glossaries (built-in and uploaded)",
                    "responses": _responses(
                        _json_ok("200", "GlossaryList", "The glossaries."), "Unauthorized", "TooManyRequests"
                    ),
                },
            ),
            "post": _secured(
                "admin",
                {
                    "operationId": "uploadGlossary",
                    "tags": ["glossaries"],
                    "summary": "Upload a glossary (TBX, CSV or TSV)",
                    "description": (
                        "multipart/form-data with a `file` part; the file name's suffix (.tbx, .csv, "
                        ".tsv) gives the format. The whole file is validated: the first bad row is a 422 "
                        "naming the line."
                    ),
                    "requestBody": {
                        "required": True,
                        "content": {
                            "multipart/form-data": {
                                "schema": ref("GlossaryUpload"),
                                "encoding": {"file": {"contentType": "application/octet-stream"}},
                            }
                        },
                    },
                    "responses": _responses(
                        _json_ok("201", "Glossary", "Stored."), *_BODY_ERRORS, "Forbidden", "Conflict"
                    ),
                },
            ),
        },
        "/v1/glossaries/{glossary_id}": {
            "parameters": [_GLOSSARY_ID],
            "get": _secured(
                "translator",
                {
                    "operationId": "getGlossary",
                    "tags": ["glossaries"],
                    "summary": "One glossary's metadata",
                    "responses": _responses(
                        _json_ok("200", "Glossary", "The glossary."),
                        "Unauthorized",
                        "NotFound",
                        "TooManyRequests",
                    ),
                },
            ),
            "delete": _secured(
                "admin",
                {
                    "operationId": "deleteGlossary",
                    "tags": ["glossaries"],
                    "summary": "Delete an uploaded glossary",
                    "description": "Built-in glossaries are read-only (409 `read_only`).",
                    "responses": _responses(
                        {"204": {"description": "Deleted."}},
                        "Unauthorized",
                        "Forbidden",
                        "NotFound",
                        "Conflict",
                        "TooManyRequests",
                    ),
                },
            ),
        },
        "/v1/glossaries/{glossary_id}/entries": {
            "parameters": [_GLOSSARY_ID],
            "get": _secured(
                "translator",
                {
                    "operationId": "listGlossaryEntries",
                    "tags": ["glossaries"],
                    "summary": "A glossary's entries, paged and searchable",
                    "parameters": [
                        {
                            "name": "q",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string", "maxLength": 200},
                            "description": "Case-insensitive substring of the id, source term, renderings or note.",
                        },
                        *PAGING_PARAMETERS,
                    ],
                    "responses": _responses(
                        _json_ok("200", "GlossaryEntryPage", "One page of entries."),
                        "Unauthorized",
                        "NotFound",
                        "Unprocessable",
                        "TooManyRequests",
                    ),
                },
            ),
        },
        "/v1/jobs": {
            "get": _secured(
                "translator",
                {
                    "operationId": "listJobs",
                    "tags": ["jobs"],
                    "summary": "The caller's jobs (an admin key: every job), newest first, paged",
                    "description": (
                        "Each job as `GET /v1/jobs/{job_id}` shows it, with `owner_key_id` (the key that "
                        "submitted it) and ISO 8601 `created_at`/`started_at`/`finished_at`. Finished jobs "
                        "are removed after MT_AUDIT_JOBS_RETENTION_DAYS (default 30)."
                    ),
                    "parameters": [
                        *PAGING_PARAMETERS,
                        {
                            "name": "state",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string", "enum": ["queued", "running", "done", "failed"]},
                            "description": "Only jobs in this state.",
                        },
                    ],
                    "responses": _responses(
                        {
                            "200": {
                                "description": "One page of jobs.",
                                "content": {
                                    "application/json": {
                                        "schema": {
                                            "type": "object",
                                            "required": ["page", "per_page", "total", "pages", "jobs"],
                                            "properties": {
                                                "page": {"type": "integer", "minimum": 1},
                                                "per_page": {"type": "integer", "minimum": 1},
                                                "total": {"type": "integer", "minimum": 0},
                                                "pages": {"type": "integer", "minimum": 0},
                                                "jobs": {"type": "array", "items": ref("Job")},
                                            },
                                        }
                                    }
                                },
                            }
                        },
                        "Unauthorized",
                        "Unprocessable",
                        "TooManyRequests",
                    ),
                },
            ),
            "post": _secured(
                "translator",
                {
                    "operationId": "createJob",
                    "tags": ["jobs"],
                    "summary": "Submit an archive for batch scoring",
                    "description": (
                        "multipart/form-data with a `file` part: a .zip or .tar.gz archive of documents, "
                        "as `mt-audit batch` reads them. The job is queued and runs in the background "
                        "(one at a time per server); poll `links.self` until `state` is `done`, then fetch "
                        "`links.report` and `links.results`. Bodies are capped by MT_AUDIT_MAX_CONTENT_LENGTH "
                        "(413); a file that is no archive is a 422 `invalid_archive` naming `file`."
                    ),
                    "requestBody": {
                        "required": True,
                        "content": {
                            "multipart/form-data": {
                                "schema": ref("JobUpload"),
                                "encoding": {"file": {"contentType": "application/octet-stream"}},
                            }
                        },
                    },
                    "responses": _responses(
                        {
                            "202": {
                                "description": "Queued.",
                                "headers": {
                                    "Location": {"description": "The job's URL.", "schema": {"type": "string"}}
                                },
                                "content": {"application/json": {"schema": ref("Job")}},
                            }
                        },
                        *_BODY_ERRORS,
                    ),
                },
            )
        },
        "/v1/jobs/{job_id}": {
            "parameters": [_JOB_ID],
            "get": _secured(
                "translator",
                {
                    "operationId": "getJob",
                    "tags": ["jobs"],
                    "summary": "A job's state, progress and (when done) summary",
                    "description": "Another key's job answers 404 (an admin key reads every job).",
                    "responses": _responses(
                        _json_ok("200", "Job", "The job."), "Unauthorized", "NotFound", "TooManyRequests"
                    ),
                },
            ),
            "delete": _secured(
                "translator",
                {
                    "operationId": "deleteJob",
                    "tags": ["jobs"],
                    "summary": "Cancel a job and remove its files",
                    "description": (
                        "The owner's key or an admin key. A queued or finished job's files go at once; a "
                        "running job stops before its next document and its files go then. The job answers "
                        "404 from now on."
                    ),
                    "responses": _responses(
                        {"204": {"description": "Deleted."}}, "Unauthorized", "NotFound", "TooManyRequests"
                    ),
                },
            ),
        },
        "/v1/jobs/{job_id}/report": {
            "parameters": [_JOB_ID],
            "get": _secured(
                "translator",
                {
                    "operationId": "getJobReport",
                    "tags": ["jobs"],
                    "summary": "The finished job's HTML report",
                    "description": "409 `not_ready` until the job is done (`job_failed` when it failed).",
                    "responses": _responses(
                        {"200": {"description": "HTML.", "content": {"text/html": {"schema": {"type": "string"}}}}},
                        "Unauthorized",
                        "NotFound",
                        "Conflict",
                        "TooManyRequests",
                    ),
                },
            ),
        },
        "/v1/jobs/{job_id}/results": {
            "parameters": [_JOB_ID],
            "get": _secured(
                "translator",
                {
                    "operationId": "getJobResults",
                    "tags": ["jobs"],
                    "summary": "The finished job's outputs as a zip",
                    "description": (
                        "summary.json, documents.csv, segments.jsonl, segments.parquet and report.html. "
                        "409 `not_ready` until the job is done (`job_failed` when it failed)."
                    ),
                    "responses": _responses(
                        {
                            "200": {
                                "description": "A zip archive.",
                                "content": {
                                    "application/zip": {
                                        "schema": {"type": "string", "contentMediaType": "application/zip"}
                                    }
                                },
                            }
                        },
                        "Unauthorized",
                        "NotFound",
                        "Conflict",
                        "TooManyRequests",
                    ),
                },
            ),
        },
        "/v1/keys": {
            "get": _secured(
                "admin",
                {
                    "operationId": "listKeys",
                    "tags": ["keys"],
                    "summary": "List API keys (never the keys themselves)",
                    "responses": _responses(
                        _json_ok("200", "ApiKeyList", "The keys."),
                        "Unauthorized",
                        "Forbidden",
                        "TooManyRequests",
                    ),
                },
            ),
            "post": _secured(
                "admin",
                {
                    "operationId": "createKey",
                    "tags": ["keys"],
                    "summary": "Create an API key (shown once)",
                    "requestBody": _json_body(
                        "ApiKeyCreate",
                        {"translator": ("A translator's key", {"name": "alice", "role": "translator"})},
                    ),
                    "responses": _responses(
                        _json_ok("201", "ApiKeyCreated", "The key; store it now."), *_BODY_ERRORS, "Forbidden"
                    ),
                },
            ),
        },
        "/v1/keys/{key_id}": {
            "parameters": [
                {
                    "name": "key_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
                }
            ],
            "delete": _secured(
                "admin",
                {
                    "operationId": "revokeKey",
                    "tags": ["keys"],
                    "summary": "Revoke an API key",
                    "responses": _responses(
                        {"204": {"description": "Revoked."}},
                        "Unauthorized",
                        "Forbidden",
                        "NotFound",
                        "TooManyRequests",
                    ),
                },
            ),
        },
        "/v1/health": {
            "get": {
                "operationId": "health",
                "tags": ["health"],
                "summary": "Liveness (always 200 while the process serves) and readiness flag",
                "security": [],
                "responses": _json_ok("200", "Health", "Alive; `ready` tells whether the models are loaded."),
            }
        },
        "/v1/health/ready": {
            "get": {
                "operationId": "ready",
                "tags": ["health"],
                "summary": "Readiness: 200 once the default auditor is built and warm, else 503",
                "security": [],
                "responses": {
                    **_json_ok("200", "Health", "Ready."),
                    **{
                        "503": {
                            "description": "Still loading.",
                            "content": {"application/json": {"schema": ref("Health")}},
                        }
                    },
                },
            }
        },
        "/v1/openapi.json": {
            "get": {
                "operationId": "openapi",
                "tags": ["docs"],
                "summary": "This OpenAPI 3.1 document",
                "security": [],
                "responses": {
                    "200": {
                        "description": "The document.",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    "429": {"$ref": "#/components/responses/TooManyRequests"},
                },
            }
        },
        "/v1/docs": {
            "get": {
                "operationId": "docs",
                "tags": ["docs"],
                "summary": "This document as a browsable HTML page",
                "security": [],
                "responses": {
                    "200": {"description": "HTML.", "content": {"text/html": {"schema": {"type": "string"}}}},
                    "429": {"$ref": "#/components/responses/TooManyRequests"},
                },
            }
        },
    }


def build_spec() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {
            "title": "mt-audit API",
            "version": __version__,
            "summary": "Translation-quality audit of machine-translated text.",
            "description": (
                "Submit machine-translated text, get flags with character offsets, proposed corrections and "
                "edit scores. Authenticate with `Authorization: Bearer <key>` (create one with "
                "`mt-audit keys create --role translator --name me`). Roles: "
                + ", ".join(ROLES)
                + " (each may do what the ones before it may). Every error is "
                '`{"error": {"code", "message", "field"?}}`.'
            ),
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "tags": [
            {"name": "audit", "description": "Flag, explain, correct."},
            {"name": "score", "description": "MT metrics with sacrebleu signatures."},
            {"name": "glossaries", "description": "Terminology used by the audit."},
            {"name": "jobs", "description": "Batch scoring of an uploaded archive, in the background."},
            {"name": "keys", "description": "API keys (admin)."},
            {"name": "health", "description": "Probes; no key needed."},
            {"name": "docs", "description": "This documentation; no key needed."},
        ],
        "security": [{"bearerAuth": []}],
        "paths": _paths(),
        "components": {
            "schemas": copy.deepcopy(SCHEMAS),
            "responses": copy.deepcopy(RESPONSES),
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API key from `mt-audit keys create`.",
                }
            },
        },
    }
