"""ingest: remote commands queued for loggers (issue 4 item 6)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 21:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import huanjian.core.db

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql")


def upgrade() -> None:
    op.create_table(
        "ingest_command",
        sa.Column("id", BIG, nullable=False),
        sa.Column("mn", sa.String(length=64), nullable=False),
        sa.Column("cn", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("params", JSON, nullable=True),
        sa.Column("qn", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("created_at", huanjian.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("jurisdiction_code", sa.String(length=12), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("sent_at", huanjian.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sent_raw", sa.LargeBinary(), nullable=True),
        sa.Column("qn_rtn", sa.Integer(), nullable=True),
        sa.Column("accepted_at", huanjian.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("exe_rtn", sa.Integer(), nullable=True),
        sa.Column("finished_at", huanjian.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("replies", JSON, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_command")),
        sa.UniqueConstraint("qn", name=op.f("uq_ingest_command_qn")),
    )
    with op.batch_alter_table("ingest_command", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ingest_command_mn"), ["mn"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_ingest_command_jurisdiction_code"), ["jurisdiction_code"], unique=False
        )
        batch_op.create_index("ix_ingest_command_status", ["status", "mn"], unique=False)


def downgrade() -> None:
    op.drop_table("ingest_command")
