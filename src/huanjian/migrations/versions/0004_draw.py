"""draw

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 21:11:43.432586
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import huanjian.core.db

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "random_draw",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("jurisdiction_code", sa.String(length=12), nullable=False),
        sa.Column("period", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("library", sa.JSON(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("commitment", sa.String(length=64), nullable=True),
        sa.Column("seed", sa.String(length=64), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.Column("created_at", huanjian.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("committed_at", huanjian.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("drawn_at", huanjian.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("drawn_by", sa.String(length=200), nullable=True),
        sa.Column("published_at", huanjian.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("redraw_of_id", sa.Integer(), nullable=True),
        sa.Column("redraw_reason", sa.Text(), nullable=True),
        sa.Column("redraw_requested_by", sa.Integer(), nullable=True),
        sa.Column("redraw_approved_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["jurisdiction_code"],
            ["jurisdiction.code"],
            name=op.f("fk_random_draw_jurisdiction_code_jurisdiction"),
        ),
        sa.ForeignKeyConstraint(
            ["redraw_of_id"], ["random_draw.id"], name=op.f("fk_random_draw_redraw_of_id_random_draw")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_random_draw")),
    )
    with op.batch_alter_table("random_draw", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_random_draw_jurisdiction_code"), ["jurisdiction_code"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("random_draw", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_random_draw_jurisdiction_code"))

    op.drop_table("random_draw")
