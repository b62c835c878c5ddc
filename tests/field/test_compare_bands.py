"""Band by band, at the band edges, from the acceptance table (DOMAIN.md §5, acceptance.json).

Edge interpretation (docs/compare.md "Band edges"): SO2/NOx and the water parameters use
"≥ lower, < upper" (the edge belongs to the upper band: 250 µmol/mol is the RA band; COD 30
is the ±30 % band); particulate, O2, velocity and humidity use "> lower, ≤ upper" (the edge
belongs to the lower band: 200 mg/m³ is the ±20 % band, O2 5.0 % the ±1.0 % band).

Each case has n identical pairs, so S_d = 0, cc = 0 and RA = |d̄| / RM̄ × 100 exactly; the
band is chosen by the reference value, and the criterion is checked exactly at its limit
(passes) and just beyond it (fails).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from huanjian.field.compare.evaluate import evaluate
from huanjian.field.compare.inputs import ComparisonInput
from huanjian.field.compare.rules import load_rules

from .conftest import constant, pairs_of

D = Decimal
EPS = D("0.0001")

# (parameter, unit, reference mean, band id)
EDGES = [
    # SO2 in µmol/mol: ≥250 RA / [50, 250) abs 20 / [20, 50) rel 30 / <20 abs 6
    ("a21026", "umol/mol", "1000", "so2-ge250"),
    ("a21026", "umol/mol", "250", "so2-ge250"),
    ("a21026", "umol/mol", "249.9999", "so2-50-250"),
    ("a21026", "umol/mol", "50", "so2-50-250"),
    ("a21026", "umol/mol", "49.9999", "so2-20-50"),
    ("a21026", "umol/mol", "20", "so2-20-50"),
    ("a21026", "umol/mol", "19.9999", "so2-lt20"),
    ("a21026", "umol/mol", "0.5", "so2-lt20"),
    # SO2 in mg/m³: edges × 2.86 = 715, 143, 57.2
    ("a21026", "mg/m3", "715", "so2-ge250"),
    ("a21026", "mg/m3", "714.9999", "so2-50-250"),
    ("a21026", "mg/m3", "143", "so2-50-250"),
    ("a21026", "mg/m3", "142.9999", "so2-20-50"),
    ("a21026", "mg/m3", "57.2", "so2-20-50"),
    ("a21026", "mg/m3", "57.1999", "so2-lt20"),
    # 57 mg/m³ (the rounded figure some tools use) is below 20 µmol/mol × 2.86
    ("a21026", "mg/m3", "57", "so2-lt20"),
    # NOx in µmol/mol and in mg/m³ (× 2.05: 512.5, 102.5, 41)
    ("a21002", "umol/mol", "250", "nox-ge250"),
    ("a21002", "umol/mol", "249.9999", "nox-50-250"),
    ("a21002", "umol/mol", "50", "nox-50-250"),
    ("a21002", "umol/mol", "20", "nox-20-50"),
    ("a21002", "umol/mol", "19.9999", "nox-lt20"),
    ("a21002", "mg/m3", "512.5", "nox-ge250"),
    ("a21002", "mg/m3", "512.4999", "nox-50-250"),
    ("a21002", "mg/m3", "102.5", "nox-50-250"),
    ("a21002", "mg/m3", "102.4999", "nox-20-50"),
    ("a21002", "mg/m3", "41", "nox-20-50"),
    ("a21002", "mg/m3", "40.9999", "nox-lt20"),
    # particulate: >200 / (100, 200] / (50, 100] / (20, 50] / (10, 20] / ≤10
    ("a34013", "mg/m3", "200.0001", "pm-gt200"),
    ("a34013", "mg/m3", "200", "pm-100-200"),
    ("a34013", "mg/m3", "100.0001", "pm-100-200"),
    ("a34013", "mg/m3", "100", "pm-50-100"),
    ("a34013", "mg/m3", "50", "pm-20-50"),
    ("a34013", "mg/m3", "20", "pm-10-20"),
    ("a34013", "mg/m3", "10.0001", "pm-10-20"),
    ("a34013", "mg/m3", "10", "pm-le10"),
    ("a34013", "mg/m3", "1", "pm-le10"),
    # O2: >5 RA / ≤5 abs 1.0
    ("a19001", "%", "5.0001", "o2-gt5"),
    ("a19001", "%", "5", "o2-le5"),
    ("a19001", "%", "2", "o2-le5"),
    # velocity: >10 rel 10 / ≤10 rel 12
    ("a01011", "m/s", "10.0001", "v-gt10"),
    ("a01011", "m/s", "10", "v-le10"),
    # temperature: one band
    ("a01012", "degC", "-5", "t-all"),
    ("a01012", "°C", "120", "t-all"),
    # humidity: >5 rel 25 / ≤5 abs 1.5
    ("a01014", "%", "5.0001", "h-gt5"),
    ("a01014", "%", "5", "h-le5"),
    # COD: <30 abs 5 / [30, 60) 30 % / [60, 100) 20 % / ≥100 15 %
    ("w01018", "mg/L", "29.9999", "cod-lt30"),
    ("w01018", "mg/L", "30", "cod-30-60"),
    ("w01018", "mg/L", "59.9999", "cod-30-60"),
    ("w01018", "mg/L", "60", "cod-60-100"),
    ("w01018", "mg/L", "99.9999", "cod-60-100"),
    ("w01018", "mg/L", "100", "cod-ge100"),
    # NH3-N, TN: <2 abs 0.3 / ≥2 15 %; TP: <0.4 abs 0.06 / ≥0.4 15 %
    ("w21003", "mg/L", "1.9999", "nh3n-lt2"),
    ("w21003", "mg/L", "2", "nh3n-ge2"),
    ("w21001", "mg/L", "1.9999", "tn-lt2"),
    ("w21001", "mg/L", "2", "tn-ge2"),
    ("w21011", "mg/L", "0.3999", "tp-lt0.4"),
    ("w21011", "mg/L", "0.4", "tp-ge0.4"),
    # pH: one band
    ("w01001", "pH", "7.2", "ph-all"),
]


def _n(parameter: str) -> int:
    return load_rules().parameters[parameter].min_pairs.value


@pytest.mark.parametrize(("parameter", "unit", "ref", "band_id"), EDGES)
def test_band_selected_by_reference_mean(parameter: str, unit: str, ref: str, band_id: str) -> None:
    result = evaluate(constant(parameter, unit, ref, ref, _n(parameter)))
    assert result.band.id == band_id
    assert result.verdict == "pass"  # identical values meet every criterion


def _cems_at_limit(kind: str, ref: Decimal, limit: Decimal, sign: int) -> Decimal:
    """A CEMS value whose error is exactly at the limit (S_d = 0 so RA = |rel|)."""
    if kind == "absolute_error":
        return ref + sign * limit
    return ref * (1 + sign * limit / 100)


@pytest.mark.parametrize(("parameter", "unit", "ref", "band_id"), EDGES)
@pytest.mark.parametrize("sign", [1, -1])
def test_criterion_is_inclusive_at_its_limit(
    parameter: str, unit: str, ref: str, band_id: str, sign: int
) -> None:
    rule = load_rules().parameters[parameter]
    band = next(b for b in rule.bands if b.id == band_id)
    kind = band.criterion.kind
    factor = rule.units[{"°C": "degC"}.get(unit, unit)]
    limit = band.criterion.limit * (factor if kind == "absolute_error" else 1)
    reference = D(ref)
    at = _cems_at_limit(kind, reference, limit, sign)
    result = evaluate(constant(parameter, unit, reference, at, _n(parameter)))
    assert result.band.id == band_id
    assert result.criterion_met, result.reasons
    assert result.verdict == "pass", result.reasons
    beyond = at + sign * (EPS if kind == "absolute_error" else abs(reference) * EPS / 100)
    result = evaluate(constant(parameter, unit, reference, beyond, _n(parameter)))
    assert result.verdict == "fail", result.reasons
    assert any(band_id in reason for reason in result.reasons)


def test_gas_limits_in_mg_m3_are_the_umol_limits_times_the_factor() -> None:
    # 50–250 µmol/mol band, absolute ±20 µmol/mol = ±57.2 mg/m³ (SO2) and ±41 mg/m³ (NOx).
    so2 = evaluate(constant("a21026", "mg/m3", "300", "357.2", 9))
    assert so2.verdict == "pass"
    assert so2.criterion_limit == D("57.20")
    assert evaluate(constant("a21026", "mg/m3", "300", "357.21", 9)).verdict == "fail"
    nox = evaluate(constant("a21002", "mg/m3", "200", "159", 9))
    assert nox.criterion_limit == D("41.00")
    assert nox.verdict == "pass"
    # The same test in µmol/mol and in mg/m³ gives the same band and verdict.
    umol = evaluate(constant("a21026", "umol/mol", "100", "120", 9))
    mg = evaluate(constant("a21026", "mg/m3", D("100") * D("2.86"), D("120") * D("2.86"), 9))
    assert (umol.band.id, umol.verdict) == (mg.band.id, mg.verdict) == ("so2-50-250", "pass")
    as_json = mg.to_dict()
    assert as_json["band"]["lower"] == 143.0 and as_json["band"]["upper"] == 715.0
    assert as_json["band"]["table"] == {
        "label": "50 ≤ RM̄ < 250 µmol/mol",
        "lower": 50.0,
        "upper": 250.0,
        "unit": "umol/mol",
    }
    assert "2.86" in as_json["band"]["conversion"]
    assert as_json["criterion"]["limit"] == 57.2 and as_json["criterion"]["table_limit"] == 20.0


def test_ra_band_uses_relative_accuracy_not_relative_error() -> None:
    # Mean errors cancel (relative error 0) but the scatter makes RA > 15 %.
    refs = ["300"] * 9
    cems = ["200", "400"] * 4 + ["300"]
    result = evaluate(
        ComparisonInput("a21026", "umol/mol", pairs_of([D(r) for r in refs], [D(c) for c in cems]))
    )
    assert result.band.id == "so2-ge250"
    assert result.relative_error == 0
    assert result.relative_accuracy is not None and result.relative_accuracy > 15
    assert result.verdict == "fail"
