"""Issue 15: the work limits (audit.limits) in the library and over the API, and the rate limiter's
counters shared between processes (apps) through the SQLite storage."""

from __future__ import annotations

import pytest

from api import create_app
from audit.config import AuditConfig
from audit.errors import ConfigError
from audit.grammar import GrammarChecker
from audit.limits import Limits, TimeLimitExceeded, check_deadline, deadline, grammar_unsafe_spans
from audit.pipeline import Auditor


def test_unsafe_spans_cover_long_tokens_and_long_sentences_only():
    text = "A fine sentence. " + "x" * 300 + " tail. Another fine one.\nNext line is fine."
    spans = grammar_unsafe_spans(text, max_sentence_chars=2000, max_token_chars=200)
    assert spans == [(17, 17 + 300 + len(" tail."))]
    long_sentence = "word " * 500  # 2,500 characters without an end mark
    assert grammar_unsafe_spans(long_sentence.strip(), 2000, 200) == [(0, len(long_sentence.strip()))]
    assert grammar_unsafe_spans("Short. Text.", 2000, 200) == []


def test_grammar_checker_never_hands_harper_a_100k_token_and_lints_the_rest():
    checker = GrammarChecker()
    text = "This are a test. " + "a" * 100_000 + ". He go home yesterday ."
    lints = checker.check(text)  # would ask for ~30 GB and abort the process without the guard
    assert lints.unchecked == ((17, 17 + 100_001),)
    assert all(not (17 <= h.start < 17 + 100_001) for h in lints)


def test_audit_marks_the_sentences_checked_without_harper():
    auditor = Auditor(AuditConfig())
    result = auditor.audit("It can be seen that it works.\n" + "b" * 5_000 + " end.").to_dict()
    first, second = result["segments"]
    assert "grammar_skipped" not in first and second["grammar_skipped"] is True
    assert result["summary"]["grammar_skipped"] == 1
    clean = auditor.audit("It can be seen that it works.").to_dict()
    assert "grammar_skipped" not in clean["summary"]  # fields are only added where they apply


def test_deadline_is_per_context_and_stops_the_pipeline():
    check_deadline()  # no budget: nothing happens
    with deadline(0.0), pytest.raises(TimeLimitExceeded):
        Auditor(AuditConfig(grammar=False)).audit("One sentence. Two sentences.\n" * 50)
    check_deadline()


def test_limits_refuse_nonsense():
    with pytest.raises(ConfigError):
        Limits(max_text_chars=0)
    with pytest.raises(ConfigError):
        Limits(time_limit_seconds=-1)


@pytest.fixture
def config_overrides():
    return {"MAX_TEXT_CHARS": 1_000, "GRAMMAR_MAX_SENTENCE_CHARS": 100}


def test_api_text_limit_names_the_field(client, translator_key, auth):
    response = client.post("/v1/audit", json={"text": "a" * 1_001}, headers=auth(translator_key))
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "text_too_long"
    assert response.get_json()["error"]["field"] == "text"
    response = client.post("/v1/audit", json={"text": "Fine.", "source": "好" * 1_001}, headers=auth(translator_key))
    assert (response.status_code, response.get_json()["error"]["field"]) == (413, "source")


def test_api_grammar_limit_comes_from_the_config(client, translator_key, auth):
    text = "It is short.\n" + " ".join(["word"] * 40) + " end."  # 200+ characters: over the 100 configured
    body = client.post("/v1/audit", json={"text": text}, headers=auth(translator_key)).get_json()
    assert [s.get("grammar_skipped", False) for s in body["segments"]] == [False, True]
    health = client.get("/v1/health").get_json()
    assert health["limits"]["max_text_chars"] == 1_000
    assert health["limits"]["grammar_max_sentence_chars"] == 100


def test_api_time_limit_is_a_json_503(tmp_path, make_key, client, auth, app):
    app.extensions["mt_audit"].limits = Limits(max_text_chars=1_000, time_limit_seconds=1e-9)
    key = make_key("translator")
    response = client.post("/v1/audit", json={"text": "One. Two. Three."}, headers=auth(key))
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "time_limit_exceeded"


def test_rate_limit_counters_are_shared_between_apps(tmp_path):
    """Two apps on one instance folder stand for two gunicorn workers: one budget, not two."""
    def make_app():
        return create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"),
                           "DATABASE_URL": f"sqlite:///{tmp_path / 'instance' / 'test.db'}",
                           "RATE_LIMIT": "4/minute", "JOBS_RUNNER": False})
    first, second = make_app(), make_app()
    try:
        statuses = [app.test_client().get("/v1/glossaries").status_code for app in (first, second) * 3]
        assert statuses == [401, 401, 401, 401, 429, 429]  # keyless: counted per address, across both
        # ... and the editors' login page is counted apart: a key flood does not lock it out.
        assert first.test_client().get("/review/login").status_code == 200
    finally:
        for app in (first, second):
            app.extensions["mt_audit"].db.dispose()


def test_repeated_per_page_is_refused(client, translator_key, auth):
    response = client.get("/v1/jobs?per_page=5&per_page=500", headers=auth(translator_key))
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "per_page"
    response = client.get("/v1/glossaries/diplomacy/entries?page=1&page=2", headers=auth(translator_key))
    assert (response.status_code, response.get_json()["error"]["field"]) == (422, "page")


def test_the_document_states_the_limits(client):
    document = client.get("/v1/openapi.json").get_json()
    audit = document["paths"]["/v1/audit"]["post"]["responses"]
    assert audit["503"]["content"]["application/json"]["example"]["error"]["code"] == "time_limit_exceeded"
    schemas = document["components"]["schemas"]
    assert "MT_AUDIT_MAX_TEXT_CHARS" in schemas["AuditRequest"]["properties"]["text"]["description"]
    assert "grammar_skipped" in schemas["SegmentResult"]["properties"]
    assert "limits" in schemas["Health"]["properties"]
