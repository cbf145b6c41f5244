"""``GET /v1/health`` (liveness) and ``GET /v1/health/ready`` (readiness); no key needed."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy import text

from audit import __version__

from ..extension import services

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
def health() -> Response:
    return jsonify(_health())


@bp.get("/health/ready")
def ready() -> tuple[Response, int]:
    body = _health()
    return jsonify(body), 200 if body["ready"] else 503
