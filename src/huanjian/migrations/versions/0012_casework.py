"""casework: assignment-draw seed commitments (commit–reveal)

Revision ID: 0012
Revises: 0011 (the newest revision when written; to be re-chained)
Create Date: 2026-11-29 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import huanjian.core.db

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_draw_commitment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("method", sa.String(length=100), nullable=True),
        sa.Column("pollutant", sa.String(length=10), nullable=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column(
            "organisation_ids",
            sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql"),
            nullable=True,
        ),
        sa.Column("seed", sa.String(length=64), nullable=False),
        sa.Column("commitment", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("committed_by", sa.String(length=200), nullable=False),
        sa.Column("committed_at", huanjian.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("drawn_at", huanjian.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("drawn_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
            name=op.f("fk_case_draw_commitment_case_id_case_file"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_draw_commitment")),
    )
    with op.batch_alter_table("case_draw_commitment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_draw_commitment_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_draw_commitment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_draw_commitment_case_id"))
    op.drop_table("case_draw_commitment")
