"""field: field records (events, samples, custody), comparison tests, monitoring reports, lab re-checks

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import huanjian.core.db

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "field_lab_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lab_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("outlet_id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_code", sa.String(length=12), nullable=False),
        sa.Column("report_number", sa.String(length=60), nullable=False),
        sa.Column("sampled_on", sa.Date(), nullable=False),
        sa.Column(
            "content", sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql"), nullable=False
        ),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("selected", sa.Boolean(), nullable=False),
        sa.Column(
            "selection", sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql"), nullable=False
        ),
        sa.Column("uploaded_by", sa.String(length=200), nullable=False),
        sa.Column("uploaded_at", huanjian.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprise.id"], name=op.f("fk_field_lab_report_enterprise_id_enterprise")
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_code"],
            ["jurisdiction.code"],
            name=op.f("fk_field_lab_report_jurisdiction_code_jurisdiction"),
        ),
        sa.ForeignKeyConstraint(
            ["lab_id"], ["organisation.id"], name=op.f("fk_field_lab_report_lab_id_organisation")
        ),
        sa.ForeignKeyConstraint(
            ["outlet_id"], ["outlet.id"], name=op.f("fk_field_lab_report_outlet_id_outlet")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_lab_report")),
        sa.UniqueConstraint("lab_id", "report_number", name=op.f("uq_field_lab_report_lab_id_report_number")),
    )
    op.create_index(
        op.f("ix_field_lab_report_enterprise_id"), "field_lab_report", ["enterprise_id"], unique=False
    )
    op.create_index(
        op.f("ix_field_lab_report_jurisdiction_code"), "field_lab_report", ["jurisdiction_code"], unique=False
    )
    op.create_index(op.f("ix_field_lab_report_lab_id"), "field_lab_report", ["lab_id"], unique=False)
    op.create_table(
        "field_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=50), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=True),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("outlet_id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_code", sa.String(length=12), nullable=False),
        sa.Column("method", sa.String(length=60), nullable=False),
        sa.Column("methods_version", sa.String(length=20), nullable=False),
        sa.Column(
            "pollutants", sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql"), nullable=False
        ),
        sa.Column("assignee_id", sa.Integer(), nullable=False),
        sa.Column("assignee_name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", huanjian.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", huanjian.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["user_account.id"], name=op.f("fk_field_record_assignee_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["case_assignment.id"],
            name=op.f("fk_field_record_assignment_id_case_assignment"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_field_record_case_id_case_file")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprise.id"], name=op.f("fk_field_record_enterprise_id_enterprise")
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_code"],
            ["jurisdiction.code"],
            name=op.f("fk_field_record_jurisdiction_code_jurisdiction"),
        ),
        sa.ForeignKeyConstraint(["outlet_id"], ["outlet.id"], name=op.f("fk_field_record_outlet_id_outlet")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_record")),
        sa.UniqueConstraint("number", name=op.f("uq_field_record_number")),
    )
    op.create_index(op.f("ix_field_record_case_id"), "field_record", ["case_id"], unique=False)
    op.create_index(op.f("ix_field_record_enterprise_id"), "field_record", ["enterprise_id"], unique=False)
    op.create_index(
        op.f("ix_field_record_jurisdiction_code"), "field_record", ["jurisdiction_code"], unique=False
    )
    op.create_table(
        "field_technical_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lab_report_id", sa.Integer(), nullable=False),
        sa.Column("lab_id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_code", sa.String(length=12), nullable=False),
        sa.Column("checks", sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql"), nullable=False),
        sa.Column("conclusion", sa.String(length=12), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("reviewer", sa.String(length=200), nullable=False),
        sa.Column("created_at", huanjian.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["jurisdiction_code"],
            ["jurisdiction.code"],
            name=op.f("fk_field_technical_check_jurisdiction_code_jurisdiction"),
        ),
        sa.ForeignKeyConstraint(
            ["lab_id"], ["organisation.id"], name=op.f("fk_field_technical_check_lab_id_organisation")
        ),
        sa.ForeignKeyConstraint(
            ["lab_report_id"],
            ["field_lab_report.id"],
            name=op.f("fk_field_technical_check_lab_report_id_field_lab_report"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_technical_check")),
        sa.UniqueConstraint("lab_report_id", name=op.f("uq_field_technical_check_lab_report_id")),
    )
    op.create_index(
        op.f("ix_field_technical_check_jurisdiction_code"),
        "field_technical_check",
        ["jurisdiction_code"],
        unique=False,
    )
    op.create_index(
        op.f("ix_field_technical_check_lab_id"), "field_technical_check", ["lab_id"], unique=False
    )
    op.create_table(
        "field_comparison_test",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("outlet_id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_code", sa.String(length=12), nullable=False),
        sa.Column("contractor_id", sa.Integer(), nullable=True),
        sa.Column("parameter", sa.String(length=10), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("period_start", huanjian.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("period_end", huanjian.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("pairs", sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql"), nullable=False),
        sa.Column(
            "evaluation", sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql"), nullable=False
        ),
        sa.Column("verdict", sa.String(length=4), nullable=False),
        sa.Column("rules_version", sa.String(length=20), nullable=False),
        sa.Column("om_follows_standard", sa.Boolean(), nullable=True),
        sa.Column("om_note", sa.Text(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("qa_event_id", sa.Integer(), nullable=True),
        sa.Column("suspect_layer_id", sa.Integer(), nullable=True),
        sa.Column("suspect_from", huanjian.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", huanjian.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_field_comparison_test_case_id_case_file")
        ),
        sa.ForeignKeyConstraint(
            ["contractor_id"],
            ["organisation.id"],
            name=op.f("fk_field_comparison_test_contractor_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["device_id"], ["device.id"], name=op.f("fk_field_comparison_test_device_id_device")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_field_comparison_test_enterprise_id_enterprise"),
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_code"],
            ["jurisdiction.code"],
            name=op.f("fk_field_comparison_test_jurisdiction_code_jurisdiction"),
        ),
        sa.ForeignKeyConstraint(
            ["outlet_id"], ["outlet.id"], name=op.f("fk_field_comparison_test_outlet_id_outlet")
        ),
        sa.ForeignKeyConstraint(
            ["qa_event_id"],
            ["review_qa_event.id"],
            name=op.f("fk_field_comparison_test_qa_event_id_review_qa_event"),
        ),
        sa.ForeignKeyConstraint(
            ["suspect_layer_id"],
            ["review_layer.id"],
            name=op.f("fk_field_comparison_test_suspect_layer_id_review_layer"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_comparison_test")),
    )
    op.create_index(
        op.f("ix_field_comparison_test_device_id"), "field_comparison_test", ["device_id"], unique=False
    )
    op.create_index(
        op.f("ix_field_comparison_test_enterprise_id"),
        "field_comparison_test",
        ["enterprise_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_field_comparison_test_jurisdiction_code"),
        "field_comparison_test",
        ["jurisdiction_code"],
        unique=False,
    )
    op.create_table(
        "field_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("origin", sa.String(length=10), nullable=False),
        sa.Column(
            "payload", sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql"), nullable=False
        ),
        sa.Column("payload_sha256", sa.String(length=64), nullable=False),
        sa.Column(
            "derived", sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql"), nullable=False
        ),
        sa.Column("supersedes", sa.String(length=36), nullable=True),
        sa.Column("base_seq", sa.Integer(), nullable=True),
        sa.Column("device_time", huanjian.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("server_time", huanjian.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("conflict_reason", sa.Text(), nullable=True),
        sa.Column("resolution", sa.String(length=12), nullable=True),
        sa.Column("resolved_by", sa.String(length=200), nullable=True),
        sa.Column("resolved_at", huanjian.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_into", sa.String(length=36), nullable=True),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["field_record.id"],
            name=op.f("fk_field_event_record_id_field_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_event")),
        sa.UniqueConstraint("record_id", "seq", name=op.f("uq_field_event_record_id_seq")),
        sa.UniqueConstraint("uuid", name=op.f("uq_field_event_uuid")),
    )
    op.create_index(op.f("ix_field_event_record_id"), "field_event", ["record_id"], unique=False)
    op.create_table(
        "field_lab_finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lab_id", sa.Integer(), nullable=False),
        sa.Column("technical_check_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("credit_points", sa.Integer(), nullable=False),
        sa.Column("credit_forwarded_at", huanjian.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", huanjian.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lab_id"], ["organisation.id"], name=op.f("fk_field_lab_finding_lab_id_organisation")
        ),
        sa.ForeignKeyConstraint(
            ["technical_check_id"],
            ["field_technical_check.id"],
            name=op.f("fk_field_lab_finding_technical_check_id_field_technical_check"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_lab_finding")),
    )
    op.create_index(op.f("ix_field_lab_finding_lab_id"), "field_lab_finding", ["lab_id"], unique=False)
    op.create_index(
        op.f("ix_field_lab_finding_technical_check_id"),
        "field_lab_finding",
        ["technical_check_id"],
        unique=False,
    )
    op.create_table(
        "field_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=50), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("previous_id", sa.Integer(), nullable=True),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("outlet_id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_code", sa.String(length=12), nullable=False),
        sa.Column("sampled_on", sa.Date(), nullable=False),
        sa.Column(
            "content", sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql"), nullable=False
        ),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("checks", sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql"), nullable=False),
        sa.Column("checks_ok", sa.Boolean(), nullable=True),
        sa.Column("drafted_by_id", sa.Integer(), nullable=True),
        sa.Column("drafted_by", sa.String(length=200), nullable=False),
        sa.Column("drafted_at", huanjian.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("checked_by_id", sa.Integer(), nullable=True),
        sa.Column("checked_by", sa.String(length=200), nullable=True),
        sa.Column("checked_at", huanjian.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("signed_by_id", sa.Integer(), nullable=True),
        sa.Column("signed_by", sa.String(length=200), nullable=True),
        sa.Column("signed_at", huanjian.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=True),
        sa.Column("fields_sha256", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_field_report_case_id_case_file")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprise.id"], name=op.f("fk_field_report_enterprise_id_enterprise")
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_code"],
            ["jurisdiction.code"],
            name=op.f("fk_field_report_jurisdiction_code_jurisdiction"),
        ),
        sa.ForeignKeyConstraint(["outlet_id"], ["outlet.id"], name=op.f("fk_field_report_outlet_id_outlet")),
        sa.ForeignKeyConstraint(
            ["previous_id"], ["field_report.id"], name=op.f("fk_field_report_previous_id_field_report")
        ),
        sa.ForeignKeyConstraint(
            ["record_id"], ["field_record.id"], name=op.f("fk_field_report_record_id_field_record")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_report")),
        sa.UniqueConstraint("number", "version", name=op.f("uq_field_report_number_version")),
    )
    op.create_index(op.f("ix_field_report_case_id"), "field_report", ["case_id"], unique=False)
    op.create_index(
        op.f("ix_field_report_jurisdiction_code"), "field_report", ["jurisdiction_code"], unique=False
    )
    op.create_index(op.f("ix_field_report_number"), "field_report", ["number"], unique=False)
    op.create_index(op.f("ix_field_report_record_id"), "field_report", ["record_id"], unique=False)
    op.create_table(
        "field_sample",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("pollutant", sa.String(length=10), nullable=False),
        sa.Column("container", sa.String(length=100), nullable=False),
        sa.Column("preservation", sa.String(length=200), nullable=False),
        sa.Column("event_uuid", sa.String(length=36), nullable=False),
        sa.Column("taken_at", huanjian.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", huanjian.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["field_record.id"],
            name=op.f("fk_field_sample_record_id_field_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_sample")),
        sa.UniqueConstraint("code", name=op.f("uq_field_sample_code")),
    )
    op.create_index(op.f("ix_field_sample_record_id"), "field_sample", ["record_id"], unique=False)
    op.create_table(
        "field_custody",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sample_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("signer_name", sa.String(length=100), nullable=False),
        sa.Column("image_sha256", sa.String(length=64), nullable=False),
        sa.Column("attachment_id", sa.Integer(), nullable=True),
        sa.Column("device_time", huanjian.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("server_time", huanjian.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("event_uuid", sa.String(length=36), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["attachment_id"],
            ["case_attachment.id"],
            name=op.f("fk_field_custody_attachment_id_case_attachment"),
        ),
        sa.ForeignKeyConstraint(
            ["sample_id"],
            ["field_sample.id"],
            name=op.f("fk_field_custody_sample_id_field_sample"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_custody")),
        sa.UniqueConstraint("sample_id", "position", name=op.f("uq_field_custody_sample_id_position")),
    )
    op.create_index(op.f("ix_field_custody_sample_id"), "field_custody", ["sample_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_field_custody_sample_id"), table_name="field_custody")
    op.drop_table("field_custody")
    op.drop_index(op.f("ix_field_sample_record_id"), table_name="field_sample")
    op.drop_table("field_sample")
    op.drop_index(op.f("ix_field_report_record_id"), table_name="field_report")
    op.drop_index(op.f("ix_field_report_number"), table_name="field_report")
    op.drop_index(op.f("ix_field_report_jurisdiction_code"), table_name="field_report")
    op.drop_index(op.f("ix_field_report_case_id"), table_name="field_report")
    op.drop_table("field_report")
    op.drop_index(op.f("ix_field_lab_finding_technical_check_id"), table_name="field_lab_finding")
    op.drop_index(op.f("ix_field_lab_finding_lab_id"), table_name="field_lab_finding")
    op.drop_table("field_lab_finding")
    op.drop_index(op.f("ix_field_event_record_id"), table_name="field_event")
    op.drop_table("field_event")
    op.drop_index(op.f("ix_field_comparison_test_jurisdiction_code"), table_name="field_comparison_test")
    op.drop_index(op.f("ix_field_comparison_test_enterprise_id"), table_name="field_comparison_test")
    op.drop_index(op.f("ix_field_comparison_test_device_id"), table_name="field_comparison_test")
    op.drop_table("field_comparison_test")
    op.drop_index(op.f("ix_field_technical_check_lab_id"), table_name="field_technical_check")
    op.drop_index(op.f("ix_field_technical_check_jurisdiction_code"), table_name="field_technical_check")
    op.drop_table("field_technical_check")
    op.drop_index(op.f("ix_field_record_jurisdiction_code"), table_name="field_record")
    op.drop_index(op.f("ix_field_record_enterprise_id"), table_name="field_record")
    op.drop_index(op.f("ix_field_record_case_id"), table_name="field_record")
    op.drop_table("field_record")
    op.drop_index(op.f("ix_field_lab_report_lab_id"), table_name="field_lab_report")
    op.drop_index(op.f("ix_field_lab_report_jurisdiction_code"), table_name="field_lab_report")
    op.drop_index(op.f("ix_field_lab_report_enterprise_id"), table_name="field_lab_report")
    op.drop_table("field_lab_report")
