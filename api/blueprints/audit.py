"""``POST /v1/audit``: the audit of one text, as ``mt-audit check --format json``."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from audit.config import DEFAULT_SRC_LANG, DEFAULT_TGT_LANG
from audit.errors import ConfigError

from ..auth import require_role
from ..errors import from_audit_error
from ..extension import services
from ..validation import json_body

bp = Blueprint("audit", __name__, url_prefix="/v1")


@bp.post("/audit")
@require_role("translator")
def audit() -> Response:
    body = json_body("AuditRequest")
    src = body.get("src_lang", DEFAULT_SRC_LANG)
    options = body.get("options", {})
    try:
        auditor = services().auditor_for(
            src_lang=None if src == "any" else src,
            tgt_lang=body.get("tgt_lang", DEFAULT_TGT_LANG),
            glossary_ids=body.get("glossaries"),
            options=options,
        )
    except ConfigError as exc:
        raise from_audit_error(exc, field_prefix="options.") from None
    source = body.get("source")
    if source and hasattr(auditor, "audit_pair"):  # the source-aware checks (audit/source)
        result = auditor.audit_pair(source, body["text"], name="text")
    else:
        result = auditor.audit(body["text"], name="text")
    out = result.to_dict()
    if body.get("store"):
        from ..auth import current_principal
        from ..blueprints.review import review_url
        from ..storage.reviews import store_audit

        doc_id = store_audit(
            services().db,
            text=body["text"],
            segments=result.segments,
            summary=out["summary"],
            tgt_lang=body.get("tgt_lang", DEFAULT_TGT_LANG),
            src_lang=None if src == "any" else src,
            source=body.get("source"),
            glossaries=body.get("glossaries") or [],
            name=str(body.get("name") or "text"),
            submitter_key_id=current_principal().key_id,
        )
        out["document_id"] = doc_id
        out["review_url"] = review_url(doc_id)
    return jsonify(out)
