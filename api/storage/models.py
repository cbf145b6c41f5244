"""The API's tables, as SQLAlchemy 2 typed models.

Only portable column types (no SQLite- or PostgreSQL-only features): a later issue
adds documents, segments, flags, reviews and users to the same ``Base.metadata``,
and the schema must migrate the same way on SQLite and PostgreSQL. Every change
to these models goes with an Alembic revision in ``api/migrations/versions``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

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


# --- review: users, stored audits, editor decisions ---------------------------------------------
#: Editor decisions on a segment; ``undo`` rows record that the previous decision was taken back.
DECISIONS = ("accept", "edit", "reject", "undo")
#: Why an editor rejected a proposal: code -> label (the page's short list; ``other`` needs a text).
REJECT_REASONS = {
    "not-an-error": "Not an error (false alarm)",
    "wrong-fix": "The proposed fix is wrong",
    "style": "Style or house preference",
    "meaning": "The fix changes the meaning",
    "other": "Other (say why)",
}
#: Review state of a segment: ``open`` until an editor decides.
SEGMENT_STATES = ("open", "accepted", "edited", "rejected")


class User(Base):
    """A person who logs in to the review pages; the password is stored as a scrypt/pbkdf2 hash."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('translator', 'editor', 'admin')", name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(100), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class Document(Base):
    """A stored audit: the texts as submitted, the pair, the glossaries used and who sent it."""

    __tablename__ = "documents"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    mt_text: Mapped[str] = mapped_column(Text)
    source_text: Mapped[str | None] = mapped_column(Text, default=None)
    src_lang: Mapped[str | None] = mapped_column(String(16), default=None)
    tgt_lang: Mapped[str] = mapped_column(String(16))
    glossaries: Mapped[list[Any]] = mapped_column(JSON, default=list)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    submitter_key_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_keys.id", ondelete="SET NULL"), default=None, index=True
    )
    submitter_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None, index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: A named project: the "team" whose editors' decisions tune the rules (else the submitting key).
    project: Mapped[str | None] = mapped_column(String(100), default=None, index=True)

    segments: Mapped[list[SegmentRecord]] = relationship(
        back_populates="document", order_by="SegmentRecord.position", cascade="all, delete-orphan"
    )


class SegmentRecord(Base):
    """One sentence of a stored document; ``version`` guards concurrent editors (optimistic locking)."""

    __tablename__ = "segments"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'accepted', 'edited', 'rejected')", name="status"),
        UniqueConstraint("document_id", "position", name="uq_segments_document_position"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    paragraph: Mapped[int] = mapped_column(Integer, default=0)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    mt_text: Mapped[str] = mapped_column(Text)
    final_text: Mapped[str | None] = mapped_column(Text, default=None)
    status: Mapped[str] = mapped_column(String(16), default="open")
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Post-edit effort: MT -> the editor's final text (None until decided).
    effort_char_distance: Mapped[int | None] = mapped_column(Integer, default=None)
    effort_char_ratio: Mapped[float | None] = mapped_column(Float, default=None)
    effort_ter: Mapped[float | None] = mapped_column(Float, default=None)
    # Sums for the document totals, kept per segment so a decision never rescores the document:
    # the longer of MT and final text (character ratio denominator), TER edits and reference words.
    effort_char_base: Mapped[int | None] = mapped_column(Integer, default=None)
    effort_ter_edits: Mapped[float | None] = mapped_column(Float, default=None)
    effort_ter_words: Mapped[float | None] = mapped_column(Float, default=None)
    # The aligned source sentence(s): offsets into the document's source text (None: not aligned).
    source_start: Mapped[int | None] = mapped_column(Integer, default=None)
    source_end: Mapped[int | None] = mapped_column(Integer, default=None)
    # Who made the current decision, and a rejection's reason (a short code and free text).
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    reason: Mapped[str | None] = mapped_column(String(32), default=None)
    reason_text: Mapped[str | None] = mapped_column(Text, default=None)

    document: Mapped[Document] = relationship(back_populates="segments")
    flags: Mapped[list[FlagRecord]] = relationship(
        back_populates="segment", order_by="FlagRecord.start", cascade="all, delete-orphan"
    )
    proposal: Mapped[ProposalRecord | None] = relationship(back_populates="segment", cascade="all, delete-orphan")
    reviews: Mapped[list[Review]] = relationship(
        back_populates="segment", order_by="Review.id", cascade="all, delete-orphan"
    )
    comments: Mapped[list[Comment]] = relationship(
        back_populates="segment", order_by="Comment.id", cascade="all, delete-orphan"
    )

    @property
    def flagged(self) -> bool:
        return bool(self.flags)


class FlagRecord(Base):
    """One flag; ``start``/``end`` index the segment's MT text (not the document)."""

    __tablename__ = "flags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    segment_id: Mapped[int] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"), index=True)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    rule: Mapped[str] = mapped_column(String(200), index=True)
    category: Mapped[str] = mapped_column(String(200))
    severity: Mapped[str] = mapped_column(String(16))
    origin: Mapped[str] = mapped_column(String(32), default="rule")
    message: Mapped[str] = mapped_column(Text)
    suggestion: Mapped[str | None] = mapped_column(Text, default=None)
    replacement: Mapped[str | None] = mapped_column(Text, default=None)
    # Source-aware flags: the evidence in the source (offsets into the document's source text).
    source_start: Mapped[int | None] = mapped_column(Integer, default=None)
    source_end: Mapped[int | None] = mapped_column(Integer, default=None)

    segment: Mapped[SegmentRecord] = relationship(back_populates="flags")


class ProposalRecord(Base):
    """The audit's proposed correction of a segment and its edit from the MT."""

    __tablename__ = "proposals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    segment_id: Mapped[int] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"), unique=True)
    text: Mapped[str] = mapped_column(Text)
    origin: Mapped[list[Any]] = mapped_column(JSON, default=list)
    char_distance: Mapped[int] = mapped_column(Integer)
    char_ratio: Mapped[float] = mapped_column(Float)
    ter: Mapped[float] = mapped_column(Float)
    char_base: Mapped[int | None] = mapped_column(Integer, default=None)
    ter_edits: Mapped[float | None] = mapped_column(Float, default=None)
    ter_words: Mapped[float | None] = mapped_column(Float, default=None)

    segment: Mapped[SegmentRecord] = relationship(back_populates="proposal")


class Review(Base):
    """One editor decision, append-only: the data a later issue learns from (rules accepted/rejected)."""

    __tablename__ = "reviews"
    __table_args__ = (CheckConstraint("decision IN ('accept', 'edit', 'reject', 'undo')", name="decision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    segment_id: Mapped[int] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"), index=True)
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    decision: Mapped[str] = mapped_column(String(16))
    final_text: Mapped[str | None] = mapped_column(Text, default=None)
    # The rules of the segment's flags when decided (accepted/rejected rules, for learning).
    rules: Mapped[list[Any]] = mapped_column(JSON, default=list)
    segment_version: Mapped[int] = mapped_column(Integer)
    char_distance: Mapped[int | None] = mapped_column(Integer, default=None)
    char_ratio: Mapped[float | None] = mapped_column(Float, default=None)
    ter: Mapped[float | None] = mapped_column(Float, default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reason: Mapped[str | None] = mapped_column(String(32), default=None)
    reason_text: Mapped[str | None] = mapped_column(Text, default=None)
    #: The team the decision counts for (``project:NAME`` or ``key:ID``), for learning per team.
    team: Mapped[str | None] = mapped_column(String(120), default=None, index=True)

    segment: Mapped[SegmentRecord] = relationship(back_populates="reviews")


class Comment(Base):
    """One message in a sentence's comment thread."""

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    segment_id: Mapped[int] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    segment: Mapped[SegmentRecord] = relationship(back_populates="comments")


#: An editor's override of a rule for a team: ``auto`` follows the decisions, ``on``/``off`` force it.
RULE_MODES = ("auto", "on", "off")


class RuleOverride(Base):
    """An editor's override of the learnt state of one rule for one team."""

    __tablename__ = "rule_overrides"
    __table_args__ = (
        CheckConstraint("mode IN ('auto', 'on', 'off')", name="mode"),
        UniqueConstraint("team", "rule", name="uq_rule_overrides_team_rule"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team: Mapped[str] = mapped_column(String(120))
    rule: Mapped[str] = mapped_column(String(200))
    mode: Mapped[str] = mapped_column(String(8), default="auto")
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# --- batch jobs --------------------------------------------------------------------------------
#: States of a batch job (``cancelled``: deleted while queued or running; its files are going away).
JOB_STATES = ("queued", "running", "done", "failed", "cancelled")


class JobRecord(Base):
    """A batch job (``POST /v1/jobs``): who submitted it, its options, state, progress and times.

    This row is the job's whole state, read and written only by :class:`api.services.jobs.DbJobStore`
    (a cancel request is the state ``cancelled``: the job is gone for every reader until the runner
    removes it). The job's folder (``directory``) holds artefacts only: the upload, and the
    checkpoints and outputs a restart resumes from."""

    __tablename__ = "batch_jobs"
    __table_args__ = (
        CheckConstraint("state IN ('queued', 'running', 'done', 'failed', 'cancelled')", name="state"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner_key_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_keys.id", ondelete="SET NULL"), default=None, index=True
    )
    state: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    filename: Mapped[str] = mapped_column(String(255))
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    directory: Mapped[str] = mapped_column(String(1024))
    upload_bytes: Mapped[int] = mapped_column(Integer, default=0)
    documents_done: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
