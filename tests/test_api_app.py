"""The app factory: layered configuration, the database and its migrations, health."""

from __future__ import annotations

import sqlite3

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from api import create_app
from api.storage import Base, alembic_config


def test_config_layers_defaults_env_instance_file_then_overrides(tmp_path, monkeypatch):
    instance = tmp_path / "inst"
    instance.mkdir()
    monkeypatch.setenv("MT_AUDIT_INSTANCE_PATH", str(instance))
    monkeypatch.setenv("MT_AUDIT_RATE_LIMIT", "7/minute")
    monkeypatch.setenv("MT_AUDIT_GRAMMAR", "false")
    monkeypatch.setenv("MT_AUDIT_MAX_CONTENT_LENGTH", "12345")
    app = create_app()
    assert app.instance_path == str(instance)
    assert app.config["RATE_LIMIT"] == "7/minute"  # env over defaults
    assert app.config["GRAMMAR"] is False and app.config["MAX_CONTENT_LENGTH"] == 12345
    assert app.config["AUDITOR_CACHE_SIZE"] == 8  # default
    assert app.config["DATABASE_URL"] == f"sqlite:///{instance / 'mt-audit.db'}"
    assert (instance / "mt-audit.db").is_file()  # created and migrated on first run

    (instance / "mt-audit.cfg").write_text('RATE_LIMIT = "9/minute"\nAUDITOR_CACHE_SIZE = 3\n')
    app = create_app()
    assert app.config["RATE_LIMIT"] == "9/minute"  # instance file over env
    assert app.config["AUDITOR_CACHE_SIZE"] == 3
    app = create_app({"RATE_LIMIT": "11/minute"})
    assert app.config["RATE_LIMIT"] == "11/minute"  # test overrides over everything


def test_database_is_migrated_to_head_in_wal_mode(app):
    db = app.extensions["mt_audit"].db
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with db.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == head
        # the models and the migrations describe the same schema
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    path = db.engine.url.database
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"api_keys", "glossaries", "alembic_version"} <= tables
    db.upgrade()  # idempotent


def test_health_reports_liveness_readiness_and_database(app, client):
    body = client.get("/v1/health").get_json()
    assert body == {"status": "ok", "ready": False, "version": body["version"], "database": "ok",
                    "limits": {"max_text_chars": 100_000, "grammar_max_sentence_chars": 2_000,
                               "grammar_max_token_chars": 200, "time_limit_seconds": 30.0,
                               "max_content_length": 5 * 1024 * 1024}}
    not_ready = client.get("/v1/health/ready")
    assert (not_ready.status_code, not_ready.get_json()["ready"]) == (503, False)
    app.extensions["mt_audit"].warm_default()
    assert client.get("/v1/health/ready").status_code == 200


def test_warm_on_start(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "WARM_ON_START": True, "GRAMMAR": False})
    assert app.test_client().get("/v1/health").get_json()["ready"] is True
