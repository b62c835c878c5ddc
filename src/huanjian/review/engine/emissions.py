"""Emission rates and amounts (HJ 212-2017 App. D formulas 32-34) and permitted amounts.

* rate ``G_h = C_h × Q_snh × 10⁻⁶`` kg/h from the *uncorrected* dry standard hourly
  concentration and the dry standard hourly flow (formula 33);
* hourly amount = rate × 1 h; daily, monthly and yearly amounts are sums of the
  hourly amounts of valid hours (formula 34 — printed with a stray 10⁻⁶);
* amounts from substituted hours (HJ 75 missing-data rule) are summed apart and
  never mixed into the measured amounts;
* totals are compared with the permitted annual amount (t/a in permits).

Missing-data substitution (HJ 75-2017 via DOMAIN §4, [unconfirmed], rules in
``substitution.toml``) lives here too: a gap of at most 24 invalid hours → the
mean of the valid hour just before and just after; a longer gap → the maximum of
the previous 720 valid hours (all of them if fewer exist).  Substituted values are
returned apart from the measured ones, never count as valid, and carry their
method.  A short gap still open at the end of the data waits for the next valid
hour; a gap with no valid hour before it cannot be substituted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike

from huanjian.review.engine._arrays import DAY_S, F64, I8, I64, Bool, safe_divide
from huanjian.review.engine.convert import constants
from huanjian.review.engine.validity import month_bounds
from huanjian.review.rules.typed import SubstitutionRules

__all__ = [
    "LONG_GAP",
    "NOT_SUBSTITUTED",
    "SHORT_GAP",
    "UNAVAILABLE",
    "Amounts",
    "PermitComparison",
    "Substitution",
    "compare_with_permit",
    "emission_amounts",
    "emission_rate_kg_h",
    "group_sum",
    "substitute_hours",
]


def emission_rate_kg_h(c_mg_m3: ArrayLike, q_dry_std_m3_h: ArrayLike) -> F64:
    """Formula 33: ``G = C × Q_sn × 10⁻⁶`` (mg/m³ × m³/h → kg/h)."""
    factor = constants().emission_rate_factor
    return np.asarray(c_mg_m3, dtype=np.float64) * np.asarray(q_dry_std_m3_h, dtype=np.float64) * factor


@dataclass(frozen=True, slots=True)
class Amounts:
    """Emission amounts in kg per series; ``*_substituted`` from substituted hours only."""

    hourly: F64  # (S, H) kg, 0 where the hour is not valid
    daily: F64  # (S, D)
    day_start_s: I64  # (D,)
    monthly: F64  # (S, M)
    month_start_s: I64  # (M,)
    yearly: F64  # (S, Y)
    years: tuple[int, ...]
    total: F64  # (S,)
    hourly_substituted: F64
    daily_substituted: F64
    total_substituted: F64


def _sums(hourly: F64, start_s: int) -> tuple[F64, F64, F64, list[int], list[int]]:
    n_series, hours = hourly.shape
    days = hourly.reshape(n_series, hours // 24, 24).sum(axis=-1)
    bounds = month_bounds(start_s, days.shape[1])
    months = np.stack([days[:, lo:hi].sum(axis=-1) for lo, hi, _ in bounds], axis=1)
    month_years = [m.year for _, _, m in bounds]
    years = sorted(set(month_years))
    yearly = np.stack([months[:, [y == year for y in month_years]].sum(axis=-1) for year in years], axis=1)
    month_starts = [start_s + lo * DAY_S for lo, _, _ in bounds]
    return days, months, yearly, years, month_starts


def emission_amounts(
    rate_kg_h: F64,
    valid: Bool,
    hour_start_s: I64,
    *,
    substituted_rate_kg_h: F64 | None = None,
) -> Amounts:
    """Hourly, daily, monthly, yearly and total amounts from hourly rates (S, H).

    ``valid`` is the validity of the hour for the rate (concentration and flow both
    valid).  ``substituted_rate_kg_h`` (NaN where not substituted) is summed apart.
    The hour axis starts at a CST midnight and holds whole days.
    """
    start = int(hour_start_s[0])
    hourly = np.where(valid & np.isfinite(rate_kg_h), rate_kg_h, 0.0)
    days, months, yearly, years, month_starts = _sums(hourly, start)
    if substituted_rate_kg_h is None:
        sub_hourly = np.zeros_like(hourly)
    else:
        sub_hourly = np.where(~valid & np.isfinite(substituted_rate_kg_h), substituted_rate_kg_h, 0.0)
    n_series, hours = sub_hourly.shape
    sub_days = sub_hourly.reshape(n_series, hours // 24, 24).sum(axis=-1)
    return Amounts(
        hourly=hourly,
        daily=days,
        day_start_s=hour_start_s[::24].copy(),
        monthly=months,
        month_start_s=np.asarray(month_starts, dtype=np.int64),
        yearly=yearly,
        years=tuple(years),
        total=hourly.sum(axis=-1),
        hourly_substituted=sub_hourly,
        daily_substituted=sub_days,
        total_substituted=sub_hourly.sum(axis=-1),
    )


def group_sum(values: F64, group: np.ndarray, n_groups: int) -> F64:
    """Sum rows of ``values`` (series, …) into groups (e.g. outlets → enterprise)."""
    out = np.zeros((n_groups, *values.shape[1:]), dtype=np.float64)
    np.add.at(out, np.asarray(group, dtype=np.int64), values)
    return out


@dataclass(frozen=True, slots=True)
class PermitComparison:
    amount_t: F64  # measured amount, t
    substituted_t: F64  # amount from substituted hours, t
    permitted_t: F64  # NaN: no permitted amount
    share: F64  # (measured + substituted) / permitted
    exceeded: Bool


def compare_with_permit(
    amount_kg: F64, permitted_t_a: ArrayLike, substituted_kg: F64 | None = None
) -> PermitComparison:
    """Year (or year-to-date) amounts against the permitted annual amounts (t/a)."""
    measured = np.asarray(amount_kg, dtype=np.float64) / 1000.0
    substituted = np.zeros_like(measured) if substituted_kg is None else substituted_kg / 1000.0
    permitted = np.asarray(permitted_t_a, dtype=np.float64) * np.ones_like(measured)
    total = measured + substituted
    share = safe_divide(total, np.where(np.isnan(permitted), 0.0, permitted))
    return PermitComparison(
        amount_t=measured,
        substituted_t=substituted,
        permitted_t=permitted,
        share=share,
        exceeded=~np.isnan(permitted) & (total > permitted),
    )


NOT_SUBSTITUTED, SHORT_GAP, LONG_GAP, UNAVAILABLE = 0, 1, 2, 3


@dataclass(frozen=True, slots=True)
class Substitution:
    values: F64  # (S, H) substituted value, NaN where none
    method: I8  # (S, H) NOT_SUBSTITUTED (valid hour), SHORT_GAP, LONG_GAP, UNAVAILABLE


def _lookback_max(valid_values: F64, window: int) -> F64:
    """``out[k]`` = max of the ``window`` valid values ending at position k."""
    out = np.maximum.accumulate(valid_values) if valid_values.size else valid_values.copy()
    if valid_values.size > window:
        out[window - 1 :] = sliding_window_view(valid_values, window).max(axis=-1)
    return out


def _row(values: F64, valid: Bool, rules: SubstitutionRules) -> tuple[F64, I8]:
    n = values.size
    idx = np.arange(n)
    before = np.maximum.accumulate(np.where(valid, idx, -1))
    after = np.minimum.accumulate(np.where(valid, idx, n)[::-1])[::-1]
    gap = ~valid
    has_before, has_after = before >= 0, after < n
    closed_length = after - before - 1
    open_length = n - before - 1  # gap still open at the end: its length so far
    short = gap & has_before & has_after & (closed_length <= rules.max_short_gap_hours)
    length = np.where(has_after, closed_length, open_length)
    long = gap & has_before & (length > rules.max_short_gap_hours)
    out = np.full(n, np.nan)
    safe_before, safe_after = np.clip(before, 0, n - 1), np.clip(after, 0, n - 1)
    out[short] = (values[safe_before[short]] + values[safe_after[short]]) / 2.0
    if long.any():
        rank = np.cumsum(valid) - 1  # position of each valid hour among the valid ones
        peak = _lookback_max(values[valid], rules.long_gap_lookback_valid_hours)
        out[long] = peak[rank[safe_before[long]]]
    method = np.where(short, SHORT_GAP, np.where(long, LONG_GAP, np.where(gap, UNAVAILABLE, NOT_SUBSTITUTED)))
    return out, method.astype(np.int8)


def substitute_hours(values: F64, valid: Bool, rules: SubstitutionRules | None = None) -> Substitution:
    """Substitutes for the invalid hours of each series (rows of ``values``).

    One step per series (not per hour): the gaps of a row are found with cumulative
    index scans and the 720-hour maxima with a sliding window.
    """
    rules = rules or SubstitutionRules.load()
    values = np.atleast_2d(values)
    valid = np.atleast_2d(valid) & np.isfinite(values)
    out = np.full(values.shape, np.nan)
    method = np.zeros(values.shape, dtype=np.int8)
    for row in range(values.shape[0]):
        out[row], method[row] = _row(values[row], valid[row], rules)
    return Substitution(values=out, method=method)
