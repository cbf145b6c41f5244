"""The API's tables, as SQLAlchemy 2 typed models.

Only portable column types (no SQLite- or PostgreSQL-only features): a later issue
adds documents, segments, flags, reviews and users to the same ``Base.metadata``,
and the schema must migrate the same way on SQLite and PostgreSQL. Every change
to these models goes with an Alembic revision in ``api/migrations/versions``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, LargeBinary, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

#: Roles, least to most privileged; each role may do everything the ones before it may.
ROLES = ("translator", "editor", "admin")

# Named constraints, so Alembic can alter them on SQLite (batch mode) and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ApiKey(Base):
    """An API key: only the SHA-256 of the token is stored; the token is shown once."""

    __tablename__ = "api_keys"
    __table_args__ = (CheckConstraint("role IN ('translator', 'editor', 'admin')", name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    key_prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class GlossaryRecord(Base):
    """An uploaded glossary: the file as sent (re-parsed on load) and what it held."""

    __tablename__ = "glossaries"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(255))
    format: Mapped[str] = mapped_column(String(8))
    src_lang: Mapped[str | None] = mapped_column(String(16), default=None)
    tgt_lang: Mapped[str | None] = mapped_column(String(16), default=None)
    entry_count: Mapped[int] = mapped_column(Integer)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    content: Mapped[bytes] = mapped_column(LargeBinary)
