"""All SQL of the jurisdiction hierarchy."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from huanjian.core.scope import Scope, jurisdiction_filter, subtree_prefix
from huanjian.geo.models import Jurisdiction


def get(session: Session, code: str) -> Jurisdiction | None:
    return session.get(Jurisdiction, code)


def existing_codes(session: Session, codes: Sequence[str]) -> dict[str, Jurisdiction]:
    rows = session.scalars(select(Jurisdiction).where(Jurisdiction.code.in_(codes))).all()
    return {row.code: row for row in rows}


def list_scoped(
    session: Session, scope: Scope, parent: str | None = None, level: str | None = None
) -> Sequence[Jurisdiction]:
    stmt = select(Jurisdiction).where(jurisdiction_filter(scope, Jurisdiction.code))
    if parent is not None:
        stmt = stmt.where(Jurisdiction.parent_code == parent)
    if level is not None:
        stmt = stmt.where(Jurisdiction.level == level)
    return session.scalars(stmt.order_by(Jurisdiction.code)).all()


def subtree(session: Session, code: str) -> Sequence[Jurisdiction]:
    prefix = subtree_prefix(code)
    stmt = select(Jurisdiction).where(Jurisdiction.code.startswith(prefix, autoescape=True))
    return session.scalars(stmt.order_by(Jurisdiction.code)).all()


def add_all(session: Session, rows: Sequence[Jurisdiction]) -> None:
    session.add_all(rows)
    session.flush()
