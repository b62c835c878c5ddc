"""Routing by duty split, opening cases, and state transitions (the state table is in casework/states.py)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from huanjian.access.policy import Principal, authorize, check_visible
from huanjian.casework import repository, states
from huanjian.casework.models import (
    Case,
    CaseStep,
    DutyRule,
)
from huanjian.casework.rules import LEVELS, legal_basis, rules
from huanjian.casework.service.common import (
    REVIEW_LEVELS,
    _audit,
    _campaign,
    _case_for_write,
    _enterprise,
    _own_attachments,
    _snapshot,
    today,
)
from huanjian.casework.service.orders import (
    _issue_order,
)
from huanjian.core.time import cst_day_start, utcnow
from huanjian.core.tx import Tx
from huanjian.draw import repository as draws
from huanjian.errors import Conflict, NotFound, PermissionDenied, ValidationError
from huanjian.geo import repository as geo
from huanjian.geo.models import Jurisdiction
from huanjian.register.models import Enterprise
from huanjian.review import service as review_service

# --------------------------------------------------------------------------- routing (duty split)


def _ancestors(tx: Tx, code: str) -> list[Jurisdiction]:
    chain: list[Jurisdiction] = []
    current = geo.get(tx.session, code)
    while current is not None and len(chain) < 10:
        chain.append(current)
        current = geo.get(tx.session, current.parent_code) if current.parent_code else None
    return chain


def route(tx: Tx, enterprise: Enterprise) -> tuple[str, str, str]:
    """(handling jurisdiction, supervising level, description of the rule that chose it)."""
    code = enterprise.jurisdiction_code
    if code is None:
        raise ValidationError(f"enterprise {enterprise.id} has no jurisdiction: cannot route a case")
    level = enterprise.supervising_level_override or enterprise.supervising_level
    chain = _ancestors(tx, code)
    rows = {r.jurisdiction_code: r for r in repository.duty_rules(tx.session, [j.code for j in chain], level)}
    rule = next((rows[j.code] for j in chain if j.code in rows), None)
    if rule is not None:
        handling = rule.handling_level
        why = f"duty rule of {rule.jurisdiction_code}: {level}-level enterprises handled at {handling} level"
    else:
        handling = rules()["handling_levels"].get(level, level)
        why = f"default duty split: {level}-level enterprises handled at {handling} level"
    target = next((j for j in chain if j.level == handling), None)
    if target is None:
        return code, level, f"{why}; no {handling} above {code}, handled where the enterprise is"
    return target.code, level, why


def set_duty_rule(
    tx: Tx,
    actor: Principal,
    *,
    jurisdiction_code: str,
    supervising_level: str,
    handling_level: str,
    note: str = "",
) -> DutyRule:
    authorize(actor, "cases.configure")
    if supervising_level not in LEVELS or handling_level not in LEVELS:
        raise ValidationError(f"levels are one of {', '.join(LEVELS)}", field="supervising_level")
    if geo.get(tx.session, jurisdiction_code) is None:
        raise ValidationError(f"jurisdiction {jurisdiction_code} does not exist", field="jurisdiction_code")
    if not actor.scope.sees_jurisdiction(jurisdiction_code):
        raise PermissionDenied("you may only set the duty split of your own jurisdiction")
    row = repository.duty_rule(tx.session, jurisdiction_code, supervising_level)
    before = None if row is None else {"handling_level": row.handling_level, "note": row.note}
    if row is None:
        row = DutyRule(jurisdiction_code=jurisdiction_code, supervising_level=supervising_level)
        tx.session.add(row)
    row.handling_level, row.note = handling_level, note
    row.updated_at, row.updated_by = utcnow(), tx.ctx.actor_name
    tx.session.flush()
    tx.audit(
        "case.duty_rule.set",
        "duty_rule",
        row.id,
        before=before,
        after={"supervising_level": supervising_level, "handling_level": handling_level, "note": note},
        jurisdiction_code=jurisdiction_code,
    )
    return row


# --------------------------------------------------------------------------- opening cases


def _number(tx: Tx, handling: str) -> str:
    prefix = f"AJ-{handling}-{today().year}-"
    return f"{prefix}{repository.count_numbers(tx.session, prefix) + 1:04d}"


def _check_draw_pick(tx: Tx, actor: Principal, draw_id: int | None, enterprise_id: int) -> None:
    if draw_id is None:
        raise ValidationError("a case from a random draw names the draw", field="draw_id")
    draw = draws.get(tx.session, draw_id)
    if draw is None:
        raise NotFound(f"draw {draw_id} not found")
    check_visible(actor, draw.jurisdiction_code, None, f"draw {draw_id}")
    if draw.status not in ("drawn", "published") or not draw.result:
        raise Conflict(f"draw {draw_id} is {draw.status}: only a drawn result opens cases")
    by_id = {str(c["id"]): str(c.get("enterprise_id")) for c in draw.library}
    if str(enterprise_id) not in {by_id.get(str(p["id"])) for p in draw.result}:
        raise ValidationError(
            f"enterprise {enterprise_id} was not drawn in draw {draw_id}", field="enterprise_id"
        )


def open_case(
    tx: Tx,
    actor: Principal,
    *,
    enterprise_id: int,
    source: str,
    title: str,
    source_ref: str | None = None,
    description: str = "",
    draw_id: int | None = None,
    campaign_id: int | None = None,
) -> Case:
    authorize(actor, "cases.write")
    if source not in states.SOURCES:
        raise ValidationError(f"source {source!r}: one of {', '.join(states.SOURCES)}", field="source")
    ent = _enterprise(tx, actor, enterprise_id)
    if source == "random_draw":
        _check_draw_pick(tx, actor, draw_id, enterprise_id)
    elif draw_id is not None:
        raise ValidationError("draw_id belongs to cases whose source is random_draw", field="draw_id")
    if source == "campaign":
        campaign = _campaign(tx, actor, campaign_id)
        if enterprise_id not in repository.campaign_targets(tx.session, campaign.id):
            raise ValidationError(f"enterprise {enterprise_id} is not a target of campaign {campaign.id}")
    elif campaign_id is not None:
        raise ValidationError("campaign_id belongs to cases whose source is campaign", field="campaign_id")
    handling, level, why = route(tx, ent)
    now = utcnow()
    case = Case(
        number=_number(tx, handling),
        title=title,
        source=source,
        source_ref=source_ref,
        draw_id=draw_id,
        campaign_id=campaign_id,
        enterprise_id=ent.id,
        jurisdiction_code=ent.jurisdiction_code,
        handling_jurisdiction_code=handling,
        supervising_level=level,
        routing_rule=why,
        state="intake",
        description=description,
        rests_on_automatic_data=False,
        opened_at=now,
        opened_by=tx.ctx.actor_name,
        updated_at=now,
    )
    repository.add(tx.session, case)
    _record_step(tx, actor, case, "open", None, None, {"source": source, "source_ref": source_ref}, [])
    _audit(
        tx,
        "case.open",
        "case",
        case.id,
        case,
        after={
            "number": case.number,
            "source": source,
            "source_ref": source_ref,
            "enterprise": ent.id,
            "state": case.state,
            "handling": handling,
            "routing": why,
        },
    )
    return case


def _record_step(
    tx: Tx,
    actor: Principal,
    case: Case,
    action: str,
    from_state: str | None,
    reason: str | None,
    data: dict[str, Any],
    attachment_ids: list[int],
) -> CaseStep:
    step = CaseStep(
        case_id=case.id,
        seq=repository.last_seq(tx.session, case.id) + 1,
        action=action,
        from_state=from_state,
        to_state=case.state,
        actor_id=actor.user_id,
        actor_name=tx.ctx.actor_name,
        reason=reason,
        data=json.loads(json.dumps(data, ensure_ascii=False, default=str)),
        attachment_ids=attachment_ids,
        at=utcnow(),
    )
    repository.add(tx.session, step)
    return step


# --------------------------------------------------------------------------- transitions


def transition(
    tx: Tx,
    actor: Principal,
    case_id: int,
    action: str,
    *,
    reason: str | None = None,
    attachment_ids: Sequence[int] = (),
    data: dict[str, Any] | None = None,
) -> Case:
    """Take one row of the state table, with its preconditions; audited as ``case.<action>``."""
    case = _case_for_write(tx, actor, case_id)
    t = states.transition(action, case.state, actor.role, actor.permissions)
    reason = (reason or "").strip() or None
    if t.reason_required and reason is None:
        raise ValidationError(f"{action} needs a reason", field="reason")
    files = _own_attachments(tx, case, attachment_ids)
    data = dict(data or {})
    before = _snapshot(case)
    recorded: dict[str, Any] = {}
    if action == "submit_report":
        if not files:
            raise ValidationError("submit the monitoring report as an attachment", field="attachment_ids")
        if not any(
            a.kind == "monitoring" and a.status in ("assigned", "overridden")
            for a in repository.assignments_of(tx.session, case.id)
        ):
            raise Conflict("no one is assigned to the monitoring task of this case")
    elif action == "decide":
        recorded = _decide(tx, case, data)
    elif action == "start_recheck":
        orders = repository.orders_of(tx.session, case.id)
        if not orders or any(o.state != "accepted" for o in orders):
            raise Conflict(
                "re-check starts once every supervision order of the case is answered and accepted"
            )
    from_state = case.state
    case.state = t.target
    case.updated_at = utcnow()
    if t.outcome is not None:
        case.outcome, case.closed_at = t.outcome, case.updated_at
    if action == "order_rectification":
        order = _issue_order(tx, actor, case, data)
        recorded = {"order": order.id, "order_number": order.number, "deadline": order.deadline.isoformat()}
    step = _record_step(tx, actor, case, action, from_state, reason, recorded, [a.id for a in files])
    _audit(
        tx,
        f"case.{action}",
        "case",
        case.id,
        case,
        before=before,
        after={
            **_snapshot(case),
            "step": step.seq,
            "attachments": [{"id": a.id, "name": a.name, "sha256": a.sha256} for a in files],
            **recorded,
        },
        reason=reason,
    )
    return case


_DATA_REFERENCE = re.compile(
    r"^(?:[a-z_]+:)?(?P<outlet>[^:]+):(?P<pollutant>[a-z0-9]+):(?P<day>\d{4}-\d{2}-\d{2})(?:T(?P<hour>\d{2}))?$"
)


def _reviewed_level(tx: Tx, case: Case, reference: str) -> str:
    """Review level of the automatic data ``[kind:]OUTLET:POLLUTANT:YYYY-MM-DD[THH]`` (CST) name."""
    m = _DATA_REFERENCE.match(reference.strip())
    if m is None:
        raise ValidationError(
            "data_reference names the data as OUTLET:POLLUTANT:YYYY-MM-DD[THH] (CST), "
            "e.g. DA001:a21026:2026-11-20T08",
            field="data_reference",
        )
    outlets = dict((code, oid) for oid, code in repository.monitored_outlets(tx.session, case.enterprise_id))
    if m["outlet"] not in outlets:
        raise ValidationError(
            f"outlet {m['outlet']} of the enterprise has no automatic data", field="data_reference"
        )
    start = cst_day_start(date.fromisoformat(m["day"]))
    end = start + timedelta(days=1)
    if m["hour"] is not None:
        start += timedelta(hours=int(m["hour"]))
        end = start + timedelta(hours=1)
    return review_service.review_level(tx.session, outlets[m["outlet"]], m["pollutant"], start, end)


def _decide(tx: Tx, case: Case, data: dict[str, Any]) -> dict[str, Any]:
    """Penalty decision: its legal basis (as data, with source), amount, and the data it rests on."""
    code = data.get("legal_basis")
    if not code:
        raise ValidationError("a penalty decision cites its legal basis", field="legal_basis")
    basis = legal_basis(str(code))
    amount = data.get("penalty_amount_yuan")
    if amount is not None:
        amount = float(amount)
        low, high = basis.get("min_fine_yuan"), basis.get("max_fine_yuan")
        if (low is not None and amount < low) or (high is not None and amount > high):
            raise ValidationError(
                f"{basis['law']} {basis['article']} allows fines of {low}–{high} yuan, not {amount:g}",
                field="penalty_amount_yuan",
            )
    automatic = bool(data.get("rests_on_automatic_data", False))
    level = data.get("data_review_level")
    if level is not None and level not in REVIEW_LEVELS:
        raise ValidationError(
            f"data_review_level: one of {', '.join(REVIEW_LEVELS)}", field="data_review_level"
        )
    if automatic:
        # The data are named and looked up in review: their level there, never a declared one, counts.
        if not data.get("data_reference"):
            raise ValidationError(
                "a decision resting on automatic monitoring data names them in data_reference "
                "(OUTLET:POLLUTANT:YYYY-MM-DD[THH], CST), so that their review level can be checked",
                field="data_reference",
            )
        level = _reviewed_level(tx, case, str(data["data_reference"]))
    if automatic and level != "approved":
        raise Conflict(
            "the decision rests on automatic monitoring data whose review level is "
            f"{level or 'unknown'}: only approved data may ground a penalty decision",
            rule="decision.data_not_approved",
        )
    case.legal_basis = basis
    case.penalty_amount_yuan = amount
    case.decision_text = str(data.get("decision_text") or "")
    case.rests_on_automatic_data = automatic
    case.data_review_level = level
    case.data_reference = data.get("data_reference")
    case.decided_by, case.decided_at = tx.ctx.actor_name, utcnow()
    return {
        "legal_basis": {k: basis[k] for k in ("code", "law", "article", "source", "confidence")},
        "penalty_amount_yuan": amount,
        "rests_on_automatic_data": automatic,
        "data_review_level": level,
        "data_reference": case.data_reference,
    }
