"""Scoring, pure: a scheme body plus events and measures in, explained lines out.

Invariant: an evaluation's score is exactly the sum of the points of its
lines that are not excluded (objection upheld, repair approved); the pool
caps, the scaling when a measure has no data and the clamp to [min, max]
are lines of their own (rule ``adjust:…``), recomputed by :func:`settle`.
The grade follows from the score and the thresholds unless a veto line
stands. Every event line names the stored object behind it.

Coverage: the share of the scheme's indicator weight that had data (pools
count as covered: they are scored from events, and no event is a stored
fact). Below the scheme's ``completeness.min_share`` the evaluation is
:data:`INCOMPLETE`: nothing is scaled up, and its grade is not a grade, so
nothing downstream can mistake an extrapolation for a rating. A veto still
decides the grade, since the missing data could not change it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Final

from huanjian.credit.schemes import builtin


@dataclass(frozen=True, slots=True)
class Event:
    kind: str
    occurred_on: date
    object_type: str
    object_id: str
    label: str
    amount: float | None = None


@dataclass(frozen=True, slots=True)
class Part:
    """A share of a measured indicator: ``share`` of the weight earned at ``value`` (0–1)."""

    share: float
    value: float
    object_type: str
    object_id: str
    label: str
    occurred_on: date | None = None


@dataclass(frozen=True, slots=True)
class Line:
    rule: str
    group: str
    points: float
    explanation: str
    object_type: str | None = None
    object_id: str | None = None
    occurred_on: date | None = None
    excluded: bool = False


#: The grade of an evaluation whose inputs cover too little of the scheme's weight.
INCOMPLETE: Final = "incomplete"


@dataclass(slots=True)
class Result:
    score: float
    grade: str
    veto: str | None
    lines: list[Line] = field(default_factory=list)
    coverage: float = 1.0
    missing: list[str] = field(default_factory=list)

    @property
    def incomplete(self) -> bool:
        return self.grade == INCOMPLETE


def min_share(body: Mapping[str, Any]) -> float:
    """The scheme's completeness threshold; a stored body from before it existed uses the shipped one."""
    rule = body.get("completeness") or builtin(str(body["scheme"]))["completeness"]
    return float(rule["min_share"])


def fine_points(rule: Mapping[str, Any], amount: float | None) -> float:
    """Points of a fine by amount: the first band whose ``below`` exceeds it (``None``: no upper bound)."""
    bands = rule["bands"]
    if amount is None:
        return float(bands[0]["points"])
    for band in bands:
        if band["below"] is None or amount < band["below"]:
            return float(band["points"])
    return float(bands[-1]["points"])


def grade_for(body: Mapping[str, Any], score: float) -> str:
    for g in body["grades"]:
        if g["min"] is None or score >= g["min"] - 1e-9:
            return str(g["grade"])
    return str(body["grades"][-1]["grade"])


def _rule_points(rule: Mapping[str, Any], event: Event) -> float:
    return fine_points(rule, event.amount) if "bands" in rule else float(rule["points"])


def evaluate(
    body: Mapping[str, Any],
    events: Sequence[Event],
    measures: Mapping[str, Sequence[Part]],
    start: date,
    end: date,
    *,
    annual: bool,
    subject: tuple[str, str],
) -> Result:
    """Score one subject for ``start``..``end`` (inclusive). ``events`` may reach back
    before ``start`` (for the clean-years bonus); only those inside the period score."""
    lines: list[Line] = []
    if body.get("base"):
        lines.append(
            Line("base", "base", float(body["base"]), f"starting points of the {body['scheme']} scheme")
        )
    for ind in body.get("indicators", []):
        if ind.get("pool"):
            lines.append(
                Line(f"pool:{ind['id']}", ind["group"], float(ind["weight"]), f"{ind['id']}: starting points")
            )
            continue
        parts = measures.get(ind["id"], ())
        if not parts:
            continue  # no data: settle() scales the other indicators and says so
        rate = sum(p.share * p.value for p in parts)
        floor = float(ind.get("floor") or 0)
        below = rate < floor - 1e-12
        for p in parts:
            pts = 0.0 if below else float(ind["weight"]) * p.share * p.value
            note = f" (overall {rate:.1%} below the floor {floor:.0%}: 0 points)" if below else ""
            lines.append(
                Line(
                    f"indicator:{ind['id']}",
                    ind["group"],
                    pts,
                    f"{ind['id']}: {p.label} {p.value:.1%} × share {p.share:.3f} × {ind['weight']}{note}",
                    p.object_type,
                    p.object_id,
                    p.occurred_on,
                )
            )
    in_period = [e for e in events if start <= e.occurred_on <= end]
    by_event = {r["event"]: r for r in body.get("deductions", [])}
    for e in sorted(in_period, key=lambda e: (e.occurred_on, e.kind, e.object_id)):
        rule = by_event.get(e.kind)
        if rule is None:
            continue
        amount = f" ({e.amount:,.0f} yuan)" if e.amount is not None else ""
        lines.append(
            Line(
                rule["id"] if not rule.get("pool") else f"{rule['id']}@{rule['pool']}",
                rule["group"],
                _rule_points(rule, e),
                f"{e.label}{amount}",
                e.object_type,
                e.object_id,
                e.occurred_on,
            )
        )
    vetoes = {v["event"]: v for v in body.get("vetoes", [])}
    for e in in_period:
        if e.kind in vetoes:
            v = vetoes[e.kind]
            lines.append(
                Line(
                    f"veto:{v['id']}",
                    "veto",
                    0.0,
                    f"one-vote veto: {v['label']} — {e.label}",
                    e.object_type,
                    e.object_id,
                    e.occurred_on,
                )
            )
    if annual:
        for bonus in body.get("bonuses", []):
            window_start = date(end.year - int(bonus["years"]) + 1, 1, 1)
            dirty = [
                e for e in events if window_start <= e.occurred_on <= end and e.kind in bonus["clean_of"]
            ]
            if not dirty:
                lines.append(
                    Line(
                        bonus["id"],
                        bonus["group"],
                        float(bonus["points"]),
                        f"no {', '.join(bonus['clean_of'])} from {window_start} to {end}",
                        subject[0],
                        subject[1],
                    )
                )
    return settle(body, lines)


def settle(body: Mapping[str, Any], lines: Sequence[Line]) -> Result:
    """Recompute the adjustment lines, the score and the grade from the other lines."""
    kept = [ln for ln in lines if not ln.rule.startswith("adjust:")]
    live = [ln for ln in kept if not ln.excluded]
    adjust: list[Line] = []
    for ind in body.get("indicators", []):
        if not ind.get("pool"):
            continue
        used = sum(ln.points for ln in live if ln.rule.endswith(f"@{ind['id']}"))
        if used < -float(ind["weight"]):
            adjust.append(
                Line(
                    f"adjust:pool_{ind['id']}",
                    "adjust",
                    -float(ind["weight"]) - used,
                    f"{ind['id']}: deductions beyond its {ind['weight']} points are not counted",
                )
            )
    indicators = [i for i in body.get("indicators", []) if not i.get("pool")]
    total_w = sum(float(i["weight"]) for i in body.get("indicators", []))
    missing = [i for i in indicators if not any(ln.rule == f"indicator:{i['id']}" for ln in kept)]
    have_w = total_w - sum(float(i["weight"]) for i in missing)
    coverage = have_w / total_w if total_w else 1.0
    incomplete = coverage < min_share(body) - 1e-9
    if missing and total_w and not incomplete:
        weighted = [
            ln for ln in [*live, *adjust] if ln.rule.startswith(("indicator:", "pool:", "adjust:pool_"))
        ]
        earned = sum(ln.points for ln in weighted) + sum(ln.points for ln in live if "@" in ln.rule)
        extra = earned * (total_w / have_w - 1) if have_w else 0.0
        names = ", ".join(i["id"] for i in missing)
        adjust.append(
            Line(
                "adjust:no_data",
                "adjust",
                extra,
                f"no data for {names}: indicator points scaled by {total_w:g}/{have_w:g}",
            )
        )
    raw = sum(ln.points for ln in live) + sum(ln.points for ln in adjust)
    clamped = min(float(body["max"]), max(float(body["min"]), raw))
    if abs(clamped - raw) > 1e-9:
        adjust.append(
            Line("adjust:clamp", "adjust", clamped - raw, f"score kept within {body['min']}–{body['max']}")
        )
    score = round(clamped, 6)  # as the stored item points: the score stays their sum
    veto = next((ln for ln in live if ln.rule.startswith("veto:")), None)
    if veto is not None:
        vrule = next(v for v in body["vetoes"] if f"veto:{v['id']}" == veto.rule)
        grade, veto_id = str(vrule["grade"]), veto.rule.removeprefix("veto:")
    elif incomplete:
        grade, veto_id = INCOMPLETE, None
    else:
        grade, veto_id = grade_for(body, score), None
    return Result(score, grade, veto_id, [*kept, *adjust], round(coverage, 6), [i["id"] for i in missing])


def exclude(lines: Sequence[Line], index: int) -> list[Line]:
    out = list(lines)
    out[index] = replace(out[index], excluded=True)
    return out


def health_code(
    rules: Mapping[str, Any], effective: float | None, failed_comparisons: int, anomalies: int
) -> tuple[str | None, list[str]]:
    """Station health code (green/yellow/red) and why; ``None`` when there is nothing to judge."""
    red, yellow = rules["red"], rules["yellow"]
    why_red = []
    if effective is not None and effective < red["effective_transmission_below"] - 1e-12:
        why_red.append(f"effective transmission {effective:.1%} < {red['effective_transmission_below']:.0%}")
    if failed_comparisons >= red["failed_comparisons_at_least"]:
        why_red.append(f"{failed_comparisons} failed comparison test(s)")
    if why_red:
        return "red", why_red
    why_yellow = []
    if effective is not None and effective < yellow["effective_transmission_below"] - 1e-12:
        why_yellow.append(
            f"effective transmission {effective:.1%} < {yellow['effective_transmission_below']:.0%}"
        )
    if anomalies >= yellow["check_in_anomalies_at_least"]:
        why_yellow.append(f"{anomalies} check-in anomal(y/ies)")
    if why_yellow:
        return "yellow", why_yellow
    if effective is None:
        return None, ["no data"]
    return "green", [f"effective transmission {effective:.1%}"]
