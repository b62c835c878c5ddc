"""Validity thresholds at their boundaries, written from the rules (not from the code).

Sources: HJ 212-2017 App. D formula 24 (an hour needs k ≥ 45 valid minute means),
formula 25 (a day needs m ≥ 20 valid hourly means; the daily mean is the mean of
the valid hourly means), HJ 76-2017 App. B via DOMAIN §4 (a month needs ≥ 25 valid
days, February ≥ 23), HJ 212-2017 §6.6.4 table 8 and DOMAIN §3 (N and S valid;
F M D C T B, and 2005's P, invalid).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from huanjian.review.engine.grid import build_grid, encode_flags
from huanjian.review.engine.validity import daily, hourly, monthly

from .build import FLUE, cst, epoch, full_day_grid, grid_of, minute_records

DAY = date(2025, 3, 1)


@pytest.mark.parametrize(
    ("valid_minutes", "invalid_flag", "hour_valid"),
    [
        (44, None, False),  # 44 minutes received, all N: one short of k ≥ 45
        (45, None, True),  # exactly 45: valid
        (60, None, True),
        (0, None, False),
        (44, "D", False),  # 44 N + 16 D: received 60, valid 44
        (45, "D", True),  # 45 N + 15 D
        (45, "C", True),
        (44, "C", False),
    ],
)
def test_hour_needs_45_valid_minutes(valid_minutes: int, invalid_flag: str | None, hour_valid: bool) -> None:
    flags = ["N"] * valid_minutes + ([invalid_flag] * (60 - valid_minutes) if invalid_flag else [])
    t, v, f = minute_records(DAY, 10, flags)
    hours = hourly(grid_of([(0, t, v, f)], start_day=DAY), FLUE)
    assert hours.count[0, 10] == valid_minutes
    assert bool(hours.valid[0, 10]) is hour_valid
    assert hours.received[0, 10] == len(flags)


@pytest.mark.parametrize(
    ("flag", "valid"),
    [("N", True), ("S", True), *[(flag, False) for flag in "FMDCTBPX"]],
)
def test_only_n_and_s_minutes_are_valid(flag: str, valid: bool) -> None:
    t, v, f = minute_records(DAY, 3, [flag] * 60, 7.0)
    hours = hourly(grid_of([(0, t, v, f)], start_day=DAY), FLUE)
    assert hours.count[0, 3] == (60 if valid else 0)
    assert bool(hours.valid[0, 3]) is valid
    if valid:
        assert hours.mean[0, 3] == 7.0


def test_mixed_n_and_s_count_together() -> None:
    # 30 N + 15 S = 45 valid minutes → valid hour.
    t, v, f = minute_records(DAY, 0, ["N"] * 30 + ["S"] * 15 + ["M"] * 15)
    assert hourly(grid_of([(0, t, v, f)], start_day=DAY), FLUE).valid[0, 0]


def test_flag_without_value_is_not_valid_and_missing_flag_reads_as_n() -> None:
    t, v, f = minute_records(DAY, 5, ["N"] * 45)
    v[0] = float("nan")  # 44 valid values
    hours = hourly(grid_of([(0, t, v, f)], start_day=DAY), FLUE)
    assert hours.count[0, 5] == 44 and not hours.valid[0, 5]
    codes = encode_flags([None, "n", "N"])
    assert codes.tolist() == [ord("N")] * 3  # rule missing_flag_as = N; lower case read as upper


def test_hour_mean_is_mean_of_valid_minutes_only() -> None:
    # 45 N at 10.0 and 15 D at 1000.0: the hour mean is 10.0.
    t, v, f = minute_records(DAY, 8, ["N"] * 45 + ["D"] * 15, [10.0] * 45 + [1000.0] * 15)
    hours = hourly(grid_of([(0, t, v, f)], start_day=DAY), FLUE)
    assert hours.mean[0, 8] == 10.0


@pytest.mark.parametrize(("valid_hours", "day_valid"), [(19, False), (20, True), (24, True), (0, False)])
def test_day_needs_20_valid_hours(valid_hours: int, day_valid: bool) -> None:
    # valid hours have 60 N minutes; the others 44 (invalid hours, which must not count).
    grid = full_day_grid(DAY, [60] * valid_hours + [44] * (24 - valid_hours))
    days = daily(hourly(grid, FLUE), FLUE)
    assert days.count[0, 0] == valid_hours
    assert bool(days.valid[0, 0]) is day_valid


def test_daily_mean_is_mean_of_valid_hourly_means_formula_25() -> None:
    # Hours 0-9: 45 valid minutes at 10; hours 10-19: 60 valid minutes at 20;
    # hours 20-23: 44 minutes at 1000 (invalid hours, excluded).
    # Formula 25: (10 × 10 + 10 × 20) / 20 = 15.0.  The mean of all valid minutes
    # would be (450·10 + 600·20)/1050 = 15.714… — not the daily mean.
    records = []
    for hour in range(24):
        n, value = (45, 10.0) if hour < 10 else (60, 20.0) if hour < 20 else (44, 1000.0)
        t, v, f = minute_records(DAY, hour, ["N"] * n, value)
        records.append((0, t, v, f))
    days = daily(hourly(grid_of(records, start_day=DAY), FLUE), FLUE)
    assert days.mean[0, 0] == pytest.approx(15.0)
    assert days.count[0, 0] == 20 and days.valid[0, 0]


def _month_of(first: date, n_days: int, valid_days: int) -> tuple[bool, int]:
    """A month of hourly periods where the first ``valid_days`` days are fully valid."""
    hours = n_days * 24
    per_hour = np.zeros((1, hours, 60), dtype=np.uint8)
    per_hour[0, : valid_days * 24, :] = ord("N")
    values = np.where(per_hour > 0, 5.0, np.nan).reshape(1, -1)
    series = np.zeros(np.count_nonzero(per_hour), dtype=np.int64)
    start = epoch(cst(first))
    times = start + 60 * np.flatnonzero(per_hour.reshape(-1))
    grid, _ = build_grid(
        series,
        times.astype(np.int64),
        values.reshape(-1)[np.isfinite(values.reshape(-1))],
        per_hour.reshape(-1)[per_hour.reshape(-1) > 0],
        n_series=1,
        start_day=first,
        days=n_days,
        step_s=60,
    )
    months = monthly(daily(hourly(grid, FLUE), FLUE), FLUE)
    assert months.complete.tolist() == [True]
    return bool(months.valid[0, 0]), int(months.count[0, 0])


@pytest.mark.parametrize(
    ("first", "n_days", "valid_days", "month_valid"),
    [
        (date(2025, 1, 1), 31, 24, False),  # ≥ 25 valid days
        (date(2025, 1, 1), 31, 25, True),
        (date(2025, 4, 1), 30, 24, False),
        (date(2025, 4, 1), 30, 25, True),
        (date(2025, 2, 1), 28, 22, False),  # February ≥ 23
        (date(2025, 2, 1), 28, 23, True),
        (date(2024, 2, 1), 29, 22, False),  # leap-year February: still 23
        (date(2024, 2, 1), 29, 23, True),
    ],
)
def test_month_needs_25_days_february_23(
    first: date, n_days: int, valid_days: int, month_valid: bool
) -> None:
    valid, count = _month_of(first, n_days, valid_days)
    assert count == valid_days
    assert valid is month_valid


def test_partial_month_is_marked_incomplete() -> None:
    grid = full_day_grid(date(2025, 1, 30), [60] * 24, days=3)  # Jan 30, 31, Feb 1
    months = monthly(daily(hourly(grid, FLUE), FLUE), FLUE)
    assert months.complete.tolist() == [False, False]
    assert months.count[0].tolist() == [1, 0]


@pytest.mark.parametrize(
    ("utc_text", "day_index", "hour_index"),
    [
        ("2025-03-01T15:59:59+00:00", 0, 23),  # 23:59:59 CST on 1 March
        ("2025-03-01T16:00:00+00:00", 1, 0),  # 00:00:00 CST on 2 March
        ("2025-02-28T16:00:00+00:00", 0, 0),  # 00:00 CST on 1 March, first slot
        ("2025-02-28T15:59:00+00:00", None, None),  # 23:59 CST on 28 Feb: before the grid
    ],
)
def test_cst_day_boundaries(utc_text: str, day_index: int | None, hour_index: int | None) -> None:
    from datetime import datetime

    t = epoch(datetime.fromisoformat(utc_text))
    grid, report = build_grid(
        np.zeros(1, dtype=np.int64),
        np.asarray([t], dtype=np.int64),
        np.asarray([1.0]),
        encode_flags(["N"]),
        n_series=1,
        start_day=DAY,
        days=2,
        step_s=60,
    )
    hours = hourly(grid, FLUE)
    if day_index is None:
        assert report.outside == 1 and hours.received.sum() == 0
        return
    assert report.placed == 1
    assert hours.received[0, day_index * 24 + hour_index] == 1
    assert hours.received.sum() == 1
    assert report.off_step == (1 if utc_text.endswith("59:59+00:00") else 0)


def test_hour_starts_are_cst_aligned() -> None:
    grid = full_day_grid(DAY, [60] * 24)
    # 00:00 CST 1 March = 16:00Z 28 February.
    assert grid.hour_starts()[0] == epoch(cst(DAY))
    assert grid.day_starts()[0] == epoch(cst(DAY)) == epoch(cst(DAY - timedelta(days=1), 24))


def test_grid_report_counts_duplicates_last_wins() -> None:
    t = epoch(cst(DAY, 1))
    grid, report = build_grid(
        np.zeros(2, dtype=np.int64),
        np.asarray([t, t], dtype=np.int64),
        np.asarray([1.0, 2.0]),
        encode_flags(["N", "N"]),
        n_series=1,
        start_day=DAY,
        days=1,
        step_s=60,
    )
    assert report.duplicates == 1
    assert grid.values[0, 60] == 2.0
