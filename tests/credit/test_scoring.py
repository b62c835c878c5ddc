"""The scorer against the shipped schemes: every deduction, band and threshold edge, vetoes,
pools, no-data scaling, the clean-years bonus, station health codes."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from huanjian.credit import schemes, scoring
from huanjian.credit.scoring import Event, Part
from huanjian.errors import ValidationError

Y = (date(2026, 1, 1), date(2026, 12, 31))
SUBJECT = ("organisation", "1")


def body(name: str) -> dict[str, Any]:
    return copy.deepcopy(schemes.builtin(name))


def ev(kind: str, on: date = date(2026, 6, 1), amount: float | None = None, oid: str = "1") -> Event:
    return Event(kind, on, "credit_finding", oid, kind, amount)


def run(
    name: str, events: list[Event], measures: dict[str, list[Part]] | None = None, annual: bool = False
) -> scoring.Result:
    return scoring.evaluate(body(name), events, measures or {}, *Y, annual=annual, subject=SUBJECT)


def test_shipped_schemes_validate_and_mark_defaults() -> None:
    for name in schemes.SCHEMES:
        b = body(name)
        assert schemes.validate(name, b) is b
        assert b["confidence"] == "unconfirmed"
    lab = body("lab")
    published = {r["id"] for r in lab["deductions"] if r["confidence"] == "src"}
    assert {"order_to_correct", "warning", "cma_revoked", "criminal_liability"} <= published
    assert "fine" in schemes.unconfirmed(lab)  # the range is published, the bands are ours


@pytest.mark.parametrize(
    ("kind", "points"),
    [("order_to_correct", -3), ("warning", -5), ("cma_revoked", -30), ("criminal_liability", -70)],
)
def test_lab_deduction_table(kind: str, points: float) -> None:
    r = run("lab", [ev(kind)])
    assert r.score == 100 + points
    line = next(ln for ln in r.lines if ln.rule == kind)
    assert (line.object_type, line.object_id, line.points) == ("credit_finding", "1", points)


@pytest.mark.parametrize(
    ("amount", "points"),
    [
        (0, -10),
        (9_999.99, -10),
        (10_000, -20),
        (49_999, -20),
        (50_000, -30),
        (99_999, -30),
        (100_000, -40),
        (199_999, -40),
        (200_000, -50),
        (5_000_000, -50),
        (None, -10),
    ],
)
def test_fine_bands_at_every_edge(amount: float | None, points: float) -> None:
    assert (
        scoring.fine_points(next(r for r in body("lab")["deductions"] if r["id"] == "fine"), amount) == points
    )
    assert run("lab", [ev("fine", amount=amount)]).score == 100 + points


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        (100, "green"),
        (90, "green"),
        (89.99, "blue"),
        (75, "blue"),
        (74.99, "yellow"),
        (60, "yellow"),
        (59.99, "red"),
        (0, "red"),
    ],
)
def test_enterprise_thresholds(score: float, grade: str) -> None:
    assert scoring.grade_for(body("enterprise"), score) == grade


@pytest.mark.parametrize(
    ("score", "grade"), [(90, "excellent"), (89.99, "good"), (70, "good"), (69.99, "poor")]
)
def test_lab_and_contractor_thresholds(score: float, grade: str) -> None:
    assert scoring.grade_for(body("lab"), score) == grade
    assert scoring.grade_for(body("contractor"), score) == grade


def test_deductions_below_zero_are_clamped_and_say_so() -> None:
    r = run(
        "lab",
        [ev("criminal_liability", oid="1"), ev("cma_revoked", oid="2"), ev("fine", amount=1e6, oid="3")],
    )
    assert r.score == 0 and r.grade == "poor"
    clamp = next(ln for ln in r.lines if ln.rule == "adjust:clamp")
    assert clamp.points == pytest.approx(50)
    assert sum(ln.points for ln in r.lines) == pytest.approx(r.score)


@pytest.mark.parametrize(
    "veto", ["unapproved_construction", "operating_before_acceptance", "environmental_crime"]
)
def test_enterprise_veto_items_make_red_whatever_the_score(veto: str) -> None:
    r = run("enterprise", [ev(veto)])
    assert r.score == 100 and r.grade == "red" and r.veto == veto
    assert run("enterprise", [ev(veto, on=date(2025, 12, 31))]).grade == "green"  # outside the period


def test_contractor_falsification_veto() -> None:
    r = run("contractor", [ev("falsification")], {"capability": [Part(1, 1, "staff", "1", "s")]})
    assert r.grade == "poor" and r.veto == "falsification"


def test_two_clean_years_bonus_is_annual_and_needs_both_years() -> None:
    assert run("lab", [], annual=True).score == 100  # 100 + 5, clamped to the maximum
    b = body("lab")
    b["max"] = 110
    clean = scoring.evaluate(b, [], {}, *Y, annual=True, subject=SUBJECT)
    assert clean.score == 105 and any(ln.rule == "two_clean_years" for ln in clean.lines)
    dirty_last_year = scoring.evaluate(
        b, [ev("warning", on=date(2025, 1, 1))], {}, *Y, annual=True, subject=SUBJECT
    )
    assert dirty_last_year.score == 100  # the warning is outside the period but inside the two years
    two_years_ago = scoring.evaluate(
        b, [ev("warning", on=date(2024, 12, 31))], {}, *Y, annual=True, subject=SUBJECT
    )
    assert two_years_ago.score == 105
    monthly = scoring.evaluate(
        b, [], {}, date(2026, 10, 1), date(2026, 10, 31), annual=False, subject=SUBJECT
    )
    assert monthly.score == 100


def _contractor_measures(
    eff: float = 1.0, validity: float = 1.0, passed: int = 1, failed: int = 0
) -> dict[str, list[Part]]:
    tests = [Part(1 / (passed + failed), 1.0, "field_comparison_test", f"p{i}", "t") for i in range(passed)]
    tests += [Part(1 / (passed + failed), 0.0, "field_comparison_test", f"f{i}", "t") for i in range(failed)]
    return {
        "effective_transmission": [Part(1.0, eff, "outlet", "1", "o")],
        "validity": [Part(1.0, validity, "outlet", "1", "o")],
        "comparison_pass": tests,
        "capability": [Part(0.5, 1.0, "staff", "1", "a"), Part(0.5, 0.0, "staff", "2", "b")],
    }


def test_contractor_weights_and_each_point_traced() -> None:
    r = run("contractor", [], _contractor_measures())
    # 25 + 20 + 20 (all tests pass) + 15 + 10 (pools untouched) + 5 (half the staff certified)
    assert r.score == pytest.approx(95) and r.grade == "excellent"
    assert sum(ln.points for ln in r.lines) == pytest.approx(r.score)
    failed = run("contractor", [], _contractor_measures(passed=3, failed=1))
    assert failed.score == pytest.approx(90)
    line = next(ln for ln in failed.lines if ln.object_id == "f0")
    assert line.points == 0 and line.object_type == "field_comparison_test"


def test_effective_transmission_floor_edge() -> None:
    at = run("contractor", [], _contractor_measures(eff=0.75))
    below = run("contractor", [], _contractor_measures(eff=0.7499))
    assert at.score == pytest.approx(95 - 25 + 25 * 0.75)
    assert below.score == pytest.approx(95 - 25)


def test_pool_deductions_stop_at_the_pool() -> None:
    events = [ev("late_order_answer", oid=str(i)) for i in range(6)]  # 6 × −3 = −18 > 15
    r = run("contractor", events, _contractor_measures())
    assert r.score == pytest.approx(95 - 15)
    cap = next(ln for ln in r.lines if ln.rule == "adjust:pool_response")
    assert cap.points == pytest.approx(3)
    r2 = run(
        "contractor",
        [ev("check_in_anomaly", oid=str(i)) for i in range(2)] + [ev("late_acknowledgement")],
        _contractor_measures(),
    )
    assert r2.score == pytest.approx(95 - 4 - 1)


def test_missing_data_above_the_threshold_scales_the_rest_and_says_so() -> None:
    m = _contractor_measures()
    del m["comparison_pass"]
    r = run("contractor", [], m)
    # 25 + 20 + 15 + 10 + 5 = 75 of the 80 weights with data → scaled to 100/80
    assert r.score == pytest.approx(75 * 100 / 80) and r.grade == "excellent"
    assert (r.coverage, r.missing, r.incomplete) == (0.8, ["comparison_pass"], False)
    note = next(ln for ln in r.lines if ln.rule == "adjust:no_data")
    assert "comparison_pass" in note.explanation and "100/80" in note.explanation


def test_missing_data_below_the_threshold_is_incomplete_not_extrapolated() -> None:
    m = _contractor_measures()
    del m["effective_transmission"], m["validity"]
    r = run("contractor", [], m)
    # 20 + 15 + 10 + 5 = 50 points from 55 % of the weight: shown as they are, not graded
    assert r.score == pytest.approx(50) and r.grade == scoring.INCOMPLETE and r.incomplete
    assert r.coverage == pytest.approx(0.55) and r.missing == ["effective_transmission", "validity"]
    assert not any(ln.rule == "adjust:no_data" for ln in r.lines)
    assert sum(ln.points for ln in r.lines) == pytest.approx(r.score)


@pytest.mark.parametrize(
    ("missing", "grade"),
    [
        ((), "excellent"),
        (("capability",), "excellent"),  # 90 %
        (("effective_transmission",), "excellent"),  # 75 %: exactly the shipped threshold, graded
        (("effective_transmission", "capability"), scoring.INCOMPLETE),  # 65 %
        (("validity", "capability"), scoring.INCOMPLETE),  # 70 %
    ],
)
def test_completeness_threshold_edge_of_the_shipped_default(missing: tuple[str, ...], grade: str) -> None:
    assert body("contractor")["completeness"]["min_share"] == 0.75
    m = {k: v for k, v in _contractor_measures().items() if k not in missing}
    assert run("contractor", [], m).grade == grade


@pytest.mark.parametrize(("share", "incomplete"), [(0.8, False), (0.8001, True), (0.0, False), (1.0, True)])
def test_completeness_threshold_is_data(share: float, incomplete: bool) -> None:
    b = body("contractor")
    b["completeness"]["min_share"] = share
    m = _contractor_measures()
    del m["comparison_pass"]  # 80 % of the weight has data
    r = scoring.evaluate(b, [], m, *Y, annual=False, subject=SUBJECT)
    assert r.incomplete is incomplete and r.coverage == pytest.approx(0.8)


def test_a_stored_scheme_without_the_threshold_uses_the_shipped_one() -> None:
    b = body("contractor")
    del b["completeness"]
    assert scoring.min_share(b) == 0.75
    assert schemes.validate("contractor", b) is b


def test_a_veto_decides_the_grade_even_when_incomplete() -> None:
    r = run("contractor", [ev("falsification")], {"capability": _contractor_measures()["capability"]})
    assert r.coverage == pytest.approx(0.35) and (r.grade, r.veto) == ("poor", "falsification")


def test_schemes_without_measures_are_always_complete() -> None:
    for name in ("enterprise", "lab"):
        r = run(name, [])
        assert (r.coverage, r.incomplete) == (1.0, False)


def test_validate_refuses_a_threshold_outside_0_1() -> None:
    b = body("contractor")
    b["completeness"]["min_share"] = 1.5
    with pytest.raises(ValidationError):
        schemes.validate("contractor", b)


def test_settle_after_exclusion_restores_points() -> None:
    r = run("lab", [ev("warning"), ev("cma_revoked", oid="2")])
    assert r.score == 65 and r.grade == "poor"
    i = next(k for k, ln in enumerate(r.lines) if ln.rule == "cma_revoked")
    again = scoring.settle(body("lab"), scoring.exclude(r.lines, i))
    assert again.score == 95 and again.grade == "excellent"


@pytest.mark.parametrize(
    ("eff", "failed", "anomalies", "code"),
    [
        (0.95, 0, 0, "green"),
        (0.9, 0, 0, "green"),
        (0.8999, 0, 0, "yellow"),
        (0.95, 0, 1, "yellow"),
        (0.75, 0, 0, "yellow"),
        (0.7499, 0, 0, "red"),
        (0.95, 1, 0, "red"),
        (None, 0, 0, None),
        (None, 1, 0, "red"),
    ],
)
def test_station_health_code_edges(eff: float | None, failed: int, anomalies: int, code: str | None) -> None:
    assert scoring.health_code(body("contractor")["health_code"], eff, failed, anomalies)[0] == code


def test_validate_refuses_broken_schemes() -> None:
    b = body("lab")
    b["grades"][0]["grade"] = "green"
    with pytest.raises(ValidationError):
        schemes.validate("lab", b)
    b = body("lab")
    del b["deductions"][0]["source"]
    with pytest.raises(ValidationError):
        schemes.validate("lab", b)
    b = body("enterprise")
    b["deductions"][2]["bands"][-1]["below"] = 1
    with pytest.raises(ValidationError):
        schemes.validate("enterprise", b)
