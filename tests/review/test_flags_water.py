"""Flag propagation (HJ 212-2017 App. C, notes to tables C.16-C.18) and water validity.

App. C: water — a period is abnormal if one underlying value is abnormal, otherwise
normal; flue gas — normal if 75 % or more (75%以上) of the underlying values are
normal, otherwise flagged as instrument fault (D, table 8).
App. D formula 16/17 (water): 1 ≤ m ≤ 6 valid 10-minute values in an hour,
1 ≤ h ≤ 24 valid hours in a day.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from huanjian.review.engine.grid import encode_flags, propagate
from huanjian.review.engine.validity import daily, hourly
from huanjian.review.engine.water import cycle_days, cycle_periods
from huanjian.review.rules.typed import select_validity

from .build import FLUE, WATER, WATER_CYCLE, cst, epoch, grid_of, minute_records

DAY = date(2025, 6, 10)


def _flags(*groups: tuple[str, int]) -> np.ndarray:
    return encode_flags([f for f, n in groups for _ in range(n)])[None, :]


@pytest.mark.parametrize(
    ("groups", "expected"),
    [
        ((("N", 45), ("D", 15)), "N"),  # 45/60 = 75 %: normal
        ((("N", 44), ("D", 16)), "D"),  # 73.3 %: instrument fault
        ((("N", 30), ("C", 10)), "N"),  # share of received values: 30/40 = 75 %
        ((("N", 29), ("C", 11)), "D"),
        ((("N", 40), ("S", 5), ("M", 15)), "N"),  # S counted as normal (rule propagation_normal_flags)
        ((("F", 60),), "D"),
    ],
)
def test_flue_gas_share_rule(groups: tuple[tuple[str, int], ...], expected: str) -> None:
    assert chr(propagate(_flags(*groups), FLUE)[0]) == expected


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ("NNNNNN", "N"),
        ("NNNNNM", "M"),  # one abnormal value makes the period abnormal
        ("NCMNNN", "C"),  # the first abnormal flag is carried
        ("DNNNNN", "D"),
        ("SNNNNN", "N"),
    ],
)
def test_water_any_abnormal_rule(flags: str, expected: str) -> None:
    assert chr(propagate(encode_flags(list(flags))[None, :], WATER)[0]) == expected


def test_period_without_records_has_no_flag() -> None:
    assert propagate(np.zeros((1, 60), dtype=np.uint8), FLUE)[0] == 0


def test_flue_gas_day_flag_from_hour_flags() -> None:
    # 18 normal hours + 6 fault hours (each hour fully D) = 75 % → day N; 17 + 7 → D.
    for normal_hours, expected in ((18, "N"), (17, "D")):
        records = []
        for hour in range(24):
            t, v, f = minute_records(DAY, hour, ["N" if hour < normal_hours else "D"] * 60)
            records.append((0, t, v, f))
        days = daily(hourly(grid_of(records, start_day=DAY), FLUE), FLUE)
        assert chr(days.flag[0, 0]) == expected


def _water_records(hour: int, flags: str) -> tuple[int, list[int], list[float], list[str]]:
    start = cst(DAY, hour)
    times = [epoch(start + timedelta(minutes=10 * i)) for i in range(len(flags))]
    return 0, times, [30.0] * len(flags), list(flags)


@pytest.mark.parametrize(("flags", "valid"), [("", False), ("N", True), ("MMMMMN", True), ("MMMMMM", False)])
def test_water_hour_needs_one_valid_10_minute_value(flags: str, valid: bool) -> None:
    grid = grid_of([_water_records(4, flags)] if flags else [], start_day=DAY, rules=WATER)
    assert grid.step_s == 600  # water minute data are 10-minute records (App. C table C.16)
    hours = hourly(grid, WATER)
    assert bool(hours.valid[0, 4]) is valid
    days = daily(hours, WATER)
    assert bool(days.valid[0, 0]) is valid  # one valid hour makes a water day (App. D, 1 ≤ h ≤ 24)


def test_water_hour_flag_is_abnormal_if_any_value_is() -> None:
    hours = hourly(grid_of([_water_records(2, "NNNMNN")], start_day=DAY, rules=WATER), WATER)
    assert chr(hours.flag[0, 2]) == "M"
    assert hours.valid[0, 2] and hours.count[0, 2] == 5


def _cycle(
    cycle_min: int, samples: list[tuple[int, int, str, float]]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(hour, minute, flag, value)`` sample times on DAY (CST)."""
    times = np.asarray([epoch(cst(DAY, h, m)) for h, m, _, _ in samples], dtype=np.int64)
    values = np.asarray([v for *_, v in samples], dtype=np.float64)
    return np.zeros(len(samples), dtype=np.int64), times, values, encode_flags([f for _, _, f, _ in samples])


def test_cycle_analyser_is_selected_and_not_judged_by_the_minute_rule() -> None:
    assert select_validity("water", 120).ruleset.id == "water_cycle"
    assert select_validity("water", None).ruleset.id == "water_continuous"
    assert select_validity("air").ruleset.id == "flue_gas"
    # A COD analyser with a 2-hour cycle: one measurement at hh:30 of every even hour.
    series, times, values, flags = _cycle(120, [(h, 30, "N", 40.0 + h) for h in range(0, 24, 2)])
    cycles = cycle_periods(
        series, times, values, flags, n_series=1, start_day=DAY, days=1, cycle_min=120, rules=WATER_CYCLE
    )
    assert cycles.valid.shape == (1, 12) and cycles.valid.all()
    days = cycle_days(cycles, WATER_CYCLE, 120)
    assert days.valid[0, 0] and days.count[0, 0] == 12
    assert days.mean[0, 0] == pytest.approx(40.0 + np.mean(range(0, 24, 2)))
    # The same single measurement per hour read as flue-gas minutes: 1 < 45, no valid hour.
    grid = grid_of([(0, times.tolist(), values.tolist(), ["N"] * 12)], start_day=DAY)
    assert not hourly(grid, FLUE).valid.any()


def test_cycle_validity_and_flags() -> None:
    samples = [
        (0, 30, "N", 10.0),
        (1, 10, "M", 99.0),  # cycle 0 has a valid and an abnormal measurement
        (2, 30, "C", 50.0),  # cycle 1: only a calibration value
        (4, 0, "N", 20.0),  # cycle 2 starts at 04:00 CST
        (5, 59, "N", 30.0),  # still cycle 2
    ]
    cycles = cycle_periods(
        *_cycle(120, samples), n_series=1, start_day=DAY, days=1, cycle_min=120, rules=WATER_CYCLE
    )
    assert cycles.valid[0, :4].tolist() == [True, False, True, False]
    assert cycles.mean[0, 0] == 10.0 and cycles.mean[0, 2] == 25.0
    assert [chr(c) if c else "" for c in cycles.flag[0, :4]] == ["M", "C", "N", ""]
    days = cycle_days(cycles, WATER_CYCLE, 120)
    assert chr(days.flag[0, 0]) == "M"  # water: one abnormal value makes the day abnormal
    assert days.count[0, 0] == 2 and days.mean[0, 0] == pytest.approx(17.5)


def test_cycle_must_divide_a_day() -> None:
    with pytest.raises(ValueError, match="divide"):
        cycle_periods(*_cycle(100, []), n_series=1, start_day=DAY, days=1, cycle_min=100, rules=WATER_CYCLE)
