"""Exceedance events and enterprise marks.

Rules: a period exceeds when its valid (corrected) mean is above the limit (equal
is compliant, rule ``comparison``); range limits (pH 6-9, GB 18918-2002) exceed on
either side; hours overlapped by a mark that affects exceedance are excluded
(MEE 2022 No. 21 via DOMAIN §4; rule ``mark_hour_overlap = any``), and reported.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from huanjian.review.engine.exceedance import (
    Marks,
    day_means_for_exceedance,
    exceedance_events,
    marked_periods,
)
from huanjian.review.rules.typed import ExceedanceRules

from .build import FLUE, WATER, cst, epoch

RULES = ExceedanceRules.load()
DAY = date(2025, 7, 1)
HOURS = epoch(cst(DAY)) + 3600 * np.arange(24, dtype=np.int64)
NONE = np.array([np.nan])


def _events(
    values: list[float], upper: float = np.nan, lower: float = np.nan, excluded: np.ndarray | None = None
):
    v = np.asarray([values], dtype=np.float64)
    valid = np.isfinite(v)
    exc = np.zeros_like(valid) if excluded is None else excluded
    return exceedance_events(
        v, valid, exc, HOURS[: v.shape[1]], 3600, np.array([upper]), np.array([lower]), RULES
    )


def test_event_start_end_peak_mean_margin() -> None:
    # limit 50: hours 2-4 exceed (60, 80, 55), hour 5 equals the limit (not an exceedance).
    ev = _events([10, 20, 60, 80, 55, 50, 40, 70], upper=50.0)
    assert ev.series.tolist() == [0, 0]
    assert ev.first.tolist() == [2, 7]
    assert ev.periods.tolist() == [3, 1]
    assert ev.start_s[0] == epoch(cst(DAY, 2)) and ev.end_s[0] == epoch(cst(DAY, 5))
    assert ev.peak.tolist() == [80.0, 70.0]
    assert ev.mean[0] == pytest.approx((60 + 80 + 55) / 3)  # 65.0
    assert ev.margin.tolist() == [30.0, 20.0]  # peak − limit
    assert ev.limit.tolist() == [50.0, 50.0]
    assert ev.judged.tolist() == [8] and ev.exceeding.tolist() == [4]


def test_invalid_period_breaks_an_event_and_is_not_judged() -> None:
    ev = _events([60, np.nan, 60], upper=50.0)
    assert ev.periods.tolist() == [1, 1]
    assert ev.judged.tolist() == [2]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([7.0, 5.5, 5.9, 9.0, 9.4], [(1, 2, 5.5, False, 0.5), (4, 1, 9.4, True, pytest.approx(0.4))]),
        ([6.0, 9.0, 7.5], []),  # the bounds themselves are compliant
    ],
)
def test_ph_range_limit(values: list[float], expected: list[tuple[int, int, float, bool, float]]) -> None:
    ev = _events(values, upper=9.0, lower=6.0)
    got = list(
        zip(
            ev.first.tolist(),
            ev.periods.tolist(),
            ev.peak.tolist(),
            ev.above.tolist(),
            ev.margin.tolist(),
            strict=True,
        )
    )
    assert got == expected
    assert all(lim in (6.0, 9.0) for lim in ev.limit.tolist())


def _marks(*spans: tuple[tuple[int, int], tuple[int, int], bool]) -> Marks:
    """((h, m) start, (h, m) end, affects_exceedance) in CST on DAY."""
    return Marks(
        series=np.zeros(len(spans), dtype=np.int64),
        start_s=np.asarray([epoch(cst(DAY, *a)) for a, _, _ in spans], dtype=np.int64),
        end_s=np.asarray([epoch(cst(DAY, *b)) for _, b, _ in spans], dtype=np.int64),
        affects_exceedance=np.asarray([e for *_, e in spans], dtype=np.bool_),
    )


@pytest.mark.parametrize(
    ("span", "hours"),
    [
        (((10, 20), (10, 40)), [10]),  # inside one hour
        (((10, 50), (11, 10)), [10, 11]),  # across an hour boundary: both hours
        (((10, 0), (11, 0)), [10]),  # exactly one hour, end exclusive
        (((9, 59), (11, 0)), [9, 10]),
        (((10, 0), (12, 1)), [10, 11, 12]),
        (((23, 30), (23, 30)), []),  # empty interval
    ],
)
def test_marks_inside_and_across_hour_boundaries(
    span: tuple[tuple[int, int], tuple[int, int]], hours: list[int]
) -> None:
    mask, report = marked_periods(_marks((*span, True)), 1, HOURS, 3600)
    assert np.flatnonzero(mask[0]).tolist() == hours
    assert report.period.tolist() == hours and report.mark.tolist() == [0] * len(hours)
    assert report.start_s.tolist() == [epoch(cst(DAY, h)) for h in hours]


def test_mark_without_exceedance_effect_excludes_nothing() -> None:
    mask, report = marked_periods(_marks(((3, 0), (6, 0), False)), 1, HOURS, 3600)
    assert not mask.any() and report.mark.size == 0


def test_marked_exceeding_hours_are_excluded_and_reported() -> None:
    values = [10.0] * 24
    values[10] = values[11] = 90.0  # exceed limit 50 at 10:00-12:00 CST
    mask, report = marked_periods(_marks(((10, 50), (11, 10), True)), 1, HOURS, 3600)
    ev = _events(values, upper=50.0, excluded=mask)
    assert ev.series.size == 0
    assert ev.judged.tolist() == [22]
    would_exceed = np.asarray(values)[report.period] > 50.0
    assert report.period.tolist() == [10, 11] and would_exceed.all()
    ev_unmarked = _events(values, upper=50.0)
    assert ev_unmarked.periods.tolist() == [2]


def test_day_limit_uses_unmarked_valid_hours() -> None:
    # 24 valid hours: 20 at 10, 4 at 100; marks cover the 4 high hours.
    values = np.array([[10.0] * 20 + [100.0] * 4])
    valid = np.ones_like(values, dtype=np.bool_)
    marked = np.zeros_like(valid)
    marked[0, 20:] = True
    mean, count, day_valid, excluded = day_means_for_exceedance(values, valid, marked, FLUE)
    assert mean[0, 0] == 10.0 and count[0, 0] == 20 and day_valid[0, 0] and not excluded[0, 0]
    # One more marked hour leaves 19 < 20: the day cannot be judged and is reported excluded.
    marked[0, 19] = True
    _, count, day_valid, excluded = day_means_for_exceedance(values, valid, marked, FLUE)
    assert count[0, 0] == 19 and not day_valid[0, 0] and excluded[0, 0]
    # Water days need one valid hour (App. D 1 ≤ h ≤ 24).
    _, _, day_valid, _ = day_means_for_exceedance(values, valid, marked, WATER)
    assert day_valid[0, 0]


def test_many_series_at_once() -> None:
    v = np.array([[60.0, 60.0, 10.0], [10.0, 60.0, 60.0], [10.0, 10.0, 10.0]])
    valid = np.ones_like(v, dtype=np.bool_)
    ev = exceedance_events(
        v, valid, ~valid, HOURS[:3], 3600, np.array([50.0, 50.0, np.nan]), np.full(3, np.nan), RULES
    )
    assert list(zip(ev.series.tolist(), ev.first.tolist(), ev.periods.tolist(), strict=True)) == [
        (0, 0, 2),
        (1, 1, 2),
    ]
