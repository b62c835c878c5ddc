"""Day packs (ADR 0007): the reader gives the same columns from packs as from rows, and
late or re-sent data make a day's packs unused until it is repacked."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from huanjian.core.db import Database
from huanjian.core.scope import Scope
from huanjian.core.tx import Tx
from huanjian.ingest import packs, reader, repository
from huanjian.ingest.models import IngestPack, IngestPackStale, IngestPackSweep, IngestReading
from huanjian.ingest.pipeline import Rules
from huanjian.ingest.store import IngestStore
from tests.conftest import AUDIT_KEY
from tests.ingest.helpers import MN, incoming, minute_frame
from tests.ingest.test_reader import RECEIVED, T0, _expected, _got, _rows

LATER = datetime(2026, 3, 10, tzinfo=UTC)


def _same(got: list, expected: list) -> None:
    assert len(got) == len(expected) > 0
    for g, e in zip(got, expected, strict=True):
        assert g[:3] == e[:3] and g[4] == e[4]
        assert g[3] == e[3] or (g[3] != g[3] and e[3] != e[3])  # NaN on both sides


def _window(session: Session, mns: set[str], start: datetime, end: datetime) -> list:
    """What the ORM rows say for [start, end) (the reference the reader is tested against)."""
    out = []
    for r in repository.readings(session, Scope(everything=True), start=start, end=end, period="minute"):
        if r.mn in mns and r.data_time < end:
            v = r.avg if r.avg is not None else r.rtd
            flag = (r.flag or "")[:1].upper()
            out.append(
                (r.mn, r.pollutant, int(r.data_time.timestamp()), float("nan") if v is None else v, flag)
            )
    return sorted(out, key=lambda x: (x[0], x[1], x[2]))


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_packed_columns_equal_the_rows_for_whole_and_partial_days(session: Session) -> None:
    session.execute(insert(IngestReading), _rows())  # 23:57 CST on 1 March to 02:09 on 2 March
    report = packs.pack(session, now=LATER)
    # Swept from the first day with minute data to the last settled one (9 March).
    assert report.swept_days[0] == date(2026, 3, 1) and report.swept_days[-1] == date(2026, 3, 9)
    # 3 loggers × 2 pollutants on each of the two days with data.
    assert report.packs == _count(session, IngestPack) == 12
    windows = [
        (T0 - timedelta(minutes=10), T0 + timedelta(minutes=120)),  # across the CST midnight
        (T0 + timedelta(minutes=30), T0 + timedelta(minutes=61)),  # inside one day
        (T0 - timedelta(days=1), T0 + timedelta(days=2)),  # whole days
    ]
    for start, end in windows:
        cols = reader.columns(session, ["MNA", "MNC", "MNB"], "minute", start, end)
        _same(_got(cols), _window(session, {"MNA", "MNB", "MNC"}, start, end))
    # Without the packs, the same columns come from the rows.
    session.execute(delete(IngestPack))
    _same(
        _got(reader.columns(session, ["MNA"], "minute", *windows[0])),
        _got(reader.columns(session, ["MNA"], "minute", *windows[0], received_before=LATER)),
    )


def test_pack_is_idempotent_and_sweeps_in_steps(session: Session) -> None:
    session.execute(insert(IngestReading), _rows())
    first = packs.pack(session, now=LATER, max_days=1)
    assert first.swept_days == [date(2026, 3, 1)] and first.packs == 6
    sweep = session.get(IngestPackSweep, "minute")
    assert sweep is not None and sweep.through == date(2026, 3, 1)
    # Day 2 is not swept yet: read from the rows, and the same as after it is packed.
    window = (T0 - timedelta(hours=1), T0 + timedelta(hours=3))
    before = _got(reader.columns(session, ["MNA", "MNB"], "minute", *window))
    second = packs.pack(session, now=LATER)
    assert second.swept_days[0] == date(2026, 3, 2) and second.packs == 6
    _same(_got(reader.columns(session, ["MNA", "MNB"], "minute", *window)), before)
    again = packs.pack(session, now=LATER)
    assert again.swept_days == [] and again.packs == 0 and _count(session, IngestPack) == 12
    # Nothing is packed before the day has settled: 00:20 CST on 3 March packs nothing new.
    assert packs.settled_through(datetime(2026, 3, 2, 16, 20, tzinfo=UTC)) == date(2026, 3, 1)
    assert packs.settled_through(datetime(2026, 3, 2, 16, 31, tzinfo=UTC)) == date(2026, 3, 2)


def test_as_of_view_never_reads_packs(session: Session) -> None:
    session.execute(insert(IngestReading), _rows())
    packs.pack(session, now=LATER)
    end = T0 + timedelta(minutes=120)
    cols = reader.columns(session, ["MNA"], "minute", T0, end, received_before=RECEIVED)
    _same(_got(cols), _expected(session, {"MNA"}, "minute", end, RECEIVED))


# --------------------------------------------------------------------------- through the store

DAY = "20240301"  # CST day of the frames below; it ends at 2024-03-01 16:00 UTC
DURING = datetime(2024, 3, 1, 6, 0, tzinfo=UTC)  # 14:00 CST, the day is running
NEXT_DAY = datetime(2024, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 CST the next day


@pytest.fixture
def store(db: Database) -> IngestStore:
    return IngestStore(db, AUDIT_KEY.encode(), Rules())


def _so2(db: Database) -> dict[int, float]:
    with db.unit_of_work() as s:
        start = datetime(2024, 2, 29, 16, 0, tzinfo=UTC)
        cols = reader.columns(s, [MN], "minute", start, start + timedelta(days=1))
        code = cols.pollutants.index("a21026")
        keep = cols.pollutant == code
        return {int(t): float(v) for t, v in zip(cols.times_s[keep], cols.values[keep], strict=True)}


def test_late_and_resent_data_make_the_day_read_from_rows_until_repacked(
    store: IngestStore, db: Database
) -> None:
    for minute in range(3):
        store.write([incoming(minute_frame(f"{DAY}12{minute:02d}00"), DURING)], now=DURING)
    with db.unit_of_work() as s:
        assert _count(s, IngestPackStale) == 0  # writes into the running day mark nothing
        assert packs.pack(s, now=NEXT_DAY).packs == 2  # a21026 and a19001
    assert sorted(_so2(db).values()) == [12.3, 12.3, 12.3]

    # A late minute and a resend with another value, after the day was packed.
    store.write([incoming(minute_frame(f"{DAY}120300", so2="40.0"), NEXT_DAY)], now=NEXT_DAY)
    store.write([incoming(minute_frame(f"{DAY}120000", so2="9.5", qn="x1"), NEXT_DAY)], now=NEXT_DAY)
    with db.unit_of_work() as s:
        stale = s.scalars(select(IngestPackStale)).all()
        assert [(x.mn, x.period, x.day) for x in stale] == [(MN, "minute", date(2024, 3, 1))]
    after = _so2(db)
    assert sorted(after.values()) == [9.5, 12.3, 12.3, 40.0]  # from the rows, current versions
    with db.unit_of_work() as s:
        report = packs.pack(s, now=NEXT_DAY + timedelta(hours=1))
        assert report.stale_days == 1 and report.swept_days == [] and _count(s, IngestPackStale) == 0
        pack_so2 = s.get(IngestPack, (MN, "minute", date(2024, 3, 1), "a21026"))
        assert pack_so2 is not None and pack_so2.readings == 4
    assert _so2(db) == after  # now from the pack

    # The first version sent again becomes current again (A, B, A): the day is stale again.
    store.write([incoming(minute_frame(f"{DAY}120000", qn="x2"), NEXT_DAY)], now=NEXT_DAY)
    assert sorted(_so2(db).values()) == [12.3, 12.3, 12.3, 40.0]


def test_pack_records_flags_and_missing_values(store: IngestStore, db: Database) -> None:
    items: dict[str, dict[str, Decimal | str]] = {"a21026": {"Flag": "d"}, "a19001": {"Rtd": Decimal("7.5")}}
    store.write([incoming(minute_frame(f"{DAY}080000", items=items), DURING)], now=DURING)
    with db.unit_of_work() as s:
        packs.pack(s, now=NEXT_DAY)
        start = datetime(2024, 2, 29, 16, 0, tzinfo=UTC)
        cols = reader.columns(s, [MN], "minute", start, start + timedelta(days=1))
        rows = _got(cols)
        assert [(r[1], r[4]) for r in rows] == [("a19001", ""), ("a21026", "D")]
        assert rows[0][3] == 7.5 and rows[1][3] != rows[1][3]  # rtd when no avg; NaN without either
        assert _count(s, IngestPack) == 2


def test_the_hourly_job_packs_and_is_audited(tx: Tx) -> None:
    from huanjian.audit.models import AuditEntry
    from huanjian.ingest import jobs  # registers ingest.pack
    from huanjian.jobs.registry import HANDLERS, SCHEDULES

    assert any(s.kind == "ingest.pack" and s.every == timedelta(hours=1) for s in SCHEDULES)
    tx.session.execute(insert(IngestReading), _rows())
    result = HANDLERS["ingest.pack"](tx, {"max_days": 400})
    assert (
        result["packs"] == 12
        and result["first_swept"] == "2026-03-01"
        and jobs.pack is HANDLERS["ingest.pack"]
    )
    entry = tx.session.scalars(select(AuditEntry).where(AuditEntry.action == "ingest.pack")).one()
    assert entry.after is not None and entry.after["packs"] == 12 and entry.after["marked_for_repack"] == 0
