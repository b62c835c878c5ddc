"""Dense record grids: one row per series, one column per record slot of CST days.

The store hands over long arrays (series index, UTC time, value, flag); the engine
scatters them once into a ``(series, slots)`` grid that starts at a China Standard
Time midnight, so hours and days are plain reshapes and never a loop per minute.
A slot is the record step of the rule set (60 s flue-gas minutes, 600 s water
10-minute records).  Slots without a record hold ``NaN`` and flag ``0``.

Flags (HJ 212-2017 §6.6.4 表 8; 2005 adds P) are kept as ``uint8`` ASCII codes
(``ord('N')`` = 78), ``0`` meaning *no record*.  Validity and App. C propagation
read lookup tables built from the rule files (``valid_flags``,
``propagation_normal_flags``), so the flag sets are data.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from huanjian.review.engine._arrays import DAY_S, F64, HOUR_S, I64, U8, Bool, cst_date, cst_midnight_s
from huanjian.review.rules.typed import ValidityRules

__all__ = [
    "NO_RECORD",
    "Grid",
    "GridReport",
    "build_grid",
    "empty_grid",
    "encode_flags",
    "flag_lut",
    "propagate",
    "valid_records",
]

NO_RECORD = 0


def encode_flags(flags: Sequence[str | None] | Iterable[str | None] | U8, missing_as: str = "N") -> U8:
    """Flags as ASCII codes; a record without a Flag field gets ``missing_as`` (rule ``missing_flag_as``).

    Only the first letter counts (the store keeps up to 4 characters); letters are
    upper-cased. Codes are the bytes of the letters, so a 1-letter unknown flag
    keeps its identity and is simply not in any valid set.  A ``uint8`` array is taken
    as codes already (the bulk reader's, 0 for no Flag field).
    """
    if isinstance(flags, np.ndarray) and flags.dtype == np.uint8:
        return np.where(flags == 0, np.uint8(ord(missing_as)), flags).astype(np.uint8)
    texts = [(f or missing_as)[:1].upper() or missing_as for f in flags]
    return np.frombuffer("".join(texts).encode("ascii", "replace"), dtype=np.uint8).copy()


def flag_lut(letters: Iterable[str]) -> Bool:
    """A 256-entry table: ``lut[code]`` is True for the given letters."""
    lut = np.zeros(256, dtype=np.bool_)
    for letter in letters:
        lut[ord(letter)] = True
    return lut


def valid_records(flags: U8, values: np.ndarray, rules: ValidityRules) -> Bool:
    """Records that count: a valid flag (N, S) and a finite value."""
    mask: Bool = flag_lut(rules.valid_flags)[flags]
    mask &= np.isfinite(values)
    return mask


def propagate(flags: U8, rules: ValidityRules) -> U8:
    """Flag of each period from the flags of its records (last axis), HJ 212 App. C.

    * ``share_normal`` (flue gas): ``N`` if at least the share (75 %) of the
      records received in the period are normal, otherwise the abnormal flag (``D``);
    * ``any_abnormal`` (water): abnormal as soon as one record is; the period then
      carries the rule's abnormal flag or, if none is set, the first abnormal flag.

    Periods with no record get ``0`` (no flag).
    """
    received = flags != NO_RECORD
    normal = flag_lut(rules.propagation_normal_flags)[flags]
    n_received = received.sum(axis=-1)
    n_normal = normal.sum(axis=-1)
    out = np.full(n_received.shape, ord("N"), dtype=np.uint8)
    if rules.propagation == "share_normal":
        # Integer test of n_normal / n_received >= share, exact for shares like 0.75.
        abnormal_period = n_normal < rules.propagation_min_normal_share * n_received - 1e-9
    else:
        abnormal_period = n_normal < n_received
    if rules.propagation_abnormal_flag:
        out[abnormal_period] = ord(rules.propagation_abnormal_flag)
    else:
        first = np.argmax(received & ~normal, axis=-1)
        first_flag = np.take_along_axis(flags, first[..., None], axis=-1)[..., 0]
        out[abnormal_period] = first_flag[abnormal_period]
    out[n_received == 0] = NO_RECORD
    return out


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
