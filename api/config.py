"""Configuration, in layers (later ones win):

1. :data:`DEFAULTS` below;
2. environment variables ``MT_AUDIT_<NAME>`` (values are parsed as JSON when they
   can be: ``MT_AUDIT_GRAMMAR=false``, ``MT_AUDIT_MAX_CONTENT_LENGTH=1048576``);
3. the instance config file ``<instance>/mt-audit.cfg`` (Python syntax, Flask's
   ``from_pyfile``), or the file named by ``MT_AUDIT_CONFIG_FILE``;
4. the ``config`` mapping passed to :func:`api.create_app` (tests).

The instance folder is ``MT_AUDIT_INSTANCE_PATH``, else Flask's default
(``instance/`` beside the package in a source checkout).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

ENV_PREFIX = "MT_AUDIT"
CONFIG_FILE_NAME = "mt-audit.cfg"

DEFAULTS: dict[str, Any] = {
    # SQLAlchemy URL; None = SQLite file <instance>/mt-audit.db (WAL mode).
    "DATABASE_URL": None,
    # Create/upgrade the schema (alembic upgrade head) when the app starts.
    "AUTO_MIGRATE": True,
    # Largest request body in bytes; bigger ones get 413 (Flask's own setting).
    "MAX_CONTENT_LENGTH": 5 * 1024 * 1024,
    # Per-key rate limit (flask-limiter syntax, e.g. "600/minute;20/second"), counted across the workers.
    "RATE_LIMIT": "600/minute",
    "RATE_LIMIT_ENABLED": True,
    # Run the Harper grammar checker unless a request says options.grammar=false.
    "GRAMMAR": True,
    # Work limits (audit.limits; reported by GET /v1/health and the OpenAPI document): the longest
    # `text` (and `source`) of one audit in characters (413 text_too_long past it); the longest
    # sentence, and token, handed to Harper (longer ones are checked without it: grammar_skipped);
    # the seconds one audit may take (503 time_limit_exceeded past it).
    "MAX_TEXT_CHARS": 100_000,
    "GRAMMAR_MAX_SENTENCE_CHARS": 2_000,
    "GRAMMAR_MAX_TOKEN_CHARS": 200,
    "TIME_LIMIT_SECONDS": 30.0,
    # Where the rate limiter keeps its counters, shared by every worker of the server: None = an
    # SQLite file <instance>/ratelimit.db (no daemon needed); or any `limits` storage URI
    # ("memory://" per process, "memcached://host:11211", "redis://host:6379").
    "RATE_LIMIT_STORAGE_URI": None,
    # Behind a reverse proxy: how many proxies to trust for X-Forwarded-For / X-Forwarded-Proto
    # (werkzeug ProxyFix; 0 = none), so request.is_secure and the client address are the client's.
    "PROXY_FIX": 0,
    # Build and warm the default auditor in create_app (mt-audit serve does it per worker instead).
    "WARM_ON_START": False,
    # How many distinct auditors (pair x glossaries x options) a process keeps.
    "AUDITOR_CACHE_SIZE": 8,
    # How many parsed uploaded glossaries a process keeps.
    "GLOSSARY_CACHE_SIZE": 32,
    # Folder of built-in glossaries; None = audit.glossary.default_glossary_dir().
    "GLOSSARY_DIR": None,
    # Seconds a verified API key is remembered by a worker (0 = look it up on every request).
    "AUTH_CACHE_SECONDS": 5,
    "ENTRIES_PER_PAGE": 50,
    "ENTRIES_PER_PAGE_MAX": 500,
    "JSON_SORT_KEYS": False,
    # Batch jobs (POST /v1/jobs): their folder (None = <instance>/jobs); whether this process may run
    # them (one process per folder does, guarded by <jobs>/runner.lock: under mt-audit serve the runner
    # starts with the worker and resumes unfinished jobs, else on the first POST /v1/jobs; CLI
    # commands never start it); worker processes per job (0 = the local cores); seconds between rescans.
    "JOBS_DIR": None,
    "JOBS_RUNNER": True,
    "JOBS_WORKERS": 0,
    "JOBS_POLL_SECONDS": 2.0,
    # Finished jobs older than this many days are removed (0 keeps them), checked this often.
    "JOBS_RETENTION_DAYS": 30,
    "JOBS_PRUNE_SECONDS": 3600.0,
    # The model layer that requests with options.models: true use (None: none; 400 models_not_configured):
    # a mapping of audit.config.ModelsConfig fields or a models YAML path; MODELS_LM, MODELS_MT... override.
    "MODELS": None,
    # No implicit OPTIONS answers: nothing but health and the spec answers without a key.
    "PROVIDE_AUTOMATIC_OPTIONS": False,
}


def instance_path_from_env(overrides: Mapping[str, Any] | None = None) -> str | None:
    if overrides and overrides.get("INSTANCE_PATH"):
        return str(overrides["INSTANCE_PATH"])
    path = os.environ.get(f"{ENV_PREFIX}_INSTANCE_PATH")
    return str(Path(path).resolve()) if path else None


def load_config(app: Flask, overrides: Mapping[str, Any] | None = None) -> None:
    """Fill ``app.config`` from the four layers."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env(ENV_PREFIX)
    config_file = os.environ.get(f"{ENV_PREFIX}_CONFIG_FILE") or os.path.join(app.instance_path, CONFIG_FILE_NAME)
    app.config.from_pyfile(config_file, silent=True)
    if overrides:
        app.config.from_mapping(overrides)
    app.json.sort_keys = bool(app.config["JSON_SORT_KEYS"])  # type: ignore[attr-defined]
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'mt-audit.db'}"
