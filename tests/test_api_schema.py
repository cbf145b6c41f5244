"""The OpenAPI document: valid OpenAPI 3.1, complete, and honoured by the server (schemathesis)."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api import create_app
from api.openapi import build_spec


def test_the_document_is_valid_openapi_3_1(app, client):
    document = client.get("/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    validate(document)
    assert document == build_spec(app)


def test_every_route_is_documented_and_nothing_else(app):
    document = build_spec(app)
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.startswith("review."):
            continue  # the editors' HTML review pages are not part of the JSON API
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        routes.update((path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"})
    documented = {
        (path, method) for path, item in document["paths"].items() for method in item if method != "parameters"
    }
    assert routes == documented


def test_documented_roles_match_the_views(app):
    document = build_spec(app)
    by_endpoint = {}
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            by_endpoint[(path, method.lower())] = app.view_functions[rule.endpoint]
    for (path, method), view in by_endpoint.items():
        if (path, method) not in {(p, m) for p, i in document["paths"].items() for m in i}:
            continue
        op = document["paths"][path][method]
        assert getattr(view, "required_role", None) == op.get("x-required-role"), (path, method)
        assert (op.get("security") == []) == (getattr(view, "required_role", None) is None)


def test_docs_page_is_self_contained(app, client):
    response = client.get("/v1/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    for path in build_spec(app)["paths"]:
        assert f">{path}<" in html
    assert "AuditRequest" in html and "options.weights.minor" in html
    assert "<script" not in html
    assert not re.search(r"""(src|href)=["']https?://""", html)  # no CDN: the machines are offline


# --- schemathesis ------------------------------------------------------------------------
# Every operation is fuzzed with schema-valid and schema-breaking requests (bounded examples) and every
# answer checked: no 5xx, status and content type documented, body valid against the document, 401 when
# the key is left out. (schemathesis.pytest.from_fixture does not run under this pytest, so each
# operation's hypothesis strategy is driven directly.)

def _operations() -> list[tuple[str, str]]:
    """(path, method) of every documented operation, from a throwaway app (parametrize runs at import)."""
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "glossaries").mkdir()
        app = create_app(
            {
                "TESTING": True,
                "INSTANCE_PATH": str(Path(tmp) / "instance"),
                "DATABASE_URL": f"sqlite:///{Path(tmp) / 'spec.db'}",
                "GLOSSARY_DIR": str(Path(tmp) / "glossaries"),
                "JOBS_RUNNER": False,
            }
        )
        try:
            document = build_spec(app)
        finally:
            app.extensions["mt_audit"].db.dispose()
    return [(path, method) for path, item in document["paths"].items() for method in item if method != "parameters"]


OPERATIONS = _operations()
EXAMPLES = int(__import__("os").environ.get("FUZZ_EXAMPLES", "50"))
SEMANTIC_422 = {"unknown_glossary", "length_mismatch", "invalid_glossary", "invalid_text", "invalid_archive"}


@pytest.fixture
def fuzz_app(app, make_key):
    app.extensions["mt_audit"].warm_default()
    app.config["FUZZ_KEY"] = make_key("admin")
    return app


@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_server_honours_its_document(fuzz_app, path, method):
    schema = schemathesis.openapi.from_wsgi("/v1/openapi.json", fuzz_app)
    operation = schema[path][method.upper()]
    strategy = st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))
    headers = {"Authorization": f"Bearer {fuzz_app.config['FUZZ_KEY']}"}
    seen = []

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=not __import__("os").environ.get("FUZZ_RANDOM"),
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    def run(case):
        # A schema-valid request may still be refused on meaning (an unknown glossary id, lists of
        # different lengths, a file that is no glossary): allowed, but only with those codes, so the
        # validator and the document never disagree about the shape of a request.
        response = case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])
        if case.meta.generation.mode.is_positive and response.status_code == 422:
            assert response.json()["error"]["code"] in SEMANTIC_422, response.json()
        seen.append(response.status_code)

    run()
    assert seen, "no request was sent"
    assert all(status < 500 for status in seen)
