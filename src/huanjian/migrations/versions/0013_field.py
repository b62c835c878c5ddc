"""field: yearly spot comparison-test plans; the file of a lab's report

Revision ID: 0013
Revises: 0012 (the newest revision when written; to be re-chained)
Create Date: 2026-11-29 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import huanjian.core.db

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql")


def upgrade() -> None:
    op.create_table(
        "field_spot_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_code", sa.String(length=12), nullable=False),
        sa.Column("seed", sa.String(length=64), nullable=False),
        sa.Column("commitment", sa.String(length=64), nullable=False),
        sa.Column("weights", JSON, nullable=False),
        sa.Column("library", JSON, nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", huanjian.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["jurisdiction_code"],
            ["jurisdiction.code"],
            name=op.f("fk_field_spot_plan_jurisdiction_code_jurisdiction"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_spot_plan")),
        sa.UniqueConstraint(
            "year", "jurisdiction_code", name=op.f("uq_field_spot_plan_year_jurisdiction_code")
        ),
    )
    op.create_index(
        op.f("ix_field_spot_plan_jurisdiction_code"), "field_spot_plan", ["jurisdiction_code"], unique=False
    )
    op.create_table(
        "field_spot_plan_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("contractor_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("device_ref", sa.String(length=50), nullable=False),
        sa.Column("score", sa.String(length=64), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_code", sa.String(length=12), nullable=False),
        sa.Column("comparison_id", sa.Integer(), nullable=True),
        sa.Column("done_at", huanjian.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["field_spot_plan.id"],
            ondelete="CASCADE",
            name=op.f("fk_field_spot_plan_item_plan_id_field_spot_plan"),
        ),
        sa.ForeignKeyConstraint(
            ["contractor_id"],
            ["organisation.id"],
            name=op.f("fk_field_spot_plan_item_contractor_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["device_id"], ["device.id"], name=op.f("fk_field_spot_plan_item_device_id_device")
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_code"],
            ["jurisdiction.code"],
            name=op.f("fk_field_spot_plan_item_jurisdiction_code_jurisdiction"),
        ),
        sa.ForeignKeyConstraint(
            ["comparison_id"],
            ["field_comparison_test.id"],
            name=op.f("fk_field_spot_plan_item_comparison_id_field_comparison_test"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_spot_plan_item")),
        sa.UniqueConstraint(
            "plan_id",
            "contractor_id",
            "position",
            name=op.f("uq_field_spot_plan_item_plan_id_contractor_id_position"),
        ),
    )
    for column in ("plan_id", "contractor_id", "device_id", "jurisdiction_code"):
        op.create_index(
            op.f(f"ix_field_spot_plan_item_{column}"), "field_spot_plan_item", [column], unique=False
        )
    with op.batch_alter_table("field_lab_report") as batch:
        batch.add_column(sa.Column("file_sha256", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("file_name", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("file_type", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("file_size", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("field_lab_report") as batch:
        for column in ("file_size", "file_type", "file_name", "file_sha256"):
            batch.drop_column(column)
    for column in ("jurisdiction_code", "device_id", "contractor_id", "plan_id"):
        op.drop_index(op.f(f"ix_field_spot_plan_item_{column}"), table_name="field_spot_plan_item")
    op.drop_table("field_spot_plan_item")
    op.drop_index(op.f("ix_field_spot_plan_jurisdiction_code"), table_name="field_spot_plan")
    op.drop_table("field_spot_plan")
