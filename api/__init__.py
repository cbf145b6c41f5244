"""The Flask HTTP API over the :mod:`audit` library.

``create_app()`` builds the app: configuration in layers (:mod:`api.config`), the
per-process services in :class:`api.extension.MtAudit`, one blueprint per resource,
JSON errors everywhere. ``flask --app api run`` serves it for development,
``mt-audit serve`` under gunicorn.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, Response
from flask.sessions import SecureCookieSessionInterface

from .config import instance_path_from_env, load_config


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The application factory; ``config`` overrides every other layer (tests)."""
    from .auth import identify
    from .blueprints import ALL
    from .errors import register_error_handlers
    from .extension import MtAudit

    app = Flask(__name__, instance_path=instance_path_from_env(config), instance_relative_config=True)
    load_config(app, config)

    services = MtAudit(app)
    # Authentication first, so the rate limiter (next) can count per key.
    app.before_request(identify)
    # Registered before the limiter's after_request hook, so it runs after it (Flask runs them reversed).
    app.after_request(_retry_after_only_on_429)
    app.after_request(_security_headers)
    app.session_interface = _SecureOverHttpsSessions()
    if int(app.config.get("PROXY_FIX") or 0) > 0:  # behind N reverse proxies: trust their X-Forwarded-*
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["PROXY_FIX"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    services.start_limiter(app)
    for blueprint in ALL:
        app.register_blueprint(blueprint)
    from .blueprints.review import bp as review_bp
    from .blueprints.review import init_review

    init_review(app)  # secret key, session cookie flags, CSRF for the review pages
    app.register_blueprint(review_bp)
    from .routes import doc_of

    for view in app.view_functions.values():  # the views whose route_doc says limited=False (the probes)
        doc = doc_of(view)
        if doc is not None and not doc.limited:
            services.limiter.exempt(view)
    register_error_handlers(app)
    from .cli import keys

    app.cli.add_command(keys)  # flask --app api keys create ...
    from .cli import users

    app.cli.add_command(users)  # flask --app api users create ...
    from .cli import jobs

    app.cli.add_command(jobs)  # flask --app api jobs prune ...
    if app.config["WARM_ON_START"]:
        services.warm_default()
    return app


def _retry_after_only_on_429(response: Response) -> Response:
    """flask-limiter writes Retry-After on every answer; keep it where it means something."""
    if response.status_code != 429:
        response.headers.pop("Retry-After", None)
    return response


#: Headers of every HTML page (the review pages, the docs): no framing (clickjacking on the accept
#: button), no content sniffing, no referrer leaving the site, and only this site's scripts and styles.
HTML_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def _security_headers(response: Response) -> Response:
    """nosniff everywhere; the HTML headers on HTML; one charset."""
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    if response.mimetype == "text/html":
        for name, value in HTML_SECURITY_HEADERS.items():
            headers.setdefault(name, value)
    content_type = headers.get("Content-Type", "")
    if content_type.lower().count("charset=") > 1:  # "text/plain; charset=utf-8; charset=utf-8"
        parts = [p.strip() for p in content_type.split(";")]
        kept = [parts[0], *dict.fromkeys(p for p in parts[1:] if p)]
        charsets = [p for p in kept if p.lower().startswith("charset=")]
        headers["Content-Type"] = "; ".join([p for p in kept if p not in charsets[1:]])
    return response


class _SecureOverHttpsSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the cookie's Secure flag set whenever the request came over
    HTTPS (``request.is_secure``; behind a proxy, with ``PROXY_FIX``), or always with ``SESSION_COOKIE_SECURE``."""

    def get_cookie_secure(self, app: Flask) -> bool:
        from flask import has_request_context, request

        return bool(super().get_cookie_secure(app) or (has_request_context() and request.is_secure))


__all__ = ["create_app"]
