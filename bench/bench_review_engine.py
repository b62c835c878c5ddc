"""Benchmark (not a test): the review engine over minute data, engine part only (no store).

Two cases of issue 5's performance section, flue gas, 9 parameters per outlet
(SO2, NOx, particulate, O2, velocity, temperature, pressure, humidity, flow):

* one outlet-year of minute data (525,600 minutes × 9 ≈ 4.7 M values), target ≤ 5 s;
* 2,000 outlets × 1 day (1,440 minutes × 9 × 2,000 ≈ 26 M values), target ≤ 30 s
  end to end (this measures the engine part only).

Input is what the store will hand over: long arrays (series row, UTC epoch seconds,
value, flag byte), ~1 % of records missing, ~3 % with a non-N flag.  Timed: scatter
into CST-day grids, valid minutes/hours/days/months, App. C flags, O2-corrected
hourly and daily means, emission rates.  Figures: median of the repeats.

    .venv/bin/python bench/bench_review_engine.py [--repeat 5] [--outlets 2000]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from datetime import date

import numpy as np

from huanjian.review.engine._arrays import cst_midnight_s
from huanjian.review.engine.grid import build_grid
from huanjian.review.engine.pipeline import FLUE_GAS_PARAMETERS, FlueGasLayout, review_flue_gas
from huanjian.review.engine.validity import monthly
from huanjian.review.rules.typed import ValidityRules

RULES = ValidityRules.load("flue_gas")
P = len(FLUE_GAS_PARAMETERS)
BASE = np.array([30.0, 45.0, 5.0, 9.0, 12.0, 120.0, -0.5, 8.0, 60.0])


def records(n_outlets: int, start: date, days: int, seed: int = 7) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    minutes = days * 1440
    n_series = n_outlets * P
    keep = rng.random(n_series * minutes) > 0.01
    flat = np.flatnonzero(keep)
    series = (flat // minutes).astype(np.int32)
    times = cst_midnight_s(start) + 60 * (flat % minutes).astype(np.int64)
    values = BASE[series % P] * (1.0 + 0.1 * rng.standard_normal(flat.size))
    flags = np.full(flat.size, ord("N"), dtype=np.uint8)
    odd = rng.random(flat.size) < 0.03
    flags[odd] = np.frombuffer(b"FMDCTBS", dtype=np.uint8)[rng.integers(0, 7, int(odd.sum()))]
    return series, times, values, flags


def run(n_outlets: int, start: date, days: int, data: tuple[np.ndarray, ...], months: bool) -> float:
    series, times, values, flags = data
    began = time.perf_counter()
    grid, report = build_grid(
        series, times, values, flags, n_series=n_outlets * P, start_day=start, days=days, step_s=60
    )
    ref = np.tile(np.array([6.0, 6.0, 6.0]), (n_outlets, 1))
    review = review_flue_gas(grid, FlueGasLayout(), ref, None, RULES)
    if months:
        monthly(review.days, RULES)
    elapsed = time.perf_counter() - began
    assert report.placed == series.size and review.corrected_day_valid.any()
    return elapsed


def case(
    label: str, n_outlets: int, start: date, days: int, repeat: int, target: float, months: bool
) -> None:
    data = records(n_outlets, start, days)
    n_values = data[0].size
    timings = [run(n_outlets, start, days, data, months) for _ in range(repeat)]
    median = statistics.median(timings)
    verdict = "met" if median <= target else "NOT met"
    print(
        f"{label}: {n_values:,} values; median {median:.2f} s of {repeat} "
        f"(min {min(timings):.2f}, max {max(timings):.2f}); {n_values / median / 1e6:.1f} M values/s; "
        f"target ≤ {target:.0f} s {verdict}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--outlets", type=int, default=2000)
    args = parser.parse_args()
    case("outlet-year (2025, 9 params)", 1, date(2025, 1, 1), 365, args.repeat, 5.0, months=True)
    case(
        f"{args.outlets} outlets × 1 day (9 params)",
        args.outlets,
        date(2025, 3, 1),
        1,
        args.repeat,
        30.0,
        False,
    )
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the process (inputs included): {peak_mib:,.0f} MiB", flush=True)


if __name__ == "__main__":
    main()
