"""Reviewed automatic data in the evidence package: the hourly and daily figures of the
case's outlets over the case's period, each with its validity, the reasons a period is
invalid or marked, and its review level — read through the review domain's public
functions (``review.export.rows``, ``review.layers.of_outlet``, ``review.qa.events``),
so the package shows exactly what the review pages and ``huanjian review export`` show.

Which outlets and days: the outlet codes and times the case names in ``source_ref`` and
``data_reference`` (``exceedance:DA001:a21026:2026-11-20T08``), widened by
``rules.json`` ``evidence.days_around_reference``; without a time, the days before the
case was opened; without an outlet code, every outlet of the enterprise with a logger.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from huanjian.access.policy import Principal
from huanjian.casework import repository
from huanjian.casework.evidence.sections import Section
from huanjian.casework.files import FileStore
from huanjian.casework.rules import rules
from huanjian.core.time import cst_day_start, iso_cst, to_cst
from huanjian.core.tx import Tx
from huanjian.hj212.codes import DATA_FLAGS
from huanjian.review import export as review_export
from huanjian.review import layers as review_layers
from huanjian.review import qa as review_qa
from huanjian.review.marks import catalogue as mark_catalogue
from huanjian.review.models import QaEvent, ReviewLayer

if TYPE_CHECKING:
    from huanjian.casework.service import CaseFile

_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})(?:T(\d{2}))?")


def window(cf: CaseFile, outlets: list[tuple[int, str]]) -> dict[str, Any]:
    """The outlets and CST days the package covers, and why (``basis``)."""
    c = cf.case
    refs = " ".join(r for r in (c.source_ref, c.data_reference) if r)
    conf = rules()["evidence"]
    days = sorted({date.fromisoformat(m.group(1)) for m in _TIME.finditer(refs)})
    named = [o for o in outlets if re.search(rf"(^|[^0-9A-Za-z]){re.escape(o[1])}($|[^0-9A-Za-z])", refs)]
    if days:
        pad = timedelta(days=int(conf["days_around_reference"]))
        first, last = days[0] - pad, days[-1] + pad
        basis = f"times named by the case ({refs}) ± {conf['days_around_reference']} day(s)"
    else:
        last = to_cst(c.opened_at).date()
        first = last - timedelta(days=int(conf["days_before_opening"]))
        basis = f"{conf['days_before_opening']} days before the case was opened"
    limit = int(conf["max_days"])
    if (last - first).days + 1 > limit:
        last = first + timedelta(days=limit - 1)
        basis += f", cut to {limit} days"
    chosen = named or outlets
    basis += "; outlets named by the case" if named else "; every outlet of the enterprise with a logger"
    return {"outlets": chosen, "from": first, "to": last, "basis": basis}


def _layer(row: ReviewLayer) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "code": row.code,
        "pollutant": row.pollutant,
        "start": iso_cst(row.start_at),
        "end": iso_cst(row.end_at),
        "status": row.status,
        "reason": row.reason,
        "source": row.source,
        "recorded_by": row.recorded_by,
        "recorded_at": iso_cst(row.recorded_at),
        "effective_from": iso_cst(row.effective_from),
        "effective_until": iso_cst(row.effective_until),
        "decided_by": row.decided_by,
        "decision_reason": row.decision_reason,
        "qa_event_id": row.qa_event_id,
    }


def _qa(row: QaEvent) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "pollutant": row.pollutant or None,
        "start": iso_cst(row.start_at),
        "end": iso_cst(row.end_at),
        "passed": row.passed,
        "source": row.source,
        "reference": row.reference,
        "recorded_by": row.recorded_by,
    }


def _in_force(row: ReviewLayer) -> bool:
    return row.effective_from is not None and row.effective_until is None


def reasons(
    item: dict[str, Any], start: datetime, end: datetime, layers: list[ReviewLayer], events: list[QaEvent]
) -> list[dict[str, Any]]:
    """Why a period is invalid, flagged or marked: its data flag, the layer rows in force on it
    (marks, flags, exclusions, substitutions, suspects), the QA events on it; a bare invalid
    period had too few valid values."""
    marks = mark_catalogue()
    out: list[dict[str, Any]] = []
    for flag in item["flags"]:
        if len(flag) == 1 and flag != "N":  # N: normal, nothing to explain
            out.append({"kind": "data_flag", "code": flag, "meaning": DATA_FLAGS.get(flag, "unknown flag")})
    for row in layers:
        if row.kind == "level" or not _in_force(row) or row.pollutant not in (None, item["pollutant"]):
            continue
        if row.start_at < end and row.end_at > start:
            meaning = marks[row.code].zh if row.kind == "mark" and row.code in marks else row.code
            out.append(
                {
                    "kind": row.kind,
                    "code": row.code,
                    "meaning": meaning,
                    "reason": row.reason,
                    "layer": row.id,
                }
            )
    for ev in events:
        if ev.pollutant in ("", item["pollutant"]) and ev.start_at < end and ev.end_at > start:
            out.append(
                {
                    "kind": f"qa.{ev.kind}",
                    "code": "passed" if ev.passed else ("failed" if ev.passed is False else "recorded"),
                    "meaning": ev.reference or ev.source,
                    "qa_event": ev.id,
                }
            )
    if not item["valid"] and not out:
        out.append(
            {
                "kind": "validity",
                "code": "too_few_values",
                "meaning": f"{item['valid_count']} valid values: below the validity rule of the period",
            }
        )
    return out


def _text(rs: list[dict[str, Any]]) -> str:
    return "; ".join(
        f"{r['kind']}:{r['code']} {r.get('meaning') or ''} {r.get('reason') or ''}".strip() for r in rs
    )


def _csv(items: list[dict[str, Any]]) -> bytes:
    keys = [*review_export.KEYS, "reasons"]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=keys)
    writer.writeheader()
    for item in items:
        writer.writerow(
            {
                **item,
                "flags": ";".join(item["flags"]),
                "marks": ";".join(item["marks"]),
                "reasons": _text(item["reasons"]),
            }
        )
    return buf.getvalue().encode("utf-8")


def section(tx: Tx, actor: Principal, store: FileStore, cf: CaseFile) -> Section | None:
    outlets = list(repository.monitored_outlets(tx.session, cf.case.enterprise_id))
    if not outlets:
        return None
    win = window(cf, outlets)
    start, end = cst_day_start(win["from"]), cst_day_start(win["to"]) + timedelta(days=1)
    out = Section(key="data", title="自动监测数据及有效性 Reviewed automatic data")
    doc: dict[str, Any] = {
        "from": str(win["from"]),
        "to": str(win["to"]),
        "basis": win["basis"],
        "outlets": [],
    }
    out.summary.append(("数据范围 Span", f"{win['from']} – {win['to']} (CST): {win['basis']}"))
    for outlet_id, code in win["outlets"]:
        layers = review_layers.of_outlet(tx, actor, outlet_id, start, end)
        events = review_qa.events(tx, outlet_id, start, end)
        entry: dict[str, Any] = {"outlet_id": outlet_id, "outlet_code": code}
        for period in ("hour", "day"):
            items = list(review_export.rows(tx, actor, period, win["from"], win["to"], outlet_id=outlet_id))
            for item in items:
                s = datetime.fromisoformat(item["period_start"])
                e = s + (timedelta(hours=1) if period == "hour" else timedelta(days=1))
                item["reasons"] = reasons(item, s, e, layers, events)
            entry[period] = items
            out.documents[f"{code}-{period}.csv"] = _csv(items)
            levels = Counter(i["review_level"] for i in items)
            invalid = sum(1 for i in items if not i["valid"])
            explained = sum(1 for i in items if i["reasons"])
            out.summary.append(
                (
                    f"{code} {period}",
                    f"{len(items)} values, {invalid} invalid, {explained} with reasons; review level "
                    + ", ".join(f"{k} {v}" for k, v in sorted(levels.items())),
                )
            )
        entry["layers"] = [_layer(r) for r in layers]
        entry["qa_events"] = [_qa(e) for e in events]
        entry["approvals"] = [_layer(r) for r in layers if r.kind == "level"]
        doc["outlets"].append(entry)
    out.documents["reviewed-data.json"] = doc
    return out
