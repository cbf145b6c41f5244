"""``/v1/keys``: admins list, create and revoke API keys."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from sqlalchemy import select

from ..auth import create_key, key_dict, require_role, revoke_key
from ..errors import ApiError
from ..extension import services
from ..storage import ApiKey
from ..validation import json_body

bp = Blueprint("keys", __name__, url_prefix="/v1")
MAX_KEY_ID = 2**31 - 1  # ids are 32-bit everywhere (SQLite and PostgreSQL INTEGER)


@bp.get("/keys")
@require_role("admin")
def list_keys() -> Response:
    with services().db.session() as session:
        keys = [key_dict(k) for k in session.scalars(select(ApiKey).order_by(ApiKey.id))]
    return jsonify({"keys": keys})


@bp.post("/keys")
@require_role("admin")
def create() -> tuple[Response, int]:
    body = json_body("ApiKeyCreate")
    key, token = create_key(services().db, body["name"], body["role"])
    return jsonify({**key_dict(key), "key": token}), 201


@bp.delete("/keys/<int:key_id>")
@require_role("admin")
def revoke(key_id: int) -> tuple[str, int]:
    ext = services()
    if key_id > MAX_KEY_ID or revoke_key(ext.db, key_id) is None:
        raise ApiError(404, "not_found", f"no key with id {key_id}")
    ext.keys.forget()
    return "", 204
