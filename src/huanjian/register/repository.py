"""All SQL of the source register (except the version table: ``history``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Text, cast, func, or_, select
from sqlalchemy.orm import Session

from huanjian.core.scope import Scope, jurisdiction_filter, subtree_prefix
from huanjian.register.models import (
    EnforcementObject,
    Enterprise,
    Logger,
    Organisation,
    RegisterVersion,
    ServiceContract,
)


def add(session: Session, obj: object) -> None:
    session.add(obj)
    session.flush()


def organisation_by_code(session: Session, credit_code: str) -> Organisation | None:
    return session.scalars(select(Organisation).where(Organisation.credit_code == credit_code)).first()


def organisations_by_codes(session: Session, codes: Sequence[str]) -> Sequence[Organisation]:
    if not codes:
        return []
    return session.scalars(select(Organisation).where(Organisation.credit_code.in_(list(codes)))).all()


def list_organisations(session: Session, scope: Scope, kind: str | None = None) -> Sequence[Organisation]:
    """Service organisations are visible to all staff; enterprises by jurisdiction."""
    clauses = [jurisdiction_filter(scope, Organisation.jurisdiction_code, Organisation.id)]
    if not scope.organisation_ids:  # staff
        clauses.append(Organisation.kind != "enterprise")
    stmt = select(Organisation).where(or_(*clauses))
    if kind:
        stmt = stmt.where(Organisation.kind == kind)
    return session.scalars(stmt.order_by(Organisation.kind, Organisation.name)).all()


def served_enterprise_ids(session: Session, provider_id: int, on: date) -> tuple[int, ...]:
    stmt = select(ServiceContract.enterprise_id).where(
        ServiceContract.provider_id == provider_id,
        ServiceContract.valid_from <= on,
        or_(ServiceContract.valid_until.is_(None), ServiceContract.valid_until >= on),
    )
    return tuple(sorted(set(session.scalars(stmt))))


def get_enterprise(session: Session, enterprise_id: int) -> Enterprise | None:
    return session.get(Enterprise, enterprise_id)


def search_enterprises(
    session: Session,
    scope: Scope,
    *,
    q: str | None,
    district: str | None,
    limit: int,
    offset: int,
) -> tuple[int, Sequence[Enterprise]]:
    stmt = (
        select(Enterprise)
        .join(Organisation, Organisation.id == Enterprise.id)
        .where(jurisdiction_filter(scope, Organisation.jurisdiction_code, Organisation.id))
    )
    if district:
        stmt = stmt.where(
            Organisation.jurisdiction_code.startswith(subtree_prefix(district), autoescape=True)
        )
    text = (q or "").strip()
    if text:
        upper = text.upper()
        by_mn = select(Logger.enterprise_id).where(Logger.mn.startswith(upper, autoescape=True))
        stmt = stmt.where(
            or_(
                Organisation.name.contains(text, autoescape=True),
                cast(Organisation.former_names, Text).contains(text, autoescape=True),
                Organisation.credit_code.startswith(upper, autoescape=True),
                Enterprise.id.in_(by_mn),
            )
        )
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Organisation.name).limit(limit).offset(offset)).all()
    return total, rows


def enforcement_objects_of(session: Session, enterprise_id: int) -> Sequence[EnforcementObject]:
    stmt = select(EnforcementObject).where(EnforcementObject.enterprise_id == enterprise_id)
    return session.scalars(stmt.order_by(EnforcementObject.object_code)).all()


def enforcement_objects(
    session: Session, scope: Scope, *, status: str | None, limit: int
) -> Sequence[EnforcementObject]:
    stmt = select(EnforcementObject).where(jurisdiction_filter(scope, EnforcementObject.jurisdiction_code))
    if status:
        stmt = stmt.where(EnforcementObject.status == status)
    return session.scalars(stmt.order_by(EnforcementObject.object_code).limit(limit)).all()


def get_enforcement_object(session: Session, object_id: int) -> EnforcementObject | None:
    return session.get(EnforcementObject, object_id)


def batch_scopes(session: Session, batch_id: int) -> Sequence[tuple[str | None, int | None]]:
    stmt = (
        select(RegisterVersion.jurisdiction_code, RegisterVersion.enterprise_id)
        .where(RegisterVersion.batch_id == batch_id)
        .distinct()
    )
    return [(r[0], r[1]) for r in session.execute(stmt)]
