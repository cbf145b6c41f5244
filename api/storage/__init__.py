"""Persistence of the API: SQLAlchemy models, engine/sessions, Alembic migrations."""

from .db import Database, alembic_config, make_engine, upgrade
from .models import ROLES, ApiKey, Base, GlossaryRecord

__all__ = [
    "ROLES",
    "ApiKey",
    "Base",
    "Database",
    "GlossaryRecord",
    "alembic_config",
    "make_engine",
    "upgrade",
]
