"""One outlet over whole CST days: readings + layers in force + limits → figures and events.

Pure (no database): :mod:`huanjian.review.service` reads the store and the layers and
writes what this returns.  Every number comes from the engine
(:mod:`huanjian.review.engine`); this module only lays the outlet's data out for it.

* **air** (minute data, CN 2051): the ``flue_gas`` rule set on a 60 s grid; hourly
  means of valid minutes, daily means of valid hours (App. D 24-25); hourly means
  corrected to the limit's reference O2 (or excess-air coefficient) with the
  outlet's hourly O2 (formula 28/26); corrected daily means of the corrected hours.
* **water** (hourly data, CN 2061): each hourly value is a measurement of its hour
  (``water_cycle`` with a 60-minute cycle); the daily mean is flow-weighted over the
  hours with a measured flow (formula 14), else arithmetic (formula 17).

Layers act without touching the raw arrays: a mark whose category affects
validity, or a reviewer's exclusion, removes the records it covers (``invalid``
mask); a mark affecting exceedance removes the hours it overlaps from the
judgment (reported per hour); a reviewer's substitution fills the hours it covers
*beside* the measured values (HJ 75 value from the engine, or the reviewer's
value), never as valid data; a reviewer's flag annotates only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from huanjian.review.engine._arrays import DAY_S, F64, HOUR_S, I64, Bool, cst_midnight_s
from huanjian.review.engine.convert import correct
from huanjian.review.engine.emissions import LONG_GAP, SHORT_GAP, substitute_hours
from huanjian.review.engine.exceedance import (
    Marks,
    day_means_for_exceedance,
    exceedance_events,
    marked_periods,
)
from huanjian.review.engine.grid import build_grid, encode_flags
from huanjian.review.engine.indicators import Counts, hour_counts
from huanjian.review.engine.validity import Periods, daily, hourly, mean_of_valid
from huanjian.review.engine.water import cycle_days, cycle_periods, flow_weighted_means, water_volume_m3
from huanjian.review.rules.typed import ExceedanceRules, ValidityRules, select_validity

__all__ = ["LayerSpec", "LimitSpec", "OutletInput", "OutletReview", "PollutantReview", "review_outlet"]

O2 = "a19001"
WATER_FLOW = "w00000"


@dataclass(frozen=True, slots=True)
class LimitSpec:
    limit_id: int | None
    pollutant: str
    period: str  # hour | day
    upper: float | None
    lower: float | None
    reference_o2: float | None = None
    alpha_s: float | None = None


@dataclass(frozen=True, slots=True)
class LayerSpec:
    id: int
    kind: str  # mark | flag | exclude | substitute | suspect | level
    pollutant: str | None
    start_s: int
    end_s: int
    code: str
    value: float | None = None
    affects_validity: bool = False
    affects_exceedance: bool = False

    def covers(self, pollutant: str) -> bool:
        return self.pollutant is None or self.pollutant == pollutant


@dataclass(frozen=True, slots=True)
class OutletInput:
    medium: str  # air | water
    pollutants: tuple[str, ...]  # every parameter with readings or a device
    start_day: date
    days: int
    # long arrays of the readings: parameter index, UTC seconds, value, flag text
    series: I64
    times_s: I64
    values: F64
    flags: Sequence[str | None] | np.ndarray  # letters, or ASCII codes (uint8) from the bulk reader
    limits: tuple[LimitSpec, ...] = ()
    layers: tuple[LayerSpec, ...] = ()


@dataclass(slots=True)
class PollutantReview:
    pollutant: str
    hours: Periods  # one row
    raw_hourly: F64
    corrected_hourly: F64
    corrected_hour_valid: Bool
    substitute: F64
    substitute_method: list[str | None]
    marks: list[list[str]]
    flags_layer: list[list[str]]
    excluded: Bool
    hour_limit: LimitSpec | None
    hour_exceeding: Bool
    days: Periods
    raw_daily: F64
    corrected_daily: F64
    corrected_day_valid: Bool
    day_marks: list[list[str]]
    day_excluded: Bool
    day_limit: LimitSpec | None
    day_exceeding: Bool
    counts: Counts  # per CST day
    events: list[dict[str, object]] = field(default_factory=list)


@dataclass(slots=True)
class OutletReview:
    start_s: int
    days: int
    pollutants: dict[str, PollutantReview]
    online: Counts  # per CST day, any parameter received
    flag_codes: np.ndarray  # the input's flags as ASCII codes (one per reading), e.g. for C runs


def _interval_hours(start_s: int, end_s: int, t0: int, n: int) -> tuple[int, int]:
    """Hours (column indices) that an interval [start, end) overlaps."""
    first = max(0, (start_s - t0) // HOUR_S)
    last = min(n, -((t0 - end_s) // HOUR_S))
    return int(first), int(max(first, last))


def _limits(limits: Sequence[LimitSpec], pollutant: str, period: str) -> LimitSpec | None:
    found = [lim for lim in limits if lim.pollutant == pollutant and lim.period == period]
    return found[0] if found else None


def _nan(x: float | None) -> float:
    return np.nan if x is None else float(x)


def _per_day_counts(hours: Periods, judged: Bool, exceeding: Bool, days: int) -> Counts:
    """Counts per CST day of one series (engine ``hour_counts`` on a day × 24 layout)."""
    as_days = Periods(
        start_s=hours.start_s[:24],
        mean=hours.mean.reshape(days, 24),
        count=hours.count.reshape(days, 24),
        received=hours.received.reshape(days, 24),
        valid=hours.valid.reshape(days, 24),
        flag=hours.flag.reshape(days, 24),
        complete=np.ones(24, dtype=np.bool_),
    )
    return hour_counts(as_days, judged.reshape(days, 24).sum(axis=1), exceeding.reshape(days, 24).sum(axis=1))


def _row(p: Periods, i: int) -> Periods:
    return Periods(
        start_s=p.start_s,
        mean=p.mean[i : i + 1],
        count=p.count[i : i + 1],
        received=p.received[i : i + 1],
        valid=p.valid[i : i + 1],
        flag=p.flag[i : i + 1],
        complete=p.complete,
    )


def review_outlet(inp: OutletInput, exceedance_rules: ExceedanceRules | None = None) -> OutletReview:
    rules_x = exceedance_rules or ExceedanceRules.load()
    t0 = cst_midnight_s(inp.start_day)
    n_hours = inp.days * 24
    n_par = len(inp.pollutants)
    codes = encode_flags(inp.flags)
    in_range = (inp.times_s >= t0) & (inp.times_s < t0 + inp.days * DAY_S)
    validity_layers = [
        lay for lay in inp.layers if (lay.kind == "mark" and lay.affects_validity) or lay.kind == "exclude"
    ]
    # Raw hourly means: every received value, whatever its flag (the "raw" series).
    hour_idx = (inp.times_s - t0) // HOUR_S
    flat = (inp.series * n_hours + hour_idx)[in_range]
    vals = inp.values[in_range]
    finite = np.isfinite(vals)
    raw_sum = np.bincount(flat[finite], weights=vals[finite], minlength=n_par * n_hours)
    raw_n = np.bincount(flat[finite], minlength=n_par * n_hours)
    raw_hourly = (raw_sum / np.where(raw_n > 0, raw_n, 1)).reshape(n_par, n_hours)
    raw_hourly[raw_n.reshape(n_par, n_hours) == 0] = np.nan

    if inp.medium == "air":
        rules = select_validity("air")
        grid, _ = build_grid(
            inp.series, inp.times_s, inp.values, codes,
            n_series=n_par, start_day=inp.start_day, days=inp.days,
            step_s=rules.record_step_seconds, missing_flag_as=rules.missing_flag_as,
        )  # fmt: skip
        invalid = np.zeros(grid.values.shape, dtype=np.bool_)
        for lay in validity_layers:
            lo = max(0, (lay.start_s - t0) // grid.step_s)
            hi = min(grid.values.shape[1], -((t0 - lay.end_s) // grid.step_s))
            rows = [i for i, p in enumerate(inp.pollutants) if lay.covers(p)]
            if hi > lo and rows:
                invalid[rows, lo:hi] = True
        hours = hourly(grid, rules, invalid)
        days_p = daily(hours, rules)
    else:
        rules = ValidityRules.load("water_cycle")
        values = inp.values.copy()
        for lay in validity_layers:
            hit = (inp.times_s >= lay.start_s) & (inp.times_s < lay.end_s)
            covered = np.asarray([i for i, p in enumerate(inp.pollutants) if lay.covers(p)], dtype=np.int64)
            values[hit & np.isin(inp.series, covered)] = np.nan  # received, not valid
        hours = cycle_periods(
            inp.series, inp.times_s, values, codes,
            n_series=n_par, start_day=inp.start_day, days=inp.days, cycle_min=60, rules=rules,
        )  # fmt: skip
        days_p = cycle_days(hours, rules, 60)
        if WATER_FLOW in inp.pollutants:
            fi = inp.pollutants.index(WATER_FLOW)
            volume = water_volume_m3(np.where(hours.valid[fi], hours.mean[fi], np.nan), HOUR_S)
            volume = np.broadcast_to(volume, hours.mean.shape)
            mean, count, valid, _ = flow_weighted_means(
                hours.mean, hours.valid, volume, 24, rules.min_valid_hours_per_day
            )
            days_p = Periods(
                days_p.start_s, mean, count, days_p.received, valid, days_p.flag, days_p.complete
            )

    o2_row = inp.pollutants.index(O2) if O2 in inp.pollutants else None
    hour_starts = hours.start_s
    out: dict[str, PollutantReview] = {}
    subs_needed = any(lay.kind == "substitute" for lay in inp.layers)
    hj75 = substitute_hours(hours.mean, hours.valid) if subs_needed else None
    for i, pol in enumerate(inp.pollutants):
        h = _row(hours, i)
        d = _row(days_p, i)
        hour_limit = _limits(inp.limits, pol, "hour")
        day_limit = _limits(inp.limits, pol, "day")
        ref = next((lim for lim in (hour_limit, day_limit) if lim is not None), None)
        ref_o2 = _nan(ref.reference_o2) if ref else np.nan
        alpha = _nan(ref.alpha_s) if ref else np.nan
        needs_o2 = inp.medium == "air" and not (np.isnan(ref_o2) and np.isnan(alpha))
        if needs_o2 and o2_row is not None:
            corrected = correct(h.mean[0], hours.mean[o2_row], ref_o2, alpha)
            corrected_valid = h.valid[0] & hours.valid[o2_row] & np.isfinite(corrected)
        elif needs_o2:
            corrected = np.full(n_hours, np.nan)
            corrected_valid = np.zeros(n_hours, dtype=np.bool_)
        else:
            corrected, corrected_valid = h.mean[0].copy(), h.valid[0].copy()
        cd_days = daily(Periods(hour_starts, corrected[None], h.count, h.received, corrected_valid[None],
                                h.flag, h.complete), rules) if inp.medium == "air" else d  # fmt: skip
        corrected_daily = cd_days.mean[0] if inp.medium == "air" else d.mean[0]
        corrected_day_valid = cd_days.valid[0] if inp.medium == "air" else d.valid[0]
        # Marks per hour (all categories, for display) and exclusions from exceedance (engine).
        marks_h: list[list[str]] = [[] for _ in range(n_hours)]
        flags_h: list[list[str]] = [[] for _ in range(n_hours)]
        sub = np.full(n_hours, np.nan)
        sub_method: list[str | None] = [None] * n_hours
        mark_layers = [lay for lay in inp.layers if lay.kind == "mark" and lay.covers(pol)]
        for lay in inp.layers:
            if not lay.covers(pol):
                continue
            lo, hi = _interval_hours(lay.start_s, lay.end_s, t0, n_hours)
            for k in range(lo, hi):  # per layer and hour it covers: layers are few
                if lay.kind == "mark":
                    marks_h[k].append(lay.code)
                elif lay.kind in ("flag", "suspect"):
                    flags_h[k].append(lay.code if lay.kind == "flag" else "suspect")
                elif lay.kind == "exclude":
                    flags_h[k].append("excluded")
                elif lay.kind == "substitute" and not h.valid[0, k]:
                    if lay.value is not None:
                        sub[k], sub_method[k] = lay.value, "reviewer"
                    elif hj75 is not None and np.isfinite(hj75.values[i, k]):
                        sub[k] = hj75.values[i, k]
                        m = int(hj75.method[i, k])
                        sub_method[k] = (
                            "hj75_short_gap" if m == SHORT_GAP else "hj75_long_gap" if m == LONG_GAP else None
                        )
        marks = Marks(
            series=np.zeros(len(mark_layers), dtype=np.int64),
            start_s=np.asarray([lay.start_s for lay in mark_layers], dtype=np.int64),
            end_s=np.asarray([lay.end_s for lay in mark_layers], dtype=np.int64),
            affects_exceedance=np.asarray([lay.affects_exceedance for lay in mark_layers], dtype=np.bool_),
            code=tuple(lay.code for lay in mark_layers),
        )
        excluded, _ = marked_periods(marks, 1, hour_starts, HOUR_S)
        excluded_h = excluded[0]
        judge_values = corrected if inp.medium == "air" else h.mean[0]
        judge_valid = corrected_valid if inp.medium == "air" else h.valid[0]
        events: list[dict[str, object]] = []
        hour_exceeding = np.zeros(n_hours, dtype=np.bool_)
        if hour_limit is not None:
            ev = exceedance_events(
                judge_values[None], judge_valid[None], excluded_h[None], hour_starts, HOUR_S,
                np.asarray([_nan(hour_limit.upper)]), np.asarray([_nan(hour_limit.lower)]), rules_x,
            )  # fmt: skip
            events += _events(ev, hour_limit)
            with np.errstate(invalid="ignore"):
                up, low = _nan(hour_limit.upper), _nan(hour_limit.lower)
                over = (judge_values >= up) if rules_x.inclusive else (judge_values > up)
                under = (judge_values <= low) if rules_x.inclusive else (judge_values < low)
            hour_exceeding = judge_valid & ~excluded_h & (over | under)
        day_excluded = np.zeros(inp.days, dtype=np.bool_)
        day_exceeding = np.zeros(inp.days, dtype=np.bool_)
        day_values, day_valid = corrected_daily, corrected_day_valid
        if day_limit is not None:
            if rules_x.day_from_unmarked_hours:
                dm, _, dv, dx = day_means_for_exceedance(judge_values[None], judge_valid[None],
                                                         excluded_h[None], rules)  # fmt: skip
                day_values, day_valid, day_excluded = dm[0], dv[0], dx[0]
            day_starts = t0 + DAY_S * np.arange(inp.days, dtype=np.int64)
            ev = exceedance_events(
                day_values[None], day_valid[None], day_excluded[None], day_starts, DAY_S,
                np.asarray([_nan(day_limit.upper)]), np.asarray([_nan(day_limit.lower)]), rules_x,
            )  # fmt: skip
            events += _events(ev, day_limit)
            for first, periods in zip(ev.first.tolist(), ev.periods.tolist(), strict=True):
                day_exceeding[first : first + periods] = True
        day_marks = [
            sorted({c for k in range(j * 24, j * 24 + 24) for c in marks_h[k]}) for j in range(inp.days)
        ]
        # judged hours count towards the exceedance rate only where a limit applies
        judged = judge_valid & ~excluded_h & (hour_limit is not None or day_limit is not None)
        out[pol] = PollutantReview(
            pollutant=pol,
            hours=h,
            raw_hourly=raw_hourly[i],
            corrected_hourly=corrected,
            corrected_hour_valid=corrected_valid,
            substitute=sub,
            substitute_method=sub_method,
            marks=[sorted(set(m)) for m in marks_h],
            flags_layer=[sorted(set(f)) for f in flags_h],
            excluded=excluded_h,
            hour_limit=hour_limit,
            hour_exceeding=hour_exceeding,
            days=d,
            raw_daily=mean_of_valid(
                raw_hourly[i].reshape(inp.days, 24), np.isfinite(raw_hourly[i]).reshape(inp.days, 24)
            )[0],
            corrected_daily=corrected_daily,
            corrected_day_valid=corrected_day_valid,
            day_marks=day_marks,
            day_excluded=day_excluded,
            day_limit=day_limit,
            day_exceeding=day_exceeding,
            counts=_per_day_counts(h, judged, hour_exceeding, inp.days),
            events=events,
        )
    any_received: Bool = np.asarray((hours.received > 0).any(axis=0), dtype=np.bool_)
    online_periods = Periods(
        start_s=hour_starts,
        mean=np.zeros((1, n_hours)),
        count=any_received[None].astype(np.int32),
        received=any_received[None].astype(np.int32),
        valid=any_received[None],
        flag=np.zeros((1, n_hours), dtype=np.uint8),
        complete=np.ones(n_hours, dtype=np.bool_),
    )
    zeros = np.zeros(n_hours, dtype=np.bool_)
    online = _per_day_counts(online_periods, zeros, zeros, inp.days)
    return OutletReview(start_s=t0, days=inp.days, pollutants=out, online=online, flag_codes=codes)


def _events(ev: object, limit: LimitSpec) -> list[dict[str, object]]:
    from huanjian.review.engine.exceedance import Events

    assert isinstance(ev, Events)
    return [
        {
            "limit_id": limit.limit_id,
            "averaging_period": limit.period,
            "start_s": int(ev.start_s[k]),
            "end_s": int(ev.end_s[k]),
            "periods": int(ev.periods[k]),
            "peak": float(ev.peak[k]),
            "mean": float(ev.mean[k]),
            "limit": float(ev.limit[k]),
            "margin": float(ev.margin[k]),
            "above": bool(ev.above[k]),
        }
        for k in range(ev.series.size)
    ]
