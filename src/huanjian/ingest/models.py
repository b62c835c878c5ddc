"""Tables of the ingestion domain (ADR 0005: storage layout for HJ 212 data).

* ``ingest_frame``: every byte sequence received, as received (raw frame or
  garbage), with receive time, peer, verdict and the codec's warnings; kept for
  ``ingest_raw_retention_years`` (5 by default, the permit regulation's minimum).
* ``ingest_record``: one logical record per (MN, CN, DataTime, content).  A
  retransmission increments ``copies``; a resend with the same key and different
  content adds a record, marks every version ``conflict`` and makes the latest
  received one ``current``.
* ``ingest_reading``: one row per record and pollutant code, the sub-fields as
  columns (numbers as float64; the exact text is in the raw frame).  On
  PostgreSQL it is range-partitioned by month of ``data_time`` (created by the
  migration; partitions on demand by :mod:`huanjian.ingest.store`).
* ``ingest_part``: parts of a split packet (PNUM/PNO) until all have arrived.
* ``ingest_logger``: device status per MN, updated once per batch.

No foreign keys into the source register: the MN is the join key, and data of
MNs the register does not know are kept (quarantined), never dropped.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from huanjian.core.db import Base, JSONType, UTCDateTime

# BIGINT on PostgreSQL; INTEGER on SQLite, where only INTEGER PRIMARY KEY autoincrements.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class IngestFrame(Base):
    __tablename__ = "ingest_frame"
    __table_args__ = (
        Index("ix_ingest_frame_mn_received", "mn", "received_at"),
        Index("ix_ingest_frame_received", "received_at"),
        Index("ix_ingest_frame_raw_sha", "raw_sha"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    source: Mapped[str] = mapped_column(String(10), nullable=False)  # gateway | replay
    peer: Mapped[str] = mapped_column(String(120), nullable=False)
    raw: Mapped[bytes] = mapped_column(LargeBinary(), nullable=False)
    raw_sha: Mapped[str] = mapped_column(String(32), nullable=False)
    verdict: Mapped[str] = mapped_column(String(16), nullable=False)
    mn: Mapped[str | None] = mapped_column(String(64))
    cn: Mapped[str | None] = mapped_column(String(8))
    qn: Mapped[str | None] = mapped_column(String(32))
    version: Mapped[str | None] = mapped_column(String(4))
    data_time: Mapped[datetime | None] = mapped_column(UTCDateTime())
    record_id: Mapped[int | None] = mapped_column(BigInteger())
    warnings: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONType)
    detail: Mapped[str | None] = mapped_column(Text())


class IngestRecord(Base):
    __tablename__ = "ingest_record"
    __table_args__ = (
        UniqueConstraint("mn", "cn", "data_time", "content_hash"),
        Index("ix_ingest_record_key", "mn", "cn", "data_time"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    mn: Mapped[str] = mapped_column(String(64), nullable=False)
    cn: Mapped[str] = mapped_column(String(8), nullable=False)
    period: Mapped[str] = mapped_column(String(10), nullable=False)
    data_time: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    data_time_text: Mapped[str] = mapped_column(String(20), nullable=False)
    content_hash: Mapped[str] = mapped_column(String(32), nullable=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    last_received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    copies: Mapped[int] = mapped_column(Integer(), nullable=False)
    current: Mapped[bool] = mapped_column(Boolean(), nullable=False)
    conflict: Mapped[bool] = mapped_column(Boolean(), nullable=False)
    time_flag: Mapped[str | None] = mapped_column(String(8))  # future | past (beyond the bounds)
    params: Mapped[dict[str, str] | None] = mapped_column(JSONType)


class IngestReading(Base):
    __tablename__ = "ingest_reading"
    __table_args__ = (Index("ix_ingest_reading_mn_period_time", "mn", "period", "data_time"),)

    record_id: Mapped[int] = mapped_column(BigInteger(), primary_key=True, autoincrement=False)
    pollutant: Mapped[str] = mapped_column(String(32), primary_key=True)
    data_time: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    mn: Mapped[str] = mapped_column(String(64), nullable=False)
    period: Mapped[str] = mapped_column(String(10), nullable=False)
    wire_code: Mapped[str] = mapped_column(String(32), nullable=False)
    rtd: Mapped[float | None] = mapped_column(Float())
    avg: Mapped[float | None] = mapped_column(Float())
    min: Mapped[float | None] = mapped_column(Float())
    max: Mapped[float | None] = mapped_column(Float())
    cou: Mapped[float | None] = mapped_column(Float())
    zs_rtd: Mapped[float | None] = mapped_column(Float())
    zs_avg: Mapped[float | None] = mapped_column(Float())
    zs_min: Mapped[float | None] = mapped_column(Float())
    zs_max: Mapped[float | None] = mapped_column(Float())
    rs: Mapped[float | None] = mapped_column(Float())
    rt: Mapped[float | None] = mapped_column(Float())
    flag: Mapped[str | None] = mapped_column(String(4))
    eflag: Mapped[str | None] = mapped_column(String(16))
    sample_time: Mapped[str | None] = mapped_column(String(20))
    extra: Mapped[dict[str, str] | None] = mapped_column(JSONType)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    current: Mapped[bool] = mapped_column(Boolean(), nullable=False)
    conflict: Mapped[bool] = mapped_column(Boolean(), nullable=False)


class IngestPart(Base):
    """A part of a split packet that is stored (and acknowledged) but not yet assembled."""

    __tablename__ = "ingest_part"
    __table_args__ = (Index("ix_ingest_part_key", "mn", "cn", "data_time"),)

    frame_id: Mapped[int] = mapped_column(BigInteger(), primary_key=True, autoincrement=False)
    mn: Mapped[str] = mapped_column(String(64), nullable=False)
    cn: Mapped[str] = mapped_column(String(8), nullable=False)
    data_time: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    pnum: Mapped[int] = mapped_column(Integer(), nullable=False)
    pno: Mapped[int] = mapped_column(Integer(), nullable=False)
    content_hash: Mapped[str] = mapped_column(String(32), nullable=False)
    record_id: Mapped[int | None] = mapped_column(BigInteger())
    """The assembled record, once every part has arrived."""


class IngestLogger(Base):
    """What the platform has seen of one MN: device status, register link, quarantine."""

    __tablename__ = "ingest_logger"

    mn: Mapped[str] = mapped_column(String(64), primary_key=True)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    last_peer: Mapped[str] = mapped_column(String(120), nullable=False)
    last_cn: Mapped[str | None] = mapped_column(String(8))
    last_verdict: Mapped[str] = mapped_column(String(16), nullable=False)
    last_data_time: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[str | None] = mapped_column(String(4))
    frames: Mapped[int] = mapped_column(BigInteger(), nullable=False)
    records: Mapped[int] = mapped_column(BigInteger(), nullable=False)
    quarantined: Mapped[bool] = mapped_column(Boolean(), nullable=False)
    jurisdiction_code: Mapped[str | None] = mapped_column(String(12), index=True)
    organisation_id: Mapped[int | None] = mapped_column(Integer())


class IngestCommand(Base):
    """A command queued for a logger (HJ 212 request), delivered when it is connected.

    ``status``: ``queued`` → ``sent`` (written to the logger's connection) →
    ``accepted`` (9011 QnRtn=1) → ``done`` / ``failed`` (9012 ExeRtn); ``refused``
    when the 9011 says anything but 1 (table 7); ``cancelled`` by a user before it
    was sent.  The replies are matched on the command's QN and kept as they came.
    """

    __tablename__ = "ingest_command"
    __table_args__ = (Index("ix_ingest_command_status", "status", "mn"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    mn: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    cn: Mapped[str] = mapped_column(String(8), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)  # set-time | request | ...
    params: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    qn: Mapped[str] = mapped_column(String(20), nullable=False, unique=True)
    status: Mapped[str] = mapped_column(String(12), nullable=False)
    source: Mapped[str] = mapped_column(String(12), nullable=False)  # api | cli | page | on_connect
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    jurisdiction_code: Mapped[str | None] = mapped_column(String(12), index=True)
    organisation_id: Mapped[int | None] = mapped_column(Integer())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_raw: Mapped[bytes | None] = mapped_column(LargeBinary())
    qn_rtn: Mapped[int | None] = mapped_column(Integer())
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    exe_rtn: Mapped[int | None] = mapped_column(Integer())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    replies: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONType)
    """Every 9011/9012 received for this QN: ``{"cn", "rtn", "at", "frame_id"}``."""


class IngestPack(Base):
    """One logger's current readings of one period, pollutant and CST day as arrays (ADR 0007).

    Derived from ``ingest_reading`` by :mod:`huanjian.ingest.packs` and rebuilt, never edited:
    ``times`` are seconds since the CST day's start (big-endian int32), ``vals`` the value
    the reader returns (``avg``, else ``rtd``, NaN without either; big-endian float64),
    ``flags`` the ASCII code of the flag's first letter upper-cased (0 without a Flag).
    """

    __tablename__ = "ingest_pack"

    mn: Mapped[str] = mapped_column(String(64), primary_key=True)
    period: Mapped[str] = mapped_column(String(10), primary_key=True)
    day: Mapped[date] = mapped_column(Date(), primary_key=True)
    pollutant: Mapped[str] = mapped_column(String(32), primary_key=True)
    readings: Mapped[int] = mapped_column(Integer(), nullable=False)
    times: Mapped[bytes] = mapped_column(LargeBinary(), nullable=False)
    vals: Mapped[bytes] = mapped_column(LargeBinary(), nullable=False)
    flags: Mapped[bytes] = mapped_column(LargeBinary(), nullable=False)
    built_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class IngestPackStale(Base):
    """A (logger, period, CST day) whose packs no longer match the readings: read rows instead."""

    __tablename__ = "ingest_pack_stale"

    mn: Mapped[str] = mapped_column(String(64), primary_key=True)
    period: Mapped[str] = mapped_column(String(10), primary_key=True)
    day: Mapped[date] = mapped_column(Date(), primary_key=True)
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class IngestPackSweep(Base):
    """How far the packing has swept every logger's data of a period (whole CST days)."""

    __tablename__ = "ingest_pack_sweep"

    period: Mapped[str] = mapped_column(String(10), primary_key=True)
    through: Mapped[date] = mapped_column(Date(), nullable=False)
    swept_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
