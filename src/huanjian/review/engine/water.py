"""Water: cycle analysers and flow-weighted means (HJ 212-2017 App. D.1, HJ 353-356-2019).

Analysers of COD, NH3-N, TP, TN measure once per cycle (``device.analyser_cycle_min``,
often 60-120 min); their records sit at the measurement's SampleTime.  They get the
``water_cycle`` rule set: a cycle is valid with one valid measurement, a day with
``min_valid_hours_per_day`` valid cycles.  The flue-gas minute rule (45 valid
minutes) is never applied to them.

Flow-weighted means follow formulas 12-14 (``C = Σ C·D / Σ D``, D the water volume
of each period); the arithmetic method of formulas 15-17 is the fallback when no
flow was measured for the day.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from huanjian.review.engine._arrays import DAY_S, F64, I8, I32, U8, Bool, cst_midnight_s, safe_divide
from huanjian.review.engine.grid import flag_lut, valid_records
from huanjian.review.engine.validity import Periods, mean_of_valid
from huanjian.review.rules.typed import ValidityRules

__all__ = [
    "ARITHMETIC",
    "NO_MEAN",
    "WEIGHTED",
    "cycle_days",
    "cycle_periods",
    "cycle_volumes",
    "flow_weighted_means",
    "water_volume_m3",
]

NO_MEAN, WEIGHTED, ARITHMETIC = 0, 1, 2


def water_volume_m3(flow_l_s: F64, seconds: float) -> F64:
    """Formula 1: ``D = Q × T × 10⁻³`` (m³ from a mean flow in L/s over ``seconds``).

    Formulas 5-7 print ``Q = D/600`` etc. without the 10³ that L/s needs; huanjian
    keeps units consistent with formula 1.
    """
    return np.asarray(flow_l_s, dtype=np.float64) * seconds * 1e-3


def cycle_periods(
    series: np.ndarray,
    times_s: np.ndarray,
    values: F64,
    flags: U8,
    *,
    n_series: int,
    start_day: date,
    days: int,
    cycle_min: int,
    rules: ValidityRules,
) -> Periods:
    """Per-cycle aggregates of cycle-analyser measurements (long arrays, UTC seconds).

    Cycles are aligned to CST midnight; ``cycle_min`` must divide a day.  Several
    measurements in one cycle are averaged; flags propagate by the water rule (one
    abnormal measurement makes the cycle abnormal).
    """
    if rules.basis != "analyser_cycle":
        raise ValueError(f"rule set {rules.ruleset.id} is not for analyser cycles")
    cycle_s = cycle_min * 60
    if cycle_min <= 0 or DAY_S % cycle_s:
        raise ValueError(f"analyser cycle {cycle_min} min does not divide a day")
    start_s = cst_midnight_s(start_day)
    n_cycles = days * (DAY_S // cycle_s)
    index = (np.asarray(times_s, dtype=np.int64) - start_s) // cycle_s
    series = np.asarray(series, dtype=np.int64)
    inside = (index >= 0) & (index < n_cycles)
    flat = (series * n_cycles + index)[inside]
    vals, codes = values[inside], flags[inside]
    codes = np.where(codes == 0, np.uint8(ord(rules.missing_flag_as)), codes).astype(np.uint8)
    ok = valid_records(codes, vals, rules)
    size = n_series * n_cycles
    count = np.bincount(flat, weights=ok, minlength=size).astype(np.int32)
    total = np.bincount(flat, weights=np.where(ok, vals, 0.0), minlength=size).astype(np.float64)
    received = np.bincount(flat, minlength=size).astype(np.int32)
    normal = flag_lut(rules.propagation_normal_flags)[codes]
    flag = np.where(received > 0, np.uint8(ord("N")), np.uint8(0)).astype(np.uint8)
    abnormal_at = np.flatnonzero(~normal)
    if abnormal_at.size:
        order = abnormal_at[np.lexsort((np.asarray(times_s)[inside][abnormal_at], flat[abnormal_at]))]
        cells, first = np.unique(flat[order], return_index=True)
        fixed = rules.propagation_abnormal_flag
        flag[cells] = ord(fixed) if fixed else codes[order[first]]
    shape = (n_series, n_cycles)
    return Periods(
        start_s=start_s + cycle_s * np.arange(n_cycles, dtype=np.int64),
        mean=safe_divide(total, count).reshape(shape),
        count=count.reshape(shape),
        received=received.reshape(shape),
        valid=(count >= rules.min_valid_records_per_hour).reshape(shape),
        flag=flag.reshape(shape),
        complete=np.ones(n_cycles, dtype=np.bool_),
    )


def cycle_days(cycles: Periods, rules: ValidityRules, cycle_min: int) -> Periods:
    """Daily arithmetic means of valid cycles; valid with ≥ ``min_valid_hours_per_day`` cycles."""
    per_day = DAY_S // (cycle_min * 60)
    n_series, n = cycles.mean.shape
    shape = (n_series, n // per_day, per_day)
    mean, count = mean_of_valid(cycles.mean.reshape(shape), cycles.valid.reshape(shape))
    flags = cycles.flag.reshape(shape)
    received = (flags != 0).sum(axis=-1, dtype=np.int32)
    normal = flag_lut(rules.propagation_normal_flags)[flags] | (flags == 0)
    abnormal = ~normal.all(axis=-1)
    first = np.take_along_axis(flags, np.argmax(~normal, axis=-1)[..., None], axis=-1)[..., 0]
    fixed = rules.propagation_abnormal_flag
    day_flag = np.where(received > 0, np.uint8(ord("N")), np.uint8(0)).astype(np.uint8)
    day_flag[abnormal] = ord(fixed) if fixed else first[abnormal]
    return Periods(
        start_s=cycles.start_s[::per_day].copy(),
        mean=mean,
        count=count,
        received=received,
        valid=count >= rules.min_valid_hours_per_day,
        flag=day_flag,
        complete=np.ones(n // per_day, dtype=np.bool_),
    )


def cycle_volumes(hourly_volume_m3: F64, cycle_min: int) -> F64:
    """Water volume of each analyser cycle from hourly volumes (sum or even split)."""
    n_series, hours = hourly_volume_m3.shape
    if cycle_min % 60 == 0:
        k = cycle_min // 60
        if hours % k:
            raise ValueError("hours do not split into whole cycles")
        out: F64 = hourly_volume_m3.reshape(n_series, hours // k, k).sum(axis=-1)
        return out
    if 60 % cycle_min == 0:
        k = 60 // cycle_min
        return np.repeat(hourly_volume_m3 / k, k, axis=1)
    raise ValueError(f"analyser cycle {cycle_min} min is neither a multiple nor a divisor of an hour")


def flow_weighted_means(
    conc: F64, conc_valid: Bool, volume_m3: F64, periods_per_group: int, min_valid: int
) -> tuple[F64, I32, Bool, I8]:
    """Flow-weighted group means (formula 14), arithmetic fallback (formula 17).

    ``conc`` and ``volume_m3`` are (series, periods); groups are consecutive runs of
    ``periods_per_group`` periods (24 hours, or the cycles of a day).  A group is
    weighted over its periods with a valid concentration and a measured volume;
    when their total volume is not positive (no flow measured, or no discharge),
    it falls back to the arithmetic mean of its valid concentrations.

    Returns ``(mean, valid_count, valid, method)`` with method ``WEIGHTED``,
    ``ARITHMETIC`` or ``NO_MEAN`` per group.
    """
    n_series, n = conc.shape
    shape = (n_series, n // periods_per_group, periods_per_group)
    c = conc.reshape(shape)
    ok = conc_valid.reshape(shape)
    vol = volume_m3.reshape(shape)
    weighable = ok & np.isfinite(vol) & (vol >= 0.0)
    weight_sum = np.where(weighable, vol, 0.0).sum(axis=-1)
    weighted = safe_divide(
        np.where(weighable, c * np.where(weighable, vol, 0.0), 0.0).sum(axis=-1), weight_sum
    )
    plain, count = mean_of_valid(c, ok)
    use_weighted = weight_sum > 0.0
    mean: F64 = np.where(use_weighted, weighted, plain)
    method: I8 = np.where(use_weighted, WEIGHTED, np.where(count > 0, ARITHMETIC, NO_MEAN)).astype(np.int8)
    return mean, count, count >= min_valid, method
