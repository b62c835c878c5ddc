"""All SQL of electricity monitoring."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select, tuple_
from sqlalchemy.orm import Session

from huanjian.core.scope import Scope, jurisdiction_filter
from huanjian.ingest.models import IngestReading
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


def feed_series(
    session: Session, meter_id: int, start: datetime, end: datetime, period: str | None
) -> list[tuple[datetime, str, float | None, str | None, bool]]:
    r = PowerReading
    stmt = select(r.data_time, r.period, r.value, r.state, r.conflict).where(
        r.meter_id == meter_id, r.current.is_(True), r.data_time >= start, r.data_time < end
    )
    if period is not None:
        stmt = stmt.where(r.period == period)
    return [(t, p, v, s, bool(c)) for t, p, v, s, c in session.execute(stmt.order_by(r.data_time, r.period))]


_PERIOD_OF_COLUMN = {"rtd": "rtd", "avg": "avg", "min": "min", "max": "max", "cou": "cou"}


def hj212_series(
    session: Session, meter: PowerMeter, start: datetime, end: datetime, period: str | None
) -> list[tuple[datetime, str, float | None, str | None, bool]]:
    """The meter's values as stored by the HJ 212 pipeline (item code and sub-field of the meter)."""
    if not meter.mn or not meter.item_code:
        return []
    r = IngestReading
    column = getattr(r, _PERIOD_OF_COLUMN.get(meter.subfield or "", "rtd"))
    code = meter.item_code
    stmt = select(r.data_time, r.period, column, r.flag, r.conflict).where(
        r.mn == meter.mn,
        or_(r.pollutant == code, and_(r.pollutant != code, r.wire_code == code)),
        r.current.is_(True),
        r.data_time >= start,
        r.data_time < end,
    )
    if period is not None:
        stmt = stmt.where(r.period == period)
    return [(t, p, v, s, bool(c)) for t, p, v, s, c in session.execute(stmt.order_by(r.data_time, r.period))]
