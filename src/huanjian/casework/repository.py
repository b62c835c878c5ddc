"""All SQL of casework, including its reads of the register, users, notifications and the audit trail."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import String, and_, case, cast, exists, func, or_, select
from sqlalchemy.orm import Session

from huanjian.access.models import User
from huanjian.audit.models import AuditEntry
from huanjian.casework.models import (
    Assignment,
    Attachment,
    Campaign,
    CampaignTarget,
    Case,
    CaseStep,
    DeclaredTie,
    DrawCommitment,
    DutyRule,
    InspectionRecord,
    Signature,
    SupervisionOrder,
)
from huanjian.core.scope import Scope, jurisdiction_filter
from huanjian.core.time import ensure_utc
from huanjian.notify.models import Notification
from huanjian.register.models import Certificate, Logger, Organisation, Outlet, ServiceContract, Staff

#: Audit object types that belong to a case's trail (object ids are of that type).
TRAIL_TYPES = ("case", "case_attachment", "case_assignment", "supervision_order", "inspection_record")


def add(session: Session, obj: object) -> None:
    session.add(obj)
    session.flush()


# --------------------------------------------------------------------------- cases


def get_case(session: Session, case_id: int) -> Case | None:
    return session.get(Case, case_id)


def list_cases(
    session: Session,
    scope: Scope,
    *,
    state: str | None = None,
    enterprise_id: int | None = None,
    limit: int = 500,
) -> Sequence[Case]:
    stmt = select(Case).where(jurisdiction_filter(scope, Case.jurisdiction_code))
    if state:
        stmt = stmt.where(Case.state == state)
    if enterprise_id is not None:
        stmt = stmt.where(Case.enterprise_id == enterprise_id)
    return session.scalars(stmt.order_by(Case.id.desc()).limit(limit)).all()


def count_numbers(session: Session, prefix: str) -> int:
    stmt = select(func.count()).select_from(Case).where(Case.number.startswith(prefix, autoescape=True))
    return int(session.scalar(stmt) or 0)


def steps_of(session: Session, case_id: int) -> Sequence[CaseStep]:
    return session.scalars(select(CaseStep).where(CaseStep.case_id == case_id).order_by(CaseStep.seq)).all()


def steps_of_cases(session: Session, case_ids: Sequence[int]) -> Sequence[CaseStep]:
    if not case_ids:
        return []
    stmt = select(CaseStep).where(CaseStep.case_id.in_(list(case_ids)))
    return session.scalars(stmt.order_by(CaseStep.case_id, CaseStep.seq)).all()


def last_seq(session: Session, case_id: int) -> int:
    return int(session.scalar(select(func.max(CaseStep.seq)).where(CaseStep.case_id == case_id)) or 0)


# --------------------------------------------------------------------------- attachments


def attachments_of(session: Session, case_id: int) -> Sequence[Attachment]:
    stmt = select(Attachment).where(Attachment.case_id == case_id).order_by(Attachment.id)
    return session.scalars(stmt).all()


def get_attachment(session: Session, attachment_id: int) -> Attachment | None:
    return session.get(Attachment, attachment_id)


# --------------------------------------------------------------------------- assignments


def assignments_of(session: Session, case_id: int) -> Sequence[Assignment]:
    stmt = select(Assignment).where(Assignment.case_id == case_id).order_by(Assignment.id)
    return session.scalars(stmt).all()


def get_assignment(session: Session, assignment_id: int) -> Assignment | None:
    return session.get(Assignment, assignment_id)


def commitments_of(session: Session, case_id: int) -> Sequence[DrawCommitment]:
    stmt = select(DrawCommitment).where(DrawCommitment.case_id == case_id)
    return session.scalars(stmt.order_by(DrawCommitment.id)).all()


def get_staff(session: Session, staff_id: int) -> Staff | None:
    return session.get(Staff, staff_id)


def get_organisation(session: Session, organisation_id: int) -> Organisation | None:
    return session.get(Organisation, organisation_id)


def certificates_of(session: Session, staff_ids: Sequence[int]) -> Sequence[Certificate]:
    if not staff_ids:
        return []
    stmt = select(Certificate).where(Certificate.staff_id.in_(list(staff_ids))).order_by(Certificate.id)
    return session.scalars(stmt).all()


def contracts_since(
    session: Session, provider_ids: Sequence[int], enterprise_id: int, since: date
) -> Sequence[ServiceContract]:
    """Contracts of these providers with the enterprise in force on or after ``since``."""
    if not provider_ids:
        return []
    stmt = select(ServiceContract).where(
        ServiceContract.provider_id.in_(list(provider_ids)),
        ServiceContract.enterprise_id == enterprise_id,
        or_(ServiceContract.valid_until.is_(None), ServiceContract.valid_until >= since),
    )
    return session.scalars(stmt.order_by(ServiceContract.valid_from)).all()


def ties_of(
    session: Session, staff_ids: Sequence[int], enterprise_id: int, on: date
) -> Sequence[DeclaredTie]:
    if not staff_ids:
        return []
    stmt = select(DeclaredTie).where(
        DeclaredTie.staff_id.in_(list(staff_ids)),
        DeclaredTie.enterprise_id == enterprise_id,
        or_(DeclaredTie.valid_until.is_(None), DeclaredTie.valid_until >= on),
    )
    return session.scalars(stmt.order_by(DeclaredTie.id)).all()


def inspector_library(
    session: Session, kinds: Sequence[str], organisation_ids: Sequence[int] | None
) -> Sequence[Staff]:
    stmt = (
        select(Staff)
        .join(Organisation, Organisation.id == Staff.organisation_id)
        .where(Organisation.kind.in_(list(kinds)), Organisation.status == "operating")
    )
    if organisation_ids:
        stmt = stmt.where(Staff.organisation_id.in_(list(organisation_ids)))
    return session.scalars(stmt.order_by(Staff.id)).all()


# --------------------------------------------------------------------------- orders


def orders_of(session: Session, case_id: int) -> Sequence[SupervisionOrder]:
    stmt = select(SupervisionOrder).where(SupervisionOrder.case_id == case_id).order_by(SupervisionOrder.id)
    return session.scalars(stmt).all()


def get_order(session: Session, order_id: int) -> SupervisionOrder | None:
    return session.get(SupervisionOrder, order_id)


def count_orders(session: Session, prefix: str) -> int:
    stmt = (
        select(func.count())
        .select_from(SupervisionOrder)
        .where(SupervisionOrder.number.startswith(prefix, autoescape=True))
    )
    return int(session.scalar(stmt) or 0)


def orders_scoped(session: Session, scope: Scope, *, open_only: bool = False) -> Sequence[SupervisionOrder]:
    """Orders of cases in the scope, and orders addressed to the scope's own organisations."""
    stmt = (
        select(SupervisionOrder)
        .join(Case, Case.id == SupervisionOrder.case_id)
        .where(jurisdiction_filter(scope, Case.jurisdiction_code, SupervisionOrder.addressee_id))
    )
    if open_only:
        stmt = stmt.where(SupervisionOrder.state.in_(("issued", "returned")))
    return session.scalars(stmt.order_by(SupervisionOrder.deadline)).all()


def next_deadlines(session: Session, case_ids: Sequence[int]) -> dict[int, datetime]:
    """Earliest deadline of each case's open supervision orders (cases without one are left out)."""
    if not case_ids:
        return {}
    stmt = (
        select(SupervisionOrder.case_id, func.min(SupervisionOrder.deadline))
        .where(
            SupervisionOrder.case_id.in_(list(case_ids)), SupervisionOrder.state.in_(("issued", "returned"))
        )
        .group_by(SupervisionOrder.case_id)
    )
    return {int(case_id): ensure_utc(deadline) for case_id, deadline in session.execute(stmt)}


def open_orders_due_before(session: Session, moment: datetime) -> Sequence[SupervisionOrder]:
    stmt = select(SupervisionOrder).where(
        SupervisionOrder.state.in_(("issued", "returned")), SupervisionOrder.deadline <= moment
    )
    return session.scalars(stmt.order_by(SupervisionOrder.id)).all()


# --------------------------------------------------------------------------- inspections


def inspections_of(session: Session, case_id: int) -> Sequence[InspectionRecord]:
    stmt = select(InspectionRecord).where(InspectionRecord.case_id == case_id).order_by(InspectionRecord.id)
    return session.scalars(stmt).all()


def get_inspection(session: Session, record_id: int) -> InspectionRecord | None:
    return session.get(InspectionRecord, record_id)


def signatures_of(session: Session, record_ids: Sequence[int]) -> Sequence[Signature]:
    if not record_ids:
        return []
    stmt = select(Signature).where(Signature.record_id.in_(list(record_ids))).order_by(Signature.id)
    return session.scalars(stmt).all()


# --------------------------------------------------------------------------- duty split, ties, campaigns


def duty_rules(session: Session, codes: Sequence[str], level: str) -> Sequence[DutyRule]:
    stmt = select(DutyRule).where(
        DutyRule.jurisdiction_code.in_(list(codes)), DutyRule.supervising_level == level
    )
    return session.scalars(stmt).all()


def duty_rule(session: Session, code: str, level: str) -> DutyRule | None:
    stmt = select(DutyRule).where(DutyRule.jurisdiction_code == code, DutyRule.supervising_level == level)
    return session.scalars(stmt).first()


def list_duty_rules(session: Session, scope: Scope) -> Sequence[DutyRule]:
    stmt = select(DutyRule).where(jurisdiction_filter(scope, DutyRule.jurisdiction_code))
    return session.scalars(stmt.order_by(DutyRule.jurisdiction_code, DutyRule.supervising_level)).all()


def get_campaign(session: Session, campaign_id: int) -> Campaign | None:
    return session.get(Campaign, campaign_id)


def list_campaigns(session: Session, scope: Scope) -> Sequence[Campaign]:
    stmt = select(Campaign).where(jurisdiction_filter(scope, Campaign.jurisdiction_code))
    return session.scalars(stmt.order_by(Campaign.id.desc())).all()


def campaign_targets(session: Session, campaign_id: int) -> Sequence[int]:
    stmt = select(CampaignTarget.enterprise_id).where(CampaignTarget.campaign_id == campaign_id)
    return session.scalars(stmt.order_by(CampaignTarget.enterprise_id)).all()


def open_case_for(session: Session, enterprise_id: int, campaign_id: int) -> Case | None:
    stmt = select(Case).where(Case.enterprise_id == enterprise_id, Case.campaign_id == campaign_id)
    return session.scalars(stmt).first()


# --------------------------------------------------------------------------- people to notify


def users_of_organisation(session: Session, organisation_id: int) -> Sequence[int]:
    stmt = select(User.id).where(User.organisation_id == organisation_id, User.active.is_(True))
    return session.scalars(stmt).all()


def staff_users_at(session: Session, jurisdiction_code: str, roles: Sequence[str]) -> Sequence[int]:
    """Active staff whose jurisdiction is exactly this code (the unit at that level)."""
    stmt = select(User.id).where(
        User.jurisdiction_code == jurisdiction_code, User.role.in_(list(roles)), User.active.is_(True)
    )
    return session.scalars(stmt).all()


# --------------------------------------------------------------------------- KPIs and trail


def order_notifications(session: Session, order_ids: Sequence[int]) -> Sequence[Notification]:
    if not order_ids:
        return []
    stmt = select(Notification).where(
        Notification.object_type == "supervision_order",
        Notification.object_id.in_([str(i) for i in order_ids]),
    )
    return session.scalars(stmt.order_by(Notification.id)).all()


def audit_trail(session: Session, objects: Mapping[str, Sequence[int]]) -> Sequence[AuditEntry]:
    clauses = [
        and_(AuditEntry.object_type == kind, AuditEntry.object_id.in_([str(i) for i in ids]))
        for kind, ids in objects.items()
        if ids
    ]
    if not clauses:
        return []
    return session.scalars(select(AuditEntry).where(or_(*clauses)).order_by(AuditEntry.id)).all()


def audit_entry(session: Session, entry_id: int) -> AuditEntry | None:
    return session.get(AuditEntry, entry_id)


# --------------------------------------------------------------------------- evidence


def monitored_outlets(session: Session, enterprise_id: int) -> Sequence[tuple[int, str]]:
    """(id, outlet code) of the enterprise's outlets with a data logger: those with automatic data."""
    stmt = (
        select(Outlet.id, Outlet.outlet_code)
        .where(Outlet.enterprise_id == enterprise_id, Outlet.id.in_(select(Logger.outlet_id)))
        .order_by(Outlet.id)
    )
    return [(int(i), str(code)) for i, code in session.execute(stmt)]


# --------------------------------------------------------------------------- KPIs


def kpi_counts(session: Session, scope: Scope, now: datetime) -> dict[str, Any]:
    """The aggregates of the KPIs (casework/kpis.py) over every case in the scope, in SQL."""
    in_scope = jurisdiction_filter(scope, Case.jurisdiction_code)
    by_state = dict(
        session.execute(select(Case.state, func.count()).where(in_scope).group_by(Case.state)).all()
    )
    by_handler = dict(
        session.execute(
            select(Case.handling_jurisdiction_code, func.count())
            .where(in_scope)
            .group_by(Case.handling_jurisdiction_code)
        ).all()
    )
    left_verification = exists().where(CaseStep.case_id == Case.id, CaseStep.from_state == "verification")
    verified = session.scalar(
        select(func.count()).where(in_scope, or_(Case.outcome == "rejected", left_verification))
    )
    closure_days = [
        (ensure_utc(closed) - ensure_utc(opened)).total_seconds() / 86400
        for opened, closed in session.execute(
            select(Case.opened_at, Case.closed_at).where(in_scope, Case.closed_at.is_not(None))
        )
        if closed is not None
    ]
    is_open = SupervisionOrder.state.in_(("issued", "returned"))
    orders = session.execute(
        select(
            func.coalesce(func.sum(case((is_open, 1), else_=0)), 0),
            func.coalesce(func.sum(case((and_(is_open, SupervisionOrder.deadline < now), 1), else_=0)), 0),
        )
        .join(Case, Case.id == SupervisionOrder.case_id)
        .where(in_scope)
    ).one()
    n = Notification
    acked, due = n.acknowledged_at.is_not(None), n.due_at.is_not(None)
    counted = and_(due, or_(acked, n.due_at < now))
    late = and_(due, or_(and_(acked, n.acknowledged_at > n.due_at), and_(~acked, n.due_at < now)))
    notes = session.execute(
        select(
            func.count(n.id),
            func.coalesce(func.sum(case((acked, 1), else_=0)), 0),
            func.coalesce(func.sum(case((counted, 1), else_=0)), 0),
            func.coalesce(func.sum(case((late, 1), else_=0)), 0),
        )
        .join(
            SupervisionOrder,
            and_(n.object_type == "supervision_order", n.object_id == cast(SupervisionOrder.id, String)),
        )
        .join(Case, Case.id == SupervisionOrder.case_id)
        .where(in_scope)
    ).one()
    return {
        "by_state": {str(k): int(v) for k, v in by_state.items()},
        "by_handler": {str(k): int(v) for k, v in by_handler.items()},
        "verified": int(verified or 0),
        "closure_days": closure_days,
        "open_orders": int(orders[0]),
        "overdue_orders": int(orders[1]),
        "notifications": int(notes[0]),
        "acknowledged": int(notes[1]),
        "with_deadline": int(notes[2]),
        "late": int(notes[3]),
    }
