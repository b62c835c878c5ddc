"""Credit evaluation, filing and service records (issue 9).

Layers, never edits of what they rest on:

* ``credit_scheme`` — a scoring scheme version (body as data, source, confidence);
  a change is a new version, the old one stays;
* ``credit_finding`` — an event the credit domain itself records (warning, CMA
  revoked, veto items…) with its evidence link; events that live elsewhere
  (register penalties, casework orders, notifications, service records) are
  read where they are;
* ``credit_run`` / ``credit_evaluation`` / ``credit_item`` — one run of one scheme
  over one period; each evaluation's score is the sum of its items, and each
  item names the stored object (type, id) that moved it;
* ``credit_objection`` / ``credit_repair`` — the feedback and repair steps;
* ``filing`` / ``filing_change`` — filing (备案) of labs and contractors;
* ``service_record`` — what labs and contractors upload, with hash, time, uploader;
* ``supervision_class_decision`` — the class the rule gave an enterprise, and an override.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from huanjian.core.db import Base, JSONType, UTCDateTime


class CreditScheme(Base):
    __tablename__ = "credit_scheme"
    __table_args__ = (UniqueConstraint("scheme", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scheme: Mapped[str] = mapped_column(String(20), nullable=False)  # enterprise | lab | contractor
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    body: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)


class CreditFinding(Base):
    """An event recorded in the credit domain (e.g. ``cma_revoked``), with its evidence."""

    __tablename__ = "credit_finding"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), nullable=False, index=True)
    jurisdiction_code: Mapped[str | None] = mapped_column(String(12), index=True)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    occurred_on: Mapped[date] = mapped_column(Date, nullable=False)
    amount: Mapped[float | None] = mapped_column(Float)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    evidence_type: Mapped[str | None] = mapped_column(String(40))
    evidence_id: Mapped[str | None] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    recorded_by: Mapped[str] = mapped_column(String(200), nullable=False)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)


class CreditRun(Base):
    __tablename__ = "credit_run"
    __table_args__ = (Index("ix_credit_run_scheme_period", "scheme", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scheme: Mapped[str] = mapped_column(String(20), nullable=False)
    period: Mapped[str] = mapped_column(String(7), nullable=False)  # 2026 | 2026-10
    kind: Mapped[str] = mapped_column(String(12), nullable=False)  # provisional | final
    # null: the whole city; else the district (or town) subtree whose subjects it rates
    jurisdiction_code: Mapped[str | None] = mapped_column(String(12), index=True)
    scheme_version: Mapped[int] = mapped_column(Integer, nullable=False)
    scheme_body: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False)  # draft | published | superseded
    inputs: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    started_by: Mapped[str] = mapped_column(String(200), nullable=False)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_by: Mapped[str | None] = mapped_column(String(200))


class CreditEvaluation(Base):
    __tablename__ = "credit_evaluation"
    __table_args__ = (UniqueConstraint("run_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("credit_run.id", ondelete="CASCADE"), nullable=False)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), nullable=False, index=True)
    jurisdiction_code: Mapped[str | None] = mapped_column(String(12), index=True)
    score: Mapped[float] = mapped_column(Float, nullable=False)
    grade: Mapped[str] = mapped_column(String(12), nullable=False)
    veto: Mapped[str | None] = mapped_column(String(40))
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    self_score: Mapped[float | None] = mapped_column(Float)
    self_note: Mapped[str | None] = mapped_column(Text)
    self_assessed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    repaired_grade: Mapped[str | None] = mapped_column(String(12))


class CreditItem(Base):
    """One line of an evaluation: points and the stored object that caused them."""

    __tablename__ = "credit_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        ForeignKey("credit_evaluation.id", ondelete="CASCADE"), nullable=False, index=True
    )
    rule: Mapped[str] = mapped_column(String(40), nullable=False)
    group: Mapped[str] = mapped_column(String(40), nullable=False)
    points: Mapped[float] = mapped_column(Float, nullable=False)
    explanation: Mapped[str] = mapped_column(Text, nullable=False)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(100))
    occurred_on: Mapped[date | None] = mapped_column(Date)
    excluded_reason: Mapped[str | None] = mapped_column(Text)  # upheld objection or approved repair


class CreditObjection(Base):
    __tablename__ = "credit_objection"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        ForeignKey("credit_evaluation.id", ondelete="CASCADE"), nullable=False, index=True
    )
    item_id: Mapped[int | None] = mapped_column(ForeignKey("credit_item.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12), nullable=False)  # objection | repair
    text: Mapped[str] = mapped_column(Text, nullable=False)
    state: Mapped[str] = mapped_column(String(12), nullable=False)  # open | upheld | rejected
    filed_by: Mapped[str] = mapped_column(String(200), nullable=False)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_reason: Mapped[str | None] = mapped_column(Text)


class Filing(Base):
    """Filing (备案) of a lab or contractor with the bureau before it serves."""

    __tablename__ = "filing"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), unique=True, nullable=False)
    jurisdiction_code: Mapped[str] = mapped_column(
        ForeignKey("jurisdiction.code"), nullable=False, index=True
    )
    status: Mapped[str] = mapped_column(String(12), nullable=False)  # filed | suspended
    certification: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    staff: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False, default=list)
    equipment: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False, default=list)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    filed_by: Mapped[str] = mapped_column(String(200), nullable=False)
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    suspended_reason: Mapped[str | None] = mapped_column(Text)


class FilingChange(Base):
    __tablename__ = "filing_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    filing_id: Mapped[int] = mapped_column(
        ForeignKey("filing.id", ondelete="CASCADE"), nullable=False, index=True
    )
    changed_on: Mapped[date] = mapped_column(Date, nullable=False)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    reported_by: Mapped[str] = mapped_column(String(200), nullable=False)
    before: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    after: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    late: Mapped[bool] = mapped_column(Boolean, nullable=False)


class ServiceRecord(Base):
    """An upload by a lab or contractor; the upload itself is evidence (hash, time, uploader)."""

    __tablename__ = "service_record"
    __table_args__ = (Index("ix_service_record_org_date", "organisation_id", "performed_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), nullable=False)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), nullable=False, index=True)
    jurisdiction_code: Mapped[str | None] = mapped_column(String(12), index=True)
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlet.id"))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("device.id"))
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    performed_on: Mapped[date] = mapped_column(Date, nullable=False)
    result: Mapped[str | None] = mapped_column(String(12))  # pass | fail | anomaly | ok
    summary: Mapped[str] = mapped_column(Text, nullable=False, default="")
    file_name: Mapped[str | None] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    uploaded_by: Mapped[str] = mapped_column(String(200), nullable=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(Integer)


class SupervisionClassDecision(Base):
    """The supervision class the rule gave an enterprise, and a manual override."""

    __tablename__ = "supervision_class_decision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), unique=True, nullable=False)
    jurisdiction_code: Mapped[str | None] = mapped_column(String(12), index=True)
    computed_class: Mapped[str] = mapped_column(String(10), nullable=False)
    rule: Mapped[str] = mapped_column(Text, nullable=False)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    risk: Mapped[str] = mapped_column(String(10), nullable=False, default="normal")
    override_class: Mapped[str | None] = mapped_column(String(10))
    override_reason: Mapped[str | None] = mapped_column(Text)
    override_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)

    @property
    def effective_class(self) -> str:
        return self.override_class or self.computed_class
