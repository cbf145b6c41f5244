"""API keys and roles: 401 without a valid key, 403 for a role that may not, 429 over the rate limit."""

from __future__ import annotations

import hashlib
import io

import pytest
from sqlalchemy import select

from api.storage import ApiKey

PARA = {"text": "It can be seen that Trump has been trying.", "options": {"grammar": False}}
SCORE = {"hypotheses": ["a b"], "references": ["a c"]}

#: (method, path, JSON body, role needed) for every endpoint that needs a key.
ENDPOINTS = [
    ("post", "/v1/audit", PARA, "translator"),
    ("post", "/v1/score", SCORE, "translator"),
    ("get", "/v1/glossaries", None, "translator"),
    ("get", "/v1/glossaries/diplomacy", None, "translator"),
    ("get", "/v1/glossaries/diplomacy/entries", None, "translator"),
    ("post", "/v1/glossaries", "upload", "admin"),
    ("delete", "/v1/glossaries/mine", None, "admin"),
    ("get", "/v1/keys", None, "admin"),
    ("post", "/v1/keys", {"name": "bob", "role": "translator"}, "admin"),
    ("delete", "/v1/keys/1", None, "admin"),
]
RANK = {"translator": 0, "editor": 1, "admin": 2}


def call(client, method, path, body, headers):
    if body == "upload":
        data = {"file": (io.BytesIO(b"id,deprecated,preferred\nm.1,foo,bar\n"), "mine.csv"), "id": "mine"}
        return client.post(path, data=data, headers=headers, content_type="multipart/form-data")
    if body is None:
        return getattr(client, method)(path, headers=headers)
    return getattr(client, method)(path, json=body, headers=headers)


@pytest.mark.parametrize(("method", "path", "body", "role"), ENDPOINTS)
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer mta_not-a-real-key"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer"},
    ],
)
def test_no_valid_key_is_401(client, method, path, body, role, headers):
    response = call(client, method, path, body, headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("who", ["translator", "editor", "admin"])
def test_role_matrix(client, make_key, auth, who):
    key = make_key(who)
    for method, path, body, role in ENDPOINTS:
        response = call(client, method, path, body, auth(key))
        if RANK[who] < RANK[role]:
            assert response.status_code == 403, (who, method, path)
            error = response.get_json()["error"]
            assert error == {
                "code": "forbidden",
                "message": f"this needs the {role} role; your key has {who}",
            }
        else:
            assert response.status_code in (200, 201, 204), (who, method, path, response.get_json())


@pytest.mark.parametrize(("method", "path", "body", "role"), ENDPOINTS)
def test_nothing_answers_2xx_without_a_key_whatever_the_method(client, method, path, body, role):
    for other in ("options", "head", "put", "patch"):
        response = client.open(path, method=other.upper())
        assert response.status_code in (401, 405), (other, path)
        if other != "head":
            assert response.get_json()["error"]["code"] in ("unauthorized", "method_not_allowed")


@pytest.mark.parametrize("path", ["/v1/health", "/v1/openapi.json", "/v1/docs"])
def test_health_and_spec_need_no_key(client, path):
    assert client.get(path).status_code == 200


def test_keys_are_stored_hashed(app, client, admin_key, auth):
    response = client.post("/v1/keys", json={"name": "carol", "role": "editor"}, headers=auth(admin_key))
    assert response.status_code == 201
    created = response.get_json()
    token = created["key"]
    assert token.startswith("mta_") and len(token) >= 4 + 43  # 32 random bytes, URL-safe base64
    assert created["prefix"] == token[:12]
    with app.extensions["mt_audit"].db.session() as session:
        row = session.scalars(select(ApiKey).where(ApiKey.id == created["id"])).one()
        assert row.key_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in (row.key_hash, row.key_prefix, row.name)
    listed = client.get("/v1/keys", headers=auth(admin_key)).get_json()["keys"]
    assert all("key" not in k and "key_hash" not in k for k in listed)
    assert {k["name"]: k["role"] for k in listed}["carol"] == "editor"
    assert client.get("/v1/glossaries", headers=auth(token)).status_code == 200


def test_revoked_keys_are_refused(client, admin_key, translator_key, auth, app):
    ext = app.extensions["mt_audit"]
    assert client.get("/v1/glossaries", headers=auth(translator_key)).status_code == 200
    key_id = ext.keys.lookup(translator_key).key_id
    assert client.delete(f"/v1/keys/{key_id}", headers=auth(admin_key)).status_code == 204
    response = client.get("/v1/glossaries", headers=auth(translator_key))
    assert response.status_code == 401
    assert response.get_json()["error"]["message"] == "invalid or revoked API key"
    listed = {k["id"]: k for k in client.get("/v1/keys", headers=auth(admin_key)).get_json()["keys"]}
    assert listed[key_id]["revoked_at"] is not None
    assert client.delete("/v1/keys/999", headers=auth(admin_key)).status_code == 404


def test_bad_key_requests(client, admin_key, auth):
    response = client.post("/v1/keys", json={"name": "x", "role": "root"}, headers=auth(admin_key))
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "role"


def test_cli_prints_the_key_once(app, runner, client):
    """``flask --app api keys ...`` (the same commands as ``mt-audit keys ...``)."""
    result = runner.invoke(args=["keys", "create", "--role", "editor", "--name", "dave"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert token.startswith("mta_") and "\n" not in token
    assert "will not be shown again" in result.stderr
    assert client.get("/v1/glossaries", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    listing = runner.invoke(args=["keys", "list"])
    assert "dave" in listing.stdout and token not in listing.stdout and token[:12] in listing.stdout
    key_id = listing.stdout.splitlines()[1].split("\t")[0]
    assert runner.invoke(args=["keys", "revoke", key_id]).exit_code == 0
    assert client.get("/v1/glossaries", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert runner.invoke(args=["keys", "revoke", "999"]).exit_code == 2


class TestRateLimit:
    @pytest.fixture
    def config_overrides(self):
        return {"RATE_LIMIT": "3/minute"}

    def test_429_with_retry_after_per_key(self, client, make_key, auth):
        first, second = make_key("translator"), make_key("translator")
        # one budget per key, shared by every endpoint
        for path in ("/v1/glossaries", "/v1/glossaries/diplomacy", "/v1/glossaries"):
            ok = client.get(path, headers=auth(first))
            assert ok.status_code == 200
            assert "Retry-After" not in ok.headers
        limited = client.get("/v1/glossaries", headers=auth(first))
        assert limited.status_code == 429
        assert 0 < int(limited.headers["Retry-After"]) <= 60
        assert limited.headers["X-RateLimit-Limit"] == "3"
        assert limited.get_json()["error"]["code"] == "rate_limited"
        # another key has its own budget; health is never limited
        assert client.get("/v1/glossaries", headers=auth(second)).status_code == 200
        for _ in range(5):
            assert client.get("/v1/health").status_code == 200
