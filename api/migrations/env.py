"""Alembic environment for the API's database.

Run programmatically by :func:`api.storage.upgrade` (which hands over a connection
in ``config.attributes["connection"]``), or by hand for new revisions::

    alembic -c api/alembic.ini revision --autogenerate -m "add documents"
    MT_AUDIT_DATABASE_URL=postgresql+psycopg://... alembic -c api/alembic.ini upgrade head
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine, pool

from api.storage.models import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return (
        os.environ.get("MT_AUDIT_DATABASE_URL")
        or config.get_main_option("sqlalchemy.url")
        or "sqlite:///instance/mt-audit.db"
    )


def run_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
