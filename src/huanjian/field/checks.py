"""Automatic technical checks of a monitoring report (监测报告技术审核), the same for the
station's own reports before sign-off and for the re-check of a lab's report (技术复核).

Each check answers ``pass``, ``fail`` or ``n/a`` with its messages and source:

* ``consistent_with_records`` — every stated result equals an original record (lab
  raw data), nothing recorded is left out, and each sample is one of the field
  record's samples with a complete chain of custody;
* ``legal_units`` — results and limits in legal units of measurement;
* ``standard_and_limit`` — the standard and limit stated for each pollutant are the
  register's for that outlet on the sampling date;
* ``qc_complete`` — every required checkpoint / QC step done and passed;
* ``plausibility`` — results not far from the automatic hourly values around the
  sampling time (``n/a`` without automatic data).

A report whose checks do not all pass cannot be signed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from huanjian.field import repository
from huanjian.field.rules import normalise_unit, rules, unit_problem

CHECKS = ("consistent_with_records", "legal_units", "standard_and_limit", "qc_complete", "plausibility")


@dataclass
class CheckInput:
    outlet_id: int
    medium: str  # air | water
    on: date
    results: Sequence[dict[str, Any]]  # sample_code, pollutant, value, unit, standard, limit, limit_unit
    originals: Sequence[dict[str, Any]]  # sample_code, pollutant, value, unit
    qc: Sequence[dict[str, Any]]  # key, required, done, ok
    samples: dict[str, dict[str, Any]] | None = None  # code → pollutant, custody_complete (field record)
    sampled_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _result(check: str, problems: list[str], source: str, *, na: str | None = None) -> dict[str, Any]:
    status = "n/a" if na is not None and not problems else ("fail" if problems else "pass")
    return {
        "check": check,
        "status": status,
        "ok": status != "fail",
        "messages": problems or ([na] if na else []),
        "source": source,
    }


def _same(a: Any, b: Any) -> bool:
    try:
        x, y = float(a), float(b)
    except (TypeError, ValueError):
        return False
    return abs(x - y) <= 1e-9 * max(1.0, abs(x), abs(y))


def consistent_with_records(inp: CheckInput) -> dict[str, Any]:
    problems: list[str] = []
    originals = {(str(o.get("sample_code")), str(o.get("pollutant"))): o for o in inp.originals}
    stated = set()
    for r in inp.results:
        key = (str(r.get("sample_code")), str(r.get("pollutant")))
        stated.add(key)
        o = originals.get(key)
        if o is None:
            problems.append(f"{key[0]} {key[1]}: no original record for this result")
            continue
        if not _same(o.get("value"), r.get("value")):
            problems.append(
                f"{key[0]} {key[1]}: report says {r.get('value')}, the original record {o.get('value')}"
            )
        if normalise_unit(str(o.get("unit", ""))) != normalise_unit(str(r.get("unit", ""))):
            problems.append(
                f"{key[0]} {key[1]}: unit {r.get('unit')} differs from the record's {o.get('unit')}"
            )
    for key in originals:
        if key not in stated:
            problems.append(f"{key[0]} {key[1]}: recorded but missing from the report")
    if inp.samples is not None:
        for r in inp.results:
            code = str(r.get("sample_code"))
            smp = inp.samples.get(code)
            if smp is None:
                problems.append(f"{code}: not a sample of the field record")
            elif smp["pollutant"] != r.get("pollutant"):
                problems.append(f"{code}: sampled for {smp['pollutant']}, reported as {r.get('pollutant')}")
            elif not smp["custody_complete"]:
                problems.append(f"{code}: chain of custody incomplete (sampler and receiver must sign)")
    return _result(
        "consistent_with_records", problems, "DOMAIN.md §9: data consistent with original records [src]"
    )


def legal_units(inp: CheckInput) -> dict[str, Any]:
    problems = []
    for r in inp.results:
        for key in ("unit", "limit_unit"):
            unit = r.get(key)
            if unit in (None, ""):
                continue
            why = unit_problem(str(unit), inp.medium)
            if why:
                problems.append(f"{r.get('sample_code')} {r.get('pollutant')} {key}: {why}")
    return _result("legal_units", problems, str(rules()["units"]["source"]))


def standard_and_limit(session: Session, inp: CheckInput) -> dict[str, Any]:
    problems: list[str] = []
    limits = repository.limits_on(session, inp.outlet_id, inp.on)
    by_pollutant: dict[str, list[Any]] = {}
    for lim in limits:
        by_pollutant.setdefault(lim.pollutant, []).append(lim)
    for r in inp.results:
        pollutant = str(r.get("pollutant"))
        registered = by_pollutant.get(pollutant, [])
        stated_limit, stated_std = r.get("limit"), (r.get("standard") or "").strip()
        if not registered:
            if stated_limit not in (None, "") or stated_std:
                problems.append(
                    f"{pollutant}: the report applies {stated_std} {stated_limit}, but the register has no "
                    f"limit for this outlet on {inp.on.isoformat()}"
                )
            continue
        match = [
            lim
            for lim in registered
            if lim.standard.strip() == stated_std
            and _same(lim.value, stated_limit)
            and normalise_unit(lim.unit) == normalise_unit(str(r.get("limit_unit") or ""))
        ]
        if not match:
            options = "; ".join(
                f"{lim.standard} {lim.value:g} {lim.unit} ({lim.averaging_period})" for lim in registered
            )
            problems.append(
                f"{pollutant}: the report applies {stated_std or '(none)'} {stated_limit} "
                f"{r.get('limit_unit') or ''}"
                f"; the register's limit for this outlet on {inp.on.isoformat()} is {options}"
            )
    return _result("standard_and_limit", problems, "register: permitted limits with their validity")


def qc_complete(inp: CheckInput) -> dict[str, Any]:
    problems = []
    for q in inp.qc:
        if not q.get("required"):
            continue
        if not q.get("done"):
            problems.append(f"{q.get('key')}: not done")
        elif not q.get("ok"):
            problems.append(f"{q.get('key')}: done but not passed")
    return _result("qc_complete", problems, "method template checkpoints (field/methods.json), each sourced")


def plausibility(session: Session, inp: CheckInput) -> dict[str, Any]:
    cfg = rules()["plausibility"]
    if inp.sampled_at is None:
        return _result("plausibility", [], str(cfg["source"]), na="no sampling time to compare with")
    mns = [lg.mn for lg in repository.loggers_of_outlet(session, inp.outlet_id)]
    window = timedelta(hours=float(cfg["window_hours"]))
    problems: list[str] = []
    compared = 0
    for r in inp.results:
        rows = repository.readings(
            session, mns, str(r.get("pollutant")), inp.sampled_at - window, inp.sampled_at + window
        )
        values = [x.avg for x in rows if x.avg is not None]
        if not values:
            continue
        compared += 1
        auto = sum(values) / len(values)
        try:
            value = float(r.get("value"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
        diff = abs(value - auto)
        allowed = max(
            float(cfg["max_relative_difference"]) * abs(auto), float(cfg["min_absolute_difference"])
        )
        if diff > allowed:
            problems.append(
                f"{r.get('sample_code')} {r.get('pollutant')}: {value:g} against an automatic mean "
                f"of {auto:.4g} "
                f"({len(values)} hourly values within ±{cfg['window_hours']} h)"
            )
    na = None if compared else "no automatic hourly data around the sampling time"
    return _result("plausibility", problems, str(cfg["source"]), na=na)


def run(session: Session, inp: CheckInput) -> list[dict[str, Any]]:
    return [
        consistent_with_records(inp),
        legal_units(inp),
        standard_and_limit(session, inp),
        qc_complete(inp),
        plausibility(session, inp),
    ]


def all_ok(results: Sequence[dict[str, Any]]) -> bool:
    return all(r["ok"] for r in results)
