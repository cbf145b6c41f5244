"""``GET /v1/health`` (liveness) and ``GET /v1/health/ready`` (readiness); no key needed."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy import text

from audit import __version__

from ..extension import services
from ..routes import json_answer, route_doc

bp = Blueprint("health", __name__, url_prefix="/v1")


def _health() -> dict[str, Any]:
    ext = services()
    try:
        with ext.db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        database = "ok"
    except Exception:
        current_app.logger.exception("database check failed")
        database = "error"
    return {
        "status": "ok",
        "ready": ext.ready and database == "ok",
        "version": __version__,
        "database": database,
        # The work limits this server enforces (MT_AUDIT_MAX_TEXT_CHARS ...; audit.limits).
        "limits": {**ext.limits.to_dict(), "max_content_length": current_app.config.get("MAX_CONTENT_LENGTH")},
    }


@bp.get("/health")
@route_doc(
    role=None,
    limited=False,
    responses=[json_answer(200, "Health", "Alive; `ready` tells whether the models are loaded.")],
)
def health() -> Response:
    """Liveness (always 200 while the process serves) and readiness flag"""
    return jsonify(_health())


@bp.get("/health/ready")
@route_doc(
    role=None,
    limited=False,
    responses=[json_answer(200, "Health", "Ready."), json_answer(503, "Health", "Still loading.")],
)
def ready() -> tuple[Response, int]:
    """Readiness: 200 once the default auditor is built and warm, else 503"""
    body = _health()
    return jsonify(body), 200 if body["ready"] else 503
