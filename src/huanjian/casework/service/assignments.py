"""Assignments of monitoring and inspection: recusal and qualification checks,
overrides by a second person, assignment draws, declared ties."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from huanjian.access.policy import Principal, authorize, require_permission
from huanjian.casework import checks, repository
from huanjian.casework.models import (
    Assignment,
    Case,
    DeclaredTie,
    DrawCommitment,
)
from huanjian.casework.rules import TIE_KINDS, rules
from huanjian.casework.service.common import (
    ASSIGNMENT_KINDS,
    _audit,
    _case_for_write,
    _enterprise,
    get_case,
    today,
)
from huanjian.core.time import iso_cst, utcnow
from huanjian.core.tx import Tx
from huanjian.draw import ranking
from huanjian.errors import Conflict, NotFound, PermissionDenied, ValidationError

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


def _check_count(count: int) -> None:
    if not 1 <= count <= 10:
        raise ValidationError("count: 1 to 10 people", field="count")


def commit_assignment_draw(
    tx: Tx,
    actor: Principal,
    case_id: int,
    *,
    kind: str,
    method: str | None = None,
    pollutant: str | None = None,
    count: int = 1,
    organisation_ids: Sequence[int] | None = None,
    reason: str | None = None,
) -> DrawCommitment:
    """Generate the seed of an assignment draw and publish its SHA-256 (same commit–reveal as
    :mod:`huanjian.draw`): the draw then has to use this seed, so nobody can try seeds until one
    picks a preferred person. One open commitment per case and kind; another draw of a kind
    already drawn for the case states its reason (both are audited and shown)."""
    case = _case_for_write(tx, actor, case_id)
    _check_kind(case, kind)
    _check_count(count)
    same_kind = [c for c in repository.commitments_of(tx.session, case.id) if c.kind == kind]
    pending = [c for c in same_kind if c.drawn_at is None]
    if pending:
        raise Conflict(
            f"commitment {pending[0].id} of this case's {kind} draw is published and not drawn yet: "
            "draw with it",
            rule="draw.commitment_open",
        )
    if same_kind and not (reason or "").strip():
        raise ValidationError(
            f"this case already had a {kind} draw: state why it is drawn again", field="reason"
        )
    seed = ranking.new_seed()
    row = DrawCommitment(
        case_id=case.id,
        kind=kind,
        method=method,
        pollutant=pollutant,
        count=count,
        organisation_ids=list(organisation_ids) if organisation_ids is not None else None,
        seed=seed,
        commitment=ranking.commitment(seed),
        reason=reason,
        committed_by=tx.ctx.actor_name,
        committed_at=utcnow(),
    )
    repository.add(tx.session, row)
    _audit(
        tx,
        "case.assignment.draw.commit",
        "case",
        case.id,
        case,
        after={"commitment_id": row.id, "commitment": row.commitment, **_parameters(row)},
        reason=reason,
    )
    return row


def _parameters(c: DrawCommitment) -> dict[str, Any]:
    return {
        "kind": c.kind,
        "method": c.method,
        "pollutant": c.pollutant,
        "count": c.count,
        "organisation_ids": c.organisation_ids,
    }


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
    exclusion recorded with its rule), so the draw cannot pick them. The seed is
    the one committed beforehand (:func:`commit_assignment_draw`), with the same
    parameters; ranking is HMAC-SHA256(seed, "staff:<id>") as for object draws;
    the seed (revealed now), its commitment, the eligible and the excluded lists
    are audited with the draw, so :func:`verify_assignment_draw` recomputes it.
    """
    case = _case_for_write(tx, actor, case_id)
    _check_kind(case, kind)
    _check_count(count)
    pending = [
        c for c in repository.commitments_of(tx.session, case.id) if c.kind == kind and c.drawn_at is None
    ]
    if not pending:
        raise Conflict(
            f"publish the SHA-256 of the {kind} draw's seed first (commit), then draw",
            rule="draw.not_committed",
        )
    committed = pending[0]
    asked = {
        "kind": kind,
        "method": method,
        "pollutant": pollutant,
        "count": count,
        "organisation_ids": list(organisation_ids) if organisation_ids is not None else None,
    }
    if asked != _parameters(committed):
        raise Conflict(
            f"the draw's parameters differ from those committed with its seed ({_parameters(committed)})",
            rule="draw.parameters_changed",
        )
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
    seed = committed.seed
    committed.drawn_at, committed.drawn_by = utcnow(), tx.ctx.actor_name
    ranked = sorted((ranking.score(seed, key), key) for key in eligible)
    record = {
        "seed": seed,
        "commitment": committed.commitment,
        "commitment_id": committed.id,
        "committed_at": iso_cst(committed.committed_at),
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


def case_draws(tx: Tx, actor: Principal, case_id: int) -> list[dict[str, Any]]:
    """Every assignment-draw commitment of the case: the commitment always, the seed once
    drawn, and the verification of the draw (recomputed from the seed and the lists)."""
    case = get_case(tx, actor, case_id)
    assignments = repository.assignments_of(tx.session, case.id)
    out = []
    for c in repository.commitments_of(tx.session, case.id):
        drawn = [a for a in assignments if a.via_draw and a.via_draw.get("commitment_id") == c.id]
        problems: list[str] = []
        picked: list[str] = []
        if drawn:
            record = drawn[0].via_draw or {}
            picked = list(record["picked"])
            problems = verify_assignment_draw(record)
            if record["commitment"] != c.commitment or record["seed"] != c.seed:
                problems.append("the draw did not use the committed seed")
            if c.drawn_at is None or c.drawn_at < c.committed_at:
                problems.append("the draw is not recorded after its commitment")
        out.append(
            {
                "id": c.id,
                **_parameters(c),
                "commitment": c.commitment,
                "committed_by": c.committed_by,
                "committed_at": c.committed_at,
                "reason": c.reason,
                "drawn_at": c.drawn_at,
                "drawn_by": c.drawn_by,
                "seed": c.seed if c.drawn_at is not None else None,  # revealed by the draw
                "picked": picked,
                "assignments": [a.id for a in drawn],
                "problems": problems,
                "ok": c.drawn_at is not None and not problems,
            }
        )
    return out


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
