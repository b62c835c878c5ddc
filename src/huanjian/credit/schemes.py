"""Scoring schemes and consequences as data.

The shipped defaults (``schemes/*.json``) are version 1 of each scheme. An edit
by someone holding ``scheme.edit`` stores a new version (``credit_scheme``);
nothing is changed in place, and every run keeps the body it used.
"""

from __future__ import annotations

import itertools
import json
from functools import cache, lru_cache
from importlib import resources
from typing import Any, Final

from huanjian.errors import ValidationError

SCHEMES: Final = ("enterprise", "lab", "contractor")
#: Which organisation kind each scheme rates.
SUBJECT_KIND: Final = {"enterprise": "enterprise", "lab": "lab", "contractor": "contractor"}
GRADES: Final = {
    "enterprise": ("green", "blue", "yellow", "red"),
    "lab": ("excellent", "good", "poor"),
    "contractor": ("excellent", "good", "poor"),
}
HEALTH_CODES: Final = ("green", "yellow", "red")


@cache
def builtin(scheme: str) -> dict[str, Any]:
    if scheme not in SCHEMES:
        raise ValidationError(f"scheme {scheme!r}: one of {', '.join(SCHEMES)}", field="scheme")
    text = resources.files("huanjian.credit").joinpath(f"schemes/{scheme}.json").read_text(encoding="utf-8")
    body: dict[str, Any] = json.loads(text)
    return body


@lru_cache(maxsize=1)
def consequences() -> dict[str, Any]:
    text = resources.files("huanjian.credit").joinpath("consequences.json").read_text(encoding="utf-8")
    rules: dict[str, Any] = json.loads(text)
    return rules


def _need(cond: bool, message: str) -> None:
    if not cond:
        raise ValidationError(f"scheme: {message}", field="body")


def validate(scheme: str, body: dict[str, Any]) -> dict[str, Any]:
    """Refuse a body the scorer could not use; every rule needs its source and confidence."""
    _need(body.get("scheme") == scheme, f"'scheme' must be {scheme!r}")
    for key in ("title", "source", "confidence", "groups", "deductions", "grades"):
        _need(key in body, f"missing {key!r}")
    for key in ("base", "min", "max"):
        _need(isinstance(body.get(key), int | float), f"{key!r} must be a number")
    groups = set(body["groups"])
    for rule in [*body.get("indicators", []), *body["deductions"], *body.get("bonuses", [])]:
        _need("id" in rule and rule.get("group") in groups, f"rule {rule.get('id')!r}: unknown group")
        _need(
            bool(rule.get("source")) and bool(rule.get("confidence")),
            f"rule {rule['id']!r}: source and confidence",
        )
    pools = {i["id"] for i in body.get("indicators", []) if i.get("pool")}
    for rule in body["deductions"]:
        _need("event" in rule, f"deduction {rule['id']!r}: 'event'")
        _need(("points" in rule) != ("bands" in rule), f"deduction {rule['id']!r}: 'points' or 'bands'")
        if "bands" in rule:
            bands = rule["bands"]
            _need(bool(bands) and bands[-1]["below"] is None, f"{rule['id']!r}: the last band has below null")
            limits = [b["below"] for b in bands[:-1]]
            _need(limits == sorted(limits), f"{rule['id']!r}: bands ascend")
        if rule.get("pool"):
            _need(rule["pool"] in pools, f"deduction {rule['id']!r}: unknown pool {rule['pool']!r}")
    for ind in body.get("indicators", []):
        _need(float(ind.get("weight", -1)) >= 0, f"indicator {ind['id']!r}: weight")
        _need(
            bool(ind.get("pool")) or bool(ind.get("measure")), f"indicator {ind['id']!r}: 'measure' or 'pool'"
        )
    grades = [g["grade"] for g in body["grades"]]
    _need(grades == list(GRADES[scheme]), f"grades must be {', '.join(GRADES[scheme])}, best first")
    mins = [g["min"] for g in body["grades"]]
    _need(mins[-1] is None, "the last grade has min null")
    _need(all(a > b for a, b in itertools.pairwise(mins[:-1])), "grade minimums descend")
    for v in body.get("vetoes", []):
        _need(v.get("grade") in GRADES[scheme], f"veto {v.get('id')!r}: grade")
        _need(bool(v.get("source")) and bool(v.get("confidence")), f"veto {v['id']!r}: source and confidence")
    if "completeness" in body:
        share = body["completeness"].get("min_share")
        _need(isinstance(share, int | float) and 0 <= share <= 1, "completeness.min_share: 0–1")
        _need(
            bool(body["completeness"].get("source")) and bool(body["completeness"].get("confidence")),
            "completeness: source and confidence",
        )
    if scheme == "contractor":
        _need("health_code" in body, "contractor schemes need 'health_code'")
    return body


def unconfirmed(body: dict[str, Any]) -> list[str]:
    """Ids of the rules whose numbers are defaults rather than published values."""
    rules = [
        *body.get("indicators", []),
        *body.get("deductions", []),
        *body.get("bonuses", []),
        *body.get("vetoes", []),
    ]
    ids = [r["id"] for r in rules if r.get("confidence") != "src"]
    if body.get("completeness", {}).get("confidence", "src") != "src":
        ids.append("completeness")
    return ids
