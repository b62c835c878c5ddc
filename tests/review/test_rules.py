"""The rule files: every rule carries a source, a clause and a confidence; bad files are refused."""

from __future__ import annotations

import tomllib

import pytest

from huanjian.review.rules import CONFIDENCES, RuleError, available, load_ruleset, parse_ruleset
from huanjian.review.rules.typed import (
    ComparisonRules,
    ExceedanceRules,
    FormulaConstants,
    IndicatorRules,
    SubstitutionRules,
    ValidityRules,
    select_validity,
)

GOOD = """
[meta]
id = "x"
version = "1"
medium = "air"
basis = "minute_records"
title = "t"

[rules.a]
value = 45
source = "HJ 212-2017"
clause = "附录 D 式(24)"
confidence = "std"
"""


def test_every_packaged_rule_is_cited() -> None:
    assert {"flue_gas", "water_continuous", "water_cycle", "formulas", "substitution"} <= set(available())
    for rule_id in available():
        rs = load_ruleset(rule_id)
        assert rs.version and rs.title
        for rule in rs.rules.values():
            assert rule.source.strip() and rule.clause.strip()
            assert rule.confidence in CONFIDENCES
            assert rule.cite().endswith(f"[{rule.confidence}]")


def test_typed_views_load() -> None:
    flue = ValidityRules.load("flue_gas")
    # The numbers of the standard, as the rule file states them.
    assert (flue.min_valid_records_per_hour, flue.min_valid_hours_per_day) == (45, 20)
    assert (flue.min_valid_days_per_month, flue.min_valid_days_february) == (25, 23)
    assert flue.valid_flags == {"N", "S"}
    assert flue.ruleset.rule("min_valid_records_per_hour").confidence == "std"
    assert FormulaConstants.load().molar_volume_l == 22.4
    assert SubstitutionRules.load().ruleset.rule("max_short_gap_hours").confidence == "unconfirmed"
    assert SubstitutionRules.load().long_gap_lookback_valid_hours == 720
    assert not ExceedanceRules.load().inclusive
    assert ComparisonRules.load().absolute_tolerance >= 0
    assert IndicatorRules.load().validity_rate_denominator in ("received", "expected")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s.replace('confidence = "std"', 'confidence = "sure"'), "confidence"),
        (lambda s: s.replace('source = "HJ 212-2017"\n', ""), "needs"),
        (lambda s: s.replace('clause = "附录 D 式(24)"', 'clause = ""'), "empty"),
        (lambda s: s + 'extra = "x"\n', "needs"),
        (lambda s: s.replace('title = "t"\n', ""), "meta"),
        (lambda s: s.replace("value = 45", "value = [1, 2]"), "strings"),
        (lambda s: s + "[other]\nx = 1\n", "unknown"),
    ],
)
def test_bad_files_are_refused(edit: object, message: str) -> None:
    text = edit(GOOD)  # type: ignore[operator]
    with pytest.raises(RuleError, match=message):
        parse_ruleset(tomllib.loads(text), "bad.toml")


def test_typed_access_checks_types() -> None:
    rs = parse_ruleset(tomllib.loads(GOOD), "x.toml")
    assert rs.int_("a") == 45
    with pytest.raises(RuleError, match="string"):
        rs.str_("a")
    with pytest.raises(RuleError, match="≥"):
        rs.int_("a", minimum=46)
    with pytest.raises(RuleError, match="missing"):
        rs.rule("b")
    with pytest.raises(RuleError, match="no rule file"):
        load_ruleset("nope")
    with pytest.raises(RuleError, match="medium"):
        select_validity("soil")
