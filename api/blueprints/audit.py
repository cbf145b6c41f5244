"""``POST /v1/audit``: the audit of one text, as ``mt-audit check --format json``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify

from audit.config import DEFAULT_SRC_LANG, DEFAULT_TGT_LANG, ModelsConfig
from audit.errors import ConfigError
from audit.limits import deadline
from audit.records import Document

from ..auth import current_principal
from ..blueprints.review import learning_thresholds
from ..errors import ApiError, from_audit_error
from ..extension import services
from ..routes import json_answer, route_doc
from ..schemas import error_response
from ..services.auditors import server_models_config
from ..services.learnt import team_applied

bp = Blueprint("audit", __name__, url_prefix="/v1")

_MODELS_KEY = "mt_audit.models"
SEED_PARAGRAPH = (
    "It can be seen that Trump has been trying to reshape the U.S. geopolitical strategy after returning "
    "to the White House, and the anti-China alliance is one of the important directions."
)
def _server_models() -> ModelsConfig | None:
    """The server's model layer (app config ``MODELS``/``MODELS_*``), read once per app."""
    extensions = current_app.extensions
    if _MODELS_KEY not in extensions:
        try:
            extensions[_MODELS_KEY] = server_models_config(current_app.config)
        except ConfigError as exc:
            raise ApiError(500, "server_misconfigured",
                           f"the server's model settings ({exc.field or 'MODELS'}) are invalid: {exc.message}"
                           ) from None
    models: ModelsConfig | None = extensions[_MODELS_KEY]
    return models


def _with_models(options: dict[str, Any]) -> dict[str, Any]:
    """``options.models: true`` becomes the server's ModelsConfig (400 when it has none)."""
    wanted = options.get("models", False)
    rest = {k: v for k, v in options.items() if k != "models"}
    if not wanted:
        return rest
    models = _server_models()
    if models is None:
        raise ApiError(400, "models_not_configured",
                       "this server has no model layer: set MODELS (a mapping of model settings or a models "
                       "YAML path) or MODELS_LM / MODELS_MT / MODELS_EMBEDDER in its configuration "
                       "(MT_AUDIT_MODELS... in the environment), or leave options.models out",
                       "options.models")
    return {**rest, "models": models}


@bp.post("/audit")
@route_doc(
    role="translator",
    body="AuditRequest",
    examples={
        "paragraph": ("One seed paragraph", {"text": SEED_PARAGRAPH}),
        "options": (
            "Options, glossaries and language pair",
            {
                "text": SEED_PARAGRAPH,
                "src_lang": "zh",
                "tgt_lang": "en",
                "options": {"grammar": False, "candidates": 2, "weights": {"minor": 1, "major": 5}},
            },
        ),
    },
    responses=[json_answer(200, "AuditResult", "The audit.")],
    errors=[
        (
            503,
            error_response(
                "The audit ran past MT_AUDIT_TIME_LIMIT_SECONDS (default 30) and was stopped.",
                "time_limit_exceeded",
                "the audit took longer than this server's limit of 30 s (MT_AUDIT_TIME_LIMIT_SECONDS) "
                "and was stopped; send a shorter text",
                "text",
            ),
        )
    ],
)
def audit(body: dict[str, Any]) -> Response:
    """Audit machine-translated text

    Flags glossary, rule and grammar problems with character offsets into `text`, proposes a corrected
    sentence, and scores the edit. The answer is the JSON of `mt-audit check --format json` (same
    offsets, same fields). With `source`, the source-aware checks run too (`mt-audit check --source`).
    Besides schema errors, a 422 may be `unknown_glossary` or `invalid_text` (empty, or NUL characters).
    With `store: true` the audit is stored for editors: the answer adds `document_id` and `review_url`
    (the review page, `/review/documents/{id}`). With `options.models: true` the server's configured
    model layer runs too (400 `models_not_configured` when it has none); proposals then record their
    `origin` and `scores`.
    """
    limits = services().limits
    limits.check_text(body["text"], "text")  # 413 text_too_long (MT_AUDIT_MAX_TEXT_CHARS)
    if body.get("source"):
        limits.check_text(body["source"], "source")
    src = body.get("src_lang", DEFAULT_SRC_LANG)
    options = _with_models(body.get("options", {}))
    # The team's learnt rule states (its editors' decisions; the rules page): off rules are disabled,
    # lowered rules lose a severity step, rules that stopped proposing keep their flags without one
    # (the auditor applies them before proposing: audit.learning.RuleAdjustment).
    learnt = team_applied(body.get("project"), current_principal().key_id, learning_thresholds())
    options = learnt.options(options)
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
    # The work stops at the next sentence once MT_AUDIT_TIME_LIMIT_SECONDS have passed (503 time_limit_exceeded).
    with deadline(limits.time_limit_seconds):
        # With a source, the source-aware checks (audit/source) run too.
        (result,) = auditor.run([Document(body["text"], source or None, "text")])
    out = result.to_dict()
    if learnt:
        out["learnt"] = learnt.to_dict()
    if body.get("store"):
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
            project=body.get("project"),
        )
        out["document_id"] = doc_id
        out["review_url"] = review_url(doc_id)
    return jsonify(out)
