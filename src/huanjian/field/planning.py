"""Yearly spot comparison-test planning (年度比对抽测计划).

Every O&M contractor serving a device in the jurisdiction gets at least one spot
comparison test in the year. How many: the credit domain's
``spot_comparisons_per_year`` for the contractor's grade (or filing state), read
through :func:`huanjian.credit.consequences.intensity`, plus the extra tests its
risk earns by ``planning.json``; capped there too. Which devices: the contractor's
devices ranked by ``HMAC-SHA256(seed, "MN:pollutant")`` (the draw's own ranking,
:func:`huanjian.draw.ranking.rank`), taken in order and round again when a contractor
has fewer devices than tests. Quarters are spread evenly from an offset that is
itself drawn (``HMAC(seed, "contractor:<id>")``), so a contractor with one test
cannot count on it being in the first quarter.

The plan keeps its seed, the seed's commitment, the weighting rules and the frozen
library (contractors, grades, risks, counts, devices), so :func:`verify` recomputes
every item from them; anyone given the seed and the library can do the same.
Each item is a task: recording a comparison test on its device in the plan's year
fulfils the earliest open item (:func:`fulfil`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import Any

from huanjian.access.policy import Principal, authorize, check_visible
from huanjian.core.time import CST, to_cst, utcnow
from huanjian.core.tx import Tx
from huanjian.credit import consequences
from huanjian.draw import ranking
from huanjian.errors import Conflict, NotFound, PermissionDenied, ValidationError
from huanjian.field import repository
from huanjian.field.models import ComparisonTest, SpotPlan, SpotPlanItem
from huanjian.geo import repository as geo


@lru_cache(maxsize=1)
def weights() -> dict[str, Any]:
    text = resources.files("huanjian.field").joinpath("planning.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    for key in ("minimum_per_contractor", "risk", "max_per_contractor"):
        if not data[key].get("source") or not data[key].get("confidence"):
            raise ValueError(f"planning.json: {key} needs a source and a confidence")
    return data


# --------------------------------------------------------------------------- pure part


def tests_for(base: int, risk: str, rules: Mapping[str, Any]) -> int:
    """Tests in the year: the grade's number plus the risk's extra, at least the minimum, capped."""
    extra = int(rules["risk"]["levels"][risk]["extra_tests"])
    low = int(rules["minimum_per_contractor"]["value"])
    return min(int(rules["max_per_contractor"]["value"]), max(low, base + extra))


def risk_of(facts: Mapping[str, Any], rules: Mapping[str, Any]) -> tuple[str, str]:
    """(level, why) from a contractor's facts: failed tests, served enterprises' risks and classes."""
    high, elevated = rules["risk"]["high_when"], rules["risk"]["elevated_when"]
    reasons = []
    if facts["failed_comparisons"] > 0:
        reasons.append(f"{facts['failed_comparisons']} failed comparison test(s) in the previous year(s)")
    risky = sorted(set(facts["enterprise_risks"]) & set(high["serves_enterprise_with_risk"]))
    if risky:
        reasons.append(f"serves an enterprise of risk {', '.join(risky)}")
    if reasons:
        return "high", "; ".join(reasons)
    classes = sorted(set(facts["enterprise_classes"]) & set(elevated["serves_supervision_class"]))
    if classes:
        return "elevated", f"serves an enterprise of supervision class {', '.join(classes)}"
    return "normal", "no failed test, no high-risk or key enterprise served"


def draw_items(seed: str, library: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The plan's items from the seed and the frozen library: pure and reproducible."""
    items: list[dict[str, Any]] = []
    for entry in library:
        devices = {d["ref"]: d for d in entry["devices"]}
        if not devices:
            continue
        ranked = ranking.rank(seed, list(devices))
        k = int(entry["tests"])
        offset = int(ranking.score(seed, f"contractor:{entry['contractor_id']}")[:8], 16) % 4
        for i in range(k):
            score, ref = ranked[i % len(ranked)]
            items.append(
                {
                    "contractor_id": entry["contractor_id"],
                    "position": i + 1,
                    "device_id": devices[ref]["id"],
                    "device_ref": ref,
                    "jurisdiction_code": devices[ref]["jurisdiction_code"],
                    "score": score,
                    "quarter": (offset + i * 4 // k) % 4 + 1,
                }
            )
    return items


def verify(plan: SpotPlan, items: Sequence[SpotPlanItem]) -> list[str]:
    """Problems found when recomputing a plan from its seed and library (empty: it checks out)."""
    problems = []
    if ranking.commitment(plan.seed) != plan.commitment:
        problems.append("the seed does not match the plan's commitment")
    for entry in plan.library:
        expected = tests_for(int(entry["base"]), str(entry["risk"]), plan.weights)
        if expected != int(entry["tests"]):
            who = entry["contractor_id"]
            problems.append(f"contractor {who}: {entry['tests']} tests, the rules give {expected}")
    want = [
        (i["contractor_id"], i["position"], i["device_ref"], i["quarter"])
        for i in draw_items(plan.seed, plan.library)
    ]
    have = [(i.contractor_id, i.position, i.device_ref, i.quarter) for i in items]
    if sorted(want) != sorted(have):
        problems.append(f"stored items differ from the recomputed ones: {sorted(set(want) ^ set(have))}")
    return problems


# --------------------------------------------------------------------------- library from the register


def library(tx: Tx, year: int, jurisdiction_code: str, rules: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every contractor with its grade's base number, its risk and its devices in the subtree."""
    session = tx.session
    by_contractor: dict[int, list[tuple[Any, str, int, str]]] = {}
    for row in repository.served_devices(session, jurisdiction_code):
        if row[0].contractor_id is not None:  # the query keeps only served devices
            by_contractor.setdefault(row[0].contractor_id, []).append(row)
    back = int(rules["risk"]["high_when"]["failed_comparison_in_previous_years"])
    start, end = datetime(year - back, 1, 1, tzinfo=CST), datetime(year, 1, 1, tzinfo=CST)
    out = []
    for org in repository.contractors(session):
        rows = by_contractor.get(org.id, [])
        if not rows and org.status != "operating":
            continue
        level = consequences.intensity(session, org.id)
        candidates = {eid: consequences.draw_candidate(session, eid) for _, _, eid, _ in rows}
        facts = {
            "failed_comparisons": repository.failed_comparisons(session, org.id, start, end),
            "enterprise_risks": [c.risk for c in candidates.values()],
            "enterprise_classes": [c.stratum for c in candidates.values()],
        }
        risk, risk_why = risk_of(facts, rules)
        base = int(level["spot_comparisons_per_year"])
        out.append(
            {
                "contractor_id": org.id,
                "name": org.name,
                "level": level["level"],
                "level_why": level["why"],
                "base": base,
                "risk": risk,
                "risk_why": risk_why,
                "tests": tests_for(base, risk, rules),
                "devices": [
                    {"id": d.id, "ref": f"{mn}:{d.pollutant}", "enterprise_id": e, "jurisdiction_code": c}
                    for d, mn, e, c in rows
                ],
            }
        )
    return out


# --------------------------------------------------------------------------- actions


def create(tx: Tx, actor: Principal, *, year: int, jurisdiction_code: str) -> SpotPlan:
    """Freeze the library and the rules, draw a seed, store the plan and its items (audited)."""
    authorize(actor, "comparison.write")
    if not 2000 <= year <= 2100:
        raise ValidationError("year: four digits", field="year")
    if geo.get(tx.session, jurisdiction_code) is None:
        raise ValidationError(f"jurisdiction {jurisdiction_code} does not exist", field="jurisdiction_code")
    if not actor.scope.sees_jurisdiction(jurisdiction_code):
        raise PermissionDenied("you may only plan inside your own jurisdiction")
    existing = repository.spot_plan_for(tx.session, year, jurisdiction_code)
    if existing is not None:
        raise Conflict(f"{year} already has spot-test plan {existing.id} for {jurisdiction_code}")
    rules = weights()
    lib = library(tx, year, jurisdiction_code, rules)
    seed = ranking.new_seed()
    plan = SpotPlan(
        year=year,
        jurisdiction_code=jurisdiction_code,
        seed=seed,
        commitment=ranking.commitment(seed),
        weights=dict(rules),
        library=lib,
        created_by=tx.ctx.actor_name,
        created_at=utcnow(),
    )
    repository.add(tx.session, plan)
    for item in draw_items(seed, lib):
        tx.session.add(SpotPlanItem(plan_id=plan.id, **item))
    tx.session.flush()
    uncovered = [e["name"] for e in lib if not e["devices"]]
    tx.audit(
        "field.spot_plan.create",
        "field_spot_plan",
        plan.id,
        after={
            "year": year,
            "contractors": len(lib),
            "items": sum(e["tests"] for e in lib if e["devices"]),
            "without_devices": uncovered,
            "commitment": plan.commitment,
            "weights_version": rules["version"],
        },
        jurisdiction_code=jurisdiction_code,
    )
    return plan


def get(tx: Tx, actor: Principal, plan_id: int) -> SpotPlan:
    authorize(actor, "field.read")
    plan = repository.get_spot_plan(tx.session, plan_id)
    if plan is None:
        raise NotFound(f"spot-test plan {plan_id} not found")
    check_visible(actor, plan.jurisdiction_code, None, f"spot-test plan {plan_id}")
    return plan


def list_plans(tx: Tx, actor: Principal) -> Sequence[SpotPlan]:
    authorize(actor, "field.read")
    return repository.list_spot_plans(tx.session, actor.scope)


def items(tx: Tx, plan: SpotPlan) -> Sequence[SpotPlanItem]:
    return repository.spot_items(tx.session, plan.id)


def fulfil(tx: Tx, test: ComparisonTest) -> SpotPlanItem | None:
    """Mark the earliest open item of the test's year on its device as done by this test."""
    item = repository.open_spot_item(tx.session, test.device_id, to_cst(test.period_start).year)
    if item is None:
        return None
    item.comparison_id, item.done_at = test.id, utcnow()
    tx.session.flush()
    return item
