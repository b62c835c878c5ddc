"""Hypothesis properties of the engine."""

from __future__ import annotations

from datetime import date

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from huanjian.review.engine import convert as cv
from huanjian.review.engine.emissions import substitute_hours
from huanjian.review.engine.grid import empty_grid
from huanjian.review.engine.validity import daily, hourly
from huanjian.review.engine.water import flow_weighted_means

from .build import FLUE

FAST = settings(max_examples=60, deadline=None)
conc = st.floats(0.0, 5000.0, allow_nan=False, allow_subnormal=False)
o2 = st.floats(0.0, 20.5, allow_nan=False)
ref = st.floats(0.0, 20.0, allow_nan=False)


@FAST
@given(conc, o2, o2, ref)
def test_o2_correction_is_monotone(c: float, o2_a: float, o2_b: float, reference: float) -> None:
    lo, hi = sorted((o2_a, o2_b))
    # more measured O2 (more dilution) never lowers the corrected value
    assert cv.o2_correction(c, lo, reference) <= cv.o2_correction(c, hi, reference) * (1 + 1e-12)
    # and the correction is linear in the concentration
    assert np.isclose(cv.o2_correction(2 * c, lo, reference), 2 * cv.o2_correction(c, lo, reference))


@FAST
@given(conc, o2)
def test_correction_to_the_measured_o2_is_identity(c: float, measured: float) -> None:
    assert np.isclose(cv.o2_correction(c, measured, measured), c)


@FAST
@given(conc, st.floats(0.0, 99.0))
def test_dry_is_never_below_wet(c: float, xsw: float) -> None:
    assert cv.wet_to_dry(c, xsw) >= c


@FAST
@given(
    hnp.arrays(np.float64, 24 * 60, elements=st.floats(0.0, 1000.0)),
    hnp.arrays(np.bool_, 24 * 60),
    st.integers(0, 3),
)
def test_daily_mean_within_valid_hourly_means(values: np.ndarray, ok: np.ndarray, blank_hours: int) -> None:
    grid = empty_grid(1, date(2025, 8, 8), 1, 60)
    grid.values[0] = values
    grid.flags[0] = np.where(ok, ord("N"), ord("D"))
    grid.flags[0, : blank_hours * 60] = 0
    hours = hourly(grid, FLUE)
    days = daily(hours, FLUE)
    valid_means = hours.mean[0][hours.valid[0]]
    assert days.count[0, 0] == valid_means.size
    if valid_means.size:
        assert valid_means.min() - 1e-9 <= days.mean[0, 0] <= valid_means.max() + 1e-9
    assert days.valid[0, 0] == (valid_means.size >= 20)
    assert (hours.count[0] <= hours.received[0]).all()


@FAST
@given(
    hnp.arrays(np.float64, 24, elements=st.floats(0.0, 500.0)),
    hnp.arrays(np.float64, 24, elements=st.floats(0.0, 1e4)),
)
def test_flow_weighted_mean_within_min_max(c: np.ndarray, q: np.ndarray) -> None:
    mean, count, _, _ = flow_weighted_means(c[None], np.ones((1, 24), dtype=np.bool_), q[None], 24, 1)
    assert c.min() - 1e-9 <= mean[0, 0] <= c.max() + 1e-9 and count[0, 0] == 24


@FAST
@given(hnp.arrays(np.float64, 200, elements=st.floats(0.0, 100.0)), hnp.arrays(np.bool_, 200))
def test_substitutes_never_touch_valid_hours_and_stay_in_range(values: np.ndarray, valid: np.ndarray) -> None:
    sub = substitute_hours(values[None], valid[None])
    assert np.isnan(sub.values[0][valid]).all()
    filled = sub.values[0][np.isfinite(sub.values[0])]
    if filled.size:
        assert values[valid].min() - 1e-9 <= filled.min() and filled.max() <= values[valid].max() + 1e-9
