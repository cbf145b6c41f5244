"""``mt-audit serve``, ``mt-audit keys ...`` and ``mt-audit jobs prune`` (loaded lazily by :mod:`audit.cli`)."""

from __future__ import annotations

import sys
from typing import Any

import click

from .storage import ROLES


def _storage_app() -> Any:
    """The current app under ``flask --app api keys ...``; else one as configured (env, instance file)."""
    from flask import current_app, has_app_context
    from flask.cli import ScriptInfo

    if has_app_context():
        return current_app._get_current_object()  # type: ignore[attr-defined]
    context = click.get_current_context(silent=True)
    info = context.find_object(ScriptInfo) if context is not None else None
    if info is not None:
        return info.load_app()
    from . import create_app

    return create_app({"WARM_ON_START": False})


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, envvar="MT_AUDIT_HOST", help="Address to bind.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), envvar="MT_AUDIT_PORT")
@click.option(
    "--workers",
    default=2,
    show_default=True,
    type=click.IntRange(1, 64),
    envvar="MT_AUDIT_WORKERS",
    help="Worker processes (each loads the models once).",
)
@click.option(
    "--threads",
    default=4,
    show_default=True,
    type=click.IntRange(1, 256),
    envvar="MT_AUDIT_THREADS",
    help="Threads per worker (gthread worker).",
)
@click.option(
    "--timeout",
    default=120,
    show_default=True,
    type=click.IntRange(1),
    envvar="MT_AUDIT_TIMEOUT",
    help="Seconds before a silent worker is restarted.",
)
@click.option(
    "--log-level",
    default="info",
    show_default=True,
    type=click.Choice(["debug", "info", "warning", "error", "critical"]),
)
@click.option("--access-log/--no-access-log", default=False, show_default=True, help="Log every request to stderr.")
def serve(host: str, port: int, workers: int, threads: int, timeout: int, log_level: str, access_log: bool) -> None:
    """Serve the HTTP API under gunicorn (development: flask --app api run)."""
    from .server import ApiServer

    # Migrate once, in the master, before workers start (they then find the schema at head).
    app = _storage_app()
    app.extensions["mt_audit"].db.dispose()
    del app
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "timeout": timeout,
        "graceful_timeout": 10,
        "keepalive": 5,
        "preload_app": False,
        "loglevel": log_level,
        "accesslog": "-" if access_log else None,
        "errorlog": "-",
        "proc_name": "mt-audit",
        "control_socket_disable": True,  # gunicorn >= 25: no shared ~/.gunicorn socket between servers
    }
    ApiServer(options).run()


@click.group()
def keys() -> None:
    """Create, list and revoke API keys."""


@keys.command("create")
@click.option("--role", type=click.Choice(ROLES), required=True, help="What the key may do.")
@click.option("--name", required=True, help="Who or what the key is for.")
def keys_create(role: str, name: str) -> None:
    """Create a key and print it once (to stdout; the details go to stderr)."""
    from .auth import create_key

    app = _storage_app()
    key, token = create_key(app.extensions["mt_audit"].db, name, role)
    click.echo(token)
    click.echo(
        f"created key {key.id} ({role}, {name!r}, {key.key_prefix}…); it is not stored and will not be shown again",
        err=True,
    )


@keys.command("list")
def keys_list() -> None:
    """List keys (never the keys themselves)."""
    from sqlalchemy import select

    from .auth import key_dict
    from .storage import ApiKey

    app = _storage_app()
    with app.extensions["mt_audit"].db.session() as session:
        rows = [key_dict(k) for k in session.scalars(select(ApiKey).order_by(ApiKey.id))]
    click.echo("id\trole\tprefix\tcreated\trevoked\tname")
    for row in rows:
        click.echo(
            f"{row['id']}\t{row['role']}\t{row['prefix']}\t{row['created_at']}\t{row['revoked_at'] or '-'}"
            f"\t{row['name']}"
        )


@keys.command("revoke")
@click.argument("key_id", type=int)
def keys_revoke(key_id: int) -> None:
    """Revoke key KEY_ID (workers forget it within MT_AUDIT_AUTH_CACHE_SECONDS)."""
    from .auth import revoke_key

    app = _storage_app()
    if revoke_key(app.extensions["mt_audit"].db, key_id) is None:
        click.echo(f"mt-audit: error: no key with id {key_id}", err=True)
        sys.exit(2)
    click.echo(f"revoked key {key_id}", err=True)


@click.group()
def users() -> None:
    """Create and list the accounts that log in to the review pages."""


@users.command("create")
@click.option("--role", type=click.Choice(ROLES), default="editor", show_default=True, help="What the user may do.")
@click.option("--name", "username", required=True, help="The user name to log in with.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@click.option("--api-key", "api_key_id", type=int, default=None, help="Id of the user's API key (optional link).")
def users_create(role: str, username: str, password_stdin: bool, api_key_id: int | None) -> None:
    """Create a user; the password is prompted for (or read with --password-stdin) and stored as a scrypt hash."""
    from .storage.reviews import create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    app = _storage_app()
    try:
        user = create_user(app.extensions["mt_audit"].db, username, password, role, api_key_id)
    except ValueError as exc:
        click.echo(f"mt-audit: error: {exc}", err=True)
        sys.exit(2)
    click.echo(f"created user {user.id} ({role}, {username!r})", err=True)


@users.command("list")
def users_list() -> None:
    """List users (never their password hashes)."""
    from sqlalchemy import select

    from .storage.models import User

    app = _storage_app()
    with app.extensions["mt_audit"].db.session() as session:
        rows = list(session.scalars(select(User).order_by(User.id)))
    click.echo("id\trole\tcreated\tname")
    for user in rows:
        click.echo(f"{user.id}\t{user.role}\t{user.created_at:%Y-%m-%d %H:%M}\t{user.username}")


@click.group()
def jobs() -> None:
    """Clean up the batch jobs of `mt-audit serve` (POST /v1/jobs)."""


@jobs.command("prune")
@click.option(
    "--days",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Remove finished jobs older than this many days (default: MT_AUDIT_JOBS_RETENTION_DAYS, 30).",
)
def jobs_prune(days: float | None) -> None:
    """Remove finished (done/failed) jobs older than the retention, their files and rows; also folders
    of deleted jobs left behind by a stopped server."""
    app = _storage_app()
    service = app.extensions["mt_audit"].jobs
    retention = days if days is not None else service.retention_days
    if retention <= 0:
        click.echo("jobs are kept forever (MT_AUDIT_JOBS_RETENTION_DAYS=0); pass --days N to prune", err=True)
        return
    removed = service.prune(retention)
    for job_id in removed:
        click.echo(job_id)
    click.echo(f"removed {len(removed)} job(s) finished more than {retention:g} days ago", err=True)


def project_config(config: Any, project: str) -> tuple[Any, Any]:
    """``mt-audit check --store --project P``: the config with the rule states P's editors taught
    (as ``POST /v1/audit`` applies them), and what was applied (:class:`audit.learning.Applied`)."""
    from audit.learning import Thresholds, applied

    from .services.learnt import team_for
    from .storage.learning import team_rule_states

    app = _storage_app()
    try:
        thresholds = Thresholds.from_mapping(app.config.get("REVIEW_LEARNING"))
    except ValueError as exc:
        raise click.UsageError(f"REVIEW_LEARNING: {exc}") from None
    team = team_for(project, None)
    if not team.startswith("project:"):
        raise click.BadParameter("must name a project", param_hint="--project")
    with app.extensions["mt_audit"].db.session() as session:
        learnt = applied(team, team_rule_states(session, team, thresholds))
    return config.with_options(disabled_rules=tuple(dict.fromkeys((*config.disabled_rules, *learnt.off))),
                               rule_adjustments=learnt.adjustments), learnt


def store_checked(
    text: str, results: list[Any], summary: Any, config: Any, name: str, base_url: str, source: str | None = None,
    project: str | None = None,
) -> tuple[str, str]:
    """``mt-audit check --store``: keep the audit in the server's database; returns (id, review URL)."""
    from pathlib import Path

    from .storage.reviews import store_audit

    app = _storage_app()
    glossaries = [Path(g).stem for g in (config.glossaries or ())] if config.use_glossary else []
    doc_id = store_audit(
        app.extensions["mt_audit"].db,
        text=text,
        segments=results,
        summary=summary.to_dict(),
        tgt_lang=config.tgt_lang,
        src_lang=config.src_lang,
        source=source,
        glossaries=glossaries or (["builtin"] if config.use_glossary else []),
        name=Path(name).name,
        project=project,
    )
    return doc_id, f"{base_url.rstrip('/')}/review/documents/{doc_id}"
