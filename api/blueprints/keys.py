"""``/v1/keys``: admins list, create and revoke API keys."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify
from sqlalchemy import select

from ..auth import create_key, key_dict, revoke_key
from ..errors import ApiError
from ..extension import services
from ..routes import empty_answer, json_answer, route_doc
from ..schemas import MAX_KEY_ID
from ..storage import ApiKey

bp = Blueprint("keys", __name__, url_prefix="/v1")


@bp.get("/keys")
@route_doc(role="admin", responses=[json_answer(200, "ApiKeyList", "The keys.")])
def list_keys() -> Response:
    """List API keys (never the keys themselves)"""
    with services().db.session() as session:
        keys = [key_dict(k) for k in session.scalars(select(ApiKey).order_by(ApiKey.id))]
    return jsonify({"keys": keys})


@bp.post("/keys")
@route_doc(
    role="admin",
    body="ApiKeyCreate",
    examples={"translator": ("A translator's key", {"name": "alice", "role": "translator"})},
    responses=[json_answer(201, "ApiKeyCreated", "The key; store it now.")],
    operation_id="createKey",
)
def create(body: dict[str, Any]) -> tuple[Response, int]:
    """Create an API key (shown once)"""
    key, token = create_key(services().db, body["name"], body["role"])
    return jsonify({**key_dict(key), "key": token}), 201


@bp.delete("/keys/<int:key_id>")
@route_doc(role="admin", responses=[empty_answer(204, "Revoked.")], operation_id="revokeKey")
def revoke(key_id: int) -> tuple[str, int]:
    """Revoke an API key"""
    ext = services()
    if key_id > MAX_KEY_ID or revoke_key(ext.db, key_id) is None:
        raise ApiError(404, "not_found", f"no key with id {key_id}")
    ext.keys.forget()
    return "", 204
