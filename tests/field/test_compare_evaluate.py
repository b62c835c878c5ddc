"""Figures, minimum pairs, per-pair judgement for water, units, and properties."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from huanjian.errors import ValidationError
from huanjian.field.compare.evaluate import evaluate
from huanjian.field.compare.inputs import ComparisonInput

from .conftest import constant, pairs_of

D = Decimal


def test_relative_accuracy_by_hand() -> None:
    """SO2, 9 pairs, µmol/mol.

    RM  = 300 306 294 303 297 300 309 291 300        RM̄ = 2700 / 9 = 300
    d_i =   6  12   0   9   3   6  15  −3   6        d̄  = 54 / 9 = 6
    d_i − d̄ = 0 6 −6 3 −3 0 9 −9 0; Σ² = 0+36+36+9+9+0+81+81+0 = 252
    S_d = √(252 / 8) = √31.5 = 5.612486080…
    t(0.95, 8) = 2.306 (two-sided)
    cc  = 2.306 × 5.612486080 / √9 = 2.306 × 1.870828693 = 4.314130966…
    RA  = (|6| + 4.314130966) / 300 × 100 = 3.438043655… %   ≤ 15 % → pass (band ≥ 250)
    C̄_CEMS = 300 − 6 = 294; relative error = (294 − 300) / 300 = −2 %; absolute error = −6
    """
    refs = [D(v) for v in (300, 306, 294, 303, 297, 300, 309, 291, 300)]
    d = [D(v) for v in (6, 12, 0, 9, 3, 6, 15, -3, 6)]
    result = evaluate(
        ComparisonInput("a21026", "umol/mol", pairs_of(refs, [r - x for r, x in zip(refs, d, strict=True)]))
    )
    assert result.n_pairs == 9
    assert result.mean_reference == 300
    assert result.mean_cems == 294
    assert result.mean_difference == 6
    assert result.sd == D("31.5").sqrt()
    assert result.t == D("2.306")
    assert result.cc == pytest.approx(D("4.314130966"), abs=D("1e-9"))
    assert result.relative_accuracy == pytest.approx(D("3.438043655"), abs=D("1e-9"))
    assert result.relative_error == -2
    assert result.absolute_error == -6
    assert result.band.id == "so2-ge250"
    assert result.verdict == "pass"
    out = result.to_dict()
    assert out["cc"] == pytest.approx(4.314130966)
    assert out["relative_accuracy"] == pytest.approx(3.438043655)
    assert out["criterion"]["value"] == out["relative_accuracy"]


@pytest.mark.parametrize(
    ("parameter", "unit", "ref", "minimum"),
    [
        ("a21026", "umol/mol", "300", 9),
        ("a21002", "mg/m3", "300", 9),
        ("a19001", "%", "8", 9),
        ("a34013", "mg/m3", "30", 5),
        ("a01011", "m/s", "12", 5),
        ("a01012", "degC", "120", 5),
        ("a01014", "%", "8", 5),
        ("w01018", "mg/L", "80", 3),
        ("w01001", "pH", "7", 3),
    ],
)
def test_too_few_pairs_fails_naming_the_rule(parameter: str, unit: str, ref: str, minimum: int) -> None:
    assert evaluate(constant(parameter, unit, ref, ref, minimum)).verdict == "pass"
    result = evaluate(constant(parameter, unit, ref, ref, minimum - 1))
    assert result.verdict == "fail"
    assert result.n_pairs == minimum - 1
    source = result.rule.min_pairs.source  # HJ 75-2017 (flue gas) or HJ 356-2019 (water)
    assert [r for r in result.reasons if r.startswith(f"too few pairs: {minimum - 1} < {minimum} ({source}")]
    assert result.criterion_met  # the figures themselves were fine


def test_one_pair_has_no_relative_accuracy() -> None:
    result = evaluate(constant("a21026", "umol/mol", "300", "300", 1))
    assert result.sd is None and result.cc is None and result.relative_accuracy is None
    assert result.verdict == "fail"
    assert any("cannot be computed" in r for r in result.reasons)
    assert result.to_dict()["relative_accuracy"] is None


def test_water_is_judged_pair_by_pair() -> None:
    # COD: means 80 vs 80 (relative error 0), but pair 1 is +25 % in the ±20 % band.
    refs = [D(80), D(80), D(80)]
    cems = [D(70), D(100), D(70)]
    result = evaluate(ComparisonInput("w01018", "mg/L", pairs_of(refs, cems)))
    assert result.relative_error == 0 and result.criterion_met
    assert result.verdict == "fail"
    assert [j.met for j in result.pair_judgements] == [True, False, True]
    assert len(result.reasons) == 1 and result.reasons[0].startswith("pairs[1]: relative error 25 %")
    # Each pair gets the band of its own reference value: 29 mg/L → absolute ±5, 35 → ±30 %.
    mixed = evaluate(
        ComparisonInput("w01018", "mg/L", pairs_of([D(29), D(35), D(35)], [D(34), D(45.5), D(24.5)]))
    )
    assert [j.band.id for j in mixed.pair_judgements] == ["cod-lt30", "cod-30-60", "cod-30-60"]
    assert mixed.verdict == "pass", mixed.reasons


def test_zero_reference_mean_leaves_relative_figures_empty() -> None:
    result = evaluate(constant("a01012", "degC", "0", "2", 5))
    assert result.relative_error is None and result.relative_accuracy is None
    assert result.absolute_error == 2 and result.verdict == "pass"


@pytest.mark.parametrize(
    ("parameter", "unit"),
    [
        ("a34013", "umol/mol"),
        ("a21026", "mg/L"),
        ("w01018", "mg/m3"),
        ("a01012", "K"),
        ("w01001", "mg/L"),
        ("a19001", "m/s"),
    ],
)
def test_unit_mismatch_is_rejected(parameter: str, unit: str) -> None:
    with pytest.raises(ValidationError, match=r"^unit: ") as info:
        evaluate(constant(parameter, unit, "10", "10", 9))
    assert info.value.exit_code == 65


@pytest.mark.parametrize("unit", ["µmol/mol", "μmol/mol", "ppm", "umol/mol"])
def test_umol_spellings(unit: str) -> None:
    assert evaluate(constant("a21026", unit, "100", "100", 9)).unit == "umol/mol"


def test_unknown_parameter() -> None:
    with pytest.raises(ValidationError, match="a99999"):
        evaluate(constant("a99999", "mg/m3", "1", "1", 9))


def test_no_pairs() -> None:
    with pytest.raises(ValidationError, match="no pairs"):
        evaluate(ComparisonInput("a21026", "mg/m3", ()))


values = st.decimals(
    min_value=D("0.01"), max_value=D("5000"), places=3, allow_nan=False, allow_infinity=False
)
pair_lists = st.integers(min_value=2, max_value=15).flatmap(
    lambda n: st.tuples(st.lists(values, min_size=n, max_size=n), st.lists(values, min_size=n, max_size=n))
)


@given(pair_lists)
def test_swapping_reference_and_cems_flips_the_relative_error_sign(
    lists: tuple[list[Decimal], list[Decimal]],
) -> None:
    refs, cems = lists
    a = evaluate(ComparisonInput("a34013", "mg/m3", pairs_of(refs, cems)))
    b = evaluate(ComparisonInput("a34013", "mg/m3", pairs_of(cems, refs)))
    assert a.relative_error is not None and b.relative_error is not None
    if a.relative_error == 0:
        assert b.relative_error == 0
    else:
        assert (a.relative_error > 0) != (b.relative_error > 0)
    assert a.absolute_error == -b.absolute_error


@given(pair_lists, st.decimals(min_value=D("0.001"), max_value=D("1000"), places=3))
def test_scaling_both_by_k_keeps_relative_figures(
    lists: tuple[list[Decimal], list[Decimal]], k: Decimal
) -> None:
    refs, cems = lists
    a = evaluate(ComparisonInput("a34013", "mg/m3", pairs_of(refs, cems)))
    b = evaluate(ComparisonInput("a34013", "mg/m3", pairs_of([r * k for r in refs], [c * k for c in cems])))
    assert a.relative_error is not None and b.relative_error is not None
    assert a.relative_accuracy is not None and b.relative_accuracy is not None
    assert b.relative_error == pytest.approx(a.relative_error, abs=D("1e-18"))
    assert b.relative_accuracy == pytest.approx(a.relative_accuracy, rel=D("1e-18"))
    assert b.absolute_error == pytest.approx(a.absolute_error * k, abs=D("1e-15"))
