"""Day packs: one logger's readings of one period, pollutant and CST day in one row (ADR 0007).

Review of one day for 2,000 outlets reads ~26 million minute readings; with one row per
reading the database's per-row work alone took longer than the issue's 30 s.  A pack holds
exactly what :func:`huanjian.ingest.reader.columns` returns for that day (current values
only) as three byte strings, so the same day is 18,000 rows instead of 26 million.

Packs are derived and disposable: the readings stay the record; a pack is deleted and
rebuilt from them, never edited.  Freshness, without a cost on the gateway's hot path:

* :func:`stale_keys` — the ingest store marks (logger, period, day) stale in the batch's
  transaction when it writes a reading of a day that has ended or ends within
  :data:`MARK_AHEAD`; writes into the running day (the normal case) mark nothing;
* :func:`pack` packs only days that ended at least :data:`SETTLE` ago: first the days
  since the last sweep, for every logger, then stale days.  It deletes a day's stale
  marks *before* it reads that day's rows, in the same transaction, so a write committed
  meanwhile leaves a new mark (its insert waits for the delete's row lock, or is not seen
  by it) and the pack is not used;
* the reader uses a pack only when its day has no stale mark, and reads every other day
  (and any as-of view) from the rows.

The margins (30 min either side of the day's end) cover a batch transaction that spans
midnight and clocks of the gateway and the packing job that differ by less than that.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from huanjian.core.time import CST, cst_day_start
from huanjian.ingest.bulk import BulkWriter, parse_sqlite_datetime, sqlite_datetime

#: Periods that are packed (water's hourly data are 24 rows a day: not worth it).
PERIODS = frozenset({"minute"})
MARK_AHEAD = timedelta(minutes=30)
SETTLE = timedelta(minutes=30)
#: Days one call of :func:`pack` sweeps at most (the job comes back for the rest).
MAX_DAYS = 62

Key = tuple[str, str, date]  # mn, period, CST day

__all__ = [
    "MAX_DAYS",
    "PERIODS",
    "PackReport",
    "Packed",
    "cst_day",
    "mark_stale",
    "pack",
    "read",
    "stale_keys",
]


def cst_day(value: datetime) -> date:
    return value.astimezone(CST).date()


def _day_end(day: date) -> datetime:
    return cst_day_start(day + timedelta(days=1))


def stale_keys(rows: Iterable[tuple[str, str, datetime]], now: datetime) -> set[Key]:
    """The (mn, period, day) of written readings whose day may already be packed."""
    horizon = now + MARK_AHEAD
    keys: set[Key] = set()
    for mn, period, data_time in rows:
        if period in PERIODS:
            day = cst_day(data_time)
            if _day_end(day) <= horizon:
                keys.add((mn, period, day))
    return keys


def mark_stale(bulk: BulkWriter, keys: set[Key], now: datetime) -> None:
    if not keys:
        return
    ordered = sorted(keys)
    if bulk.postgres:
        bulk.execute(
            "INSERT INTO ingest_pack_stale (mn, period, day, marked_at) "
            "SELECT k.mn, k.period, k.day, %s "
            "FROM unnest(%s::text[], %s::text[], %s::date[]) AS k(mn, period, day) "
            "ON CONFLICT DO NOTHING",
            (now, [k[0] for k in ordered], [k[1] for k in ordered], [k[2] for k in ordered]),
        )
        return
    bulk.executemany(
        "INSERT OR IGNORE INTO ingest_pack_stale (mn, period, day, marked_at) VALUES (%s, %s, %s, %s)",
        [(mn, period, day.isoformat(), sqlite_datetime(now)) for mn, period, day in ordered],
    )


def mark_range_stale(bulk: BulkWriter, first: date, last: date, now: datetime) -> int:
    """Every packed logger-day in ``first``..``last`` stale (readings changed outside the
    store, e.g. restored or imported directly); returns how many were marked."""
    return bulk.execute(
        "INSERT INTO ingest_pack_stale (mn, period, day, marked_at) "
        "SELECT DISTINCT mn, period, day, %s FROM ingest_pack WHERE day >= %s AND day <= %s "
        "ON CONFLICT DO NOTHING",
        (bulk.dt(now), _d(bulk, first), _d(bulk, last)),
    )


# --------------------------------------------------------------------------- building


@dataclass
class PackReport:
    swept_days: list[date] = field(default_factory=list)
    stale_days: int = 0
    packs: int = 0
    through: date | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "swept_days": len(self.swept_days),
            "first_swept": self.swept_days[0].isoformat() if self.swept_days else None,
            "last_swept": self.swept_days[-1].isoformat() if self.swept_days else None,
            "stale_days": self.stale_days,
            "packs": self.packs,
            "through": self.through.isoformat() if self.through else None,
        }


def settled_through(now: datetime) -> date:
    """The last CST day that ended at least :data:`SETTLE` before ``now``."""
    day = cst_day(now - SETTLE) - timedelta(days=1)
    assert _day_end(day) <= now - SETTLE
    return day


def pack(session: Session, *, now: datetime, max_days: int = MAX_DAYS) -> PackReport:
    """Sweep the settled days not yet swept (at most ``max_days``), then repack stale days.

    Runs in the session's transaction; idempotent.
    """
    bulk = BulkWriter(session)
    report = PackReport()
    settled = settled_through(now)
    for period in sorted(PERIODS):
        through = _swept_through(bulk, period)
        first = through + timedelta(days=1) if through else _first_day(bulk, period)
        if first is not None:
            day = first
            while day <= settled and len(report.swept_days) < max_days:
                report.packs += _pack_day(bulk, period, day, None, now)
                report.swept_days.append(day)
                through = day
                day += timedelta(days=1)
            if through is not None and report.swept_days:
                _set_swept(bulk, period, through, now)
        report.through = through
        if through is None:
            continue
        for day, mns in _stale(bulk, period, through).items():
            report.packs += _pack_day(bulk, period, day, mns, now)
            report.stale_days += len(mns)
    return report


def _d(bulk: BulkWriter, day: date) -> Any:
    return day if bulk.postgres else day.isoformat()


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _swept_through(bulk: BulkWriter, period: str) -> date | None:
    rows = bulk.query("SELECT through FROM ingest_pack_sweep WHERE period = %s", (period,))
    return _as_date(rows[0][0]) if rows else None


def _set_swept(bulk: BulkWriter, period: str, through: date, now: datetime) -> None:
    bulk.execute(
        "INSERT INTO ingest_pack_sweep (period, through, swept_at) VALUES (%s, %s, %s) "
        "ON CONFLICT (period) DO UPDATE SET through = excluded.through, swept_at = excluded.swept_at",
        (period, _d(bulk, through), bulk.dt(now)),
    )


def _first_day(bulk: BulkWriter, period: str) -> date | None:
    rows = bulk.query("SELECT min(data_time) FROM ingest_reading WHERE period = %s", (period,))
    if not rows or rows[0][0] is None:
        return None
    return cst_day(parse_sqlite_datetime(rows[0][0]))


def _stale(bulk: BulkWriter, period: str, through: date) -> dict[date, list[str]]:
    rows = bulk.query(
        "SELECT day, mn FROM ingest_pack_stale WHERE period = %s AND day <= %s ORDER BY day, mn",
        (period, _d(bulk, through)),
    )
    out: dict[date, list[str]] = defaultdict(list)
    for day, mn in rows:
        out[_as_date(day)].append(str(mn))
    return out


#: The reader's projection of a reading (value, flag code), shared by the reader's row
#: queries (:mod:`huanjian.ingest.reader`) and the pack builders here, so that a pack holds
#: exactly what reading the rows gives.
VALUE_PG = "coalesce(avg, rtd, 'NaN'::float8)"
FLAG_CODE_PG = "least(coalesce(ascii(upper(left(flag, 1))), 0), 255)"
EPOCH_SQLITE = "CAST(strftime('%s', data_time) AS INTEGER)"  # the stored text is naive UTC
VALUE_SQLITE = "coalesce(avg, rtd)"
FLAG_CODE_SQLITE = "min(coalesce(unicode(upper(substr(flag, 1, 1))), 0), 255)"

_PG_BUILD = (
    "INSERT INTO ingest_pack (mn, period, day, pollutant, readings, times, vals, flags, built_at) "  # noqa: S608 - constants only
    "SELECT mn, period, %s, pollutant, count(*), "
    "string_agg(int4send((date_part('epoch', data_time) - %s)::int4), ''::bytea ORDER BY data_time), "
    f"string_agg(float8send({VALUE_PG}), ''::bytea ORDER BY data_time), "
    f"string_agg(set_byte('\\x00'::bytea, 0, {FLAG_CODE_PG}), ''::bytea ORDER BY data_time), %s "
    "FROM ingest_reading WHERE period = %s AND current AND data_time >= %s AND data_time < %s{mns} "
    "GROUP BY mn, period, pollutant"
)
_SQLITE_ROWS = (
    f"SELECT mn, pollutant, {EPOCH_SQLITE}, {VALUE_SQLITE}, {FLAG_CODE_SQLITE} FROM ingest_reading "  # noqa: S608 - constants only
    "WHERE period = ? AND current = 1 AND data_time >= ? AND data_time < ?{mns} "
    "ORDER BY mn, pollutant, data_time"
)


def _pack_day(bulk: BulkWriter, period: str, day: date, mns: Sequence[str] | None, now: datetime) -> int:
    """Rebuild the packs of one day (of these loggers, or all); returns the number of packs."""
    start = cst_day_start(day)
    end = _day_end(day)
    where = (
        ""
        if mns is None
        else " AND mn = ANY(%s)"
        if bulk.postgres
        else f" AND mn IN ({', '.join('?' * len(mns))})"
    )
    which: list[Any] = [] if mns is None else [list(mns)] if bulk.postgres else list(mns)
    # Marks first: a write that commits after this statement leaves its own mark.
    key = (period, _d(bulk, day), *which)
    bulk.execute(f"DELETE FROM ingest_pack_stale WHERE period = %s AND day = %s{where}", key)  # noqa: S608
    bulk.execute(f"DELETE FROM ingest_pack WHERE period = %s AND day = %s{where}", key)  # noqa: S608
    if bulk.postgres:
        return bulk.execute(
            _PG_BUILD.format(mns=where), (day, int(start.timestamp()), now, period, start, end, *which)
        )
    return _sqlite_build(bulk, period, day, start, end, where, which, now)


def _sqlite_build(
    bulk: BulkWriter,
    period: str,
    day: date,
    start: datetime,
    end: datetime,
    where: str,
    which: list[Any],
    now: datetime,
) -> int:
    cur = bulk.dbapi.cursor()
    try:
        cur.execute(
            _SQLITE_ROWS.format(mns=where), (period, sqlite_datetime(start), sqlite_datetime(end), *which)
        )
        rows = cur.fetchall()
    finally:
        cur.close()
    if not rows:
        return 0
    base = int(start.timestamp())
    mn = [r[0] for r in rows]
    pol = [r[1] for r in rows]
    t = np.fromiter((r[2] for r in rows), dtype=np.int64, count=len(rows)) - base
    v = np.array([np.nan if r[3] is None else r[3] for r in rows], dtype=np.float64)
    f = np.fromiter((r[4] for r in rows), dtype=np.uint8, count=len(rows))
    cuts = [0] + [i for i in range(1, len(rows)) if mn[i] != mn[i - 1] or pol[i] != pol[i - 1]] + [len(rows)]
    out = []
    stamp = sqlite_datetime(now)
    for a, b in itertools.pairwise(cuts):
        out.append(
            (mn[a], period, day.isoformat(), pol[a], b - a, t[a:b].astype(">i4").tobytes(),
             v[a:b].astype(">f8").tobytes(), f[a:b].tobytes(), stamp)
        )  # fmt: skip
    bulk.executemany(
        "INSERT INTO ingest_pack (mn, period, day, pollutant, readings, times, vals, flags, built_at) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
        out,
    )
    return len(out)


# --------------------------------------------------------------------------- reading

I64 = npt.NDArray[np.int64]

_SQLITE_READ = (
    "SELECT p.mn, p.pollutant, p.day, p.times, p.vals, p.flags FROM ingest_pack p "
    "WHERE p.mn IN ({marks}) AND p.period = ? AND p.day >= ? AND p.day <= ? AND NOT EXISTS "
    "(SELECT 1 FROM ingest_pack_stale s WHERE s.mn = p.mn AND s.period = p.period AND s.day = p.day)"
)


@dataclass(frozen=True, slots=True)
class Packed:
    """Packed arrays of the requested days, and what must still be read from rows."""

    groups: list[tuple[str, str, I64, npt.NDArray[np.float64], npt.NDArray[np.uint8]]]
    unpacked: list[tuple[list[str], datetime, datetime]]  # (mns, start, end) to read from rows


def read(bulk: BulkWriter, mns: Sequence[str], period: str, start: datetime, end: datetime) -> Packed:
    """Current readings of ``[start, end)`` from the usable packs; the rest as row ranges."""
    first, last = cst_day(start), cst_day(end - timedelta(microseconds=1))
    if bulk.postgres:
        sql = (
            "SELECT p.mn, p.pollutant, p.day, p.times, p.vals, p.flags FROM ingest_pack p "
            "WHERE p.mn = ANY(%s) AND p.period = %s AND p.day >= %s AND p.day <= %s AND NOT EXISTS "
            "(SELECT 1 FROM ingest_pack_stale s WHERE s.mn = p.mn AND s.period = p.period AND s.day = p.day)"
        )
        with bulk.dbapi.cursor(binary=True) as cur:
            cur.execute(sql, (list(mns), period, first, last))
            rows = cur.fetchall()
    else:
        sql = _SQLITE_READ.format(marks=", ".join("?" * len(mns)))
        rows = bulk.query(sql, (*mns, period, first.isoformat(), last.isoformat()))
    lo, hi = int(start.timestamp()), int(end.timestamp())
    covered: dict[str, set[date]] = defaultdict(set)
    groups = []
    for mn, pollutant, day_value, times, vals, flags in rows:
        day = _as_date(day_value)
        covered[mn].add(day)
        t = np.frombuffer(times, dtype=">i4").astype(np.int64) + int(cst_day_start(day).timestamp())
        v = np.frombuffer(vals, dtype=">f8").astype(np.float64)
        f = np.frombuffer(flags, dtype=np.uint8)
        if day in (first, last):  # a partial day at either end
            keep = (t >= lo) & (t < hi)
            t, v, f = t[keep], v[keep], f[keep]
        groups.append((str(mn), str(pollutant), t, v, f.copy()))
    return Packed(groups, _unpacked(mns, covered, first, last, start, end))


def _unpacked(
    mns: Sequence[str], covered: dict[str, set[date]], first: date, last: date, start: datetime, end: datetime
) -> list[tuple[list[str], datetime, datetime]]:
    """Runs of consecutive days without a usable pack, as row ranges shared by loggers."""
    by_range: dict[tuple[datetime, datetime], list[str]] = defaultdict(list)
    n_days = (last - first).days + 1
    for mn in mns:
        have = covered.get(mn, set())
        run: date | None = None
        for k in range(n_days + 1):
            day = first + timedelta(days=k)
            missing = k < n_days and day not in have
            if missing and run is None:
                run = day
            elif not missing and run is not None:
                a, b = max(start, cst_day_start(run)), min(end, cst_day_start(day))
                by_range[(a, b)].append(mn)
                run = None
    return [(m, a, b) for (a, b), m in sorted(by_range.items())]
