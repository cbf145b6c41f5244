"""``@route_doc``: a view's role, body and answers, stated once, are both enforced and documented."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Blueprint, Flask, jsonify

from api.openapi import build_spec, openapi_path
from api.routes import doc_of, empty_answer, json_answer, route_doc


def _toy_app(app: Flask) -> Flask:
    """The test app plus one admin route under the ``keys`` tag (a tag the document knows)."""
    bp = Blueprint("keys", __name__, url_prefix="/v1/toy")

    @bp.post("/<int:key_id>")
    @route_doc(role="admin", body="ApiKeyCreate", responses=[json_answer(201, "ApiKey", "Made.")])
    def make_toy(key_id: int, body: dict[str, Any]) -> tuple[Any, int]:
        """Make a toy

        Second paragraph,
        wrapped.
        """
        return jsonify({"key_id": key_id, "name": body["name"]}), 201

    app.register_blueprint(bp, name="keys_toy")
    return app


def test_openapi_path():
    assert openapi_path("/v1/keys/<int:key_id>") == "/v1/keys/{key_id}"
    assert openapi_path("/v1/jobs/<job_id>/report") == "/v1/jobs/{job_id}/report"


def test_the_decorator_enforces_its_role_then_its_body(app, client, make_key, auth):
    _toy_app(app)
    assert client.post("/v1/toy/3", json={"name": "x", "role": "admin"}).status_code == 401
    forbidden = client.post("/v1/toy/3", json={"name": "x", "role": "admin"}, headers=auth(make_key("editor")))
    assert forbidden.status_code == 403
    assert forbidden.get_json()["error"]["message"] == "this needs the admin role; your key has editor"
    admin = auth(make_key("admin"))
    bad = client.post("/v1/toy/3", json={"name": "x", "role": "admin", "extra": 1}, headers=admin)
    assert bad.status_code == 422
    assert bad.get_json()["error"] == {"code": "unknown_field", "message": "unknown field 'extra'", "field": "extra"}
    assert client.post("/v1/toy/3", data="{", content_type="application/json", headers=admin).status_code == 400
    ok = client.post("/v1/toy/3", json={"name": "x", "role": "admin"}, headers=admin)
    assert (ok.status_code, ok.get_json()) == (201, {"key_id": 3, "name": "x"})


def test_the_decorator_is_the_operation(app):
    document = build_spec(_toy_app(app))
    item = document["paths"]["/v1/toy/{key_id}"]
    assert item["parameters"][0]["name"] == "key_id" and item["parameters"][0]["required"] is True
    op = item["post"]
    assert op["operationId"] == "makeToy" and op["tags"] == ["keys"]
    assert op["summary"] == "Make a toy"
    assert op["description"] == "Second paragraph, wrapped.\n\nRequires a key with role **admin** or higher."
    assert op["x-required-role"] == "admin" and op["security"] == [{"bearerAuth": []}]
    assert op["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ApiKeyCreate"}
    # The error answers follow from the role (401, 403 above translator, 429), the body (400, 413, 415,
    # 422) and the path variable (404).
    assert set(op["responses"]) == {"201", "400", "401", "403", "404", "413", "415", "422", "429"}
    assert op["responses"]["403"] == {"$ref": "#/components/responses/Forbidden"}


def test_public_and_unlimited_routes(app):
    document = build_spec(app)
    health = document["paths"]["/v1/health"]["get"]
    assert health["security"] == [] and "x-required-role" not in health
    assert set(health["responses"]) == {"200"}  # exempt from the rate limit: no 429
    assert set(document["paths"]["/v1/docs"]["get"]["responses"]) == {"200", "429"}
    translator = document["paths"]["/v1/glossaries"]["get"]
    assert "403" not in translator["responses"]  # the lowest role is never refused for its role
    assert doc_of(app.view_functions["health.health"]).limited is False


def test_a_path_variable_must_be_declared(app):
    bp = Blueprint("jobs", __name__, url_prefix="/v1/toy")

    @bp.delete("/<thing_id>")
    @route_doc(role="translator", responses=[empty_answer(204, "Gone.")])
    def drop(thing_id: str) -> tuple[str, int]:
        """Drop a thing"""
        return "", 204

    app.register_blueprint(bp, name="jobs_toy")
    with pytest.raises(ValueError, match="thing_id"):
        build_spec(app)


def test_declarations_are_checked_when_the_view_is_defined():
    with pytest.raises(ValueError, match="unknown role"):
        route_doc(role="boss", responses=[])
    with pytest.raises(ValueError, match="docstring"):

        @route_doc(role=None, responses=[])
        def undocumented() -> None:
            pass


@pytest.mark.parametrize("config_overrides", [{"ENTRIES_PER_PAGE": 7, "ENTRIES_PER_PAGE_MAX": 20}])
def test_query_parameters_are_checked_as_documented_with_the_servers_bounds(app, client, translator_key, auth):
    document = build_spec(app)
    per_page = next(p for p in document["paths"]["/v1/jobs"]["get"]["parameters"] if p["name"] == "per_page")
    assert (per_page["schema"]["default"], per_page["schema"]["maximum"]) == (7, 20)
    headers = auth(translator_key)
    assert client.get("/v1/jobs", headers=headers).get_json()["per_page"] == 7
    refused = client.get("/v1/jobs?per_page=21", headers=headers)
    assert (refused.status_code, refused.get_json()["error"]["field"]) == (422, "per_page")
    assert refused.get_json()["error"]["message"] == "must be between 1 and 20"
    unknown = client.get("/v1/jobs?colour=red", headers=headers).get_json()["error"]  # strict_query
    assert (unknown["code"], unknown["field"]) == ("unknown_field", "colour")
    entries = client.get("/v1/glossaries/diplomacy/entries?colour=red&per_page=20", headers=headers)
    assert entries.status_code == 200 and entries.get_json()["per_page"] == 20  # not strict: ignored
