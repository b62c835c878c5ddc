"""Emission rates and amounts (App. D formulas 32-34), permits, water means, substitution, pipeline."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from huanjian.review.engine.emissions import (
    LONG_GAP,
    NOT_SUBSTITUTED,
    SHORT_GAP,
    UNAVAILABLE,
    compare_with_permit,
    emission_amounts,
    emission_rate_kg_h,
    group_sum,
    substitute_hours,
)
from huanjian.review.engine.grid import empty_grid
from huanjian.review.engine.pipeline import FLUE_GAS_PARAMETERS, FlueGasLayout, review_flue_gas
from huanjian.review.engine.water import (
    ARITHMETIC,
    NO_MEAN,
    WEIGHTED,
    cycle_volumes,
    flow_weighted_means,
    water_volume_m3,
)

from .build import FLUE, cst, epoch


def test_rate_formula_33() -> None:
    # 30 mg/m³ × 53 071.2 m³/h × 10⁻⁶ = 1.592136 kg/h
    assert emission_rate_kg_h(30.0, 53_071.2) == pytest.approx(1.592136)


def test_amounts_sum_valid_hours_by_day_month_year() -> None:
    # 2 CST days, 31 Dec 2024 and 1 Jan 2025: rate 2 kg/h, 20 valid hours each day.
    start = epoch(cst(date(2024, 12, 31)))
    hours = start + 3600 * np.arange(48, dtype=np.int64)
    rate = np.full((1, 48), 2.0)
    valid = np.ones((1, 48), dtype=np.bool_)
    valid[0, 20:24] = valid[0, 44:48] = False
    amounts = emission_amounts(rate, valid, hours)
    assert amounts.daily.tolist() == [[40.0, 40.0]]  # 20 h × 2 kg/h (formula 34 as a plain sum)
    assert amounts.monthly.tolist() == [[40.0, 40.0]]  # December 2024, January 2025
    assert amounts.years == (2024, 2025) and amounts.yearly.tolist() == [[40.0, 40.0]]
    assert amounts.total.tolist() == [80.0]
    # substituted hours are summed apart: rate 3 kg/h in the 8 invalid hours
    sub = np.where(valid, np.nan, 3.0)
    amounts = emission_amounts(rate, valid, hours, substituted_rate_kg_h=sub)
    assert amounts.total.tolist() == [80.0] and amounts.total_substituted.tolist() == [24.0]
    assert amounts.daily_substituted.tolist() == [[12.0, 12.0]]


def test_group_sum_and_permit_comparison() -> None:
    outlets = np.array([[1000.0], [2500.0], [400.0]])
    per_enterprise = group_sum(outlets, np.array([0, 0, 1]), 2)
    assert per_enterprise.tolist() == [[3500.0], [400.0]]
    # 3 500 kg = 3.5 t against 3 t/a → exceeded (share 1.1667); 0.4 t against 1 t/a → 40 %
    cmp = compare_with_permit(per_enterprise[:, 0], np.array([3.0, 1.0]))
    assert cmp.amount_t.tolist() == [3.5, 0.4]
    assert cmp.share == pytest.approx([3.5 / 3.0, 0.4])
    assert cmp.exceeded.tolist() == [True, False]
    # substituted amounts count towards the permit; no permitted amount → never exceeded
    cmp = compare_with_permit(np.array([900.0, 5000.0]), np.array([1.0, np.nan]), np.array([200.0, 0.0]))
    assert cmp.exceeded.tolist() == [True, False] and cmp.substituted_t.tolist() == [0.2, 0.0]


def test_flow_weighted_water_mean_formula_14_and_fallback() -> None:
    # Day 1: C = [10, 20] mg/L with volumes [100, 300] m³ → (10·100 + 20·300)/400 = 17.5
    # Day 2: no flow measured → arithmetic (formula 17): (10 + 20)/2 = 15
    # Day 3: nothing valid → no mean
    conc = np.array([[10.0, 20.0, 10.0, 20.0, 10.0, 20.0]])
    valid = np.array([[True, True, True, True, False, False]])
    volume = np.array([[100.0, 300.0, np.nan, np.nan, 5.0, 5.0]])
    mean, count, day_valid, method = flow_weighted_means(conc, valid, volume, 2, 1)
    assert mean[0, :2] == pytest.approx([17.5, 15.0]) and np.isnan(mean[0, 2])
    assert method.tolist() == [[WEIGHTED, ARITHMETIC, NO_MEAN]]
    assert count.tolist() == [[2, 2, 0]] and day_valid.tolist() == [[True, True, False]]


def test_water_volumes() -> None:
    # Formula 1: 17.5 L/s for an hour = 17.5 × 3600 × 10⁻³ = 63.0 m³ (App. C table C.17 example: Cou 63.0)
    assert water_volume_m3(np.array([17.5]), 3600)[0] == pytest.approx(63.0)
    hourly = np.arange(1.0, 25.0)[None, :]
    assert cycle_volumes(hourly, 120)[0, :2].tolist() == [3.0, 7.0]
    assert cycle_volumes(hourly, 30)[0, :2].tolist() == [0.5, 0.5]


@pytest.mark.parametrize(
    ("valid_at", "expected", "methods"),
    [
        # gap of 2 hours between 10 and 30 → (10 + 30)/2 = 20 for both
        ([(0, 10.0), (3, 30.0)], {1: 20.0, 2: 20.0}, {1: SHORT_GAP, 2: SHORT_GAP}),
        # gap of exactly 24 hours (hours 1-24) → still short
        ([(0, 10.0), (25, 30.0)], {1: 20.0, 24: 20.0}, {1: SHORT_GAP, 24: SHORT_GAP}),
        # gap of 25 hours (1-25) → long: max of previous valid hours = 10
        ([(0, 10.0), (26, 30.0)], {1: 10.0, 25: 10.0}, {1: LONG_GAP, 25: LONG_GAP}),
    ],
)
def test_substitution_gap_rules(
    valid_at: list[tuple[int, float]], expected: dict[int, float], methods: dict[int, int]
) -> None:
    values = np.full((1, 30), np.nan)
    for hour, value in valid_at:
        values[0, hour] = value
    result = substitute_hours(values, np.isfinite(values))
    for hour, value in expected.items():
        assert result.values[0, hour] == pytest.approx(value)
        assert result.method[0, hour] == methods[hour]
    assert result.method[0, valid_at[0][0]] == NOT_SUBSTITUTED and np.isnan(result.values[0, valid_at[0][0]])


def test_long_gap_takes_the_max_of_the_previous_720_valid_hours() -> None:
    # 800 valid hours: hour 0 is 999 (outside the last 720), hours 1-799 ramp 1…799 except
    # hour 100 = 5000 (inside); then a 30-hour gap, then a valid hour.
    values = np.concatenate([[999.0], np.arange(1.0, 800.0), np.full(30, np.nan), [1.0]])
    values[100] = 5000.0
    sub = substitute_hours(values[None, :], np.isfinite(values)[None, :])
    assert sub.method[0, 800] == LONG_GAP and sub.values[0, 800] == 5000.0
    values[100] = 100.0  # now the maximum of hours 80-799 is 799; hour 0's 999 is out of the window
    sub = substitute_hours(values[None, :], np.isfinite(values)[None, :])
    assert sub.values[0, 815] == 799.0


def test_substitution_at_the_edges() -> None:
    values = np.array([[np.nan, 5.0, np.nan, np.nan]])
    sub = substitute_hours(values, np.isfinite(values))
    # no valid hour before hour 0; the short gap at the end waits for the next valid hour
    assert sub.method.tolist() == [[UNAVAILABLE, NOT_SUBSTITUTED, UNAVAILABLE, UNAVAILABLE]]
    assert np.isnan(sub.values).all()


def test_flue_gas_pipeline_corrects_and_rates() -> None:
    # One outlet, one day: SO2 30 mg/m³, O2 10 %, flow 15 m³/s, all minutes N.
    day = date(2025, 5, 5)
    grid = empty_grid(len(FLUE_GAS_PARAMETERS), day, 1, 60)
    grid.flags[:] = ord("N")
    grid.values[:] = 1.0
    layout = FlueGasLayout()
    grid.values[layout.index("a21026")] = 30.0
    grid.values[layout.index("a19001")] = 10.0
    grid.values[layout.index("a00000")] = 15.0
    # hour 5: only 44 valid O2 minutes → corrected SO2 invalid for that hour, uncorrected valid
    grid.flags[layout.index("a19001"), 5 * 60 : 5 * 60 + 16] = ord("C")
    ref = np.array([[6.0, 6.0, np.nan]])  # SO2 and NOx at 6 % O2, particulate uncorrected
    review = review_flue_gas(grid, layout, ref, None, FLUE)
    # 30 × (21 − 6)/(21 − 10) = 40.909…
    assert review.corrected_hourly[0, 0, 0] == pytest.approx(40.909091)
    assert not review.corrected_hour_valid[0, 0, 5] and review.corrected_hour_valid[0, 2, 5]
    assert review.corrected_day_count[0, 0, 0] == 23 and review.corrected_day_valid[0, 0, 0]
    assert review.corrected_daily[0, 0, 0] == pytest.approx(40.909091)
    assert review.corrected_daily[0, 2, 0] == 1.0  # no reference → no correction
    # rate = 30 mg/m³ × 15 m³/s × 3600 s/h × 10⁻⁶ = 1.62 kg/h, uncorrected concentration
    assert review.rate_kg_h is not None and review.rate_kg_h[0, 0, 0] == pytest.approx(1.62)
    assert review.days.valid.all()
