"""Bad input: every error is JSON {"error": {code, message, field?}} with the right status, never a 500."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from api.schemas import SCHEMAS

ERROR = Draft202012Validator(SCHEMAS["Error"])
PARA = "It can be seen that Trump has been trying."


def assert_error(response, status, code, field=None):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    ERROR.validate(body)
    assert body["error"]["code"] == code
    assert body["error"].get("field") == field
    return body["error"]


@pytest.fixture
def post_raw(client, translator_key, auth):
    def post(data, content_type="application/json", path="/v1/audit"):
        return client.post(path, data=data, content_type=content_type, headers=auth(translator_key))

    return post


@pytest.mark.parametrize(
    "data",
    [b"{", b'{"text": "a",}', b"not json", b"", b"   ", b'{"text": NaN}', b"\xff\xfe\x00{", b"[" * 100_000],
)
def test_malformed_json_is_400(post_raw, data):
    assert_error(post_raw(data), 400, "malformed_json")


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"text": 5}, "invalid_field", "text"),
        ({"text": ""}, "invalid_field", "text"),
        ({}, "missing_field", "text"),
        ([PARA], "invalid_field", None),
        ("text", "invalid_field", None),
        ({"text": PARA, "glossaries": "diplomacy"}, "invalid_field", "glossaries"),
        ({"text": PARA, "glossaries": ["diplomacy", 3]}, "invalid_field", "glossaries[1]"),
        ({"text": PARA, "glossaries": ["diplomacy", "diplomacy"]}, "invalid_field", "glossaries"),
        ({"text": PARA, "options": []}, "invalid_field", "options"),
        ({"text": PARA, "options": {"grammar": "yes"}}, "invalid_field", "options.grammar"),
        ({"text": PARA, "options": {"weights": {"minor": "x"}}}, "invalid_field", "options.weights.minor"),
        ({"text": PARA, "options": {"weights": {"major": -1}}}, "invalid_field", "options.weights.major"),
        ({"text": PARA, "options": {"candidates": 21}}, "invalid_field", "options.candidates"),
        ({"text": PARA, "options": {"candidates": 1.5}}, "invalid_field", "options.candidates"),
        ({"text": PARA, "options": {"disabled_rules": [None]}}, "invalid_field", "options.disabled_rules[0]"),
        ({"text": PARA, "foo": 1}, "unknown_field", "foo"),
        ({"text": PARA, "options": {"foo": True}}, "unknown_field", "options.foo"),
        ({"text": PARA, "options": {"store": True}}, "unknown_field", "options.store"),
        ({"text": PARA, "options": {"weights": {"blocker": 3}}}, "unknown_field", "options.weights.blocker"),
        ({"text": PARA, "tgt_lang": "fr"}, "unsupported_language_pair", "tgt_lang"),
        ({"text": PARA, "src_lang": "klingon"}, "unsupported_language_pair", "src_lang"),
        ({"text": PARA, "src_lang": 7}, "invalid_field", "src_lang"),
    ],
)
def test_wrong_types_and_unknown_fields_are_422_naming_the_path(post_raw, body, code, field):
    error = assert_error(post_raw(json.dumps(body)), 422, code, field)
    assert error["message"]


def test_the_first_error_in_document_order_is_reported(post_raw):
    body = '{"options": {"candidates": "x"}, "text": 1}'
    assert_error(post_raw(body), 422, "invalid_field", "options.candidates")


def test_messages_are_short_even_for_huge_values(post_raw):
    error = assert_error(
        post_raw(json.dumps({"text": PARA, "src_lang": "x" * 100_000})),
        422,
        "unsupported_language_pair",
        "src_lang",
    )
    assert len(error["message"]) < 300


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (b'{"text": "\\ud800"}', "text"),
        (b'{"text": "ok", "source": "\\udfff x"}', "source"),
        (b'{"text": "\xed\xa0\x80"}', "text"),  # a surrogate encoded as UTF-8 bytes
    ],
)
def test_lone_surrogates_are_422(post_raw, data, field):
    assert_error(post_raw(data), 422, "invalid_field", field)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml", ""])
def test_wrong_content_type_is_415(post_raw, content_type):
    assert_error(post_raw(json.dumps({"text": PARA}), content_type=content_type), 415, "unsupported_media_type")


def test_json_with_charset_is_accepted(post_raw):
    assert post_raw(json.dumps({"text": PARA}), content_type="application/json; charset=utf-8").status_code == 200


def test_body_over_the_default_5mb_is_413(post_raw):
    big = json.dumps({"text": "word " * (5 * 1024 * 1024 // 5 + 10)})
    error = assert_error(post_raw(big), 413, "payload_too_large")
    assert "5242880" in error["message"]
    assert_error(post_raw(big, path="/v1/score"), 413, "payload_too_large")


class TestConfigurableLimit:
    @pytest.fixture
    def config_overrides(self):
        return {"MAX_CONTENT_LENGTH": 1000}

    def test_body_over_a_configured_limit_is_413(self, post_raw):
        assert post_raw(json.dumps({"text": PARA})).status_code == 200
        assert_error(post_raw(json.dumps({"text": "x" * 2000})), 413, "payload_too_large")


def test_unknown_route_and_method_are_json(client, translator_key, auth):
    assert_error(client.get("/v1/nope", headers=auth(translator_key)), 404, "not_found")
    response = client.get("/v1/audit", headers=auth(translator_key))
    assert_error(response, 405, "method_not_allowed")
    assert "POST" in response.headers["Allow"]


def test_an_unexpected_failure_is_a_json_500_without_details(app, client, translator_key, auth, monkeypatch):
    ext = app.extensions["mt_audit"]

    def broken(**_):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(ext, "auditor_for", broken)
    response = client.post("/v1/audit", json={"text": PARA}, headers=auth(translator_key))
    error = assert_error(response, 500, "internal_error")
    assert "secret" not in response.get_data(as_text=True)
    assert error["message"] == "internal server error"
