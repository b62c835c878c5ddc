"""Helpers that build engine inputs the way the store will hand them over: long arrays, UTC."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import numpy as np

from huanjian.review.engine.grid import Grid, build_grid, encode_flags
from huanjian.review.rules.typed import ValidityRules

FLUE = ValidityRules.load("flue_gas")
WATER = ValidityRules.load("water_continuous")
WATER_CYCLE = ValidityRules.load("water_cycle")


def cst(day: date, hour: int = 0, minute: int = 0) -> datetime:
    """A China Standard Time wall-clock instant, as an aware UTC datetime."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=hour - 8, minutes=minute)


def epoch(t: datetime) -> int:
    return int(t.timestamp())


def minute_records(
    day: date, hour: int, flags: Sequence[str], values: Sequence[float] | float = 10.0, first_minute: int = 0
) -> tuple[list[int], list[float], list[str]]:
    """One record per minute from ``first_minute`` of a CST hour, with the given flags."""
    start = cst(day, hour, first_minute)
    vals = [values] * len(flags) if isinstance(values, int | float) else list(values)
    times = [epoch(start + timedelta(minutes=i)) for i in range(len(flags))]
    return times, [float(v) for v in vals], list(flags)


def grid_of(
    records: Sequence[tuple[int, Sequence[int], Sequence[float], Sequence[str]]],
    *,
    start_day: date,
    days: int = 1,
    n_series: int = 1,
    rules: ValidityRules = FLUE,
) -> Grid:
    """Grid from ``(series, times, values, flags)`` groups."""
    series = np.concatenate([np.full(len(t), s, dtype=np.int64) for s, t, _, _ in records] or [np.zeros(0)])
    times = np.concatenate([np.asarray(t, dtype=np.int64) for _, t, _, _ in records] or [np.zeros(0)])
    values = np.concatenate([np.asarray(v, dtype=np.float64) for _, _, v, _ in records] or [np.zeros(0)])
    flags = encode_flags([f for _, _, _, fs in records for f in fs])
    grid, _ = build_grid(
        series.astype(np.int64),
        times.astype(np.int64),
        values,
        flags,
        n_series=n_series,
        start_day=start_day,
        days=days,
        step_s=rules.record_step_seconds,
        missing_flag_as=rules.missing_flag_as,
    )
    return grid


def full_day_grid(day: date, hour_minutes: Sequence[int], value: float = 10.0, days: int = 1) -> Grid:
    """One series; hour h of ``day`` gets ``hour_minutes[h]`` minutes flagged N (the rest none)."""
    records = []
    for hour, n in enumerate(hour_minutes):
        t, v, f = minute_records(day, hour, ["N"] * n, value)
        records.append((0, t, v, f))
    return grid_of(records, start_day=day, days=days)
