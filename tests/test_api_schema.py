"""The OpenAPI document: valid OpenAPI 3.1, complete, and honoured by the server (schemathesis)."""

from __future__ import annotations

import io
import os
import re
import tarfile
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate
from schemathesis import GenerationMode

from api import create_app
from api.auth import create_key
from api.openapi import build_spec
from api.schemas import UPLOAD_MEDIA_TYPES
from audit.glossary import Glossary, GlossaryEntry, write_delimited, write_tbx


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
# Every operation is fuzzed with schema-valid and schema-breaking requests (bounded examples, derandomized)
# and every answer goes through all of schemathesis's checks (`--checks all`): no 5xx; status, content type,
# headers and body as documented; a schema-valid request accepted (2xx, or 404/409 for a resource that does
# not exist or is taken), a schema-breaking one refused; 401 when the key is left out. (schemathesis's
# pytest plugin does not run under this pytest, so each operation's hypothesis strategy is driven
# directly.) The key is schemathesis's auth, not a header of our own: a case that drops the Authorization
# header to break the request must reach the server without one.
#
# Hypothesis also draws constants from the source of every local module imported so far, so the cases
# differ between this file alone and the whole test set: the checks must hold for every case, not for
# one fixed list.

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
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "50"))

# Files for the upload parts, of the media types the document declares for them (`encoding`): a glossary
# that parses, an archive that opens. Their contents vary; that they are well formed is the request's
# meaning, which a JSON Schema cannot state. Glossaries are text (`str`): schemathesis then reads a form
# as sent (a number sent for `id` arrives as the valid text "3"), which it cannot with a `bytes` part.
_WORD = st.from_regex(r"[a-z]{2,12}( [a-z]{2,12}){0,2}", fullmatch=True)
_GLOSSARIES = st.lists(st.tuples(_WORD, _WORD), min_size=1, max_size=5).map(
    lambda pairs: Glossary(
        "fuzz",
        tuple(GlossaryEntry(id=f"fuzz.{i}", deprecated=(old,), preferred=new) for i, (old, new) in enumerate(pairs)),
    )
)
_DOCUMENTS = st.dictionaries(
    st.from_regex(r"[a-z]{1,8}\.txt", fullmatch=True), st.text(st.characters(codec="utf-8"), max_size=200), max_size=3
)


def _zip(documents: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in documents.items():
            archive.writestr(name, text)
    return out.getvalue()


def _tar(documents: dict[str, str], mode: str) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode=mode) as archive:
        for name, text in documents.items():
            data = text.encode("utf-8")
            member = tarfile.TarInfo(name)
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))
    return out.getvalue()


_FILES = {
    "text/csv": _GLOSSARIES.map(write_delimited),
    "text/tab-separated-values": _GLOSSARIES.map(lambda g: write_delimited(g, "\t")),
    "application/x-tbx+xml": _GLOSSARIES.map(write_tbx),
    "application/zip": _DOCUMENTS.map(_zip),
    "application/gzip": _DOCUMENTS.map(lambda d: _tar(d, "w:gz")),
    "application/x-tar": _DOCUMENTS.map(lambda d: _tar(d, "w")),
}
assert set(_FILES) == {t for parts in UPLOAD_MEDIA_TYPES.values() for types in parts.values() for t in types}
for _media_type, _strategy in _FILES.items():
    schemathesis.openapi.media_type(_media_type, _strategy)


def _with_meaning(case: Any, glossary_ids: list[str]) -> Any:
    """A schema-valid case made meaningful where a JSON Schema cannot say what is: glossary ids that exist
    (an unknown one is a 422 `unknown_glossary`), hypotheses and references of the same length (else
    422 `length_mismatch`). Each constraint is stated in the field's description."""
    body = case.body
    if case.path == "/v1/audit" and isinstance(body, dict) and body.get("glossaries"):
        picked = (glossary_ids[i % len(glossary_ids)] for i, _name in enumerate(body["glossaries"]))
        case.body = {**body, "glossaries": list(dict.fromkeys(picked))}
    elif case.path == "/v1/score" and isinstance(body, dict):
        size = min(len(body["hypotheses"]), len(body["references"]))
        case.body = {**body, "hypotheses": body["hypotheses"][:size], "references": body["references"][:size]}
    return case


@pytest.fixture
def fuzz_app(app):
    app.extensions["mt_audit"].warm_default()
    return app


@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_server_honours_its_document(fuzz_app, path, method):
    schema = schemathesis.openapi.from_wsgi("/v1/openapi.json", fuzz_app)
    db = fuzz_app.extensions["mt_audit"].db

    @schema.auth(refresh_interval=None)
    class FuzzKey:
        """A fresh admin key per case: `DELETE /v1/keys/{key_id}` may revoke the one before."""

        def get(self, case, context):
            return create_key(db, "fuzz", "admin")[1]

        def set(self, case, data, context):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    glossary_ids = [g["id"] for g in fuzz_app.extensions["mt_audit"].glossaries.all()]
    operation = schema[path][method.upper()]
    strategy = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE).map(lambda case: _with_meaning(case, glossary_ids)),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )
    seen = []

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=not os.environ.get("FUZZ_RANDOM"),
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    def run(case):
        response = case.call_and_validate()  # every check of schemathesis
        seen.append((case.meta.generation.mode.is_positive, response.status_code))

    run()
    assert seen, "no request was sent"
    assert all(status < 500 for _positive, status in seen)
