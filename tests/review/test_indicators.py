"""Indicators (DOMAIN §8) and the logger cross-check."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from huanjian.review.engine.grid import encode_flags
from huanjian.review.engine.indicators import Counts, compare_with_logger, hour_counts, rates
from huanjian.review.engine.validity import hourly

from .build import FLUE, full_day_grid


def test_rates_from_counts() -> None:
    # 24 expected hours, 22 received, 20 valid, 2 of 18 judged hours exceeding.
    counts = Counts(*(np.array([v]) for v in (24, 22, 20, 18, 2)))
    r = rates(counts)
    assert r.transmission[0] == pytest.approx(22 / 24)  # 0.9167
    assert r.validity[0] == pytest.approx(20 / 22)  # 0.9091 (valid / received)
    assert r.effective_transmission[0] == pytest.approx(20 / 24)  # 0.8333 = transmission × validity
    assert r.exceedance[0] == pytest.approx(2 / 18)
    assert r.passes[0]  # ≥ 75 %


def test_group_rates_from_summed_counts() -> None:
    # Two loggers of one enterprise: 24/24 and 0/24 received → 50 %, not mean of rates per hour
    counts = Counts(*(np.array(v) for v in ([24, 24], [24, 0], [24, 0], [0, 0], [0, 0])))
    grouped = counts.grouped(np.array([0, 0]), 1)
    assert grouped.expected.tolist() == [48] and grouped.received.tolist() == [24]
    r = rates(grouped)
    assert r.transmission[0] == 0.5 and not r.passes[0]
    assert np.isnan(r.exceedance[0])  # nothing judged: no rate


def test_hour_counts_from_hours() -> None:
    # 20 hours with 60 minutes, 2 hours with 30 minutes (received, invalid), 2 hours without records
    hours = hourly(full_day_grid(date(2025, 1, 1), [60] * 20 + [30] * 2 + [0] * 2), FLUE)
    counts = hour_counts(hours)
    assert (counts.expected[0], counts.received[0], counts.valid[0]) == (24, 22, 20)


def test_logger_comparison() -> None:
    computed = np.array([[10.0, 10.0, 10.0, np.nan, 10.0, 200.0]])
    valid = np.array([[True, True, True, False, False, True]])
    logger = np.array([[10.04, 10.2, np.nan, 5.0, 10.0, 201.5]])
    flags = encode_flags(["N", "N", "N", "N", "N", "N"])[None, :]
    flags[0, 2] = 0  # hour 2 not reported at all
    cmp = compare_with_logger(computed, valid, logger, flags, FLUE)
    # tolerance = max(0.05, 1 % × |computed|): 0.1 at 10, 2.0 at 200
    assert cmp.value_differs.tolist() == [[False, True, False, False, False, False]]
    assert cmp.difference[0, 1] == pytest.approx(0.2)
    assert cmp.logger_missing.tolist() == [[False, False, True, False, False, False]]
    assert cmp.platform_missing.tolist() == [[False, False, False, True, False, False]]
    # hour 3: logger says N, platform has no valid hour; hour 4: platform invalid (e.g. 44 minutes)
    assert cmp.validity_differs.tolist() == [[False, False, False, True, True, False]]
    assert cmp.counts() == {
        "value_differs": 1,
        "logger_missing": 1,
        "platform_missing": 1,
        "validity_differs": 2,
    }
