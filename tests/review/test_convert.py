"""Conversions of HJ 212-2017 App. D.2, each checked against hand arithmetic (shown)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from huanjian.review.engine import convert as cv


def test_wet_to_dry_formula_19() -> None:
    # 100 mg/m³ wet at Xsw = 10 %: 100 / (1 − 0.10) = 111.111…
    assert cv.wet_to_dry(100.0, 10.0) == pytest.approx(111.1111111)
    # O2 converts the same way: 9 % wet at 10 % humidity → 9 / 0.9 = 10 % dry.
    assert cv.wet_to_dry(9.0, 10.0) == pytest.approx(10.0)
    assert cv.wet_to_dry(5.0, 0.0) == 5.0
    assert math.isnan(float(cv.wet_to_dry(5.0, 100.0)))  # no dry gas left: no value


def test_actual_to_standard_formula_18() -> None:
    # Cs = 50 mg/m³ at ts = 127 °C, Ba = 100 000 Pa, Ps = −1 325 Pa:
    # Csn = 50 × 101325/98675 × (273+127)/273 = 50 × 1.0268558 × 1.4652015 = 75.2276…
    assert cv.to_standard_state(50.0, 127.0, 100_000.0, -1_325.0) == pytest.approx(75.2276, abs=1e-4)
    # At standard conditions nothing changes: 0 °C, 101 325 Pa.
    assert cv.to_standard_state(50.0, 0.0, 101_325.0, 0.0) == pytest.approx(50.0)


@pytest.mark.parametrize(
    ("gas", "ppm", "expected"),
    [
        ("SO2", 100.0, 285.7142857),  # 100 × 64/22.4 = 100 × 2.857 (DOMAIN: 2.86)
        ("NO2", 10.0, 20.5357143),  # 10 × 46/22.4 = 10 × 2.054 (2.05)
        ("NO", 30.0, 40.1785714),  # 30 × 30/22.4 = 30 × 1.339 (1.34)
    ],
)
def test_ppm_to_mg_formula_20(gas: str, ppm: float, expected: float) -> None:
    assert cv.ppm_to_mg_m3(ppm, gas) == pytest.approx(expected)


def test_factors_round_to_the_published_ones() -> None:
    assert round(float(cv.ppm_to_mg_m3(1.0, "SO2")), 2) == 2.86
    assert round(float(cv.ppm_to_mg_m3(1.0, "NO2")), 2) == 2.05
    assert round(float(cv.ppm_to_mg_m3(1.0, "NO")), 2) == 1.34
    with pytest.raises(ValueError, match="molar mass"):
        cv.ppm_to_mg_m3(1.0, "CO")


def test_nox_as_no2() -> None:
    # Formula 21: NO 30 mg/m³, NO2 5 mg/m³ → 30 × 46/30 + 5 = 46 + 5 = 51
    assert cv.nox_as_no2_from_mass(30.0, 5.0) == pytest.approx(51.0)
    # Formula 22: NO 20 ppm + NO2 2 ppm → 22 × 46/22.4 = 45.1786
    assert cv.nox_as_no2_from_ppm(20.0, 2.0) == pytest.approx(45.178571)
    # Both routes agree: 20 ppm NO = 20 × 30/22.4 = 26.786 mg/m³ NO; 2 ppm NO2 = 4.107 mg/m³.
    via_mass = cv.nox_as_no2_from_mass(cv.ppm_to_mg_m3(20.0, "NO"), cv.ppm_to_mg_m3(2.0, "NO2"))
    assert via_mass == pytest.approx(45.178571)


@pytest.mark.parametrize(
    ("c", "o2", "ref", "expected"),
    [
        (30.0, 10.0, 6.0, 40.9090909),  # 30 × (21−6)/(21−10) = 30 × 15/11
        (30.0, 10.0, 3.5, 47.7272727),  # 30 × 17.5/11
        (30.0, 6.0, 6.0, 30.0),  # measured = reference: unchanged
        (30.0, 3.0, 6.0, 25.0),  # 30 × 15/18: lower O2 corrects downwards
        (100.0, 15.0, 11.0, 166.6666667),  # 100 × 10/6 (incinerator reference 11 %)
    ],
)
def test_o2_correction_formula_28(c: float, o2: float, ref: float, expected: float) -> None:
    assert cv.o2_correction(c, o2, ref) == pytest.approx(expected)
    assert cv.correct(c, o2, o2_reference=ref) == pytest.approx(expected)


def test_o2_at_or_above_21_cannot_be_corrected() -> None:
    assert math.isnan(float(cv.o2_correction(30.0, 21.0, 6.0)))
    assert math.isnan(float(cv.o2_correction(30.0, 22.0, 6.0)))


def test_excess_air_formulas_26_27() -> None:
    # α = 21/(21 − 10.5) = 2.0; with α_s = 1.4: 50 × 2.0/1.4 = 71.4286
    assert cv.excess_air_coefficient(10.5) == pytest.approx(2.0)
    assert cv.excess_air_correction(50.0, 10.5, 1.4) == pytest.approx(71.428571)
    assert cv.correct(50.0, 10.5, alpha_s=1.4) == pytest.approx(71.428571)
    # α_s equivalent to a reference O2: α_s = 21/(21 − 6) = 1.4 ⇔ O2_ref = 6 %.
    assert cv.correct(50.0, 10.5, alpha_s=1.4) == pytest.approx(cv.correct(50.0, 10.5, o2_reference=6.0))


def test_no_reference_no_correction() -> None:
    # D.2.3 (4): no reference O2 or excess-air coefficient → dry standard concentration.
    assert cv.correct(42.0, 12.0) == 42.0
    out = cv.correct(
        np.array([30.0, 30.0, 30.0]), 10.0, np.array([6.0, np.nan, np.nan]), np.array([np.nan, 1.4, np.nan])
    )
    # [30 × 15/11, 30 × (21/11)/1.4, 30]
    assert out == pytest.approx([40.909091, 40.909091, 30.0])


def test_flow_formulas_29_to_31() -> None:
    # Vp = 10 m/s, Kv = 1.2 → Vs = 12 m/s (29)
    vs = cv.stack_velocity(10.0, 1.2)
    assert vs == pytest.approx(12.0)
    # Q = 3600 × 2 m² × 12 m/s = 86 400 m³/h (30)
    q = cv.actual_flow_m3_h(vs, 2.0)
    assert q == pytest.approx(86_400.0)
    # ts = 127 °C, Ba = 101 325 Pa, Ps = 0, Xsw = 10 %:
    # 86 400 × 273/400 × 101325/101325 × 0.9 = 86 400 × 0.6825 × 0.9 = 53 071.2 m³/h (31)
    assert cv.dry_standard_flow_m3_h(q, 127.0, 101_325.0, 0.0, 10.0) == pytest.approx(53_071.2)
    # Ba = 100 000, Ps = 2 000 Pa: × 102000/101325 = × 1.0066617 → 53 424.75
    assert cv.dry_standard_flow_m3_h(q, 127.0, 100_000.0, 2_000.0, 10.0) == pytest.approx(53_424.75, rel=1e-6)
