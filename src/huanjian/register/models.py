"""Source register tables (固定污染源信息库).

Two layers:

* **current tables** (``organisation``, ``enterprise``, ``permit`` …) hold the
  latest known state, with foreign keys, for the profile, scoping and the
  later domains (ingest, review, detection);
* **``register_version``** keeps every state each register object has had, with
  its *valid time* (``valid_from``/``valid_until``, dates, inclusive: when it
  is true in the world) and its *record time* (``recorded_at``/``superseded_at``:
  when the platform learned it and when that knowledge was replaced), the
  import batch and the actor. Rows are never updated except to set
  ``superseded_at``; ``--as-of`` / ``--known-at`` read this table only.

An enterprise is an organisation (kind ``enterprise``) with enterprise details
in a 1:1 row sharing its id, so ``user_account.organisation_id`` of an
enterprise user is the enterprise's id.
"""

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
from sqlalchemy.orm import Mapped, mapped_column, relationship

from huanjian.core.db import Base, JSONType, UTCDateTime


class Pollutant(Base):
    """Pollutant catalogue: HJ 212-2017 code, 2005 code, names, unit, molar mass."""

    __tablename__ = "pollutant"

    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    code_2005: Mapped[str | None] = mapped_column(String(10), index=True)
    name_zh: Mapped[str] = mapped_column(String(100), nullable=False)
    name_en: Mapped[str | None] = mapped_column(String(100))
    medium: Mapped[str] = mapped_column(String(10), nullable=False)  # water | air | noise
    unit: Mapped[str | None] = mapped_column(String(20))
    molar_mass: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(200), nullable=False)


class ImportBatch(Base):
    """One import (file or API/page upload, or a single edit): the source of versions."""

    __tablename__ = "register_batch"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    source: Mapped[str] = mapped_column(String(300), nullable=False)  # file name or "api"/"edit"
    sha256: Mapped[str | None] = mapped_column(String(64))
    actor_name: Mapped[str] = mapped_column(String(200), nullable=False)
    channel: Mapped[str] = mapped_column(String(20), nullable=False)
    strict: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    created: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    changed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rejected: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    applied: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class RegisterVersion(Base):
    """One bitemporal version of one register object (see module docstring)."""

    __tablename__ = "register_version"
    __table_args__ = (
        Index("ix_register_version_kind_key", "kind", "key"),
        Index("ix_register_version_enterprise", "enterprise_id", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)  # the import kind
    key: Mapped[str] = mapped_column(String(200), nullable=False)  # natural key, e.g. credit code
    entity_id: Mapped[int | None] = mapped_column(Integer)
    enterprise_id: Mapped[int | None] = mapped_column(Integer)
    jurisdiction_code: Mapped[str | None] = mapped_column(String(12))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    valid_from: Mapped[date] = mapped_column(Date, nullable=False)
    valid_until: Mapped[date | None] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("register_batch.id"), index=True)
    actor_name: Mapped[str] = mapped_column(String(200), nullable=False)


# --------------------------------------------------------------------------- organisations


class Organisation(Base):
    """Enterprise, O&M contractor, lab, consultancy, bureau or station."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    former_names: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    address: Mapped[str | None] = mapped_column(String(300))
    jurisdiction_code: Mapped[str | None] = mapped_column(
        ForeignKey("jurisdiction.code"), index=True, nullable=True
    )
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="operating")
    # Labs and contractors: certification (e.g. CMA) with scope and validity.
    certification: Mapped[str | None] = mapped_column(String(40))
    certificate_number: Mapped[str | None] = mapped_column(String(60))
    certification_scope: Mapped[str | None] = mapped_column(Text)
    certification_valid_until: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)

    enterprise: Mapped[Enterprise | None] = relationship(back_populates="organisation", uselist=False)


class Enterprise(Base):
    """Enterprise details; shares its id with its organisation row."""

    __tablename__ = "enterprise"

    id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True)
    industry_code: Mapped[str | None] = mapped_column(String(10))
    longitude: Mapped[float | None] = mapped_column(Float)
    latitude: Mapped[float | None] = mapped_column(Float)
    supervision_class: Mapped[str] = mapped_column(String(10), nullable=False, default="general")
    supervising_level: Mapped[str] = mapped_column(String(10), nullable=False, default="district")
    supervising_level_override: Mapped[str | None] = mapped_column(String(10))
    supervising_level_rule: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    # HJ 941-2018 level from the enterprise's emergency-risk assessment; null: not assessed.
    environmental_risk: Mapped[str | None] = mapped_column(String(10))

    organisation: Mapped[Organisation] = relationship(back_populates="enterprise", lazy="joined")

    @property
    def name(self) -> str:
        return self.organisation.name

    @property
    def credit_code(self) -> str | None:
        return self.organisation.credit_code

    @property
    def jurisdiction_code(self) -> str | None:
        return self.organisation.jurisdiction_code


class Staff(Base):
    __tablename__ = "staff"
    __table_args__ = (UniqueConstraint("organisation_id", "staff_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), nullable=False, index=True)
    staff_number: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    position: Mapped[str | None] = mapped_column(String(100))


class Certificate(Base):
    """A person's certificate: method and pollutants it covers, validity (持证上岗)."""

    __tablename__ = "certificate"
    __table_args__ = (UniqueConstraint("staff_id", "certificate_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), nullable=False)
    certificate_number: Mapped[str] = mapped_column(String(60), nullable=False)
    method: Mapped[str | None] = mapped_column(String(100))
    pollutants: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)


class ServiceContract(Base):
    """Which organisation served which enterprise, for what, from when to when."""

    __tablename__ = "service_contract"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_number: Mapped[str] = mapped_column(String(60), unique=True, nullable=False)
    provider_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), nullable=False, index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), nullable=False, index=True)
    service: Mapped[str] = mapped_column(String(30), nullable=False)
    valid_from: Mapped[date] = mapped_column(Date, nullable=False)
    valid_until: Mapped[date | None] = mapped_column(Date)


# --------------------------------------------------------------------------- permits and sources


class Permit(Base):
    __tablename__ = "permit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), nullable=False, index=True)
    permit_number: Mapped[str] = mapped_column(String(22), unique=True, nullable=False)
    permit_class: Mapped[str] = mapped_column(String(12), nullable=False)
    valid_from: Mapped[date] = mapped_column(Date, nullable=False)
    valid_until: Mapped[date | None] = mapped_column(Date)
    issuing_authority: Mapped[str | None] = mapped_column(String(200))

    allowances: Mapped[list[EmissionAllowance]] = relationship(
        back_populates="permit", cascade="all, delete-orphan", lazy="selectin"
    )


class EmissionAllowance(Base):
    """Permitted annual emission amount of one pollutant in one year (tonnes)."""

    __tablename__ = "emission_allowance"
    __table_args__ = (UniqueConstraint("permit_id", "pollutant", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    permit_id: Mapped[int] = mapped_column(ForeignKey("permit.id", ondelete="CASCADE"), nullable=False)
    pollutant: Mapped[str] = mapped_column(ForeignKey("pollutant.code"), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    amount_t: Mapped[float] = mapped_column(Float, nullable=False)

    permit: Mapped[Permit] = relationship(back_populates="allowances")


class Outlet(Base):
    __tablename__ = "outlet"
    __table_args__ = (UniqueConstraint("enterprise_id", "outlet_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), nullable=False, index=True)
    outlet_code: Mapped[str] = mapped_column(String(5), nullable=False)
    name: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10), nullable=False)  # air | water
    height_m: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    latitude: Mapped[float | None] = mapped_column(Float)
    cross_section_m2: Mapped[float | None] = mapped_column(Float)


class MonitoringPoint(Base):
    __tablename__ = "monitoring_point"
    __table_args__ = (UniqueConstraint("outlet_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlet.id", ondelete="CASCADE"), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)


class Facility(Base):
    """Treatment (TA###/TW###) or production facility, for electricity monitoring."""

    __tablename__ = "facility"
    __table_args__ = (UniqueConstraint("enterprise_id", "facility_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), nullable=False, index=True)
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlet.id"))
    kind: Mapped[str] = mapped_column(String(12), nullable=False)  # treatment | production
    facility_code: Mapped[str] = mapped_column(String(20), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)


class Logger(Base):
    __tablename__ = "logger"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mn: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), nullable=False, index=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlet.id"), nullable=False, index=True)
    password: Mapped[str | None] = mapped_column(String(40))
    protocol: Mapped[str] = mapped_column(String(4), nullable=False, default="2017")
    # Hours east of UTC when the logger does not send China Standard Time.
    time_offset_hours: Mapped[float | None] = mapped_column(Float)

    devices: Mapped[list[Device]] = relationship(back_populates="logger", lazy="selectin")


class Device(Base):
    __tablename__ = "device"
    __table_args__ = (UniqueConstraint("logger_id", "pollutant"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    logger_id: Mapped[int] = mapped_column(ForeignKey("logger.id"), nullable=False)
    pollutant: Mapped[str] = mapped_column(ForeignKey("pollutant.code"), nullable=False)
    vendor: Mapped[str | None] = mapped_column(String(100))
    model: Mapped[str | None] = mapped_column(String(100))
    range_low: Mapped[float | None] = mapped_column(Float)
    range_high: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(20))
    install_date: Mapped[date | None] = mapped_column(Date)
    acceptance_date: Mapped[date | None] = mapped_column(Date)
    analyser_cycle_min: Mapped[int | None] = mapped_column(Integer)
    contractor_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)

    logger: Mapped[Logger] = relationship(back_populates="devices")
    parameters: Mapped[list[FiledParameter]] = relationship(
        back_populates="device", cascade="all, delete-orphan", lazy="selectin"
    )


class FiledParameter(Base):
    """动态管控: a filed instrument parameter, a value or an allowed range."""

    __tablename__ = "filed_parameter"
    __table_args__ = (UniqueConstraint("device_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("device.id", ondelete="CASCADE"), nullable=False)
    name: Mapped[str] = mapped_column(String(30), nullable=False)
    value: Mapped[float | None] = mapped_column(Float)
    low: Mapped[float | None] = mapped_column(Float)
    high: Mapped[float | None] = mapped_column(Float)

    device: Mapped[Device] = relationship(back_populates="parameters")


class Limit(Base):
    """Permitted limit of one pollutant at one outlet, for one averaging period."""

    __tablename__ = "permitted_limit"
    __table_args__ = (UniqueConstraint("outlet_id", "pollutant", "averaging_period", "valid_from"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlet.id"), nullable=False, index=True)
    pollutant: Mapped[str] = mapped_column(ForeignKey("pollutant.code"), nullable=False)
    value: Mapped[float | None] = mapped_column(Float)
    lower_value: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(20), nullable=False)
    averaging_period: Mapped[str] = mapped_column(String(10), nullable=False)
    reference_o2: Mapped[float | None] = mapped_column(Float)
    excess_air_coefficient: Mapped[float | None] = mapped_column(Float)
    standard: Mapped[str] = mapped_column(String(60), nullable=False)
    clause: Mapped[str | None] = mapped_column(String(100))
    valid_from: Mapped[date] = mapped_column(Date, nullable=False)
    valid_until: Mapped[date | None] = mapped_column(Date)


class EiaApproval(Base):
    __tablename__ = "eia_approval"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), nullable=False, index=True)
    approval_number: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    project_name: Mapped[str] = mapped_column(String(300), nullable=False)
    authority: Mapped[str | None] = mapped_column(String(200))
    approval_date: Mapped[date] = mapped_column(Date, nullable=False)
    acceptance_date: Mapped[date | None] = mapped_column(Date)


class CreditGrade(Base):
    """An official enterprise credit grade as imported (source and date kept)."""

    __tablename__ = "credit_grade"
    __table_args__ = (UniqueConstraint("enterprise_id", "year", "source"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), nullable=False, index=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    grade: Mapped[str] = mapped_column(String(10), nullable=False)
    source: Mapped[str] = mapped_column(String(200), nullable=False)
    published_date: Mapped[date] = mapped_column(Date, nullable=False)


class SupervisionRecord(Base):
    """Supervision needs and results: inspections, penalties, orders (a register feed)."""

    __tablename__ = "supervision_record"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), nullable=False, index=True)
    record_number: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    kind: Mapped[str] = mapped_column(String(12), nullable=False)
    record_date: Mapped[date] = mapped_column(Date, nullable=False)
    authority: Mapped[str | None] = mapped_column(String(200))
    result: Mapped[str | None] = mapped_column(String(200))
    penalty_amount: Mapped[float | None] = mapped_column(Float)


# --------------------------------------------------------------------------- enforcement objects


class EnforcementObject(Base):
    """A record of the enforcement object list (执法对象库), linked to an enterprise."""

    __tablename__ = "enforcement_object"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    object_code: Mapped[str] = mapped_column(String(60), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    credit_code: Mapped[str | None] = mapped_column(String(30))
    address: Mapped[str | None] = mapped_column(String(300))
    jurisdiction_code: Mapped[str | None] = mapped_column(ForeignKey("jurisdiction.code"), index=True)
    # unmatched | linked | review | no_match
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="unmatched", index=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"), index=True)
    confidence: Mapped[float | None] = mapped_column(Float)

    candidates: Mapped[list[MatchCandidate]] = relationship(
        back_populates="object", cascade="all, delete-orphan", lazy="selectin", order_by="MatchCandidate.rank"
    )


class MatchCandidate(Base):
    """A candidate enterprise for an enforcement object, with its confidence."""

    __tablename__ = "match_candidate"
    __table_args__ = (UniqueConstraint("object_id", "enterprise_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    object_id: Mapped[int] = mapped_column(
        ForeignKey("enforcement_object.id", ondelete="CASCADE"), nullable=False
    )
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), nullable=False)
    rank: Mapped[int] = mapped_column(Integer, nullable=False)
    confidence: Mapped[float] = mapped_column(Float, nullable=False)
    method: Mapped[str] = mapped_column(String(20), nullable=False)  # credit_code | name_address
    explanation: Mapped[str] = mapped_column(String(300), nullable=False)

    object: Mapped[EnforcementObject] = relationship(back_populates="candidates")
