"""Dense record grids: one row per series, one column per record slot of CST days.

The store hands over long arrays (series index, UTC time, value, flag); the engine
scatters them once into a ``(series, slots)`` grid that starts at a China Standard
Time midnight, so hours and days are plain reshapes and never a loop per minute.
A slot is the record step of the rule set (60 s flue-gas minutes, 600 s water
10-minute records).  Slots without a record hold ``NaN`` and flag ``0``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from huanjian.review.engine._arrays import DAY_S, F64, HOUR_S, I64, U8, cst_date, cst_midnight_s
from huanjian.review.engine.flags import NO_RECORD

__all__ = ["Grid", "GridReport", "build_grid", "empty_grid"]


@dataclass(frozen=True, slots=True)
class Grid:
    start_s: int  # epoch seconds of the first slot: a CST midnight
    days: int
    step_s: int
    values: F64  # (series, slots)
    flags: U8  # (series, slots), ASCII codes, 0 = no record

    @property
    def n_series(self) -> int:
        return int(self.values.shape[0])

    @property
    def slots_per_hour(self) -> int:
        return HOUR_S // self.step_s

    @property
    def hours(self) -> int:
        return self.days * 24

    @property
    def start_day(self) -> date:
        return cst_date(self.start_s)

    def hour_starts(self) -> I64:
        return self.start_s + HOUR_S * np.arange(self.hours, dtype=np.int64)

    def day_starts(self) -> I64:
        return self.start_s + DAY_S * np.arange(self.days, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class GridReport:
    """What the scatter did with the records it was given."""

    placed: int
    outside: int  # before the first or after the last CST day: not placed
    off_step: int  # not on a slot boundary: placed in the slot containing them
    duplicates: int  # more than one record for a slot: the last one given is kept


def _check(days: int, step_s: int) -> None:
    if days < 1:
        raise ValueError("a grid covers at least one day")
    if step_s <= 0 or HOUR_S % step_s:
        raise ValueError(f"record step {step_s} s must divide an hour")


def empty_grid(n_series: int, start_day: date, days: int, step_s: int) -> Grid:
    _check(days, step_s)
    slots = days * DAY_S // step_s
    return Grid(
        start_s=cst_midnight_s(start_day),
        days=days,
        step_s=step_s,
        values=np.full((n_series, slots), np.nan),
        flags=np.zeros((n_series, slots), dtype=np.uint8),
    )


def build_grid(
    series: np.ndarray,
    times_s: I64,
    values: np.ndarray,
    flags: U8,
    *,
    n_series: int,
    start_day: date,
    days: int,
    step_s: int,
    missing_flag_as: str = "N",
) -> tuple[Grid, GridReport]:
    """Scatter long arrays into a grid of ``days`` CST days from ``start_day``.

    ``series`` are row indices (0 … n_series-1), ``times_s`` UTC epoch seconds of the
    period start (HJ 212 DataTime), ``flags`` ASCII codes where 0 means the record had
    no Flag field (read as ``missing_flag_as``, rule ``missing_flag_as``).
    """
    grid = empty_grid(n_series, start_day, days, step_s)
    slots = grid.values.shape[1]
    series = np.asarray(series, dtype=np.int64)
    if series.size and (series.min() < 0 or series.max() >= n_series):
        raise ValueError("series index outside 0 … n_series-1")
    offset = np.asarray(times_s, dtype=np.int64) - grid.start_s
    slot = offset // step_s
    inside = (slot >= 0) & (slot < slots)
    off_step = int(np.count_nonzero((offset % step_s != 0) & inside))
    flat = series * slots + slot
    if not inside.all():
        flat = flat[inside]
        values = values[inside]
        flags = flags[inside]
    codes = np.where(flags == NO_RECORD, np.uint8(ord(missing_flag_as)), flags).astype(np.uint8)
    # Duplicates: NumPy's 1-D fancy assignment writes in order, so the last record wins.
    occupied = np.bincount(flat, minlength=n_series * slots)
    duplicates = int(flat.size - np.count_nonzero(occupied))
    grid.values.reshape(-1)[flat] = values
    grid.flags.reshape(-1)[flat] = codes
    report = GridReport(
        placed=int(flat.size), outside=int(inside.size - flat.size), off_step=off_step, duplicates=duplicates
    )
    return grid, report
