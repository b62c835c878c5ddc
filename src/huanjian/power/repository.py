"""All SQL of electricity monitoring."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, and_, case, cast, func, or_, select, tuple_
from sqlalchemy.orm import Session

from huanjian.core.scope import Scope, jurisdiction_filter
from huanjian.ingest.models import IngestReading
from huanjian.power.feed import catalogue
from huanjian.power.models import PowerMeter, PowerReading
from huanjian.register.models import Facility, Organisation


def _visible(scope: Scope) -> Any:
    return jurisdiction_filter(scope, PowerMeter.jurisdiction_code, PowerMeter.enterprise_id)


def meters(session: Session, scope: Scope, *, enterprise_id: int | None = None) -> Sequence[PowerMeter]:
    stmt = select(PowerMeter).where(_visible(scope))
    if enterprise_id is not None:
        stmt = stmt.where(PowerMeter.enterprise_id == enterprise_id)
    return session.scalars(stmt.order_by(PowerMeter.enterprise_id, PowerMeter.meter_code)).all()


def meter(session: Session, scope: Scope, meter_id: int) -> PowerMeter | None:
    return session.scalars(select(PowerMeter).where(PowerMeter.id == meter_id, _visible(scope))).first()


def meter_by_code(session: Session, enterprise_id: int, meter_code: str) -> PowerMeter | None:
    return session.scalars(
        select(PowerMeter).where(
            PowerMeter.enterprise_id == enterprise_id, PowerMeter.meter_code == meter_code
        )
    ).first()


def facility(session: Session, credit_code: str, facility_code: str) -> tuple[Facility, Organisation] | None:
    """The facility and its enterprise's organisation row, by the codes a feed uses."""
    row = session.execute(
        select(Facility, Organisation)
        .join(Organisation, Organisation.id == Facility.enterprise_id)
        .where(Organisation.credit_code == credit_code, Facility.facility_code == facility_code)
    ).first()
    return None if row is None else (row[0], row[1])


def facility_names(session: Session, ids: Iterable[int]) -> dict[int, tuple[str, str, str]]:
    """facility id → (facility code, facility name, kind)."""
    rows = session.execute(
        select(Facility.id, Facility.facility_code, Facility.name, Facility.kind).where(
            Facility.id.in_(list(ids))
        )
    )
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def enterprise_names(session: Session, ids: Iterable[int]) -> dict[int, tuple[str, str | None]]:
    rows = session.execute(
        select(Organisation.id, Organisation.name, Organisation.credit_code).where(
            Organisation.id.in_(list(ids))
        )
    )
    return {r[0]: (r[1], r[2]) for r in rows}


def current_readings(
    session: Session, keys: Sequence[tuple[int, str, datetime]]
) -> dict[tuple[int, str, datetime], list[PowerReading]]:
    """Every stored version (current first) of the given (meter, period, time) keys."""
    out: dict[tuple[int, str, datetime], list[PowerReading]] = {}
    r = PowerReading
    for i in range(0, len(keys), 400):
        chunk = list(keys[i : i + 400])
        stmt = select(r).where(tuple_(r.meter_id, r.period, r.data_time).in_(chunk))
        for row in session.scalars(stmt.order_by(r.current.desc(), r.id.desc())):
            out.setdefault((row.meter_id, row.period, row.data_time), []).append(row)
    return out


Row5 = tuple[datetime, str, float | None, str | None, bool]
"""(data time, period, value, feed state or HJ 212 flag, conflict)."""


def feed_series(
    session: Session, meter_id: int, start: datetime, end: datetime, period: str | None
) -> list[Row5]:
    r = PowerReading
    stmt = select(r.data_time, r.period, r.value, r.state, r.conflict).where(
        r.meter_id == meter_id, r.current.is_(True), r.data_time >= start, r.data_time < end
    )
    if period is not None:
        stmt = stmt.where(r.period == period)
    return [(t, p, v, s, bool(c)) for t, p, v, s, c in session.execute(stmt.order_by(r.data_time, r.period))]


def latest_feed(
    session: Session, meter_ids: Sequence[int], start: datetime, end: datetime
) -> dict[int, list[Row5]]:
    """Per meter, the current feed rows of its newest time in [start, end) (one per period)."""
    r = PowerReading
    window = (r.meter_id.in_(list(meter_ids)), r.current.is_(True), r.data_time >= start, r.data_time < end)
    newest = (
        select(r.meter_id, func.max(r.data_time).label("t")).where(*window).group_by(r.meter_id).subquery()
    )
    stmt = (
        select(r.meter_id, r.data_time, r.period, r.value, r.state, r.conflict)
        .join(newest, and_(r.meter_id == newest.c.meter_id, r.data_time == newest.c.t))
        .where(*window)
    )
    out: dict[int, list[Row5]] = {}
    for m, t, p, v, s, c in session.execute(stmt):
        out.setdefault(m, []).append((t, p, v, s, bool(c)))
    return out


def _item(meter: PowerMeter) -> tuple[Any, Any]:
    """The ingest store's value column and row filter that carry a meter's HJ 212 values."""
    r = IngestReading
    column = getattr(r, meter.subfield if meter.subfield in catalogue().subfields else "rtd")
    code = meter.item_code
    return column, and_(r.mn == meter.mn, or_(r.pollutant == code, r.wire_code == code))


def hj212_series(
    session: Session,
    meter: PowerMeter,
    start: datetime,
    end: datetime,
    period: str | None,
    *,
    newest_only: bool = False,
) -> list[Row5]:
    """The meter's values as stored by the HJ 212 pipeline (item code and sub-field of the meter);
    with ``newest_only``, the rows of the newest time only."""
    if not meter.mn or not meter.item_code:
        return []
    r = IngestReading
    column, of_meter = _item(meter)
    window = (of_meter, r.current.is_(True), r.data_time >= start, r.data_time < end)
    stmt = select(r.data_time, r.period, column, r.flag, r.conflict).where(*window)
    if period is not None:
        stmt = stmt.where(r.period == period)
    if newest_only:
        stmt = stmt.where(r.data_time == select(func.max(r.data_time)).where(*window).scalar_subquery())
    return [(t, p, v, s, bool(c)) for t, p, v, s, c in session.execute(stmt.order_by(r.data_time, r.period))]


# --------------------------------------------------------------------------- hourly state (detection)


def outlet_meters(session: Session, outlet_id: int) -> list[tuple[PowerMeter, str, str, str]]:
    """(meter, facility kind, facility code, facility name) of the outlet's production and
    treatment facilities."""
    rows = session.execute(
        select(PowerMeter, Facility.kind, Facility.facility_code, Facility.name)
        .join(Facility, Facility.id == PowerMeter.facility_id)
        .where(Facility.outlet_id == outlet_id, Facility.kind.in_(("production", "treatment")))
    ).all()
    return [(m, kind, code, name) for m, kind, code, name in rows]


def _hour_bucket(session: Session, column: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.floor(func.date_part("epoch", column) / 3600), Integer)
    return cast(func.strftime("%s", column), Integer) // 3600


def hourly_running(
    session: Session, meters: Sequence[PowerMeter], start: datetime, end: datetime
) -> dict[int, list[tuple[int, float, float]]]:
    """Per meter, per epoch hour of ``[start, end)``: how many readings have a known state and
    how many of those say *running* — the rule of :func:`huanjian.power.service.series` (the
    state the feed sent, else value ≥ the meter's ``running_threshold``), counted by the
    database.  Readings with no known state are left out; daily readings say nothing about
    hours and are not read.  One grouped query for the feed, one per HJ 212 meter."""
    out: dict[int, list[tuple[int, float, float]]] = {m.id: [] for m in meters}
    pr, pm = PowerReading, PowerMeter
    is_running = or_(pr.state == "running", and_(pr.state.is_(None), pr.value >= pm.running_threshold))
    is_known = or_(pr.state.is_not(None), pm.running_threshold.is_not(None))
    bucket = _hour_bucket(session, pr.data_time)
    feed = session.execute(
        select(
            pr.meter_id,
            bucket,
            func.sum(case((is_known, 1), else_=0)),
            func.sum(case((is_running, 1), else_=0)),
        )
        .join(pm, pm.id == pr.meter_id)
        .where(pr.meter_id.in_(list(out)), pr.current.is_(True), pr.period != "day")
        .where(pr.data_time >= start, pr.data_time < end)
        .group_by(pr.meter_id, bucket)
    )
    for meter_id, h, known, running in feed:
        out[meter_id].append((int(h), float(known or 0), float(running or 0)))
    rd = IngestReading
    for m in meters:
        if not m.mn or not m.item_code or m.running_threshold is None:
            continue
        value, of_meter = _item(m)
        hb = _hour_bucket(session, rd.data_time)
        rows = session.execute(
            select(hb, func.count(value), func.sum(case((value >= m.running_threshold, 1), else_=0)))
            .where(of_meter, rd.current.is_(True), rd.period.in_(("realtime", "minute", "hour")))
            .where(rd.data_time >= start, rd.data_time < end)
            .group_by(hb)
        )
        out[m.id] += [(int(h), float(known or 0), float(running or 0)) for h, known, running in rows]
    return out
