"""All SQL of random draws, including the read of the register that builds the object library."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from huanjian.core.scope import Scope, jurisdiction_filter, subtree_prefix
from huanjian.draw.models import RandomDraw
from huanjian.register.models import CreditGrade, Enterprise, Organisation


def add(session: Session, draw: RandomDraw) -> None:
    session.add(draw)
    session.flush()


def get(session: Session, draw_id: int) -> RandomDraw | None:
    return session.get(RandomDraw, draw_id)


def list_scoped(session: Session, scope: Scope, limit: int = 200) -> Sequence[RandomDraw]:
    stmt = select(RandomDraw).where(jurisdiction_filter(scope, RandomDraw.jurisdiction_code))
    return session.scalars(stmt.order_by(RandomDraw.id.desc()).limit(limit)).all()


def public(session: Session, limit: int = 200) -> Sequence[RandomDraw]:
    """Draws whose commitment has been made public (seed and result only once published)."""
    stmt = select(RandomDraw).where(RandomDraw.committed_at.is_not(None))
    return session.scalars(stmt.order_by(RandomDraw.committed_at.desc()).limit(limit)).all()


def object_library(session: Session, jurisdiction_code: str) -> list[dict[str, str | None]]:
    """Operating enterprises of the subtree with supervision class and latest official credit grade
    (``credit.consequences.draw_library`` adds published computed grades and risk on top)."""
    prefix = subtree_prefix(jurisdiction_code)
    rows = session.execute(
        select(Enterprise.id, Organisation.name, Organisation.credit_code, Enterprise.supervision_class)
        .join(Organisation, Organisation.id == Enterprise.id)
        .where(
            Organisation.jurisdiction_code.startswith(prefix, autoescape=True),
            Organisation.status == "operating",
        )
        .order_by(Enterprise.id)
    ).all()
    grades: dict[int, str] = {}
    ids = [row[0] for row in rows]
    for enterprise_id, grade in session.execute(
        select(CreditGrade.enterprise_id, CreditGrade.grade)
        .where(CreditGrade.enterprise_id.in_(ids))
        .order_by(CreditGrade.year, CreditGrade.published_date)
    ):
        grades[enterprise_id] = grade  # later years overwrite earlier ones
    return [
        {
            "id": code or f"E{eid}",
            "enterprise_id": str(eid),
            "name": name,
            "stratum": klass,
            "credit": grades.get(eid),
            "risk": "normal",
        }
        for eid, name, code, klass in rows
    ]
