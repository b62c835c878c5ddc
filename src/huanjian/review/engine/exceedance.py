"""Exceedance events from valid corrected means, with enterprise marks excluded.

A limit has an upper value, a lower value (pH 6-9) or both, and an averaging
period (hour or day).  A period exceeds when it is valid, not excluded by a mark
and its mean lies above the upper value (below the lower).  Consecutive exceeding
periods on the same side form an event: start, end, peak, mean, limit, margin.

Marks (2022 marking rule) are intervals ``[start, end)`` per series with
``affects_exceedance``; an hour overlapped by any part of such a mark is excluded
(rule ``mark_hour_overlap = any``), and every exclusion is reported with the mark
that caused it.  A day limit is judged on the mean of the valid, unmarked hours,
which must still reach the day's minimum of valid hours.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from huanjian.review.engine._arrays import F64, I32, I64, Bool
from huanjian.review.engine.validity import mean_of_valid
from huanjian.review.rules.typed import ExceedanceRules, ValidityRules

__all__ = ["Events", "Exclusions", "Marks", "day_means_for_exceedance", "exceedance_events", "marked_periods"]


@dataclass(frozen=True, slots=True)
class Marks:
    """Enterprise marks as arrays (K,): series row, UTC interval [start, end), effect."""

    series: I64
    start_s: I64
    end_s: I64
    affects_exceedance: Bool
    code: tuple[str, ...] = ()

    @classmethod
    def empty(cls) -> Marks:
        z = np.zeros(0, dtype=np.int64)
        return cls(z, z, z, np.zeros(0, dtype=np.bool_))


@dataclass(frozen=True, slots=True)
class Exclusions:
    """Periods excluded by a mark: one row per (mark, period)."""

    mark: I64
    series: I64
    period: I64  # column index
    start_s: I64


def marked_periods(
    marks: Marks, n_series: int, period_start_s: I64, period_s: int
) -> tuple[Bool, Exclusions]:
    """Periods overlapped by a mark that affects exceedance, and the report of them."""
    t0 = int(period_start_s[0])
    n = period_start_s.size
    use = np.flatnonzero(marks.affects_exceedance & (marks.end_s > marks.start_s))
    first = np.clip((marks.start_s[use] - t0) // period_s, 0, n)
    last = np.clip(-((t0 - marks.end_s[use]) // period_s), 0, n)  # ceil: a partly covered period counts
    lengths = np.maximum(last - first, 0)
    mark_idx = np.repeat(use, lengths)
    offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    period = np.repeat(first, lengths) + offsets
    series = marks.series[mark_idx]
    mask = np.zeros((n_series, n), dtype=np.bool_)
    mask[series, period] = True
    report = Exclusions(mark=mark_idx, series=series, period=period, start_s=period_start_s[period])
    return mask, report


def day_means_for_exceedance(
    hour_values: F64, hour_valid: Bool, hour_marked: Bool, validity: ValidityRules
) -> tuple[F64, I32, Bool, Bool]:
    """Daily means of the valid unmarked hours: ``(mean, count, valid, excluded)``.

    ``excluded`` marks days that are valid on all their hours but fall below the
    minimum once the marked hours are removed.
    """
    n_series, hours = hour_values.shape
    shape = (n_series, hours // 24, 24)
    keep = hour_valid & ~hour_marked
    mean, count = mean_of_valid(hour_values.reshape(shape), keep.reshape(shape))
    valid = count >= validity.min_valid_hours_per_day
    full = hour_valid.reshape(shape).sum(axis=-1) >= validity.min_valid_hours_per_day
    return mean, count, valid, full & ~valid


@dataclass(frozen=True, slots=True)
class Events:
    """Exceedance events, one per element (E,)."""

    series: I64
    first: I64  # first period index
    start_s: I64
    end_s: I64  # end of the last period
    periods: I64
    peak: F64
    mean: F64
    limit: F64
    margin: F64  # how far the peak is beyond the limit (positive)
    above: Bool  # True above the upper limit, False below the lower one
    judged: I64  # (S,) periods judged (valid and not excluded)
    exceeding: I64  # (S,) periods exceeding


def _runs(mask: Bool) -> tuple[I64, I64]:
    """Start and end (exclusive) flat indices of True runs per row in a row-padded mask."""
    n_series, n = mask.shape
    padded = np.zeros((n_series, n + 1), dtype=np.int8)
    padded[:, :n] = mask
    edges = np.diff(np.concatenate([[0], padded.reshape(-1)]))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def exceedance_events(
    values: F64,
    valid: Bool,
    excluded: Bool,
    period_start_s: I64,
    period_s: int,
    upper: F64,
    lower: F64,
    rules: ExceedanceRules,
) -> Events:
    """Events from (S, T) means; ``upper``/``lower`` are (S,) limits, NaN where none."""
    n_series, n = values.shape
    judged = valid & ~excluded & np.isfinite(values)
    up, lo = upper[:, None], lower[:, None]
    with np.errstate(invalid="ignore"):
        above = judged & ((values >= up) if rules.inclusive else (values > up))
        below = judged & ((values <= lo) if rules.inclusive else (values < lo))
    padded = np.full((n_series, n + 1), np.nan)
    padded[:, :n] = values
    flat = padded.reshape(-1)
    parts = []
    for mask, side_above in ((above, True), (below, False)):
        starts, ends = _runs(mask)
        if starts.size:
            pairs = np.stack([starts, ends], axis=1).reshape(-1)
            reduce = np.maximum if side_above else np.minimum
            peak = reduce.reduceat(flat, pairs)[::2]
            mean = np.add.reduceat(flat, pairs)[::2] / (ends - starts)
        else:
            peak = mean = np.zeros(0)
        parts.append((starts, ends, peak, mean, side_above))
    starts = np.concatenate([p[0] for p in parts])
    ends = np.concatenate([p[1] for p in parts])
    peak = np.concatenate([p[2] for p in parts])
    mean = np.concatenate([p[3] for p in parts])
    is_above = np.concatenate([np.full(p[0].size, p[4]) for p in parts])
    series, first = np.divmod(starts, n + 1)
    order = np.lexsort((first, series))
    series, first, starts, ends = series[order], first[order], starts[order], ends[order]
    peak, mean, is_above = peak[order], mean[order], is_above[order]
    limit = np.where(is_above, upper[series], lower[series])
    length = ends - starts
    return Events(
        series=series,
        first=first,
        start_s=period_start_s[first],
        end_s=period_start_s[first] + length * period_s,
        periods=length,
        peak=peak,
        mean=mean,
        limit=limit,
        margin=np.where(is_above, peak - limit, limit - peak),
        above=is_above,
        judged=judged.sum(axis=1).astype(np.int64),
        exceeding=(above | below).sum(axis=1).astype(np.int64),
    )
