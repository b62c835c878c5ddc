"""Valid hours, days and months from a record grid (HJ 212-2017 App. D formulas 23-25).

* hour: mean of the valid records (flags N, S with a value); valid when at least
  ``min_valid_records_per_hour`` records are (flue gas 45 minutes, formula 24);
* day: mean of the *valid* hourly means (formula 25); valid when at least
  ``min_valid_hours_per_day`` hours are (flue gas 20);
* month: mean of the valid daily means; valid when at least
  ``min_valid_days_per_month`` days are (25; February ``min_valid_days_february``, 23).

Flags are propagated at every level by the App. C rule of the medium
(:func:`huanjian.review.engine.flags.propagate`).  All thresholds come from the
rule set, never from this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from huanjian.review.engine._arrays import (
    DAY_S,
    F64,
    I32,
    I64,
    U8,
    Bool,
    cst_date,
    cst_midnight_s,
    safe_divide,
)
from huanjian.review.engine.grid import Grid, propagate, valid_records
from huanjian.review.rules.typed import ValidityRules

__all__ = ["Periods", "daily", "hourly", "mean_of_valid", "month_bounds", "monthly"]


@dataclass(frozen=True, slots=True)
class Periods:
    """Aggregates per series (rows) and period (columns)."""

    start_s: I64  # (T,) UTC epoch seconds of each period start
    mean: F64  # (S, T) mean of the valid underlying values; NaN if none
    count: I32  # (S, T) valid underlying values
    received: I32  # (S, T) underlying records received (any flag)
    valid: Bool  # (S, T) count reaches the rule's minimum
    flag: U8  # (S, T) propagated flag (App. C), 0 when nothing was received
    complete: Bool  # (T,) the period lies wholly inside the data given


def mean_of_valid(values: F64, valid: Bool, axis: int = -1) -> tuple[F64, I32]:
    """Mean of ``values`` where ``valid`` along ``axis``, and the count (NaN mean if 0)."""
    count = valid.sum(axis=axis, dtype=np.int32)
    total = np.where(valid, values, 0.0).sum(axis=axis)
    return safe_divide(total, count), count


def hourly(grid: Grid, rules: ValidityRules, invalid: Bool | None = None) -> Periods:
    """Hourly aggregates of a record grid; ``invalid`` (same shape) removes records.

    ``invalid`` is where review layers act (a mark that affects validity, a
    reviewer's exclusion); the raw grid is never modified.
    """
    if rules.basis != "minute_records":
        raise ValueError(f"rule set {rules.ruleset.id} is not for record grids (basis {rules.basis})")
    if grid.step_s != rules.record_step_seconds:
        raise ValueError(f"grid step {grid.step_s} s ≠ rule record step {rules.record_step_seconds} s")
    shape = (grid.n_series, grid.hours, grid.slots_per_hour)
    ok = valid_records(grid.flags, grid.values, rules)
    if invalid is not None:
        ok &= ~invalid
    mean, count = mean_of_valid(grid.values.reshape(shape), ok.reshape(shape))
    received = (grid.flags != 0).reshape(shape).sum(axis=-1, dtype=np.int32)
    return Periods(
        start_s=grid.hour_starts(),
        mean=mean,
        count=count,
        received=received,
        valid=count >= rules.min_valid_records_per_hour,
        flag=propagate(grid.flags.reshape(shape), rules),
        complete=np.ones(grid.hours, dtype=np.bool_),
    )


def _regroup(
    hours: Periods, values: F64, valid: Bool, size: int, minimum: int, rules: ValidityRules
) -> Periods:
    n_series, n = values.shape
    if n % size:
        raise ValueError(f"{n} periods do not split into groups of {size}")
    shape = (n_series, n // size, size)
    mean, count = mean_of_valid(values.reshape(shape), valid.reshape(shape))
    received = (hours.flag != 0).reshape(shape).sum(axis=-1, dtype=np.int32)
    return Periods(
        start_s=hours.start_s[::size].copy(),
        mean=mean,
        count=count,
        received=received,
        valid=count >= minimum,
        flag=propagate(hours.flag.reshape(shape), rules),
        complete=np.ones(n // size, dtype=np.bool_),
    )


def daily(
    hours: Periods,
    rules: ValidityRules,
    *,
    values: F64 | None = None,
    valid: Bool | None = None,
) -> Periods:
    """Daily means of valid hourly means (formula 25), valid with ≥ ``min_valid_hours_per_day``.

    ``values``/``valid`` replace the hourly means and validity (e.g. corrected
    hourly means, or hours left after excluding marked ones).  The hour axis must
    start at a CST midnight and hold whole days.
    """
    values = hours.mean if values is None else values
    valid = hours.valid if valid is None else valid
    return _regroup(hours, values, valid, 24, rules.min_valid_hours_per_day, rules)


def month_bounds(start_s: int, days: int) -> list[tuple[int, int, date]]:
    """``(first_day_index, end_day_index, month)`` of the CST months the days touch."""
    first = cst_date(start_s)
    bounds: list[tuple[int, int, date]] = []
    index = 0
    month = date(first.year, first.month, 1)
    while index < days:
        nxt = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        end = min(days, (cst_midnight_s(nxt) - start_s) // DAY_S)
        bounds.append((index, int(end), month))
        index, month = int(end), nxt
    return bounds


def monthly(
    days: Periods, rules: ValidityRules, *, values: F64 | None = None, valid: Bool | None = None
) -> Periods:
    """Monthly means of valid daily means, valid with ≥25 valid days (February ≥23).

    A month only partly inside the data is ``complete=False``; it is valid only if
    the days present already reach the minimum.
    """
    values = days.mean if values is None else values
    valid = days.valid if valid is None else valid
    bounds = month_bounds(int(days.start_s[0]), values.shape[1])
    means, counts, received, flags, complete, minima = [], [], [], [], [], []
    for lo, hi, month in bounds:  # one step per calendar month, never per record
        mean, count = mean_of_valid(values[:, lo:hi], valid[:, lo:hi])
        means.append(mean)
        counts.append(count)
        received.append((days.flag[:, lo:hi] != 0).sum(axis=-1, dtype=np.int32))
        flags.append(propagate(days.flag[:, lo:hi], rules))
        first_day = cst_date(int(days.start_s[lo]))
        next_month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        complete.append(first_day == month and hi - lo == (next_month - month).days)
        minima.append(rules.min_valid_days_february if month.month == 2 else rules.min_valid_days_per_month)
    count_arr = np.stack(counts, axis=1)
    return Periods(
        start_s=np.asarray([cst_midnight_s(m) for _, _, m in bounds], dtype=np.int64),
        mean=np.stack(means, axis=1),
        count=count_arr,
        received=np.stack(received, axis=1),
        valid=count_arr >= np.asarray(minima, dtype=np.int32),
        flag=np.stack(flags, axis=1),
        complete=np.asarray(complete, dtype=np.bool_),
    )
