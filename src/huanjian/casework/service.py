"""Case actions. Every state change is a row of ``case_step`` (for cases) and an
audit entry in the same transaction, with actor, reason and attachments."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from huanjian.access.policy import Principal, authorize, check_visible, require_permission
from huanjian.access.roles import OUTSIDE_ROLES
from huanjian.casework import checks, repository, states
from huanjian.casework import kpis as kpis_module
from huanjian.casework.files import FileStore
from huanjian.casework.models import (
    Assignment,
    Attachment,
    Campaign,
    CampaignTarget,
    Case,
    CaseStep,
    DeclaredTie,
    DutyRule,
    InspectionRecord,
    Signature,
    SupervisionOrder,
)
from huanjian.casework.rules import LEVELS, TIE_KINDS, legal_basis, rules
from huanjian.core.scope import in_subtree
from huanjian.core.time import CST, ensure_utc, utcnow
from huanjian.core.tx import Tx
from huanjian.draw import ranking
from huanjian.draw import repository as draws
from huanjian.errors import Conflict, NotFound, PermissionDenied, ValidationError
from huanjian.geo import repository as geo
from huanjian.geo.models import Jurisdiction
from huanjian.notify import service as notify
from huanjian.register import repository as register
from huanjian.register.models import Enterprise

REVIEW_LEVELS = ("unreviewed", "reviewed", "approved")
ASSIGNMENT_KINDS = ("monitoring", "inspection")
SIGNER_ROLES = ("inspector", "enterprise", "witness")
HANDLER_ROLES = ("bureau", "enforcement", "station")


def today() -> date:
    return utcnow().astimezone(CST).date()


def canonical_hash(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _snapshot(case: Case) -> dict[str, Any]:
    return {"state": case.state, "outcome": case.outcome, "handling": case.handling_jurisdiction_code}


def _audit(
    tx: Tx,
    action: str,
    object_type: str,
    object_id: int,
    case: Case,
    *,
    before: Any = None,
    after: Any = None,
    reason: str | None = None,
    organisation_id: int | None = None,
) -> None:
    tx.audit(
        action,
        object_type,
        object_id,
        before=before,
        after={"case": case.id, **(after or {})},
        reason=reason,
        jurisdiction_code=case.jurisdiction_code,
        organisation_id=organisation_id,
    )


# --------------------------------------------------------------------------- reading


def get_case(tx: Tx, actor: Principal, case_id: int) -> Case:
    authorize(actor, "cases.read")
    case = repository.get_case(tx.session, case_id)
    if case is None:
        raise NotFound(f"case {case_id} not found")
    check_visible(actor, case.jurisdiction_code, None, f"case {case_id}")
    return case


def _case_for_write(tx: Tx, actor: Principal, case_id: int) -> Case:
    case = get_case(tx, actor, case_id)
    authorize(actor, "cases.write")
    if not actor.scope.sees_jurisdiction(case.handling_jurisdiction_code):
        raise PermissionDenied(
            f"case {case.number} is handled by {case.handling_jurisdiction_code} ({case.routing_rule})"
        )
    return case


def list_cases(
    tx: Tx, actor: Principal, *, state: str | None = None, enterprise_id: int | None = None
) -> Sequence[Case]:
    authorize(actor, "cases.read")
    return repository.list_cases(tx.session, actor.scope, state=state, enterprise_id=enterprise_id)


@dataclass
class CaseFile:
    case: Case
    enterprise: Enterprise | None
    steps: Sequence[CaseStep]
    attachments: Sequence[Attachment]
    assignments: Sequence[Assignment]
    orders: Sequence[SupervisionOrder]
    inspections: Sequence[InspectionRecord]
    signatures: Sequence[Signature]
    extra: dict[str, Any] = field(default_factory=dict)

    def trail_objects(self) -> dict[str, list[int]]:
        return {
            "case": [self.case.id],
            "case_attachment": [a.id for a in self.attachments],
            "case_assignment": [a.id for a in self.assignments],
            "supervision_order": [o.id for o in self.orders],
            "inspection_record": [r.id for r in self.inspections],
        }


def case_file(tx: Tx, actor: Principal, case_id: int) -> CaseFile:
    case = get_case(tx, actor, case_id)
    s = tx.session
    inspections = repository.inspections_of(s, case.id)
    return CaseFile(
        case=case,
        enterprise=register.get_enterprise(s, case.enterprise_id),
        steps=repository.steps_of(s, case.id),
        attachments=repository.attachments_of(s, case.id),
        assignments=repository.assignments_of(s, case.id),
        orders=repository.orders_of(s, case.id),
        inspections=inspections,
        signatures=repository.signatures_of(s, [r.id for r in inspections]),
    )


def trail(tx: Tx, cf: CaseFile) -> Sequence[Any]:
    return repository.audit_trail(tx.session, cf.trail_objects())


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


def _enterprise(tx: Tx, actor: Principal, enterprise_id: int) -> Enterprise:
    ent = register.get_enterprise(tx.session, enterprise_id)
    if ent is None:
        raise NotFound(f"enterprise {enterprise_id} not found")
    check_visible(actor, ent.jurisdiction_code, None, f"enterprise {enterprise_id}")
    return ent


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


def _own_attachments(tx: Tx, case: Case, ids: Sequence[int]) -> list[Attachment]:
    found = []
    for aid in ids:
        att = repository.get_attachment(tx.session, aid)
        if att is None or att.case_id != case.id:
            raise ValidationError(
                f"attachment {aid} does not belong to case {case.number}", field="attachment_ids"
            )
        found.append(att)
    return found


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


# --------------------------------------------------------------------------- attachments


def _may_attach(tx: Tx, actor: Principal, case: Case) -> None:
    if actor.role in OUTSIDE_ROLES:
        orders = repository.orders_of(tx.session, case.id)
        if not any(o.addressee_id == actor.organisation_id for o in orders):
            raise NotFound(f"case {case.id} not found")
        return
    _case_for_write(tx, actor, case.id)


def _case_for_party(tx: Tx, actor: Principal, case_id: int) -> Case:
    """Staff see cases of their jurisdiction; outside parties only cases with an order to them."""
    case = repository.get_case(tx.session, case_id)
    if case is None:
        raise NotFound(f"case {case_id} not found")
    if actor.role in OUTSIDE_ROLES:
        if not any(
            o.addressee_id == actor.organisation_id for o in repository.orders_of(tx.session, case.id)
        ):
            raise NotFound(f"case {case_id} not found")
        return case
    return get_case(tx, actor, case_id)


def add_attachment(
    tx: Tx,
    actor: Principal,
    store: FileStore,
    case_id: int,
    *,
    name: str,
    content: bytes,
    content_type: str = "application/octet-stream",
    purpose: str = "document",
) -> Attachment:
    case = _case_for_party(tx, actor, case_id)
    _may_attach(tx, actor, case)
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not name:
        raise ValidationError("the file needs a name", field="file")
    digest = store.put(content)
    att = Attachment(
        case_id=case.id,
        name=name[:255],
        content_type=(content_type or "application/octet-stream")[:100],
        size=len(content),
        sha256=digest,
        purpose=purpose[:30],
        uploaded_by=tx.ctx.actor_name,
        uploaded_by_id=actor.user_id,
        uploaded_at=utcnow(),
    )
    repository.add(tx.session, att)
    _audit(
        tx,
        "case.attachment.add",
        "case_attachment",
        att.id,
        case,
        after={"name": att.name, "size": att.size, "sha256": digest, "purpose": att.purpose},
        organisation_id=actor.organisation_id,
    )
    return att


def read_attachment(
    tx: Tx, actor: Principal, store: FileStore, case_id: int, attachment_id: int
) -> tuple[Attachment, bytes]:
    case = _case_for_party(tx, actor, case_id)
    att = repository.get_attachment(tx.session, attachment_id)
    if att is None or att.case_id != case.id:
        raise NotFound(f"attachment {attachment_id} not found")
    return att, store.get(att.sha256)


# --------------------------------------------------------------------------- assignments


def _staff(tx: Tx, staff_id: int) -> Any:
    staff = repository.get_staff(tx.session, staff_id)
    if staff is None:
        raise NotFound(f"staff {staff_id} not found in the register")
    return staff


def _check_kind(case: Case, kind: str) -> None:
    if kind not in ASSIGNMENT_KINDS:
        raise ValidationError(f"kind {kind!r}: one of {', '.join(ASSIGNMENT_KINDS)}", field="kind")
    if case.state == "closed":
        raise Conflict(f"case {case.number} is closed")
    if kind == "monitoring" and case.state != "monitoring_task":
        raise Conflict(f"monitoring is assigned while the case is in monitoring_task, not {case.state}")


def assign(
    tx: Tx,
    actor: Principal,
    case_id: int,
    *,
    kind: str,
    staff_id: int,
    method: str | None = None,
    pollutant: str | None = None,
) -> Assignment:
    """Assign a person; stored as ``blocked`` (naming the rules) when a check fails."""
    case = _case_for_write(tx, actor, case_id)
    _check_kind(case, kind)
    staff = _staff(tx, staff_id)
    findings = checks.check(
        tx.session, staff, case.enterprise_id, method=method, pollutant=pollutant, on=today()
    )
    row = Assignment(
        case_id=case.id,
        kind=kind,
        staff_id=staff.id,
        organisation_id=staff.organisation_id,
        method=method,
        pollutant=pollutant,
        status="blocked" if findings else "assigned",
        findings=[f.as_dict() for f in findings],
        assigned_by=tx.ctx.actor_name,
        assigned_by_id=actor.user_id,
        created_at=utcnow(),
    )
    repository.add(tx.session, row)
    _audit(
        tx,
        "case.assignment.blocked" if findings else "case.assignment.assign",
        "case_assignment",
        row.id,
        case,
        after={
            "kind": kind,
            "staff": staff.id,
            "staff_name": staff.name,
            "organisation": staff.organisation_id,
            "status": row.status,
            "rules": [f.rule for f in findings],
        },
    )
    return row


def _assignment(tx: Tx, actor: Principal, assignment_id: int) -> tuple[Assignment, Case]:
    row = repository.get_assignment(tx.session, assignment_id)
    if row is None:
        raise NotFound(f"assignment {assignment_id} not found")
    case = _case_for_write(tx, actor, row.case_id)
    return row, case


def request_override(tx: Tx, actor: Principal, assignment_id: int, reason: str) -> Assignment:
    row, case = _assignment(tx, actor, assignment_id)
    if not reason.strip():
        raise ValidationError("an override needs a reason", field="reason")
    if row.status != "blocked":
        raise Conflict(f"assignment {row.id} is {row.status}: only a blocked assignment can be overridden")
    row.status, row.override_reason, row.override_requested_by = "override_requested", reason, actor.user_id
    _audit(
        tx,
        "case.assignment.override_request",
        "case_assignment",
        row.id,
        case,
        before={"status": "blocked"},
        after={"status": row.status, "rules": [f["rule"] for f in row.findings]},
        reason=reason,
    )
    return row


def approve_override(tx: Tx, approver: Principal, assignment_id: int) -> Assignment:
    """A second person holding ``assignment.override`` approves; never the one who asked."""
    row, case = _assignment(tx, approver, assignment_id)
    require_permission(approver, "assignment.override")
    if row.status != "override_requested":
        raise Conflict(f"assignment {row.id} is {row.status}: no override was requested")
    if row.override_requested_by == approver.user_id:
        raise PermissionDenied(
            "an override must be approved by a second person, not the one who asked for it"
        )
    row.status, row.override_approved_by = "overridden", approver.user_id
    _audit(
        tx,
        "case.assignment.override_approve",
        "case_assignment",
        row.id,
        case,
        before={"status": "override_requested"},
        after={
            "status": row.status,
            "rules": [f["rule"] for f in row.findings],
            "requested_by": row.override_requested_by,
        },
        reason=row.override_reason,
    )
    return row


def draw_assignment(
    tx: Tx,
    actor: Principal,
    case_id: int,
    *,
    kind: str,
    method: str | None = None,
    pollutant: str | None = None,
    count: int = 1,
    organisation_ids: Sequence[int] | None = None,
) -> list[Assignment]:
    """Draw ``count`` people at random from the inspector library after the same checks.

    A conflicted or unqualified person is excluded before ranking (and the
    exclusion recorded with its rule), so the draw cannot pick them. Ranking
    is HMAC-SHA256(seed, "staff:<id>") as for object draws; the seed, its
    commitment, the eligible and the excluded lists are audited with the draw,
    so :func:`verify_assignment_draw` recomputes it.
    """
    case = _case_for_write(tx, actor, case_id)
    _check_kind(case, kind)
    if not 1 <= count <= 10:
        raise ValidationError("count: 1 to 10 people", field="count")
    kinds = rules()["inspector_library"][kind]
    library = repository.inspector_library(tx.session, kinds, organisation_ids)
    on = today()
    eligible: list[str] = []
    excluded: list[dict[str, Any]] = []
    by_key = {}
    for staff in library:
        key = f"staff:{staff.id}"
        by_key[key] = staff
        found = checks.check(tx.session, staff, case.enterprise_id, method=method, pollutant=pollutant, on=on)
        if found:
            excluded.append({"staff": staff.id, "rules": [f.rule for f in found]})
        else:
            eligible.append(key)
    if len(eligible) < count:
        raise Conflict(
            f"{len(eligible)} eligible of {len(library)} in the inspector library, {count} needed",
            excluded=excluded,
        )
    seed = ranking.new_seed()
    ranked = sorted((ranking.score(seed, key), key) for key in eligible)
    record = {
        "seed": seed,
        "commitment": ranking.commitment(seed),
        "eligible": sorted(eligible),
        "excluded": excluded,
        "count": count,
        "picked": [key for _, key in ranked[:count]],
    }
    rows = []
    for rank, (score, key) in enumerate(ranked[:count], start=1):
        staff = by_key[key]
        row = Assignment(
            case_id=case.id,
            kind=kind,
            staff_id=staff.id,
            organisation_id=staff.organisation_id,
            method=method,
            pollutant=pollutant,
            status="assigned",
            findings=[],
            via_draw={**record, "rank": rank, "score": score},
            assigned_by=tx.ctx.actor_name,
            assigned_by_id=actor.user_id,
            created_at=utcnow(),
        )
        repository.add(tx.session, row)
        rows.append(row)
    _audit(
        tx,
        "case.assignment.draw",
        "case",
        case.id,
        case,
        after={
            "kind": kind,
            "method": method,
            "pollutant": pollutant,
            **record,
            "assignments": [r.id for r in rows],
        },
    )
    for row in rows:
        _audit(
            tx,
            "case.assignment.assign",
            "case_assignment",
            row.id,
            case,
            after={"kind": kind, "staff": row.staff_id, "status": row.status, "via_draw": True},
        )
    return rows


def verify_assignment_draw(via_draw: dict[str, Any]) -> list[str]:
    """Problems found recomputing an assignment draw from its record (empty: it checks out)."""
    problems = []
    if ranking.commitment(via_draw["seed"]) != via_draw["commitment"]:
        problems.append("the seed does not match its commitment")
    ranked = sorted((ranking.score(via_draw["seed"], key), key) for key in via_draw["eligible"])
    if [key for _, key in ranked[: via_draw["count"]]] != via_draw["picked"]:
        problems.append("the picked people differ from the recomputed ranking")
    excluded = {f"staff:{e['staff']}" for e in via_draw["excluded"]}
    if excluded & set(via_draw["picked"]):
        problems.append("an excluded person was picked")
    return problems


def declare_tie(
    tx: Tx, actor: Principal, *, staff_id: int, enterprise_id: int, kind: str, note: str = ""
) -> DeclaredTie:
    authorize(actor, "cases.write")
    if kind not in TIE_KINDS:
        raise ValidationError(f"kind {kind!r}: one of {', '.join(TIE_KINDS)}", field="kind")
    _staff(tx, staff_id)
    ent = _enterprise(tx, actor, enterprise_id)
    tie = DeclaredTie(
        staff_id=staff_id,
        enterprise_id=enterprise_id,
        kind=kind,
        note=note,
        declared_at=utcnow(),
        declared_by=tx.ctx.actor_name,
    )
    repository.add(tx.session, tie)
    tx.audit(
        "case.tie.declare",
        "declared_tie",
        tie.id,
        after={"staff": staff_id, "enterprise": enterprise_id, "kind": kind, "note": note},
        jurisdiction_code=ent.jurisdiction_code,
    )
    return tie


# --------------------------------------------------------------------------- supervision orders


def _recipients(tx: Tx, case: Case, order: SupervisionOrder) -> list[int]:
    return [
        *repository.users_of_organisation(tx.session, order.addressee_id),
        *repository.staff_users_at(tx.session, case.handling_jurisdiction_code, HANDLER_ROLES),
    ]


def _issue_order(tx: Tx, actor: Principal, case: Case, data: dict[str, Any]) -> SupervisionOrder:
    requirement = str(data.get("requirement") or "").strip()
    if not requirement:
        raise ValidationError("a supervision order states what must be done", field="requirement")
    raw = data.get("deadline")
    if not raw:
        raise ValidationError("a supervision order has a deadline", field="deadline")
    try:
        deadline = raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw))
    except ValueError:
        raise ValidationError(f"deadline {raw!r}: an ISO time with offset", field="deadline") from None
    deadline = ensure_utc(deadline if deadline.tzinfo else deadline.replace(tzinfo=CST))
    addressee = int(data.get("addressee_id") or case.enterprise_id)
    org = repository.get_organisation(tx.session, addressee)
    if org is None or org.kind not in ("enterprise", "contractor", "lab"):
        raise ValidationError(
            f"organisation {addressee}: orders go to an enterprise or contractor", field="addressee_id"
        )
    prefix = f"DB-{case.handling_jurisdiction_code}-{today().year}-"
    order = SupervisionOrder(
        case_id=case.id,
        number=f"{prefix}{repository.count_orders(tx.session, prefix) + 1:04d}",
        addressee_id=addressee,
        requirement=requirement,
        deadline=deadline,
        state="issued",
        issued_by=tx.ctx.actor_name,
        issued_at=utcnow(),
        answer_attachment_ids=[],
        escalation_level=0,
    )
    repository.add(tx.session, order)
    _audit(
        tx,
        "case.order.issue",
        "supervision_order",
        order.id,
        case,
        after={
            "number": order.number,
            "addressee": addressee,
            "deadline": deadline.isoformat(),
            "state": "issued",
        },
        organisation_id=addressee,
    )
    notify.send(
        tx,
        repository.users_of_organisation(tx.session, addressee),
        kind="case.order",
        title=f"督办单 {order.number} Supervision order",
        body=requirement,
        link=f"/orders/{order.id}",
        object_type="supervision_order",
        object_id=str(order.id),
        due_at=deadline,
    )
    return order


def get_order(tx: Tx, actor: Principal, order_id: int) -> tuple[SupervisionOrder, Case]:
    order = repository.get_order(tx.session, order_id)
    if order is None:
        raise NotFound(f"order {order_id} not found")
    case = repository.get_case(tx.session, order.case_id)
    assert case is not None
    authorize(actor, "orders.read")
    check_visible(actor, case.jurisdiction_code, order.addressee_id, f"order {order_id}")
    return order, case


def list_orders(tx: Tx, actor: Principal, *, open_only: bool = False) -> Sequence[SupervisionOrder]:
    authorize(actor, "orders.read")
    return repository.orders_scoped(tx.session, actor.scope, open_only=open_only)


def answer_order(
    tx: Tx, actor: Principal, order_id: int, *, text: str, attachment_ids: Sequence[int] = ()
) -> SupervisionOrder:
    """The addressee answers (staff may record an answer received on paper)."""
    order, case = get_order(tx, actor, order_id)
    if actor.role in OUTSIDE_ROLES:
        authorize(actor, "orders.answer")
        if actor.organisation_id != order.addressee_id:
            raise NotFound(f"order {order_id} not found")
    else:
        _case_for_write(tx, actor, case.id)
    if not text.strip():
        raise ValidationError("the answer states what was done", field="text")
    files = _own_attachments(tx, case, attachment_ids)
    before = order.state
    order.state = states.order_next("answer", order.state)
    order.answer_text, order.answer_attachment_ids = text, [a.id for a in files]
    order.answered_at, order.answered_by = utcnow(), tx.ctx.actor_name
    _audit(
        tx,
        "case.order.answer",
        "supervision_order",
        order.id,
        case,
        before={"state": before},
        after={
            "state": order.state,
            "late": order.answered_at > order.deadline,
            "attachments": [{"id": a.id, "name": a.name, "sha256": a.sha256} for a in files],
        },
        organisation_id=order.addressee_id,
    )
    return order


def decide_order(
    tx: Tx, actor: Principal, order_id: int, *, accept: bool, reason: str | None = None
) -> SupervisionOrder:
    order, case = get_order(tx, actor, order_id)
    _case_for_write(tx, actor, case.id)
    if not accept and not (reason or "").strip():
        raise ValidationError("returning an answer needs a reason", field="reason")
    before = order.state
    order.state = states.order_next("accept" if accept else "return", order.state)
    order.decided_at, order.decided_by = utcnow(), tx.ctx.actor_name
    if not accept:
        order.return_reason = reason
    _audit(
        tx,
        "case.order.accept" if accept else "case.order.return",
        "supervision_order",
        order.id,
        case,
        before={"state": before},
        after={"state": order.state},
        reason=reason,
        organisation_id=order.addressee_id,
    )
    if not accept:
        notify.send(
            tx,
            repository.users_of_organisation(tx.session, order.addressee_id),
            kind="case.order.returned",
            title=f"督办单 {order.number} 答复被退回 Answer returned",
            body=reason or "",
            link=f"/orders/{order.id}",
            object_type="supervision_order",
            object_id=str(order.id),
            due_at=order.deadline if order.deadline > utcnow() else None,
        )
    return order


def remind_orders(tx: Tx, now: datetime) -> int:
    """Remind addressees and handlers of open orders due within the reminder window, once."""
    hours = rules()["orders"]["remind_before_hours"]
    sent = 0
    for order in repository.open_orders_due_before(tx.session, now + timedelta(hours=hours)):
        if order.reminded_at is not None or order.deadline <= now:
            continue
        case = repository.get_case(tx.session, order.case_id)
        assert case is not None
        order.reminded_at = now
        notify.send(
            tx,
            _recipients(tx, case, order),
            kind="case.order.reminder",
            title=f"督办单 {order.number} 即将到期 Order due soon",
            body=order.requirement,
            link=f"/orders/{order.id}",
            object_type="supervision_order",
            object_id=str(order.id),
            due_at=order.deadline,
        )
        _audit(
            tx,
            "case.order.remind",
            "supervision_order",
            order.id,
            case,
            after={"deadline": order.deadline.isoformat()},
        )
        sent += 1
    return sent


def escalate_orders(tx: Tx, now: datetime) -> list[int]:
    """Escalate open overdue orders one level up; again after each escalation period while still open."""
    every = timedelta(hours=rules()["orders"]["escalate_every_hours"])
    escalated = []
    for order in repository.open_orders_due_before(tx.session, now):
        if order.escalated_at is not None and now - order.escalated_at < every:
            continue
        case = repository.get_case(tx.session, order.case_id)
        assert case is not None
        current = geo.get(tx.session, order.escalated_to or case.handling_jurisdiction_code)
        parent = current.parent_code if current is not None else None
        if parent is None:
            continue  # the top of the hierarchy already holds it
        before = {"level": order.escalation_level, "to": order.escalated_to}
        order.escalation_level += 1
        order.escalated_to, order.escalated_at = parent, now
        overdue_h = (now - order.deadline).total_seconds() / 3600
        _audit(
            tx,
            "case.order.escalate",
            "supervision_order",
            order.id,
            case,
            before=before,
            after={"level": order.escalation_level, "to": parent, "overdue_hours": round(overdue_h, 1)},
            reason=f"overdue since {order.deadline.isoformat()}",
        )
        notify.send(
            tx,
            [*repository.staff_users_at(tx.session, parent, HANDLER_ROLES), *_recipients(tx, case, order)],
            kind="case.order.escalated",
            title=f"督办单 {order.number} 逾期升级 Overdue order escalated",
            body=f"{case.number}: {order.requirement}",
            link=f"/cases/{case.id}",
            object_type="supervision_order",
            object_id=str(order.id),
        )
        escalated.append(order.id)
    return escalated


# --------------------------------------------------------------------------- inspection records


def record_inspection(
    tx: Tx,
    actor: Principal,
    case_id: int,
    *,
    inspected_at: datetime,
    place: str,
    inspectors: Sequence[str],
    items: Sequence[str],
    findings: str,
    enterprise_statement: str = "",
    photo_ids: Sequence[int] = (),
) -> InspectionRecord:
    case = _case_for_write(tx, actor, case_id)
    if case.state == "closed":
        raise Conflict(f"case {case.number} is closed")
    if len([i for i in inspectors if i.strip()]) < 1 or not findings.strip() or not place.strip():
        raise ValidationError("an inspection record names the inspectors, the place and the findings")
    photos = _own_attachments(tx, case, photo_ids)
    inspected_at = ensure_utc(inspected_at if inspected_at.tzinfo else inspected_at.replace(tzinfo=CST))
    content = {
        "case": case.number,
        "inspected_at": inspected_at.isoformat(),
        "place": place,
        "inspectors": list(inspectors),
        "items": list(items),
        "findings": findings,
        "enterprise_statement": enterprise_statement,
        "photos": [p.sha256 for p in photos],
    }
    rec = InspectionRecord(
        case_id=case.id,
        inspected_at=inspected_at,
        place=place,
        inspectors=list(inspectors),
        items=list(items),
        findings=findings,
        enterprise_statement=enterprise_statement,
        photo_ids=[p.id for p in photos],
        content_hash=canonical_hash(content),
        created_by=tx.ctx.actor_name,
        created_at=utcnow(),
    )
    repository.add(tx.session, rec)
    _audit(
        tx,
        "case.inspection.record",
        "inspection_record",
        rec.id,
        case,
        after={**content, "hash": rec.content_hash},
    )
    return rec


def signature_hash(rec: InspectionRecord, sig: Signature) -> str:
    return canonical_hash(
        {
            "record": rec.content_hash,
            "role": sig.role,
            "signer": sig.signer_name,
            "image": sig.image_sha256,
            "device_time": ensure_utc(sig.device_time).isoformat(),
            "server_time": ensure_utc(sig.server_time).isoformat(),
        }
    )


def sign_inspection(
    tx: Tx,
    actor: Principal,
    record_id: int,
    *,
    role: str,
    signer_name: str,
    image_id: int,
    device_time: datetime,
) -> Signature:
    rec = repository.get_inspection(tx.session, record_id)
    if rec is None:
        raise NotFound(f"inspection record {record_id} not found")
    case = _case_for_write(tx, actor, rec.case_id)
    if role not in SIGNER_ROLES:
        raise ValidationError(f"role {role!r}: one of {', '.join(SIGNER_ROLES)}", field="role")
    if not signer_name.strip():
        raise ValidationError("the signer's name", field="signer_name")
    (image,) = _own_attachments(tx, case, [image_id])
    sig = Signature(
        record_id=rec.id,
        role=role,
        signer_name=signer_name.strip(),
        image_id=image.id,
        image_sha256=image.sha256,
        device_time=ensure_utc(device_time if device_time.tzinfo else device_time.replace(tzinfo=CST)),
        server_time=utcnow(),
        hash="",
    )
    sig.hash = signature_hash(rec, sig)
    repository.add(tx.session, sig)
    _audit(
        tx,
        "case.inspection.sign",
        "inspection_record",
        rec.id,
        case,
        after={
            "signature": sig.id,
            "role": role,
            "signer": sig.signer_name,
            "image_sha256": image.sha256,
            "device_time": sig.device_time.isoformat(),
            "server_time": sig.server_time.isoformat(),
            "hash": sig.hash,
        },
    )
    return sig


# --------------------------------------------------------------------------- campaigns


def _campaign(tx: Tx, actor: Principal, campaign_id: int | None) -> Campaign:
    if campaign_id is None:
        raise ValidationError("a case from a campaign names the campaign", field="campaign_id")
    campaign = repository.get_campaign(tx.session, campaign_id)
    if campaign is None:
        raise NotFound(f"campaign {campaign_id} not found")
    check_visible(actor, campaign.jurisdiction_code, None, f"campaign {campaign_id}")
    return campaign


def get_campaign(tx: Tx, actor: Principal, campaign_id: int) -> tuple[Campaign, Sequence[int]]:
    authorize(actor, "cases.read")
    campaign = _campaign(tx, actor, campaign_id)
    return campaign, repository.campaign_targets(tx.session, campaign.id)


def list_campaigns(tx: Tx, actor: Principal) -> Sequence[Campaign]:
    authorize(actor, "cases.read")
    return repository.list_campaigns(tx.session, actor.scope)


def create_campaign(
    tx: Tx,
    actor: Principal,
    *,
    name: str,
    jurisdiction_code: str,
    period_start: date,
    period_end: date,
    enterprise_ids: Sequence[int],
    description: str = "",
) -> Campaign:
    authorize(actor, "campaigns.write")
    if geo.get(tx.session, jurisdiction_code) is None:
        raise ValidationError(f"jurisdiction {jurisdiction_code} does not exist", field="jurisdiction_code")
    if not actor.scope.sees_jurisdiction(jurisdiction_code):
        raise PermissionDenied("you may only run campaigns inside your own jurisdiction")
    if period_end < period_start:
        raise ValidationError("the period ends before it starts", field="period_end")
    targets = sorted(set(enterprise_ids))
    for eid in targets:
        ent = _enterprise(tx, actor, eid)
        if not in_subtree(ent.jurisdiction_code, jurisdiction_code):
            raise ValidationError(
                f"enterprise {eid} lies outside {jurisdiction_code}", field="enterprise_ids"
            )
    campaign = Campaign(
        name=name,
        jurisdiction_code=jurisdiction_code,
        period_start=period_start,
        period_end=period_end,
        description=description,
        created_at=utcnow(),
        created_by=tx.ctx.actor_name,
    )
    repository.add(tx.session, campaign)
    for eid in targets:
        tx.session.add(CampaignTarget(campaign_id=campaign.id, enterprise_id=eid))
    tx.session.flush()
    tx.audit(
        "campaign.create",
        "campaign",
        campaign.id,
        after={
            "name": name,
            "period": [period_start.isoformat(), period_end.isoformat()],
            "targets": targets,
        },
        jurisdiction_code=jurisdiction_code,
    )
    return campaign


def open_campaign_cases(tx: Tx, actor: Principal, campaign_id: int) -> list[Case]:
    """One case per target that has none in this campaign yet."""
    campaign, targets = get_campaign(tx, actor, campaign_id)
    opened = []
    for eid in targets:
        if repository.open_case_for(tx.session, eid, campaign.id) is not None:
            continue
        opened.append(
            open_case(
                tx,
                actor,
                enterprise_id=eid,
                source="campaign",
                title=campaign.name,
                source_ref=f"campaign:{campaign.id}",
                campaign_id=campaign.id,
            )
        )
    return opened


# --------------------------------------------------------------------------- board and KPIs


@dataclass
class Board:
    cases: Sequence[Case]
    kpis: kpis_module.Kpis
    overdue: Sequence[SupervisionOrder]


def board(tx: Tx, actor: Principal) -> Board:
    """Cases of the caller's jurisdiction, its KPIs and its overdue orders."""
    cases = list_cases(tx, actor)
    now = utcnow()
    orders = repository.orders_scoped(tx.session, actor.scope)
    in_cases = {c.id for c in cases}
    orders = [o for o in orders if o.case_id in in_cases]
    result = kpis_module.compute(
        cases,
        repository.steps_of_cases(tx.session, [c.id for c in cases]),
        orders,
        repository.order_notifications(tx.session, [o.id for o in orders]),
        now,
    )
    overdue = [o for o in orders if o.state in states.OPEN_ORDER_STATES and o.deadline < now]
    return Board(cases, result, overdue)
