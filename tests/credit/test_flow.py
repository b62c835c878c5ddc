"""Grades and risk flowing into the draw and the supervision class, exactly as the rules as data
(``credit/consequences.json``, ``draw/rates.json``) say: publication is what makes a computed grade
count; the register's environmental-risk level is the risk input."""

from __future__ import annotations

from typing import Any

import pytest

from huanjian.access.policy import Principal
from huanjian.core.tx import Tx
from huanjian.credit import consequences, schemes, service
from huanjian.draw import ranking
from huanjian.draw import service as draw
from huanjian.errors import ValidationError
from huanjian.register import service as register
from tests.credit.builders import CreditWorld
from tests.factories import make_user

SYSTEM = Principal.system()


def _entry(tx: Tx, officer: Principal, enterprise_id: int) -> dict[str, Any]:
    d = draw.plan(tx, officer, title="双随机", jurisdiction_code="310000", period="2026Q4")
    return next(e for e in d.library if e["enterprise_id"] == str(enterprise_id))


def _expected_rate(entry: dict[str, Any]) -> float:
    rules = ranking.default_rules()
    rate = rules["base_rates"][entry["stratum"]]["rate"] * rules["risk_multipliers"][entry["risk"]]["factor"]
    if entry["credit"] is not None:
        rate *= rules["credit_multipliers"][entry["credit"]]["factor"]
    return float(min(rules["max_rate"], rate))


def _rate(entry: dict[str, Any]) -> float:
    c = ranking.Candidate(entry["id"], entry["stratum"], entry["credit"], entry["risk"])
    return ranking.adjusted_rate(c, ranking.default_rules())


def test_publishing_a_grade_changes_the_draw_library_and_rates_as_the_rules_say(
    tx: Tx, world: CreditWorld
) -> None:
    officer = Principal.of(make_user(tx, "drawer9", "bureau", "310000", permissions=("draw.run",)))
    before = _entry(tx, officer, world.ent_a)
    assert (before["credit"], before["credit_source"], before["risk"]) == (None, None, "normal")
    official = _entry(tx, officer, world.ent_b)
    assert (official["credit"], official["credit_source"]) == ("green", "official")
    run = service.run(tx, SYSTEM, "enterprise", "2026")  # ent_a: fine of 50,000 yuan → yellow
    assert _entry(tx, officer, world.ent_a)["credit"] is None  # provisional: no consequence
    service.publish(tx, SYSTEM, run.id)
    after = _entry(tx, officer, world.ent_a)
    assert (after["credit"], after["credit_source"]) == ("yellow", "published")
    assert f"run {run.id}" in after["credit_provenance"]
    assert _rate(after) == pytest.approx(_expected_rate(after))
    factor = ranking.default_rules()["credit_multipliers"]["yellow"]["factor"]
    assert _rate(after) == pytest.approx(_rate(before) * factor)
    assert _entry(tx, officer, world.ent_b)["credit_source"] == "official"  # not overridden by the run
    # the class follows consequences.json from the same facts, and the draw stratum follows the class
    decision = consequences.classify(tx, SYSTEM, world.ent_a)
    assert (decision.computed_class, decision.rule) == consequences.class_for(decision.inputs)
    assert decision.inputs["credit"] == "yellow"
    again = _entry(tx, officer, world.ent_a)
    assert again["stratum"] == decision.effective_class
    assert _rate(again) == pytest.approx(_expected_rate(again))


def test_environmental_risk_from_the_register_sets_risk_for_class_and_draw(
    tx: Tx, world: CreditWorld
) -> None:
    table = schemes.consequences()["risk"]
    register.edit_enterprise(
        tx, SYSTEM, world.ent_a, {"environmental_risk": "major"}, "突发环境事件风险评估备案"
    )
    decision = consequences.classify(tx, SYSTEM, world.ent_a)
    assert decision.inputs["environmental_risk"] == "major"
    assert decision.risk == table["from_environmental_risk"]["major"] == "high"
    assert decision.computed_class == "key" and "'risk': ['high']" in decision.rule
    rate, why = consequences.draw_rate(tx.session, world.ent_a)
    rules = ranking.default_rules()
    assert rate == pytest.approx(
        rules["base_rates"]["key"]["rate"] * rules["risk_multipliers"]["high"]["factor"]
    )
    assert "risk high" in why
    register.edit_enterprise(tx, SYSTEM, world.ent_a, {"environmental_risk": "general"}, "重新评估")
    decision = consequences.classify(tx, SYSTEM, world.ent_a)
    assert decision.risk == "normal" and "general (HJ 941-2018)" in decision.inputs["risk_source"]
    assert decision.computed_class == "simple"  # no permit, no grade: the registered/none rule
    manual = consequences.classify(tx, SYSTEM, world.ent_a, risk="high")
    assert manual.risk == "high" and manual.inputs["risk_source"].startswith("manual")
    assert consequences.classify(tx, SYSTEM, world.ent_a).risk == "high"  # a manual value stands
    with pytest.raises(ValidationError):
        register.edit_enterprise(tx, SYSTEM, world.ent_b, {"environmental_risk": "huge"}, "x")


def test_not_assessed_risk_is_the_documented_default(tx: Tx, world: CreditWorld) -> None:
    decision = consequences.classify(tx, SYSTEM, world.ent_a)
    assert decision.risk == schemes.consequences()["risk"]["not_assessed"]
    assert decision.inputs["risk_source"] == "register: environmental risk not assessed"
