"""SQL of detection: one logger's minute data from the readings store, stored clues.

:func:`logger_data` turns the current readings of a logger over ``[start, end)`` into the
:class:`~huanjian.detect.model.LoggerData` the detectors work on: one float64 array per
pollutant code indexed by minute (NaN where nothing arrived), one HJ 212 flag per minute,
the permitted limits, the accepted marks and declarations in force and the QA events, both
as minute intervals.  Minute data (CN 2051) are read for air and water, in bulk
(:func:`huanjian.ingest.reader.columns`); a water logger that
only sends hourly data (CN 2061) has each hourly value held for its hour (the detectors
treat water analysers as cycle instruments).

Outlets, limits and marks come from the review domain's repository
(:mod:`huanjian.review.repository`), QA events from :func:`huanjian.review.qa.events`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

import numpy as np
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from huanjian.core.scope import Scope, jurisdiction_filter
from huanjian.core.time import CST, to_cst
from huanjian.core.tx import Tx
from huanjian.detect.model import (
    AIR_POLLUTANTS,
    WATER_POLLUTANTS,
    FiledValue,
    InfoReport,
    Kind,
    LoggerData,
    PowerHours,
)
from huanjian.detect.models import DetectClue, DetectClueTransition
from huanjian.ingest import reader
from huanjian.ingest.models import IngestReading, IngestRecord
from huanjian.power import repository as power_repository
from huanjian.register.models import Device, FiledParameter, Logger
from huanjian.review import qa
from huanjian.review import repository as review_repo

#: Limits the detectors judge against: hourly means for air, daily means for water.
LIMIT_PERIOD = {"air": "hour", "water": "day"}


#: Flag letter by ASCII code; a reading without a Flag field counts as N.
_LETTERS = np.array(["N", *(chr(i) for i in range(1, 256))], dtype="<U1")


def _minutes(start: datetime, end: datetime) -> int:
    return int((end - start).total_seconds() // 60)


def _intervals(spans: Sequence[tuple[datetime, datetime]], start: datetime, n: int) -> np.ndarray:
    out = []
    t0 = start.timestamp()
    for a, b in spans:
        s = max(0, int((a.timestamp() - t0) // 60))
        e = min(n, int(-(-(b.timestamp() - t0) // 60)))
        if e > s:
            out.append((s, e))
    return np.asarray(out, dtype=np.int64).reshape(-1, 2)


def logger_data(
    tx: Tx,
    info: review_repo.OutletInfo,
    mn: str,
    start: datetime,
    end: datetime,
    *,
    power: PowerHours | None = None,
    info_codes: dict[str, str] | None = None,
) -> LoggerData | None:
    """The logger's data over ``[start, end)`` (aware datetimes), or None without any reading."""
    session = tx.session
    n = _minutes(start, end)
    kind: Kind = "water" if info.kind == "water" else "air"
    cols = reader.columns(session, [mn], "minute", start, end)
    step = 1
    if not len(cols) and kind == "water":
        cols = reader.columns(session, [mn], "hour", start, end)
        step = 60
    if not len(cols):
        return None
    codes = cols.pollutants
    minute = (cols.times_s - int(start.timestamp())) // 60
    letters = _LETTERS[cols.flags]
    ok = (minute >= 0) & (minute < n)
    values: dict[str, np.ndarray] = {}
    flags = np.full(n, "N", dtype="<U1")
    # The main pollutants' flags win (written last): the logger's flag as the detectors see it.
    main = AIR_POLLUTANTS if kind == "air" else WATER_POLLUTANTS
    order = sorted(codes, key=lambda c: (c in main, c))
    for code in order:
        sel = ok & (cols.pollutant == codes.index(code))
        x = np.full(n, np.nan)
        m = minute[sel]
        v = cols.values[sel]
        f = letters[sel]
        for j in range(step):  # hourly water: hold the hour's value for its minutes
            mm = m + j
            keep = mm < n
            x[mm[keep]] = v[keep]
            flags[mm[keep]] = f[keep]
        values[code] = x
    limits: dict[str, float] = {}
    reference_o2: dict[str, float] = {}
    wanted = LIMIT_PERIOD[kind]
    for spec in sorted(
        review_repo.limits(session, info.id, to_cst(start).date()), key=lambda s: s.period != wanted
    ):
        if spec.upper is not None and spec.pollutant not in limits:
            limits[spec.pollutant] = float(spec.upper)
            if spec.reference_o2 is not None and kind == "air":
                reference_o2[spec.pollutant] = float(spec.reference_o2)
    marks = review_repo.layers(session, info.id, start, end, kinds=("mark",))
    events = qa.events(tx, info.id, start, end)
    return LoggerData(
        mn=mn,
        kind=kind,
        start=start.astimezone(CST),  # the detectors' sentences give times of day in CST
        values=values,
        flags=flags,
        limits=limits,
        marks=_intervals([(m.start_at, m.end_at) for m in marks], start, n),
        qa_events=_intervals([(e.start_at, e.end_at) for e in events], start, n),
        qa_pollutants=tuple(
            e.pollutant or "" for e in events if _intervals([(e.start_at, e.end_at)], start, n).size
        ),
        outlet_code=info.outlet_code,
        reference_o2=reference_o2,
        info_reports=info_reports(session, mn, start, end, info_codes) if info_codes else (),
        filed=filed_parameters(session, mn),
        power=power,
    )


# --------------------------------------------------------------------------- 3020 and register

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        found = _NUMBER.findall(text)  # a range sent as text (``0-200``): its top
        return float(found[-1]) if found else None


def info_reports(
    session: Session, mn: str, start: datetime, end: datetime, codes: dict[str, str]
) -> tuple[InfoReport, ...]:
    """The logger's CN 3020 parameter reports in ``[start, end)`` for ``codes`` (code → name).

    Every stored version is read, not only the current one, and per (PolId, code, time) the
    latest received wins: records stored before ingestion keyed 3020 reports by ``PolId``
    too hold two instruments' reports of one second as versions of one key.
    """
    rec, rd = IngestRecord, IngestReading
    rows = session.execute(
        select(rec.data_time, rec.params, rd.pollutant, rd.extra, rec.received_at)
        .join(rd, and_(rd.record_id == rec.id, rd.data_time == rec.data_time))
        .where(rec.mn == mn, rec.cn == "3020", rec.data_time >= start, rec.data_time < end)
        .where(rd.pollutant.in_(list(codes)))
        .order_by(rec.received_at, rec.id)
    ).all()
    latest: dict[tuple[str, str, datetime], InfoReport] = {}
    t0 = start.timestamp()
    for t, params, code, extra, _ in rows:
        text = str((extra or {}).get("Info", ""))
        pol = str((params or {}).get("PolId", ""))
        minute = int((t.timestamp() - t0) // 60)
        latest[(pol, code, t)] = InfoReport(minute, pol, code, codes[code], _number(text), text)
    return tuple(sorted(latest.values(), key=lambda r: (r.minute, r.pollutant, r.code)))


def filed_parameters(session: Session, mn: str) -> dict[tuple[str, str], FiledValue]:
    """The register's filed parameters of the logger's devices: (pollutant, name) → value/range."""
    fp = FiledParameter
    rows = session.execute(
        select(fp.device_id, Device.pollutant, fp.name, fp.value, fp.low, fp.high)
        .join(fp, FiledParameter.device_id == Device.id)
        .join(Logger, Logger.id == Device.logger_id)
        .where(Logger.mn == mn)
    ).all()
    return {(pol, name): FiledValue(value, low, high) for _, pol, name, value, low, high in rows}


# --------------------------------------------------------------------------- electricity


def power_hours(session: Session, outlet_id: int, start: datetime, end: datetime) -> PowerHours | None:
    """The outlet's facility electricity per hour of ``[start, end)``, or None without meters:
    per hour, the share of readings with a known state that say *running*, from the counts
    the power domain's database query makes (:func:`huanjian.power.repository.hourly_running`)."""
    meters = power_repository.outlet_meters(session, outlet_id)
    if not meters:
        return None
    hours = -(-int((end - start).total_seconds()) // 3600)
    h0 = int(start.timestamp()) // 3600
    running: dict[int, np.ndarray] = {}
    known: dict[int, np.ndarray] = {}
    counts = power_repository.hourly_running(session, [m for m, *_ in meters], start, end)
    for meter_id, rows in counts.items():
        run, cnt = running.setdefault(meter_id, np.zeros(hours)), known.setdefault(meter_id, np.zeros(hours))
        for h, k, r in rows:
            i = h - h0
            if 0 <= i < hours:
                cnt[i] += k
                run[i] += r
    production = np.full(hours, np.nan)
    treatment: dict[str, np.ndarray] = {}
    names: dict[str, str] = {}
    prod_codes: list[str] = []
    for m, kind, code, name in meters:
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(known[m.id] > 0, running[m.id] / known[m.id], np.nan)
        names[code] = name
        if kind == "production":
            production = np.fmax(production, share)  # some production runs
            prod_codes.append(code)
        else:
            treatment[code] = np.fmax(treatment.get(code, np.full(hours, np.nan)), share)
    return PowerHours(production, treatment, names, tuple(dict.fromkeys(prod_codes)))


# --------------------------------------------------------------------------- clues


def clues_of(session: Session, mns: Sequence[str], start: datetime, end: datetime) -> list[DetectClue]:
    """Stored clues of these loggers overlapping ``[start, end)``."""
    c = DetectClue
    stmt = select(c).where(c.mn.in_(list(mns)), c.start_at < end, c.end_at > start).order_by(c.id)
    return list(session.scalars(stmt))


def clue(session: Session, clue_id: int) -> DetectClue | None:
    return session.get(DetectClue, clue_id)


def transitions(session: Session, clue_id: int) -> list[DetectClueTransition]:
    t = DetectClueTransition
    return list(session.scalars(select(t).where(t.clue_id == clue_id).order_by(t.id)))


def search(
    session: Session,
    scope: Scope,
    *,
    category: str | None = None,
    status: Sequence[str] | None = None,
    detector: str | None = None,
    trick: str | None = None,
    outlet_id: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int | None = 500,
    offset: int = 0,
) -> list[DetectClue]:
    """Clues in the scope (by the outlet's jurisdiction), newest period first."""
    c = DetectClue
    stmt = select(c).where(jurisdiction_filter(scope, c.jurisdiction_code))
    if category:
        stmt = stmt.where(c.category == category)
    if status:
        stmt = stmt.where(c.status.in_(list(status)))
    if detector:
        stmt = stmt.where(c.detector == detector)
    if trick:
        stmt = stmt.where(c.trick == trick)
    if outlet_id is not None:
        stmt = stmt.where(c.outlet_id == outlet_id)
    if start is not None:
        stmt = stmt.where(c.end_at > start)
    if end is not None:
        stmt = stmt.where(c.start_at < end)
    stmt = stmt.order_by(c.start_at.desc(), c.id.desc()).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))
