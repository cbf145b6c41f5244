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
    services.start_limiter(app)
    for blueprint in ALL:
        app.register_blueprint(blueprint)
    from .blueprints.review import bp as review_bp
    from .blueprints.review import init_review

    init_review(app)  # secret key, session cookie flags, CSRF for the review pages
    app.register_blueprint(review_bp)
    services.limiter.exempt(app.view_functions["health.health"])
    services.limiter.exempt(app.view_functions["health.ready"])
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


__all__ = ["create_app"]
