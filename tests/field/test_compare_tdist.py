"""Student's t without SciPy, against printed two-sided 95 % tables.

Reference values: the two-sided 95 % column of the common t table (= t0.975 in US EPA
40 CFR 60 App. B PS-2 Table 2-1; the table HJ 75-2017 uses for t(0.95, n−1)); GUM Table G.2
gives 12.71 for ν = 1 and 1.960 for ν = ∞.
"""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from huanjian.field.compare.tdist import regularized_beta, t95_two_sided, t_cdf, t_quantile

TABLE = {
    1: "12.706", 2: "4.303", 3: "3.182", 4: "2.776", 5: "2.571", 6: "2.447", 7: "2.365",
    8: "2.306", 9: "2.262", 10: "2.228", 11: "2.201", 12: "2.179", 13: "2.160", 14: "2.145",
    15: "2.131", 16: "2.120", 17: "2.110", 18: "2.101", 19: "2.093", 20: "2.086", 21: "2.080",
    22: "2.074", 23: "2.069", 24: "2.064", 25: "2.060", 26: "2.056", 27: "2.052", 28: "2.048",
    29: "2.045", 30: "2.042", 40: "2.021", 60: "2.000", 120: "1.980",
}  # fmt: skip


@pytest.mark.parametrize(("df", "expected"), sorted(TABLE.items()))
def test_two_sided_95_matches_printed_table(df: int, expected: str) -> None:
    assert t95_two_sided(df) == Decimal(expected)


def test_infinite_degrees_of_freedom_is_the_normal_quantile() -> None:
    assert t95_two_sided(math.inf) == Decimal("1.960")


def test_one_sided_values_are_not_what_hj75_uses() -> None:
    # The one-sided 95 % value for f = 8 is 1.860; HJ 75's t(0.95, 8) is 2.306.
    assert round(t_quantile(0.95, 8), 3) == 1.860
    assert t95_two_sided(8) == Decimal("2.306")


def test_cdf_symmetry_and_closed_forms() -> None:
    for df in (1, 2, 5, 30):
        for t in (0.3, 1.0, 2.5):
            assert t_cdf(t, df) + t_cdf(-t, df) == pytest.approx(1.0, abs=1e-13)
    # df = 1 is Cauchy: F(t) = 1/2 + atan(t)/π; df = 2: F(t) = 1/2 + t / (2√(2 + t²)).
    assert t_cdf(1.7, 1) == pytest.approx(0.5 + math.atan(1.7) / math.pi, abs=1e-13)
    assert t_cdf(1.7, 2) == pytest.approx(0.5 + 1.7 / (2 * math.sqrt(2 + 1.7**2)), abs=1e-13)
    assert regularized_beta(2.0, 3.0, 0.0) == 0.0
    assert regularized_beta(2.0, 3.0, 1.0) == 1.0


@pytest.mark.parametrize("bad", [0, -1, 2.5])
def test_bad_degrees_of_freedom(bad: float) -> None:
    with pytest.raises(ValueError):
        t95_two_sided(bad)


def test_bad_probability() -> None:
    with pytest.raises(ValueError):
        t_quantile(0.3, 5)
