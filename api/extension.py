"""The API's per-process services, attached to the app in :meth:`MtAudit.init_app`.

``app.extensions["mt_audit"]`` holds the database, the key store, the glossary
service, the auditor registry and the rate limiter of that app: nothing lives in
module globals, so two apps (tests) never share state.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, request
from flask_limiter import Limiter

from audit.config import DEFAULT_SRC_LANG, DEFAULT_TGT_LANG
from audit.errors import ConfigError
from audit.limits import Limits
from audit.pipeline import Auditor

from .auth import KeyStore
from .services import AuditorKey, AuditorRegistry, GlossaryService, make_key
from .services.jobs import JobService
from .storage import Database


def rate_limit_key() -> str:
    """Per API key when one was verified, else per client address. The editors' review pages
    (``/review/``, session login) count apart from keyless or bad-key API requests, so a flood of
    bad keys from one address does not lock everyone behind it out of ``/review/login``."""
    principal = g.get("principal")
    if principal is not None:
        return f"key:{principal.key_id}"
    address = request.remote_addr or "unknown"
    if request.blueprint == "review" or request.path.startswith("/review"):
        return f"review:{address}"
    return f"addr:{address}"


def rate_limit_storage_uri(app: Flask) -> str:
    """``RATE_LIMIT_STORAGE_URI``, else an SQLite file in the instance folder (shared by the workers)."""
    uri = app.config.get("RATE_LIMIT_STORAGE_URI")
    if uri:
        return str(uri)
    from . import ratelimit  # noqa: F401 - registers the sqlite:// storage with limits

    return f"sqlite://{(Path(app.instance_path) / 'ratelimit.db').resolve()}"


def limits_from_config(config: Any) -> Limits:
    """The work limits of MAX_TEXT_CHARS, GRAMMAR_MAX_SENTENCE_CHARS, GRAMMAR_MAX_TOKEN_CHARS and
    TIME_LIMIT_SECONDS; a bad value stops the app at start, naming the setting."""
    names = {"max_text_chars": "MAX_TEXT_CHARS", "grammar_max_sentence_chars": "GRAMMAR_MAX_SENTENCE_CHARS",
             "grammar_max_token_chars": "GRAMMAR_MAX_TOKEN_CHARS", "time_limit_seconds": "TIME_LIMIT_SECONDS"}
    try:
        return Limits(**{field: config[name] for field, name in names.items()})
    except ConfigError as exc:
        raise ValueError(f"MT_AUDIT_{names.get(exc.field or '', exc.field)}: {exc.message}") from None


class MtAudit:
    def __init__(self, app: Flask | None = None) -> None:
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        config = app.config
        self.db = Database(config["DATABASE_URL"])
        if config["AUTO_MIGRATE"]:
            self.db.upgrade()
        self.keys = KeyStore(self.db, float(config["AUTH_CACHE_SECONDS"]))
        self.glossaries = GlossaryService(self.db, config["GLOSSARY_DIR"], int(config["GLOSSARY_CACHE_SIZE"]))
        self.auditors = AuditorRegistry(int(config["AUDITOR_CACHE_SIZE"]))
        self.grammar_default = bool(config["GRAMMAR"])
        self.limits = limits_from_config(config)
        self.jobs = JobService(
            config["JOBS_DIR"] or Path(app.instance_path) / "jobs",
            max_upload_bytes=int(config["MAX_CONTENT_LENGTH"] or 2 * 1024**3),
            workers=int(config["JOBS_WORKERS"]),
            poll_seconds=float(config["JOBS_POLL_SECONDS"]),
        )
        self.jobs_runner_enabled = bool(config["JOBS_RUNNER"])
        self.limiter = Limiter(
            rate_limit_key,
            # One budget per key across every endpoint (application-wide, not per route).
            application_limits=[lambda: str(current_app.config["RATE_LIMIT"])],
            storage_uri=rate_limit_storage_uri(app),
            headers_enabled=True,
            strategy="fixed-window",
            enabled=bool(config["RATE_LIMIT_ENABLED"]),
        )
        app.extensions["mt_audit"] = self

    def start_limiter(self, app: Flask) -> None:
        """Attach the limiter after the authentication hook, so limits are per key."""
        self.limiter.init_app(app)

    def start_jobs_runner(self) -> bool:
        """Run batch jobs in this process when ``JOBS_RUNNER`` is on and no other process does."""
        return self.jobs_runner_enabled and self.jobs.start_runner()

    # --- auditors --------------------------------------------------------------------
    @cached_property
    def default_key(self) -> AuditorKey:
        """The key of a request with no options: built-in glossaries, default pair (fixed per process)."""
        return make_key(
            src_lang=DEFAULT_SRC_LANG,
            tgt_lang=DEFAULT_TGT_LANG,
            glossaries=self.glossaries.builtin_loaded(),
            grammar_default=self.grammar_default,
        )

    def auditor_for(
        self, *, src_lang: str | None, tgt_lang: str, glossary_ids: list[str] | None, options: dict[str, Any]
    ) -> Auditor:
        if glossary_ids is None:
            loaded = self.glossaries.builtin_loaded()
        elif options.get("glossary", True):
            loaded = self.glossaries.load(glossary_ids)
        else:
            loaded = []
        key = make_key(
            src_lang=src_lang,
            tgt_lang=tgt_lang,
            glossaries=loaded,
            options=options,
            grammar_default=self.grammar_default,
        )
        if key == self.default_key:  # built lazily (flask run): pin it, the app is then ready
            return self._limited(self.auditors.pin(key, lambda: loaded))
        return self._limited(self.auditors.get(key, lambda: loaded))

    def _limited(self, auditor: Auditor) -> Auditor:
        """Give the auditor's grammar checker this server's limits (GRAMMAR_MAX_*; audit.limits)."""
        from audit.checkers.harper import HarperChecker

        harper = auditor.chain.find(HarperChecker)
        if isinstance(harper, HarperChecker):
            harper.grammar.max_sentence_chars = self.limits.grammar_max_sentence_chars
            harper.grammar.max_token_chars = self.limits.grammar_max_token_chars
        return auditor

    def warm_default(self) -> Auditor:
        """Build and warm the default auditor (readiness); ``mt-audit serve`` calls it per worker."""
        return self._limited(self.auditors.pin(self.default_key, self.glossaries.builtin_loaded))

    @property
    def ready(self) -> bool:
        return self.auditors.is_pinned(self.default_key)


def services() -> MtAudit:
    ext: MtAudit = current_app.extensions["mt_audit"]
    return ext
