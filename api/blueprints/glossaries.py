"""``/v1/glossaries``: translators read, admins upload (TBX/CSV/TSV) and delete."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, jsonify

from audit.glossary import GLOSSARY_SUFFIXES

from ..auth import current_principal
from ..errors import ApiError
from ..extension import services
from ..routes import empty_answer, json_answer, route_doc
from ..schemas import GLOSSARY_MEDIA_TYPES, PAGING_PARAMETERS, query_parameter
from ..services.glossaries import entry_dict
from ..validation import Upload, typed_filename

bp = Blueprint("glossaries", __name__, url_prefix="/v1")


@bp.get("/glossaries")
@route_doc(role="translator", responses=[json_answer(200, "GlossaryList", "The glossaries.")])
def list_glossaries() -> Response:
    """List glossaries (built-in and uploaded)"""
    return jsonify({"glossaries": services().glossaries.all()})


@bp.post("/glossaries")
@route_doc(
    role="admin", upload="GlossaryUpload", responses=[json_answer(201, "Glossary", "Stored.")], errors=["Conflict"]
)
def upload_glossary(upload: Upload) -> tuple[Response, int]:
    """Upload a glossary (TBX, CSV or TSV)

    multipart/form-data with a `file` part; the file name's suffix (.tbx, .csv, .tsv) gives the format
    (a name without one: the part's Content-Type). The whole file is validated: the first bad row is a
    422 naming the line.
    """
    part = upload.files["file"]
    filename = typed_filename(part, GLOSSARY_SUFFIXES, GLOSSARY_MEDIA_TYPES)
    if Path(filename).suffix.lower() not in GLOSSARY_SUFFIXES:
        raise ApiError(
            422,
            "invalid_glossary",
            f"the file name must end in {', '.join(GLOSSARY_SUFFIXES)} (got {filename or 'none'!r})",
            "file",
        )
    info = services().glossaries.create(
        part.read(),
        filename,
        glossary_id=upload.fields.get("id"),
        name=upload.fields.get("name") or None,
        uploaded_by=current_principal().key_id,
    )
    return jsonify(info), 201


@bp.get("/glossaries/<glossary_id>")
@route_doc(role="translator", responses=[json_answer(200, "Glossary", "The glossary.")])
def get_glossary(glossary_id: str) -> Response:
    """One glossary's metadata"""
    info = services().glossaries.info(glossary_id)
    if info is None:
        raise ApiError(404, "not_found", f"no glossary with id {glossary_id!r}")
    return jsonify(info)


@bp.delete("/glossaries/<glossary_id>")
@route_doc(role="admin", responses=[empty_answer(204, "Deleted.")], errors=["Conflict"])
def delete_glossary(glossary_id: str) -> tuple[str, int]:
    """Delete an uploaded glossary

    Built-in glossaries are read-only (409 `read_only`).
    """
    if not services().glossaries.delete(glossary_id):
        raise ApiError(404, "not_found", f"no glossary with id {glossary_id!r}")
    return "", 204


@bp.get("/glossaries/<glossary_id>/entries")
@route_doc(
    role="translator",
    query=[
        query_parameter(
            "q",
            {"type": "string", "maxLength": 200},
            "Case-insensitive substring of the id, source term, renderings or note.",
        ),
        *PAGING_PARAMETERS,
    ],
    responses=[json_answer(200, "GlossaryEntryPage", "One page of entries.")],
)
def list_glossary_entries(glossary_id: str, query: dict[str, Any]) -> Response:
    """A glossary's entries, paged and searchable"""
    page, per_page, search = query["page"], query["per_page"], query["q"]
    loaded = services().glossaries.get(glossary_id)
    if loaded is None:
        raise ApiError(404, "not_found", f"no glossary with id {glossary_id!r}")
    rows = loaded.glossary.entries
    needle = (search or "").strip().casefold()
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
            "q": search,
            "page": page,
            "per_page": per_page,
            "total": total,
            "pages": math.ceil(total / per_page) if total else 0,
            "entries": [entry_dict(e) for e in rows[start : start + per_page]],
        }
    )
