"""All SQL of the credit domain's own tables (reads of other domains: ``sources``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from huanjian.core.scope import Scope, jurisdiction_filter
from huanjian.credit.models import (
    CreditEvaluation,
    CreditFinding,
    CreditItem,
    CreditObjection,
    CreditRun,
    CreditScheme,
    Filing,
    FilingChange,
    ServiceRecord,
    SupervisionClassDecision,
)
from huanjian.credit.scoring import INCOMPLETE
from huanjian.register.models import CreditGrade, EmissionAllowance, Enterprise, Organisation, Permit


def add(session: Session, obj: object) -> None:
    session.add(obj)
    session.flush()


# --------------------------------------------------------------------------- schemes


def latest_scheme(session: Session, scheme: str) -> CreditScheme | None:
    stmt = select(CreditScheme).where(CreditScheme.scheme == scheme).order_by(CreditScheme.version.desc())
    return session.scalars(stmt.limit(1)).first()


def scheme_versions(session: Session, scheme: str) -> Sequence[CreditScheme]:
    stmt = select(CreditScheme).where(CreditScheme.scheme == scheme).order_by(CreditScheme.version.desc())
    return session.scalars(stmt).all()


# --------------------------------------------------------------------------- subjects


def subjects(session: Session, kind: str) -> Sequence[Organisation]:
    stmt = select(Organisation).where(Organisation.kind == kind)
    if kind == "enterprise":
        stmt = stmt.where(Organisation.status == "operating")
    return session.scalars(stmt.order_by(Organisation.id)).all()


def filings_of(session: Session, org_ids: Sequence[int]) -> dict[int, Filing]:
    stmt = select(Filing).where(Filing.organisation_id.in_(list(org_ids)))
    return {f.organisation_id: f for f in session.scalars(stmt)}


# --------------------------------------------------------------------------- runs and evaluations


def get_run(session: Session, run_id: int) -> CreditRun | None:
    return session.get(CreditRun, run_id)


def runs(
    session: Session, scheme: str | None = None, period: str | None = None, limit: int = 200
) -> Sequence[CreditRun]:
    stmt = select(CreditRun)
    if scheme:
        stmt = stmt.where(CreditRun.scheme == scheme)
    if period:
        stmt = stmt.where(CreditRun.period == period)
    return session.scalars(stmt.order_by(CreditRun.id.desc()).limit(limit)).all()


def current_runs(
    session: Session, scheme: str, period: str, jurisdiction_code: str | None = None
) -> Sequence[CreditRun]:
    """Runs not superseded of a scheme and period over one area (``None``: the whole city)."""
    area = (
        CreditRun.jurisdiction_code.is_(None)
        if jurisdiction_code is None
        else CreditRun.jurisdiction_code == jurisdiction_code
    )
    stmt = select(CreditRun).where(
        CreditRun.scheme == scheme, CreditRun.period == period, CreditRun.status != "superseded", area
    )
    return session.scalars(stmt).all()


def evaluations(session: Session, run_id: int, scope: Scope | None = None) -> Sequence[CreditEvaluation]:
    stmt = select(CreditEvaluation).where(CreditEvaluation.run_id == run_id)
    if scope is not None:
        stmt = stmt.where(
            jurisdiction_filter(scope, CreditEvaluation.jurisdiction_code, CreditEvaluation.organisation_id)
        )
    return session.scalars(stmt.order_by(CreditEvaluation.score.desc(), CreditEvaluation.id)).all()


def get_evaluation(session: Session, evaluation_id: int) -> CreditEvaluation | None:
    return session.get(CreditEvaluation, evaluation_id)


def items(session: Session, evaluation_id: int) -> Sequence[CreditItem]:
    stmt = select(CreditItem).where(CreditItem.evaluation_id == evaluation_id).order_by(CreditItem.id)
    return session.scalars(stmt).all()


def drop_adjustments(session: Session, evaluation_id: int) -> None:
    session.execute(
        delete(CreditItem).where(
            CreditItem.evaluation_id == evaluation_id, CreditItem.rule.startswith("adjust:")
        )
    )


def history(session: Session, organisation_id: int) -> Sequence[tuple[CreditEvaluation, CreditRun]]:
    stmt = (
        select(CreditEvaluation, CreditRun)
        .join(CreditRun, CreditRun.id == CreditEvaluation.run_id)
        .where(CreditEvaluation.organisation_id == organisation_id)
        .order_by(CreditRun.period.desc(), CreditRun.id.desc())
    )
    return [(e, r) for e, r in session.execute(stmt)]


def published(
    session: Session, scheme: str | None = None, grades: Sequence[str] | None = None
) -> Sequence[tuple[CreditEvaluation, CreditRun, Organisation]]:
    """Graded evaluations of published runs (public information); incomplete ones are not grades."""
    stmt = (
        select(CreditEvaluation, CreditRun, Organisation)
        .join(CreditRun, CreditRun.id == CreditEvaluation.run_id)
        .join(Organisation, Organisation.id == CreditEvaluation.organisation_id)
        .where(CreditRun.status == "published", CreditEvaluation.grade != INCOMPLETE)
    )
    if scheme:
        stmt = stmt.where(CreditRun.scheme == scheme)
    if grades:
        stmt = stmt.where(
            func.coalesce(CreditEvaluation.repaired_grade, CreditEvaluation.grade).in_(list(grades))
        )
    stmt = stmt.order_by(CreditRun.period.desc(), CreditRun.scheme, CreditEvaluation.score.desc())
    return [(e, r, o) for e, r, o in session.execute(stmt.limit(2000))]


def latest_published(
    session: Session, scheme: str, organisation_id: int
) -> tuple[CreditEvaluation, CreditRun] | None:
    stmt = (
        select(CreditEvaluation, CreditRun)
        .join(CreditRun, CreditRun.id == CreditEvaluation.run_id)
        .where(
            CreditRun.scheme == scheme,
            CreditRun.status == "published",
            CreditEvaluation.organisation_id == organisation_id,
            CreditEvaluation.grade != INCOMPLETE,
        )
        .order_by(CreditRun.period.desc(), CreditRun.kind.asc(), CreditRun.id.desc())
    )
    row = session.execute(stmt.limit(1)).first()
    return (row[0], row[1]) if row else None


def latest_evaluation(
    session: Session, scheme: str, organisation_id: int
) -> tuple[CreditEvaluation, CreditRun] | None:
    """The newest evaluation of a current (draft or published) run, graded or not."""
    stmt = (
        select(CreditEvaluation, CreditRun)
        .join(CreditRun, CreditRun.id == CreditEvaluation.run_id)
        .where(
            CreditRun.scheme == scheme,
            CreditRun.status != "superseded",
            CreditEvaluation.organisation_id == organisation_id,
        )
        .order_by(CreditRun.period.desc(), CreditRun.id.desc())
    )
    row = session.execute(stmt.limit(1)).first()
    return (row[0], row[1]) if row else None


def official_grade(session: Session, enterprise_id: int) -> CreditGrade | None:
    stmt = (
        select(CreditGrade)
        .where(CreditGrade.enterprise_id == enterprise_id)
        .order_by(CreditGrade.year.desc(), CreditGrade.published_date.desc())
    )
    return session.scalars(stmt.limit(1)).first()


# --------------------------------------------------------------------------- objections and repairs


def objections(session: Session, evaluation_id: int) -> Sequence[CreditObjection]:
    stmt = (
        select(CreditObjection)
        .where(CreditObjection.evaluation_id == evaluation_id)
        .order_by(CreditObjection.id)
    )
    return session.scalars(stmt).all()


def open_objections(session: Session, run_id: int) -> int:
    stmt = (
        select(func.count(CreditObjection.id))
        .join(CreditEvaluation, CreditEvaluation.id == CreditObjection.evaluation_id)
        .where(
            CreditEvaluation.run_id == run_id,
            CreditObjection.state == "open",
            CreditObjection.kind == "objection",
        )
    )
    return int(session.scalar(stmt) or 0)


def get_objection(session: Session, objection_id: int) -> CreditObjection | None:
    return session.get(CreditObjection, objection_id)


# ------------------------------------------------------------------ findings, filings, service records


def findings(session: Session, scope: Scope, organisation_id: int | None = None) -> Sequence[CreditFinding]:
    stmt = select(CreditFinding).where(
        jurisdiction_filter(scope, CreditFinding.jurisdiction_code, CreditFinding.organisation_id)
    )
    if organisation_id is not None:
        stmt = stmt.where(CreditFinding.organisation_id == organisation_id)
    return session.scalars(stmt.order_by(CreditFinding.occurred_on.desc()).limit(500)).all()


def filing_list(session: Session, scope: Scope) -> Sequence[Filing]:
    stmt = select(Filing).where(jurisdiction_filter(scope, Filing.jurisdiction_code, Filing.organisation_id))
    return session.scalars(stmt.order_by(Filing.id)).all()


def filing_of(session: Session, organisation_id: int) -> Filing | None:
    return session.scalars(select(Filing).where(Filing.organisation_id == organisation_id)).first()


def get_filing(session: Session, filing_id: int) -> Filing | None:
    return session.get(Filing, filing_id)


def filing_changes(session: Session, filing_id: int) -> Sequence[FilingChange]:
    stmt = select(FilingChange).where(FilingChange.filing_id == filing_id).order_by(FilingChange.id)
    return session.scalars(stmt).all()


def filed_organisations(session: Session) -> Sequence[Filing]:
    return session.scalars(select(Filing).where(Filing.status == "filed")).all()


def last_business(session: Session, organisation_id: int) -> date | None:
    stmt = select(func.max(ServiceRecord.performed_on)).where(
        ServiceRecord.organisation_id == organisation_id
    )
    return session.scalar(stmt)


def service_records(
    session: Session, scope: Scope, organisation_id: int | None = None, limit: int = 500
) -> Sequence[ServiceRecord]:
    stmt = select(ServiceRecord).where(
        jurisdiction_filter(scope, ServiceRecord.jurisdiction_code, ServiceRecord.organisation_id)
    )
    if organisation_id is not None:
        stmt = stmt.where(ServiceRecord.organisation_id == organisation_id)
    return session.scalars(stmt.order_by(ServiceRecord.id.desc()).limit(limit)).all()


# --------------------------------------------------------------------------- supervision class


def class_decision(session: Session, enterprise_id: int) -> SupervisionClassDecision | None:
    stmt = select(SupervisionClassDecision).where(SupervisionClassDecision.enterprise_id == enterprise_id)
    return session.scalars(stmt).first()


def permit_facts(session: Session, enterprise_id: int, year: int) -> tuple[list[str], float]:
    """Permit classes held and the permitted annual amount (t) of ``year``: the emissions input."""
    classes = list(session.scalars(select(Permit.permit_class).where(Permit.enterprise_id == enterprise_id)))
    amount = session.scalar(
        select(func.sum(EmissionAllowance.amount_t))
        .join(Permit, Permit.id == EmissionAllowance.permit_id)
        .where(Permit.enterprise_id == enterprise_id, EmissionAllowance.year == year)
    )
    return classes, float(amount or 0.0)


def enterprise(session: Session, enterprise_id: int) -> Enterprise | None:
    return session.get(Enterprise, enterprise_id)


def organisation(session: Session, organisation_id: int) -> Organisation | None:
    return session.get(Organisation, organisation_id)


def organisation_by_code(session: Session, credit_code: str) -> Organisation | None:
    return session.scalars(select(Organisation).where(Organisation.credit_code == credit_code)).first()
