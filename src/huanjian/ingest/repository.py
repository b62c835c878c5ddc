"""All SQL of the ingestion domain (writes in bulk are in :mod:`huanjian.ingest.store`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, inspect, literal, or_, select, text, tuple_
from sqlalchemy.orm import Session

from huanjian.core.scope import Scope, jurisdiction_filter
from huanjian.ingest.models import IngestFrame, IngestLogger, IngestPart, IngestReading, IngestRecord
from huanjian.ingest.pipeline import LoggerConfig

Key = tuple[str | None, str | None, datetime | None]

# The source register's logger table (migration 0002): MN, password, time offset,
# and the enterprise (= organisation) whose jurisdiction scopes the data.
_REGISTER_SQL = text(
    "SELECT l.mn, l.password, l.time_offset_hours, o.jurisdiction_code, l.enterprise_id "
    "FROM logger l LEFT JOIN organisation o ON o.id = l.enterprise_id WHERE l.mn IN :mns"
).bindparams(bindparam("mns", expanding=True))


def _has_register(session: Session) -> bool:
    bind = session.get_bind()
    cached = getattr(bind, "_huanjian_has_logger", None)
    if cached is None:
        cached = inspect(session.connection()).has_table("logger")
        if cached:  # the table does not go away; its absence is re-checked
            bind._huanjian_has_logger = True  # type: ignore[union-attr]
    return bool(cached)


def logger_configs(session: Session, mns: Iterable[str]) -> dict[str, LoggerConfig]:
    """The register's view of these MNs; MNs it does not know are absent (quarantine)."""
    wanted = sorted(set(mns))
    if not wanted or not _has_register(session):
        return {}
    out: dict[str, LoggerConfig] = {}
    for chunk in _chunks(wanted, 500):
        for mn, password, offset, jurisdiction, org in session.execute(_REGISTER_SQL, {"mns": chunk}):
            out[mn] = LoggerConfig(
                mn=mn,
                registered=True,
                password=password or None,
                offset_hours=8.0 if offset is None else float(offset),
                jurisdiction_code=jurisdiction,
                organisation_id=org,
            )
    return out


def _chunks(values: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def records_for(session: Session, keys: Iterable[Key]) -> list[Any]:
    keys = list(keys)
    t = IngestRecord
    rows: list[Any] = []
    for chunk in _chunks(keys, 300):
        stmt = select(t.id, t.mn, t.cn, t.data_time, t.content_hash, t.current, t.conflict).where(
            tuple_(t.mn, t.cn, t.data_time).in_(list(chunk))
        )
        rows.extend(session.execute(stmt).all())
    return rows


def parts_for(session: Session, keys: Iterable[Key]) -> list[IngestPart]:
    keys = list(keys)
    out: list[IngestPart] = []
    for chunk in _chunks(keys, 300):
        stmt = select(IngestPart).where(
            tuple_(IngestPart.mn, IngestPart.cn, IngestPart.data_time).in_(list(chunk))
        )
        out.extend(session.scalars(stmt).all())
    return out


def frame_raw(session: Session, frame_id: int) -> bytes:
    raw = session.scalar(select(IngestFrame.raw).where(IngestFrame.id == frame_id))
    return bytes(raw or b"")


def replayed(session: Session, shas: set[str]) -> set[tuple[str, str]]:
    """(raw_sha, peer) of frames already replayed, among these hashes."""
    out: set[tuple[str, str]] = set()
    for chunk in _chunks(sorted(shas), 500):
        stmt = select(IngestFrame.raw_sha, IngestFrame.peer).where(
            IngestFrame.raw_sha.in_(list(chunk)), IngestFrame.source == "replay"
        )
        out.update((sha, peer) for sha, peer in session.execute(stmt))
    return out


def logger_rows(session: Session, mns: set[str]) -> dict[str, IngestLogger]:
    rows = session.scalars(select(IngestLogger).where(IngestLogger.mn.in_(sorted(mns)))).all()
    return {r.mn: r for r in rows}


# -- reading side (scoped) ---------------------------------------------------------


def _logger_scope(scope: Scope) -> Any:
    """Loggers the scope sees. Quarantined (unregistered) loggers belong to no
    jurisdiction: only a platform-wide administrator sees them."""
    return jurisdiction_filter(scope, IngestLogger.jurisdiction_code, IngestLogger.organisation_id)


def loggers(session: Session, scope: Scope, *, quarantined: bool | None = None) -> Sequence[IngestLogger]:
    stmt = select(IngestLogger).where(_logger_scope(scope))
    if quarantined is not None:
        stmt = stmt.where(IngestLogger.quarantined.is_(quarantined))
    return session.scalars(stmt.order_by(IngestLogger.mn)).all()


def logger(session: Session, scope: Scope, mn: str) -> IngestLogger | None:
    stmt = select(IngestLogger).where(IngestLogger.mn == mn, _logger_scope(scope))
    return session.scalars(stmt).one_or_none()


def recent_frames(
    session: Session,
    scope: Scope,
    *,
    mn: str | None = None,
    verdicts: Sequence[str] | None = None,
    limit: int = 50,
) -> Sequence[IngestFrame]:
    """Newest frames first.  Frames without an MN (garbage, undecodable) only in the platform-wide scope."""
    stmt = select(IngestFrame)
    if mn is not None:
        stmt = stmt.where(IngestFrame.mn == mn)
    if not scope.everything:
        visible = select(IngestLogger.mn).where(_logger_scope(scope))
        stmt = stmt.where(IngestFrame.mn.in_(visible))
    if verdicts:
        stmt = stmt.where(IngestFrame.verdict.in_(verdicts))
    return session.scalars(stmt.order_by(IngestFrame.id.desc()).limit(limit)).all()


def conflicts(
    session: Session, scope: Scope, *, mn: str | None = None, limit: int = 50
) -> Sequence[IngestRecord]:
    stmt = select(IngestRecord).where(IngestRecord.conflict.is_(True))
    if mn is not None:
        stmt = stmt.where(IngestRecord.mn == mn)
    if not scope.everything:
        stmt = stmt.where(IngestRecord.mn.in_(select(IngestLogger.mn).where(_logger_scope(scope))))
    return session.scalars(stmt.order_by(IngestRecord.data_time.desc(), IngestRecord.id).limit(limit)).all()


def readings(
    session: Session,
    scope: Scope,
    *,
    start: datetime,
    end: datetime,
    mn: str | None = None,
    period: str | None = None,
    after: tuple[datetime, str, str, str] | None = None,
    limit: int | None = None,
    chunk: int = 5000,
) -> Iterator[Any]:
    """Current readings in [start, end), ordered by (data_time, mn, period, pollutant),
    joined with the record's time flag.  ``after`` is a keyset cursor (pagination)."""
    r = IngestReading
    stmt = select(
        r.mn,
        r.period,
        r.data_time,
        r.pollutant,
        r.wire_code,
        r.rtd,
        r.avg,
        r.min,
        r.max,
        r.cou,
        r.zs_rtd,
        r.zs_avg,
        r.zs_min,
        r.zs_max,
        r.rs,
        r.rt,
        r.flag,
        r.eflag,
        r.sample_time,
        r.extra,
        r.received_at,
        r.conflict,
    ).where(r.current.is_(True), r.data_time >= start, r.data_time < end)
    if mn is not None:
        stmt = stmt.where(r.mn == mn)
    if period is not None:
        stmt = stmt.where(r.period == period)
    if not scope.everything:
        stmt = stmt.where(r.mn.in_(select(IngestLogger.mn).where(_logger_scope(scope))))
    if after is not None:
        dt, a_mn, a_period, a_pol = after
        stmt = stmt.where(
            or_(
                r.data_time > dt,
                and_(
                    r.data_time == dt,
                    tuple_(r.mn, r.period, r.pollutant)
                    > tuple_(literal(a_mn), literal(a_period), literal(a_pol)),
                ),
            )
        )
    stmt = stmt.order_by(r.data_time, r.mn, r.period, r.pollutant)
    if limit is not None:
        stmt = stmt.limit(limit)
    result = session.execute(stmt.execution_options(yield_per=chunk))
    yield from result


def delete_frames_before(session: Session, before: datetime) -> int:
    from sqlalchemy import delete

    result = session.execute(delete(IngestFrame).where(IngestFrame.received_at < before))
    return int(getattr(result, "rowcount", 0) or 0)
