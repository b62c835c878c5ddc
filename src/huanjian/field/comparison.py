"""Comparison tests into QA (比对监测 → 质控事件).

Reference-method results paired with the logger's values for the same periods are
evaluated with :mod:`huanjian.field.compare` (acceptance rules as data) and kept
as a ``field_comparison_test``. The result goes to the data review domain as a QA
event through :func:`huanjian.review.qa.record_qa_event`, which, for a failed test,
puts the outlet's data for that pollutant since its last passing comparison into
the suspect layer. A failed test also notifies the device's O&M contractor, and a
case is opened (source ``comparison_test``) when the O&M was found not to follow
the standard.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from huanjian.access.policy import Principal, authorize, check_visible
from huanjian.casework import service as cases
from huanjian.core.time import ensure_utc, utcnow
from huanjian.core.tx import Tx
from huanjian.errors import NotFound, ValidationError
from huanjian.field import planning, repository
from huanjian.field.compare.evaluate import evaluate
from huanjian.field.compare.inputs import parse_json
from huanjian.field.models import ComparisonTest
from huanjian.notify import service as notify
from huanjian.register import repository as register
from huanjian.review.models import ReviewLayer
from huanjian.review.qa import record_qa_event


def get(tx: Tx, actor: Principal, test_id: int) -> ComparisonTest:
    authorize(actor, "field.read")
    row = repository.get_comparison(tx.session, test_id)
    if row is None:
        raise NotFound(f"comparison test {test_id} not found")
    check_visible(actor, row.jurisdiction_code, None, f"comparison test {test_id}")
    return row


def list_tests(tx: Tx, actor: Principal) -> Sequence[ComparisonTest]:
    authorize(actor, "field.read")
    return repository.list_comparisons(tx.session, actor.scope)


def _pairs_doc(parameter: str, unit: str, pairs: Sequence[dict[str, Any]]) -> str:
    def plain(value: Any) -> Any:
        return value.isoformat() if isinstance(value, datetime) else value

    return json.dumps(
        {"parameter": parameter, "unit": unit, "pairs": [{k: plain(v) for k, v in p.items()} for p in pairs]},
        default=str,
    )


def record(
    tx: Tx,
    actor: Principal,
    *,
    device_id: int,
    unit: str,
    pairs: Sequence[dict[str, Any]],
    om_follows_standard: bool | None = None,
    om_note: str = "",
) -> ComparisonTest:
    """Evaluate and keep one comparison test; QA event, suspect period, notice and case follow."""
    authorize(actor, "comparison.write")
    device = repository.get_device(tx.session, device_id)
    if device is None:
        raise NotFound(f"device {device_id} not found")
    logger = device.logger
    outlet = repository.get_outlet(tx.session, logger.outlet_id)
    enterprise = register.get_enterprise(tx.session, logger.enterprise_id)
    if outlet is None or enterprise is None or enterprise.organisation.jurisdiction_code is None:
        raise NotFound(f"device {device_id} not found")
    jurisdiction = enterprise.organisation.jurisdiction_code
    check_visible(actor, jurisdiction, None, f"device {device_id}")
    if om_follows_standard is False and not om_note.strip():
        raise ValidationError("say what in the O&M did not follow the standard", field="om_note")
    inp = parse_json(_pairs_doc(device.pollutant, unit, pairs))
    result = evaluate(inp)
    start = ensure_utc(min(p.start for p in inp.pairs)) if inp.pairs else utcnow()
    end = ensure_utc(max(p.end for p in inp.pairs)) if inp.pairs else start
    doc = result.to_dict()
    row = ComparisonTest(
        device_id=device.id,
        enterprise_id=enterprise.id,
        outlet_id=outlet.id,
        jurisdiction_code=jurisdiction,
        contractor_id=device.contractor_id,
        parameter=device.pollutant,
        unit=unit,
        period_start=start,
        period_end=end,
        pairs=json.loads(_pairs_doc(device.pollutant, unit, pairs))["pairs"],
        evaluation=doc,
        verdict=result.verdict,
        rules_version=result.rules_version,
        om_follows_standard=om_follows_standard,
        om_note=om_note.strip(),
        created_by=tx.ctx.actor_name,
        created_at=utcnow(),
    )
    repository.add(tx.session, row)
    forward_to_review_qa(tx, row, logger.mn)
    spot = planning.fulfil(tx, row)
    if result.verdict == "fail":
        _notify_contractor(tx, row, outlet.outlet_code, enterprise.organisation.name)
        if om_follows_standard is False:
            case = cases.open_case(
                tx,
                actor,
                enterprise_id=enterprise.id,
                source="comparison_test",
                source_ref=f"field_comparison_test:{row.id}",
                title=f"比对监测不合格且运维不规范 {outlet.outlet_code} {device.pollutant}",
                description=om_note.strip(),
            )
            row.case_id = case.id
    tx.audit(
        "field.comparison.record",
        "field_comparison_test",
        row.id,
        after={
            "device": device.id,
            "parameter": row.parameter,
            "verdict": row.verdict,
            "band": doc["band"]["id"],
            "reasons": doc["reasons"],
            "qa_event": row.qa_event_id,
            "suspect_layer": row.suspect_layer_id,
            "case": row.case_id,
            "om_follows_standard": om_follows_standard,
            "spot_plan_item": spot.id if spot else None,
        },
        jurisdiction_code=jurisdiction,
    )
    return row


def forward_to_review_qa(tx: Tx, row: ComparisonTest, mn: str) -> None:
    """Write the result as a QA event of the review domain (which opens the suspect period)."""
    event = record_qa_event(
        tx,
        outlet_id=row.outlet_id,
        kind="comparison",
        start=row.period_start,
        end=row.period_end,
        source="field.compare",
        pollutant=row.parameter,
        passed=row.verdict == "pass",
        result=row.evaluation,
        reference=f"field_comparison_test:{row.id}",
        mn=mn,
    )
    row.qa_event_id = event.id
    layer = tx.session.scalar(
        select(ReviewLayer).where(ReviewLayer.qa_event_id == event.id, ReviewLayer.kind == "suspect")
    )
    if layer is not None:
        row.suspect_layer_id, row.suspect_from = layer.id, layer.start_at
    tx.session.flush()


def _notify_contractor(tx: Tx, row: ComparisonTest, outlet_code: str, enterprise_name: str) -> None:
    if row.contractor_id is None:
        return
    recipients = repository.users_of_organisation(tx.session, row.contractor_id)
    if not recipients:
        return
    notify.send(
        tx,
        list(recipients),
        kind="comparison_test",
        title=f"比对监测不合格：{enterprise_name} {outlet_code} {row.parameter}",
        body="; ".join(row.evaluation.get("reasons", [])),
        object_type="field_comparison_test",
        object_id=str(row.id),
    )
