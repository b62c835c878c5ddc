"""Tables of data review (issue 5): layers over the raw readings, never edits of them.

* ``review_layer`` — every enterprise mark, declaration, reviewer action (flag,
  exclude, substitute), suspect period and review level, one row each.  A row is
  never deleted; it *takes effect* at ``effective_from`` and stops at
  ``effective_until`` (withdrawn, rejected, resolved).  The as-of view at time T
  replays the rows with ``effective_from <= T < effective_until``, so any figure
  can be recomputed as it stood at T and the difference traced to the rows that
  changed between two times.
* ``review_qa_event`` — calibrations (from the loggers' C flags), maintenance,
  comparison tests and their results (written by ``field.compare`` through
  :func:`huanjian.review.qa.record_qa_event`).
* ``review_result`` — hourly, daily and monthly figures per outlet and pollutant,
  recomputed idempotently from the readings store and the layers in force.
* ``review_exceedance`` — exceedance events, created once and updated as data arrive
  (an event no longer found is withdrawn, never deleted).
* ``review_indicator`` — counts per logger, pollutant and CST day (rates are
  computed from summed counts, never averaged).
* ``review_self_monitoring`` — enterprises' self-monitoring results and their
  disagreement with the automatic data.
* ``review_state`` — per outlet, the readings already reviewed (incremental runs).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
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

BigId = BigInteger().with_variant(Integer(), "sqlite")

LAYER_KINDS = ("mark", "flag", "exclude", "substitute", "suspect", "level")
LEVELS = ("unreviewed", "reviewed", "approved")


class ReviewLayer(Base):
    __tablename__ = "review_layer"
    __table_args__ = (
        Index("ix_review_layer_outlet_time", "outlet_id", "start_at"),
        Index("ix_review_layer_status", "kind", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12), nullable=False)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlet.id"), nullable=False)
    pollutant: Mapped[str | None] = mapped_column(String(10))  # None: every parameter of the outlet
    start_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    code: Mapped[str] = mapped_column(String(30), nullable=False)  # mark code, level, flag, method
    value: Mapped[float | None] = mapped_column(Float)  # a substituted value
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False, default=list)
    # pending | effective | accepted | rejected | late | withdrawn | resolved
    status: Mapped[str] = mapped_column(String(12), nullable=False)
    effective_from: Mapped[datetime | None] = mapped_column(UTCDateTime())
    effective_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    recorded_by: Mapped[str] = mapped_column(String(200), nullable=False)
    recorded_by_id: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(12), nullable=False)  # enterprise | reviewer | qa | system
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    qa_event_id: Mapped[int | None] = mapped_column(ForeignKey("review_qa_event.id"))
    enterprise_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    jurisdiction_code: Mapped[str | None] = mapped_column(String(12), index=True)


class QaEvent(Base):
    __tablename__ = "review_qa_event"
    __table_args__ = (
        UniqueConstraint("outlet_id", "kind", "pollutant", "start_at", "source"),
        Index("ix_review_qa_event_outlet_time", "outlet_id", "start_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlet.id"), nullable=False)
    mn: Mapped[str | None] = mapped_column(String(32))
    pollutant: Mapped[str] = mapped_column(String(10), nullable=False, default="")  # "": whole outlet
    kind: Mapped[str] = mapped_column(String(20), nullable=False)  # calibration | maintenance | comparison …
    start_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    result: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    source: Mapped[str] = mapped_column(String(30), nullable=False)  # logger | field.compare | manual
    reference: Mapped[str | None] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    recorded_by: Mapped[str] = mapped_column(String(200), nullable=False)
    enterprise_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    jurisdiction_code: Mapped[str | None] = mapped_column(String(12), index=True)


class ReviewResult(Base):
    __tablename__ = "review_result"
    __table_args__ = (UniqueConstraint("outlet_id", "pollutant", "period", "period_start"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlet.id"), nullable=False)
    pollutant: Mapped[str] = mapped_column(String(10), nullable=False)
    period: Mapped[str] = mapped_column(String(5), nullable=False)  # hour | day | month
    period_start: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    value: Mapped[float | None] = mapped_column(Float)  # mean of the valid values (layers applied)
    raw: Mapped[float | None] = mapped_column(Float)  # mean of every received value, as sent
    corrected: Mapped[float | None] = mapped_column(Float)  # reference-O2 corrected (air)
    valid_count: Mapped[int] = mapped_column(Integer, nullable=False)
    received: Mapped[int] = mapped_column(Integer, nullable=False)
    valid: Mapped[bool] = mapped_column(Boolean, nullable=False)
    flag: Mapped[str | None] = mapped_column(String(1))
    substitute: Mapped[float | None] = mapped_column(Float)  # kept apart from measured values
    substitute_method: Mapped[str | None] = mapped_column(String(30))
    marks: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    excluded: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)  # from exceedance
    limit_value: Mapped[float | None] = mapped_column(Float)
    lower_limit: Mapped[float | None] = mapped_column(Float)
    exceedance: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    complete: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class ExceedanceEvent(Base):
    __tablename__ = "review_exceedance"
    __table_args__ = (Index("ix_review_exceedance_outlet_time", "outlet_id", "pollutant", "start_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlet.id"), nullable=False)
    pollutant: Mapped[str] = mapped_column(String(10), nullable=False)
    limit_id: Mapped[int | None] = mapped_column(ForeignKey("permitted_limit.id"))
    averaging_period: Mapped[str] = mapped_column(String(10), nullable=False)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    periods: Mapped[int] = mapped_column(Integer, nullable=False)
    peak: Mapped[float] = mapped_column(Float, nullable=False)
    mean: Mapped[float] = mapped_column(Float, nullable=False)
    limit_value: Mapped[float] = mapped_column(Float, nullable=False)
    margin: Mapped[float] = mapped_column(Float, nullable=False)
    above: Mapped[bool] = mapped_column(Boolean, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdraw_reason: Mapped[str | None] = mapped_column(String(200))
    enterprise_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    jurisdiction_code: Mapped[str | None] = mapped_column(String(12), index=True)


class IndicatorCount(Base):
    __tablename__ = "review_indicator"
    __table_args__ = (UniqueConstraint("mn", "pollutant", "day"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    mn: Mapped[str] = mapped_column(String(32), nullable=False)
    pollutant: Mapped[str] = mapped_column(String(10), nullable=False)  # "*": any parameter (online)
    day: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlet.id"), nullable=False)
    enterprise_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    contractor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    jurisdiction_code: Mapped[str | None] = mapped_column(String(12), index=True)
    expected: Mapped[int] = mapped_column(Integer, nullable=False)
    received: Mapped[int] = mapped_column(Integer, nullable=False)
    valid: Mapped[int] = mapped_column(Integer, nullable=False)
    judged: Mapped[int] = mapped_column(Integer, nullable=False)
    exceeding: Mapped[int] = mapped_column(Integer, nullable=False)


class SelfMonitoringResult(Base):
    __tablename__ = "review_self_monitoring"
    __table_args__ = (UniqueConstraint("outlet_id", "pollutant", "sampled_at", "lab"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlet.id"), nullable=False)
    pollutant: Mapped[str] = mapped_column(String(10), nullable=False)
    sampled_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    value: Mapped[float] = mapped_column(Float, nullable=False)
    unit: Mapped[str] = mapped_column(String(20), nullable=False)
    method: Mapped[str | None] = mapped_column(String(100))
    lab: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    source: Mapped[str] = mapped_column(String(300), nullable=False)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    imported_by: Mapped[str] = mapped_column(String(200), nullable=False)
    automatic_value: Mapped[float | None] = mapped_column(Float)
    difference: Mapped[float | None] = mapped_column(Float)
    tolerance: Mapped[float | None] = mapped_column(Float)
    disagrees: Mapped[bool | None] = mapped_column(Boolean)
    enterprise_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    jurisdiction_code: Mapped[str | None] = mapped_column(String(12), index=True)


class ReviewState(Base):
    __tablename__ = "review_state"

    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlet.id"), primary_key=True)
    reviewed_received_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
