"""Case tables. Nothing is edited in place: each step is a row of ``case_step``
and an audit entry; records (inspection, signature, attachment) are append-only."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from huanjian.core.db import Base, JSONType, UTCDateTime


class Campaign(Base):
    """Special enforcement campaign (专项执法检查): a named target list and period."""

    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    jurisdiction_code: Mapped[str] = mapped_column(
        ForeignKey("jurisdiction.code"), nullable=False, index=True
    )
    period_start: Mapped[date] = mapped_column(Date, nullable=False)
    period_end: Mapped[date] = mapped_column(Date, nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)


class CampaignTarget(Base):
    __tablename__ = "campaign_target"
    __table_args__ = (UniqueConstraint("campaign_id", "enterprise_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), nullable=False)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), nullable=False, index=True)


class DutyRule(Base):
    """Duty split (分级负责) of one jurisdiction: who handles cases of enterprises at a supervising level.

    The rule of the nearest jurisdiction above the enterprise wins; without one
    the default of ``rules.json`` applies (each level handles its own).
    """

    __tablename__ = "duty_rule"
    __table_args__ = (UniqueConstraint("jurisdiction_code", "supervising_level"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdiction.code"), nullable=False)
    supervising_level: Mapped[str] = mapped_column(String(10), nullable=False)  # city|district|town
    handling_level: Mapped[str] = mapped_column(String(10), nullable=False)  # city|district|town
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    updated_by: Mapped[str] = mapped_column(String(200), nullable=False)


class DeclaredTie(Base):
    """A person's declared tie to an enterprise (recusal: equity, employment, kinship)."""

    __tablename__ = "declared_tie"
    __table_args__ = (Index("ix_declared_tie_staff_enterprise", "staff_id", "enterprise_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), nullable=False)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(12), nullable=False)  # equity | employment | kinship
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    declared_by: Mapped[str] = mapped_column(String(200), nullable=False)
    valid_until: Mapped[date | None] = mapped_column(Date)


class Case(Base):
    """One case (案件), from intake to closure."""

    __tablename__ = "case_file"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    source: Mapped[str] = mapped_column(String(20), nullable=False)
    source_ref: Mapped[str | None] = mapped_column(String(200))
    draw_id: Mapped[int | None] = mapped_column(ForeignKey("random_draw.id"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), nullable=False, index=True)
    # Where the enterprise is (visibility) and who handles it (duty split).
    jurisdiction_code: Mapped[str] = mapped_column(
        ForeignKey("jurisdiction.code"), nullable=False, index=True
    )
    handling_jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdiction.code"), nullable=False)
    supervising_level: Mapped[str] = mapped_column(String(10), nullable=False)
    routing_rule: Mapped[str] = mapped_column(String(300), nullable=False)
    state: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    outcome: Mapped[str | None] = mapped_column(String(12))
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # Penalty decision (处罚决定), filled by the `decide` step.
    legal_basis: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    penalty_amount_yuan: Mapped[float | None] = mapped_column(Float)
    decision_text: Mapped[str | None] = mapped_column(Text)
    rests_on_automatic_data: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    data_review_level: Mapped[str | None] = mapped_column(String(12))  # unreviewed|reviewed|approved
    data_reference: Mapped[str | None] = mapped_column(String(300))
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    opened_by: Mapped[str] = mapped_column(String(200), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CaseStep(Base):
    """One transition of a case: who, when, from which state to which, why, with what files."""

    __tablename__ = "case_step"
    __table_args__ = (UniqueConstraint("case_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    action: Mapped[str] = mapped_column(String(40), nullable=False)
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20), nullable=False)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(200), nullable=False)
    reason: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    attachment_ids: Mapped[list[int]] = mapped_column(JSONType, nullable=False, default=list)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class Attachment(Base):
    """A file of a case, stored once under <data_dir>/attachments/ by its SHA-256."""

    __tablename__ = "case_attachment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("case_file.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    purpose: Mapped[str] = mapped_column(String(30), nullable=False, default="document")
    uploaded_by: Mapped[str] = mapped_column(String(200), nullable=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class Assignment(Base):
    """Monitoring or inspection assigned to a person of the register, with its checks."""

    __tablename__ = "case_assignment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("case_file.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind: Mapped[str] = mapped_column(String(12), nullable=False)  # monitoring | inspection
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), nullable=False)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), nullable=False)
    method: Mapped[str | None] = mapped_column(String(100))
    pollutant: Mapped[str | None] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False, default=list)
    via_draw: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    assigned_by: Mapped[str] = mapped_column(String(200), nullable=False)
    assigned_by_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    override_reason: Mapped[str | None] = mapped_column(Text)
    override_requested_by: Mapped[int | None] = mapped_column(Integer)
    override_approved_by: Mapped[int | None] = mapped_column(Integer)


class DrawCommitment(Base):
    """The SHA-256 of an assignment draw's seed, published before the draw (commit–reveal).

    The seed stays secret until the draw uses it (``drawn_at``); each commitment
    serves one draw, with the parameters fixed when it was made.
    """

    __tablename__ = "case_draw_commitment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("case_file.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind: Mapped[str] = mapped_column(String(12), nullable=False)
    method: Mapped[str | None] = mapped_column(String(100))
    pollutant: Mapped[str | None] = mapped_column(String(10))
    count: Mapped[int] = mapped_column(Integer, nullable=False)
    organisation_ids: Mapped[list[int] | None] = mapped_column(JSONType)
    seed: Mapped[str] = mapped_column(String(64), nullable=False)
    commitment: Mapped[str] = mapped_column(String(64), nullable=False)
    reason: Mapped[str | None] = mapped_column(Text)  # why another draw of the same kind
    committed_by: Mapped[str] = mapped_column(String(200), nullable=False)
    committed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    drawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    drawn_by: Mapped[str | None] = mapped_column(String(200))


class SupervisionOrder(Base):
    """督办单: an order to an enterprise or contractor with a deadline, escalated when overdue."""

    __tablename__ = "supervision_order"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("case_file.id", ondelete="CASCADE"), nullable=False, index=True
    )
    number: Mapped[str] = mapped_column(String(50), unique=True, nullable=False)
    addressee_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), nullable=False, index=True)
    requirement: Mapped[str] = mapped_column(Text, nullable=False)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
    state: Mapped[str] = mapped_column(String(12), nullable=False)
    issued_by: Mapped[str] = mapped_column(String(200), nullable=False)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    answer_text: Mapped[str | None] = mapped_column(Text)
    answer_attachment_ids: Mapped[list[int]] = mapped_column(JSONType, nullable=False, default=list)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(200))
    return_reason: Mapped[str | None] = mapped_column(Text)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalation_level: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    escalated_to: Mapped[str | None] = mapped_column(String(12))
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class InspectionRecord(Base):
    """现场检查笔录: what was inspected, findings, the enterprise's statement, photos."""

    __tablename__ = "inspection_record"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("case_file.id", ondelete="CASCADE"), nullable=False, index=True
    )
    inspected_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    place: Mapped[str] = mapped_column(String(300), nullable=False)
    inspectors: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    items: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    findings: Mapped[str] = mapped_column(Text, nullable=False)
    enterprise_statement: Mapped[str] = mapped_column(Text, nullable=False, default="")
    photo_ids: Mapped[list[int]] = mapped_column(JSONType, nullable=False, default=list)
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class Signature(Base):
    """A signature on an inspection record: image, signer, device and server time, hashed together."""

    __tablename__ = "inspection_signature"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(
        ForeignKey("inspection_record.id", ondelete="CASCADE"), nullable=False, index=True
    )
    role: Mapped[str] = mapped_column(String(20), nullable=False)  # inspector | enterprise | witness
    signer_name: Mapped[str] = mapped_column(String(100), nullable=False)
    image_id: Mapped[int] = mapped_column(ForeignKey("case_attachment.id"), nullable=False)
    image_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    device_time: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    server_time: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)
