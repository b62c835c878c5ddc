"""Tables of electricity monitoring.

* ``power_meter``: one meter (or channel) on a production or treatment facility
  of the register, with the quantity it measures and, when its data come over
  HJ 212, the logger MN, item code and sub-field that carry it.
* ``power_reading``: values received through the CSV feed.  Never edited: a
  re-sent row with the same meter, period and time and another value is added,
  both are marked ``conflict`` and the latest received is ``current``, as for
  HJ 212 records (ADR 0006).  Values that come over HJ 212 stay in the ingest
  store and are read from there.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from huanjian.core.db import Base, UTCDateTime

BigId = BigInteger().with_variant(Integer(), "sqlite")


class PowerMeter(Base):
    __tablename__ = "power_meter"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "meter_code"),
        Index("ix_power_meter_mn_item", "mn", "item_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), nullable=False, index=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"), nullable=False)
    meter_code: Mapped[str] = mapped_column(String(40), nullable=False)
    quantity: Mapped[str] = mapped_column(String(16), nullable=False)  # quantities.json
    running_threshold: Mapped[float | None] = mapped_column(Float)
    """At or above this value the facility counts as running (site-specific, set at registration)."""
    mn: Mapped[str | None] = mapped_column(String(64))
    item_code: Mapped[str | None] = mapped_column(String(32))
    subfield: Mapped[str | None] = mapped_column(String(8))  # rtd | avg | cou | ...
    jurisdiction_code: Mapped[str | None] = mapped_column(String(12), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)


class PowerReading(Base):
    __tablename__ = "power_reading"
    __table_args__ = (Index("ix_power_reading_key", "meter_id", "period", "data_time"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    meter_id: Mapped[int] = mapped_column(ForeignKey("power_meter.id"), nullable=False)
    period: Mapped[str] = mapped_column(String(10), nullable=False)  # realtime | minute | hour | day
    data_time: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    value: Mapped[float] = mapped_column(Float, nullable=False)
    state: Mapped[str | None] = mapped_column(String(10))  # running | stopped, when the feed says
    current: Mapped[bool] = mapped_column(Boolean, nullable=False)
    conflict: Mapped[bool] = mapped_column(Boolean, nullable=False)
    batch_sha: Mapped[str] = mapped_column(String(64), nullable=False)
    row_no: Mapped[int] = mapped_column(Integer, nullable=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    received_by: Mapped[str] = mapped_column(String(200), nullable=False)
