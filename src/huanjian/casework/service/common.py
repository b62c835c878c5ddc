"""Shared helpers of the case actions: dates, hashes, snapshots, audit, reading cases."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from huanjian.access.policy import Principal, authorize, check_visible
from huanjian.casework import repository
from huanjian.casework.models import (
    Assignment,
    Attachment,
    Campaign,
    Case,
    CaseStep,
    InspectionRecord,
    Signature,
    SupervisionOrder,
)
from huanjian.core.time import CST, utcnow
from huanjian.core.tx import Tx
from huanjian.errors import NotFound, PermissionDenied, ValidationError
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


def _enterprise(tx: Tx, actor: Principal, enterprise_id: int) -> Enterprise:
    ent = register.get_enterprise(tx.session, enterprise_id)
    if ent is None:
        raise NotFound(f"enterprise {enterprise_id} not found")
    check_visible(actor, ent.jurisdiction_code, None, f"enterprise {enterprise_id}")
    return ent


def _campaign(tx: Tx, actor: Principal, campaign_id: int | None) -> Campaign:
    if campaign_id is None:
        raise ValidationError("a case from a campaign names the campaign", field="campaign_id")
    campaign = repository.get_campaign(tx.session, campaign_id)
    if campaign is None:
        raise NotFound(f"campaign {campaign_id} not found")
    check_visible(actor, campaign.jurisdiction_code, None, f"campaign {campaign_id}")
    return campaign
