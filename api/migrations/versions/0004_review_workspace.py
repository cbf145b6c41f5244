"""The editor's workspace: aligned source offsets, per-segment totals, who decided and why,
comment threads, the team of a decision and editors' rule overrides.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEGMENT_COLUMNS = (
    ("effort_char_base", sa.Integer()),
    ("effort_ter_edits", sa.Float()),
    ("effort_ter_words", sa.Float()),
    ("source_start", sa.Integer()),
    ("source_end", sa.Integer()),
    ("decided_at", sa.DateTime(timezone=True)),
    ("reason", sa.String(length=32)),
    ("reason_text", sa.Text()),
)


def upgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("project", sa.String(length=100), nullable=True))
        batch_op.create_index(batch_op.f("ix_documents_project"), ["project"], unique=False)
    with op.batch_alter_table("segments", schema=None) as batch_op:
        for name, kind in SEGMENT_COLUMNS:
            batch_op.add_column(sa.Column(name, kind, nullable=True))
        batch_op.add_column(sa.Column("decided_by", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_segments_decided_by_users"), "users", ["decided_by"], ["id"], ondelete="SET NULL"
        )
    with op.batch_alter_table("flags", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_start", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("source_end", sa.Integer(), nullable=True))
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("char_base", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("ter_edits", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("ter_words", sa.Float(), nullable=True))
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("reason_text", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("team", sa.String(length=120), nullable=True))
        batch_op.create_index(batch_op.f("ix_reviews_team"), ["team"], unique=False)
    _create_comments()
    _create_rule_overrides()


def _create_comments() -> None:
    op.create_table(
        "comments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("segment_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["segment_id"], ["segments.id"], name=op.f("fk_comments_segment_id_segments"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_comments_author_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comments")),
    )
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_comments_segment_id"), ["segment_id"], unique=False)


def _create_rule_overrides() -> None:
    op.create_table(
        "rule_overrides",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("team", sa.String(length=120), nullable=False),
        sa.Column("rule", sa.String(length=200), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("mode IN ('auto', 'on', 'off')", name=op.f("ck_rule_overrides_mode")),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["users.id"], name=op.f("fk_rule_overrides_updated_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_overrides")),
        sa.UniqueConstraint("team", "rule", name="uq_rule_overrides_team_rule"),
    )


def downgrade() -> None:
    op.drop_table("rule_overrides")
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comments_segment_id"))
    op.drop_table("comments")
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reviews_team"))
        for name in ("team", "reason_text", "reason"):
            batch_op.drop_column(name)
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        for name in ("ter_words", "ter_edits", "char_base"):
            batch_op.drop_column(name)
    with op.batch_alter_table("flags", schema=None) as batch_op:
        batch_op.drop_column("source_end")
        batch_op.drop_column("source_start")
    with op.batch_alter_table("segments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_segments_decided_by_users"), type_="foreignkey")
        batch_op.drop_column("decided_by")
        for name, _kind in reversed(SEGMENT_COLUMNS):
            batch_op.drop_column(name)
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_documents_project"))
        batch_op.drop_column("project")
