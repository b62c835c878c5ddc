"""Bulk reads of current readings into NumPy columns (review and detection read through this).

Going through SQLAlchemy result rows cost ~5 µs per reading (a ``Row`` per reading, the
``UTCDateTime`` result processor building an aware ``datetime``, then a Python loop turning
it back into epoch seconds): about 1.7 s for one logger-month of minute data (measured with
``bench/bench_detect.py --store``).  The database can hand the same columns over in bulk,
and both backends do the conversions themselves:

* PostgreSQL: one row per logger and pollutant whose readings come as arrays
  (``array_agg``) in binary, loaded by psycopg's C loaders;
* SQLite: the DBAPI cursor's ``fetchall`` of plain numbers and short strings, columns made
  by pandas.

Either way the query returns the epoch second of ``data_time``, the value (``avg``, else
``rtd``) and the first letter of the flag upper-cased as its ASCII code, so no per-row
Python object is built beyond what the driver itself makes.  The rows are the ones
:func:`huanjian.ingest.repository.readings` would give (current versions only), in no
particular order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd  # type: ignore[import-untyped]
from sqlalchemy.orm import Session

from huanjian.ingest import packs
from huanjian.ingest.bulk import BulkWriter, sqlite_datetime

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
U8 = npt.NDArray[np.uint8]

__all__ = ["ReadingColumns", "columns", "concat"]


@dataclass(frozen=True, slots=True)
class ReadingColumns:
    """Readings as parallel arrays; ``mn`` and ``pollutant`` index ``mns`` and ``pollutants``.

    ``flags`` holds the ASCII code of the flag's first letter, upper-cased (0: no Flag
    field), ``values`` is NaN where neither ``avg`` nor ``rtd`` was sent.
    """

    mns: tuple[str, ...]
    pollutants: tuple[str, ...]
    mn: I64
    pollutant: I64
    times_s: I64
    values: F64
    flags: U8

    def __len__(self) -> int:
        return int(self.times_s.shape[0])

    def by_mn(self) -> dict[str, ReadingColumns]:
        """The rows of each logger (same ``mns`` and ``pollutants`` tuples), split in one sort."""
        order = np.argsort(self.mn, kind="stable")
        cuts = np.searchsorted(self.mn[order], np.arange(len(self.mns) + 1))
        out = {}
        for i, mn in enumerate(self.mns):
            take = order[cuts[i] : cuts[i + 1]]
            out[mn] = ReadingColumns(
                self.mns,
                self.pollutants,
                self.mn[take],
                self.pollutant[take],
                self.times_s[take],
                self.values[take],
                self.flags[take],
            )
        return out

    def of(self, mn: str) -> ReadingColumns:
        """The rows of one logger (same ``pollutants`` tuple)."""
        if mn not in self.mns:
            return _empty(self.pollutants)
        keep = self.mn == self.mns.index(mn)
        return ReadingColumns(
            (mn,),
            self.pollutants,
            np.zeros(int(keep.sum()), dtype=np.int64),
            self.pollutant[keep],
            self.times_s[keep],
            self.values[keep],
            self.flags[keep],
        )


def _empty(pollutants: tuple[str, ...] = ()) -> ReadingColumns:
    z = np.zeros(0, dtype=np.int64)
    return ReadingColumns((), pollutants, z, z.copy(), z.copy(), np.zeros(0), np.zeros(0, dtype=np.uint8))


# One row per logger and pollutant with its readings as arrays, sent in binary: ~4x less
# client time than COPY … TO STDOUT, which hands psycopg one message per reading.
_PG = (
    "SELECT mn, pollutant, array_agg(date_part('epoch', data_time)::bigint), "  # noqa: S608 - constants only
    f"array_agg({packs.VALUE_PG}), array_agg({packs.FLAG_CODE_PG}::int2) FROM ingest_reading "
    "WHERE mn = ANY(%s) AND period = %s AND current AND data_time >= %s AND data_time < %s{extra} "
    "GROUP BY mn, pollutant"
)
# strftime('%s') on the stored text (naive UTC, see huanjian.ingest.bulk.sqlite_datetime).
_SQLITE = (
    f"SELECT mn, pollutant, {packs.EPOCH_SQLITE}, {packs.VALUE_SQLITE}, {packs.FLAG_CODE_SQLITE} "  # noqa: S608 - constants only
    "FROM ingest_reading "
    "WHERE mn IN ({marks}) AND period = ? AND current = 1 AND data_time >= ? AND data_time < ?{extra}"
)


def columns(
    session: Session,
    mns: Sequence[str],
    period: str,
    start: datetime,
    end: datetime,
    *,
    received_before: datetime | None = None,
) -> ReadingColumns:
    """Current readings of these loggers and period (``minute``, ``hour``…) in ``[start, end)``.

    Runs on the session's connection, inside its transaction (sees its own writes).  Days
    with a usable day pack (:mod:`huanjian.ingest.packs`) are read from it, the others
    from the rows.  With ``received_before`` only what had arrived by then (the as-of
    view, always from the rows: a pack knows only the current state).
    """
    mns = list(dict.fromkeys(mns))
    if not mns:
        return _empty()
    postgres = session.get_bind().dialect.name == "postgresql"
    if received_before is not None or period not in packs.PERIODS:
        return _rows(session, postgres, mns, period, start, end, received_before)
    got = packs.read(BulkWriter(session, postgres=postgres), mns, period, start, end)
    parts = [_from_groups(got.groups)] if got.groups else []
    for some, a, b in got.unpacked:
        parts.append(_rows(session, postgres, some, period, a, b, None))
    return concat(parts)


def _rows(
    session: Session,
    postgres: bool,
    mns: list[str],
    period: str,
    start: datetime,
    end: datetime,
    before: datetime | None,
) -> ReadingColumns:
    dbapi = session.connection().connection.dbapi_connection
    assert dbapi is not None
    if postgres:
        return _postgres(dbapi, mns, period, start, end, before)
    return _sqlite(dbapi, mns, period, start, end, before)


Group = tuple[str, str, I64, F64, U8]


def _from_groups(groups: Sequence[Group]) -> ReadingColumns:
    """Columns from per-(logger, pollutant) arrays."""
    if not groups:
        return _empty()
    mn_names = tuple(sorted({g[0] for g in groups}))
    pol_names = tuple(sorted({g[1] for g in groups}))
    mn_at = {m: i for i, m in enumerate(mn_names)}
    pol_at = {p: i for i, p in enumerate(pol_names)}
    sizes = [len(g[2]) for g in groups]
    return ReadingColumns(
        mns=mn_names,
        pollutants=pol_names,
        mn=np.repeat(np.array([mn_at[g[0]] for g in groups], dtype=np.int64), sizes),
        pollutant=np.repeat(np.array([pol_at[g[1]] for g in groups], dtype=np.int64), sizes),
        times_s=np.concatenate([g[2] for g in groups]).astype(np.int64, copy=False),
        values=np.concatenate([g[3] for g in groups]).astype(np.float64, copy=False),
        flags=np.concatenate([g[4] for g in groups]).astype(np.uint8, copy=False),
    )


def concat(parts: Sequence[ReadingColumns]) -> ReadingColumns:
    """One set of columns from several (names merged and re-indexed)."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return _empty()
    if len(parts) == 1:
        return parts[0]
    mn_names = tuple(sorted({m for p in parts for m in p.mns}))
    pol_names = tuple(sorted({c for p in parts for c in p.pollutants}))
    mn_at = {m: i for i, m in enumerate(mn_names)}
    pol_at = {c: i for i, c in enumerate(pol_names)}

    def remap(index: I64, names: tuple[str, ...], at: dict[str, int]) -> I64:
        return np.array([at[n] for n in names], dtype=np.int64)[index]

    return ReadingColumns(
        mns=mn_names,
        pollutants=pol_names,
        mn=np.concatenate([remap(p.mn, p.mns, mn_at) for p in parts]),
        pollutant=np.concatenate([remap(p.pollutant, p.pollutants, pol_at) for p in parts]),
        times_s=np.concatenate([p.times_s for p in parts]),
        values=np.concatenate([p.values for p in parts]),
        flags=np.concatenate([p.flags for p in parts]),
    )


def _postgres(
    dbapi: Any, mns: list[str], period: str, start: datetime, end: datetime, before: datetime | None
) -> ReadingColumns:
    params: list[object] = [mns, period, start, end]
    extra = ""
    if before is not None:
        extra = " AND received_at <= %s"
        params.append(before)
    with dbapi.cursor(binary=True) as cur:
        cur.execute(_PG.format(extra=extra), params)
        groups = cur.fetchall()
    return _from_groups(
        [
            (
                g[0],
                g[1],
                np.array(g[2], dtype=np.int64),
                np.array(g[3], dtype=np.float64),
                np.array(g[4], dtype=np.uint8),
            )
            for g in groups
        ]
    )


def _sqlite(
    dbapi: Any, mns: list[str], period: str, start: datetime, end: datetime, before: datetime | None
) -> ReadingColumns:
    params: list[object] = [*mns, period, sqlite_datetime(start), sqlite_datetime(end)]
    extra = ""
    if before is not None:
        extra = " AND received_at <= ?"
        params.append(sqlite_datetime(before))
    sql = _SQLITE.format(marks=", ".join("?" * len(mns)), extra=extra)
    cur = dbapi.cursor()
    try:
        cur.execute(sql, params)
        rows = cur.fetchall()
    finally:
        cur.close()
    if not rows:
        return _empty()
    frame = pd.DataFrame.from_records(rows, columns=["mn", "pollutant", "t", "v", "f"], coerce_float=True)
    return _frame_columns(frame)


def _frame_columns(frame: pd.DataFrame) -> ReadingColumns:
    mn_codes, mn_names = pd.factorize(frame["mn"], sort=True)
    pol_codes, pol_names = pd.factorize(frame["pollutant"], sort=True)
    return ReadingColumns(
        mns=tuple(str(x) for x in mn_names),
        pollutants=tuple(str(x) for x in pol_names),
        mn=np.asarray(mn_codes, dtype=np.int64),
        pollutant=np.asarray(pol_codes, dtype=np.int64),
        times_s=frame["t"].to_numpy(dtype=np.int64),
        values=frame["v"].to_numpy(dtype=np.float64, na_value=np.nan),
        flags=frame["f"].to_numpy(dtype=np.uint8),
    )
