"""ingest: day packs of readings (ADR 0007)

* ``ingest_pack`` — one logger's current readings of one period, pollutant and CST day as arrays;
* ``ingest_pack_stale`` — days whose packs no longer match the readings (written by the ingest store);
* ``ingest_pack_sweep`` — how far packing has swept every logger's days, per period.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 02:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import huanjian.core.db

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ingest_pack",
        sa.Column("mn", sa.String(length=64), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("pollutant", sa.String(length=32), nullable=False),
        sa.Column("readings", sa.Integer(), nullable=False),
        sa.Column("times", sa.LargeBinary(), nullable=False),
        sa.Column("vals", sa.LargeBinary(), nullable=False),
        sa.Column("flags", sa.LargeBinary(), nullable=False),
        sa.Column("built_at", huanjian.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("mn", "period", "day", "pollutant", name=op.f("pk_ingest_pack")),
    )
    op.create_table(
        "ingest_pack_stale",
        sa.Column("mn", sa.String(length=64), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("marked_at", huanjian.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("mn", "period", "day", name=op.f("pk_ingest_pack_stale")),
    )
    op.create_table(
        "ingest_pack_sweep",
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("through", sa.Date(), nullable=False),
        sa.Column("swept_at", huanjian.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("period", name=op.f("pk_ingest_pack_sweep")),
    )
    if op.get_bind().dialect.name == "postgresql":
        # Values barely compress; pglz would only cost CPU on every read and write.
        op.execute("ALTER TABLE ingest_pack ALTER COLUMN vals SET STORAGE EXTERNAL")


def downgrade() -> None:
    op.drop_table("ingest_pack_sweep")
    op.drop_table("ingest_pack_stale")
    op.drop_table("ingest_pack")
