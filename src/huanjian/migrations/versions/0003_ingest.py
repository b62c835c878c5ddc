"""ingest: raw frames, records, readings (monthly partitions on PostgreSQL), parts, logger status

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import huanjian.core.db

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = huanjian.core.db.UTCDateTime(timezone=True)
BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "ingest_frame",
        sa.Column("id", BIG, nullable=False),
        sa.Column("received_at", UTC, nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("peer", sa.String(length=120), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("raw_sha", sa.String(length=32), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("mn", sa.String(length=64), nullable=True),
        sa.Column("cn", sa.String(length=8), nullable=True),
        sa.Column("qn", sa.String(length=32), nullable=True),
        sa.Column("version", sa.String(length=4), nullable=True),
        sa.Column("data_time", UTC, nullable=True),
        sa.Column("record_id", sa.BigInteger(), nullable=True),
        sa.Column("warnings", sa.JSON(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_frame")),
    )
    with op.batch_alter_table("ingest_frame", schema=None) as batch_op:
        batch_op.create_index("ix_ingest_frame_mn_received", ["mn", "received_at"], unique=False)
        batch_op.create_index("ix_ingest_frame_received", ["received_at"], unique=False)
        batch_op.create_index("ix_ingest_frame_raw_sha", ["raw_sha"], unique=False)

    op.create_table(
        "ingest_record",
        sa.Column("id", BIG, nullable=False),
        sa.Column("mn", sa.String(length=64), nullable=False),
        sa.Column("cn", sa.String(length=8), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("data_time", UTC, nullable=False),
        sa.Column("data_time_text", sa.String(length=20), nullable=False),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
        sa.Column("received_at", UTC, nullable=False),
        sa.Column("last_received_at", UTC, nullable=False),
        sa.Column("copies", sa.Integer(), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.Column("conflict", sa.Boolean(), nullable=False),
        sa.Column("time_flag", sa.String(length=8), nullable=True),
        sa.Column("params", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_record")),
        sa.UniqueConstraint(
            "mn",
            "cn",
            "data_time",
            "content_hash",
            name=op.f("uq_ingest_record_mn_cn_data_time_content_hash"),
        ),
    )
    with op.batch_alter_table("ingest_record", schema=None) as batch_op:
        batch_op.create_index("ix_ingest_record_key", ["mn", "cn", "data_time"], unique=False)

    reading_columns: list[sa.schema.SchemaItem] = [
        sa.Column("record_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("pollutant", sa.String(length=32), nullable=False),
        sa.Column("data_time", UTC, nullable=False),
        sa.Column("mn", sa.String(length=64), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("wire_code", sa.String(length=32), nullable=False),
        *(
            sa.Column(name, sa.Float(), nullable=True)
            for name in (
                "rtd",
                "avg",
                "min",
                "max",
                "cou",
                "zs_rtd",
                "zs_avg",
                "zs_min",
                "zs_max",
                "rs",
                "rt",
            )
        ),
        sa.Column("flag", sa.String(length=4), nullable=True),
        sa.Column("eflag", sa.String(length=16), nullable=True),
        sa.Column("sample_time", sa.String(length=20), nullable=True),
        sa.Column("extra", sa.JSON(), nullable=True),
        sa.Column("received_at", UTC, nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.Column("conflict", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("record_id", "pollutant", "data_time", name=op.f("pk_ingest_reading")),
    ]
    if op.get_bind().dialect.name == "postgresql":
        # Range-partitioned by month of data_time (ADR 0006); month partitions are
        # created on demand by the store, the default one takes implausible years.
        op.create_table("ingest_reading", *reading_columns, postgresql_partition_by="RANGE (data_time)")
        op.execute("CREATE TABLE ingest_reading_default PARTITION OF ingest_reading DEFAULT")
    else:
        op.create_table("ingest_reading", *reading_columns)
    with op.batch_alter_table("ingest_reading", schema=None) as batch_op:
        batch_op.create_index("ix_ingest_reading_mn_period_time", ["mn", "period", "data_time"], unique=False)

    op.create_table(
        "ingest_part",
        sa.Column("frame_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("mn", sa.String(length=64), nullable=False),
        sa.Column("cn", sa.String(length=8), nullable=False),
        sa.Column("data_time", UTC, nullable=False),
        sa.Column("pnum", sa.Integer(), nullable=False),
        sa.Column("pno", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
        sa.Column("record_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("frame_id", name=op.f("pk_ingest_part")),
    )
    with op.batch_alter_table("ingest_part", schema=None) as batch_op:
        batch_op.create_index("ix_ingest_part_key", ["mn", "cn", "data_time"], unique=False)

    op.create_table(
        "ingest_logger",
        sa.Column("mn", sa.String(length=64), nullable=False),
        sa.Column("first_seen_at", UTC, nullable=False),
        sa.Column("last_seen_at", UTC, nullable=False),
        sa.Column("last_peer", sa.String(length=120), nullable=False),
        sa.Column("last_cn", sa.String(length=8), nullable=True),
        sa.Column("last_verdict", sa.String(length=16), nullable=False),
        sa.Column("last_data_time", UTC, nullable=True),
        sa.Column("version", sa.String(length=4), nullable=True),
        sa.Column("frames", sa.BigInteger(), nullable=False),
        sa.Column("records", sa.BigInteger(), nullable=False),
        sa.Column("quarantined", sa.Boolean(), nullable=False),
        sa.Column("jurisdiction_code", sa.String(length=12), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("mn", name=op.f("pk_ingest_logger")),
    )
    with op.batch_alter_table("ingest_logger", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ingest_logger_jurisdiction_code"), ["jurisdiction_code"], unique=False
        )


def downgrade() -> None:
    op.drop_table("ingest_logger")
    op.drop_table("ingest_part")
    op.drop_table("ingest_reading")  # drops its partitions on PostgreSQL
    op.drop_table("ingest_record")
    op.drop_table("ingest_frame")
