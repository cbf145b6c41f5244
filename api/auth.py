"""API keys: ``Authorization: Bearer <key>``, one role each.

A key is 32 random bytes, URL-safe base64, prefixed ``mta_``; it is shown once
and only its SHA-256 is stored. Keys are high-entropy random tokens, not
passwords: a slow KDF (bcrypt, scrypt) protects guessable secrets and adds nothing
here, while a plain hash lets the server find a key by its hash with one indexed
lookup. The stored and computed hashes are then compared in constant time.

Roles are ordered: translator (audit, score, read glossaries) < editor (plus
review, later) < admin (plus glossaries and keys).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

from flask import current_app, g, request
from sqlalchemy import select

from .errors import ApiError
from .storage import ROLES, ApiKey, Database
from .storage.models import utcnow

TOKEN_PREFIX = "mta_"
PREFIX_CHARS = 12  # "mta_" + 8 characters: enough to recognise a key in a list
_RANK = {role: rank for rank, role in enumerate(ROLES)}


def generate_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Principal:
    """Who sent the request: the key's id, name and role."""

    key_id: int
    name: str
    role: str

    def may(self, role: str) -> bool:
        return _RANK[self.role] >= _RANK[role]


def key_dict(key: ApiKey) -> dict[str, Any]:
    from .timefmt import iso

    return {
        "id": key.id,
        "name": key.name,
        "role": key.role,
        "prefix": key.key_prefix,
        "created_at": iso(key.created_at),
        "revoked_at": iso(key.revoked_at),
    }


def create_key(db: Database, name: str, role: str) -> tuple[ApiKey, str]:
    """Store a new key; return its row and the token (which is not stored)."""
    if role not in _RANK:
        raise ValueError(f"unknown role {role!r} (roles: {', '.join(ROLES)})")
    token = generate_token()
    key = ApiKey(name=name, role=role, key_hash=hash_token(token), key_prefix=token[:PREFIX_CHARS], created_at=utcnow())
    with db.session() as session:
        session.add(key)
    return key, token


def revoke_key(db: Database, key_id: int) -> ApiKey | None:
    with db.session() as session:
        key = session.get(ApiKey, key_id)
        if key is not None and key.revoked_at is None:
            key.revoked_at = utcnow()
        return key


class KeyStore:
    """Looks keys up by hash, remembering verified ones for a few seconds per worker."""

    def __init__(self, db: Database, cache_seconds: float) -> None:
        self.db = db
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, Principal]] = {}
        self._lock = threading.Lock()

    def lookup(self, token: str) -> Principal | None:
        digest = hash_token(token)
        now = time.monotonic()
        if self.cache_seconds > 0:
            with self._lock:
                hit = self._cache.get(digest)
            if hit is not None and hit[0] > now:
                return hit[1]
        with self.db.session() as session:
            key = session.scalars(select(ApiKey).where(ApiKey.key_hash == digest)).first()
            if key is None or not hmac.compare_digest(key.key_hash, digest) or key.revoked_at is not None:
                return None
            principal = Principal(key.id, key.name, key.role)
        if self.cache_seconds > 0:
            with self._lock:
                if len(self._cache) > 10_000:
                    self._cache.clear()
                self._cache[digest] = (now + self.cache_seconds, principal)
        return principal

    def forget(self) -> None:
        with self._lock:
            self._cache.clear()


def identify() -> None:
    """``before_request``: set ``g.principal`` from the bearer key (None when absent or invalid)."""
    g.principal = None
    g.auth_problem = "no API key: send 'Authorization: Bearer <key>'"
    header = request.headers.get("Authorization")
    if not header:
        return
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        g.auth_problem = "the Authorization header must be 'Bearer <key>'"
        return
    if len(token) > 200:
        g.auth_problem = "invalid or revoked API key"
        return
    store: KeyStore = current_app.extensions["mt_audit"].keys
    g.principal = store.lookup(token)
    if g.principal is None:
        g.auth_problem = "invalid or revoked API key"


def current_principal() -> Principal:
    principal: Principal | None = g.get("principal")
    if principal is None:
        raise ApiError(
            401,
            "unauthorized",
            g.get("auth_problem") or "authentication required",
            headers={"WWW-Authenticate": 'Bearer realm="mt-audit"'},
        )
    return principal


def check_role(role: str) -> Principal:
    """The request's principal: 401 without a valid key, 403 when the key's role is below ``role``.

    Views state their role once, in :func:`api.routes.route_doc`, which calls this first.
    """
    principal = current_principal()
    if not principal.may(role):
        raise ApiError(403, "forbidden", f"this needs the {role} role; your key has {principal.role}")
    return principal
