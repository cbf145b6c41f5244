"""``/v1/glossaries``: translators read, admins upload (TBX/CSV/TSV) and delete."""

from __future__ import annotations

import math
from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, request

from audit.glossary import GLOSSARY_SUFFIXES

from ..auth import current_principal, require_role
from ..errors import ApiError
from ..extension import services
from ..services.glossaries import entry_dict
from ..validation import int_query_arg, multipart_upload

bp = Blueprint("glossaries", __name__, url_prefix="/v1")


@bp.get("/glossaries")
@require_role("translator")
def list_glossaries() -> Response:
    return jsonify({"glossaries": services().glossaries.all()})


@bp.post("/glossaries")
@require_role("admin")
def upload() -> tuple[Response, int]:
    upload, form, _files = multipart_upload("a glossary file")
    filename = Path(upload.filename or "").name
    if Path(filename).suffix.lower() not in GLOSSARY_SUFFIXES:
        raise ApiError(
            422,
            "invalid_glossary",
            f"the file name must end in {', '.join(GLOSSARY_SUFFIXES)} (got {filename or 'none'!r})",
            "file",
        )
    unknown = sorted(set(form) - {"id", "name"})
    if unknown:
        raise ApiError(422, "unknown_field", f"unknown field {unknown[0]!r}", unknown[0])
    name = form.get("name")
    if name is not None and len(name) > 200:
        raise ApiError(422, "invalid_field", "must have at most 200 characters", "name")
    info = services().glossaries.create(
        upload.read(),
        filename,
        glossary_id=form.get("id"),
        name=name or None,
        uploaded_by=current_principal().key_id,
    )
    return jsonify(info), 201


@bp.get("/glossaries/<glossary_id>")
@require_role("translator")
def get(glossary_id: str) -> Response:
    info = services().glossaries.info(glossary_id)
    if info is None:
        raise ApiError(404, "not_found", f"no glossary with id {glossary_id!r}")
    return jsonify(info)


@bp.delete("/glossaries/<glossary_id>")
@require_role("admin")
def delete(glossary_id: str) -> tuple[str, int]:
    if not services().glossaries.delete(glossary_id):
        raise ApiError(404, "not_found", f"no glossary with id {glossary_id!r}")
    return "", 204


@bp.get("/glossaries/<glossary_id>/entries")
@require_role("translator")
def entries(glossary_id: str) -> Response:
    config = current_app.config
    page = int_query_arg("page", 1, 1, 1_000_000)
    per_page = int_query_arg("per_page", int(config["ENTRIES_PER_PAGE"]), 1, int(config["ENTRIES_PER_PAGE_MAX"]))
    query = request.args.get("q")
    if query is not None and len(query) > 200:
        raise ApiError(422, "invalid_field", "must have at most 200 characters", "q")
    loaded = services().glossaries.get(glossary_id)
    if loaded is None:
        raise ApiError(404, "not_found", f"no glossary with id {glossary_id!r}")
    rows = loaded.glossary.entries
    needle = (query or "").strip().casefold()
    if needle:
        rows = tuple(
            e
            for e in rows
            if any(
                needle in field.casefold()
                for field in (e.id, e.source_term, e.preferred, e.note, e.domain, *e.deprecated, *e.admitted)
            )
        )
    total = len(rows)
    start = (page - 1) * per_page
    return jsonify(
        {
            "glossary": glossary_id,
            "q": query,
            "page": page,
            "per_page": per_page,
            "total": total,
            "pages": math.ceil(total / per_page) if total else 0,
            "entries": [entry_dict(e) for e in rows[start : start + per_page]],
        }
    )
