"""What grades do, as data (``consequences.json``): supervision class, draw rates,
intensity of supervision of labs and contractors, public lists.

Which grade counts: an **official** grade imported into the register
(``credit_grade``) stays authoritative where one exists; otherwise the
latest **published** computed grade; a provisional (unpublished) grade
never has consequences. Every answer carries its provenance.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from huanjian.access.policy import Principal, authorize, check_visible
from huanjian.core.time import utcnow
from huanjian.core.tx import Tx
from huanjian.credit import repository, schemes
from huanjian.credit.models import SupervisionClassDecision
from huanjian.credit.scoring import INCOMPLETE
from huanjian.draw import ranking
from huanjian.errors import NotFound, ValidationError
from huanjian.register import service as register
from huanjian.register.models import Enterprise
from huanjian.register.rules import PERMIT_CLASS_ORDER, SUPERVISION_CLASSES


@dataclass(frozen=True, slots=True)
class Grade:
    grade: str
    source: str  # official | published | provisional
    provenance: str


def effective_grade(session: Session, scheme: str, organisation_id: int) -> Grade | None:
    if scheme == "enterprise":
        official = repository.official_grade(session, organisation_id)
        if official is not None:
            return Grade(
                official.grade,
                "official",
                f"{official.source}, {official.year}, published {official.published_date}",
            )
    row = repository.latest_published(session, scheme, organisation_id)
    if row is not None:
        ev, run = row
        return Grade(
            ev.repaired_grade or ev.grade,
            "published",
            f"computed: {scheme} run {run.id} ({run.period}, {run.kind}), scheme v{run.scheme_version}, "
            f"published {run.published_at:%Y-%m-%d}" + (" — repaired" if ev.repaired_grade else ""),
        )
    return None


def provisional_grade(session: Session, scheme: str, organisation_id: int) -> Grade | None:
    for ev, run in repository.history(session, organisation_id):
        if run.scheme == scheme and run.status == "draft" and ev.grade != INCOMPLETE:
            return Grade(ev.grade, "provisional", f"computed, not published: run {run.id} ({run.period})")
    return None


def incompleteness(session: Session, scheme: str, organisation_id: int) -> dict[str, Any] | None:
    """When the newest evaluation could not be graded: its run, its coverage and what lacked data."""
    row = repository.latest_evaluation(session, scheme, organisation_id)
    if row is None or row[0].grade != INCOMPLETE:
        return None
    ev, run = row
    return {
        "evaluation_id": ev.id,
        "run_id": run.id,
        "period": run.period,
        "coverage": ev.details.get("coverage"),
        "min_share": ev.details.get("min_share"),
        "missing": ev.details.get("missing", []),
    }


# --------------------------------------------------------------------------- supervision class


def _matches(when: dict[str, Any], facts: dict[str, Any]) -> bool:
    for key, allowed in when.items():
        if key == "emissions_t_at_least":
            if facts["emissions_t"] < float(allowed):
                return False
        elif facts.get(key) not in allowed:
            return False
    return True


def class_for(facts: dict[str, Any], rules: dict[str, Any] | None = None) -> tuple[str, str]:
    """(class, which rule chose it) for facts permit_class, emissions_t, risk, credit."""
    table = (rules or schemes.consequences())["supervision_class"]["rules"]
    for i, rule in enumerate(table, start=1):
        if _matches(rule["when"], facts):
            return str(
                rule["class"]
            ), f"rule {i} {rule['when'] or '(otherwise)'} → {rule['class']} ({rule['source']})"
    return "general", "no rule matched"


RISKS = ("high", "normal", "low")


def risk_of(ent: Enterprise, decision: SupervisionClassDecision | None) -> tuple[str, str]:
    """(risk, where it came from): a manual value given on a decision stands; otherwise the
    register's environmental-risk level through ``consequences.json`` ``risk``."""
    if decision is not None and str(decision.inputs.get("risk_source", "")).startswith("manual"):
        return decision.risk, str(decision.inputs["risk_source"])
    table = schemes.consequences()["risk"]
    level = ent.environmental_risk
    if level is None:
        return str(table["not_assessed"]), "register: environmental risk not assessed"
    risk = str(table["from_environmental_risk"][level])
    return risk, f"register: environmental risk {level} (HJ 941-2018) → {risk}"


def facts(session: Session, ent: Enterprise, year: int, risk: tuple[str, str]) -> dict[str, Any]:
    classes, emissions = repository.permit_facts(session, ent.id, year)
    strongest = next((c for c in PERMIT_CLASS_ORDER if c in classes), None)
    grade = effective_grade(session, "enterprise", ent.id)
    return {
        "permit_class": strongest,
        "emissions_t": emissions,
        "emissions_source": f"permitted annual amount {year} (t), the register's allowances",
        "environmental_risk": ent.environmental_risk,
        "risk": risk[0],
        "risk_source": risk[1],
        "credit": grade.grade if grade else None,
        "credit_provenance": grade.provenance if grade else "no official or published grade",
    }


def classify(
    tx: Tx, actor: Principal, enterprise_id: int, *, risk: str | None = None, apply: bool = True
) -> SupervisionClassDecision:
    """Compute the class from the rule; apply it to the register unless an override stands.

    ``risk`` given here is a manual input that stands until another is given; without it the
    register's environmental-risk level decides (:func:`risk_of`)."""
    authorize(actor, "credit.classify")
    ent = repository.enterprise(tx.session, enterprise_id)
    if ent is None:
        raise NotFound(f"enterprise {enterprise_id} not found")
    check_visible(actor, ent.jurisdiction_code, ent.id, f"enterprise {enterprise_id}")
    decision = repository.class_decision(tx.session, enterprise_id)
    if risk is not None and risk not in RISKS:
        raise ValidationError("risk: high, normal or low", field="risk")
    given = (risk, f"manual: {tx.ctx.actor_name}") if risk else risk_of(ent, decision)
    f = facts(tx.session, ent, utcnow().year, given)
    risk = given[0]
    klass, rule = class_for(f)
    before = {"class": decision.effective_class} if decision else None
    if decision is None:
        decision = SupervisionClassDecision(
            enterprise_id=enterprise_id,
            jurisdiction_code=ent.jurisdiction_code,
            computed_class=klass,
            rule=rule,
            inputs=f,
            risk=risk,
            decided_at=utcnow(),
        )
        repository.add(tx.session, decision)
    else:
        decision.computed_class, decision.rule, decision.inputs, decision.risk = klass, rule, f, risk
        decision.decided_at = utcnow()
    tx.audit(
        "credit.class.compute",
        "enterprise",
        enterprise_id,
        before=before,
        after={"computed": klass, "effective": decision.effective_class, "rule": rule, "inputs": f},
        jurisdiction_code=ent.jurisdiction_code,
        organisation_id=ent.id,
    )
    if apply:
        _apply(tx, actor, ent.id, ent.supervision_class, decision)
    return decision


def override(
    tx: Tx, actor: Principal, enterprise_id: int, klass: str | None, reason: str
) -> SupervisionClassDecision:
    """A manual class (``None`` lifts the override); needs a reason; applied to the register."""
    authorize(actor, "credit.classify")
    if klass is not None and klass not in SUPERVISION_CLASSES:
        raise ValidationError(f"class {klass!r}: one of {', '.join(SUPERVISION_CLASSES)}", field="class")
    if not reason.strip():
        raise ValidationError("an override needs a reason", field="reason")
    ent = repository.enterprise(tx.session, enterprise_id)
    if ent is None:
        raise NotFound(f"enterprise {enterprise_id} not found")
    check_visible(actor, ent.jurisdiction_code, ent.id, f"enterprise {enterprise_id}")
    decision = repository.class_decision(tx.session, enterprise_id)
    if decision is None:
        decision = classify(tx, actor, enterprise_id, apply=False)
    before = {"override": decision.override_class, "effective": decision.effective_class}
    decision.override_class, decision.override_reason, decision.override_by = klass, reason, tx.ctx.actor_name
    tx.audit(
        "credit.class.override",
        "enterprise",
        enterprise_id,
        before=before,
        after={"override": klass, "effective": decision.effective_class},
        reason=reason,
        jurisdiction_code=ent.jurisdiction_code,
        organisation_id=ent.id,
    )
    _apply(tx, actor, ent.id, ent.supervision_class, decision)
    return decision


def _apply(
    tx: Tx, actor: Principal, enterprise_id: int, current: str, decision: SupervisionClassDecision
) -> None:
    if current != decision.effective_class:
        why = "override" if decision.override_class else decision.rule
        register.edit_enterprise(
            tx, actor, enterprise_id, {"supervision_class": decision.effective_class}, f"credit: {why}"[:250]
        )


def get_decision(tx: Tx, actor: Principal, enterprise_id: int) -> SupervisionClassDecision:
    authorize(actor, "credit.read")
    decision = repository.class_decision(tx.session, enterprise_id)
    if decision is None:
        raise NotFound(f"no supervision class decision for enterprise {enterprise_id}")
    check_visible(actor, decision.jurisdiction_code, decision.enterprise_id, f"enterprise {enterprise_id}")
    return decision


# --------------------------------------------------------------------------- draw rates


def draw_candidate(session: Session, enterprise_id: int) -> ranking.Candidate:
    """The draw's candidate for an enterprise, with the credit grade that counts and its risk."""
    ent = repository.enterprise(session, enterprise_id)
    if ent is None:
        raise NotFound(f"enterprise {enterprise_id} not found")
    decision = repository.class_decision(session, enterprise_id)
    grade = effective_grade(session, "enterprise", enterprise_id)
    stratum = decision.effective_class if decision else ent.supervision_class
    return ranking.Candidate(
        ent.credit_code or f"E{ent.id}",
        stratum,
        grade.grade if grade else None,
        risk_of(ent, decision)[0],
    )


def draw_rate(session: Session, enterprise_id: int) -> tuple[float, str]:
    """The per-quarter draw rate the draw's rules (``draw/rates.json``) give this enterprise."""
    c = draw_candidate(session, enterprise_id)
    rate = ranking.adjusted_rate(c, ranking.default_rules())
    return rate, f"class {c.stratum}, credit {c.credit or '-'}, risk {c.risk} → {rate:.4g} per quarter"


def draw_library(session: Session, library: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Overlay a draw library (``draw.repository.object_library``) with the class, grade and risk
    that count here, and where each came from: the credit grade is the imported official grade
    where one exists, else the latest published computed grade, else none; never a provisional
    or incomplete evaluation."""
    out = []
    for entry in library:
        eid = int(entry["enterprise_id"])
        ent = repository.enterprise(session, eid)
        if ent is None:
            raise NotFound(f"enterprise {eid} not found")
        decision = repository.class_decision(session, eid)
        grade = effective_grade(session, "enterprise", eid)
        risk, risk_source = risk_of(ent, decision)
        out.append(
            {
                **entry,
                "stratum": decision.effective_class if decision else ent.supervision_class,
                "credit": grade.grade if grade else None,
                "credit_source": grade.source if grade else None,
                "credit_provenance": grade.provenance if grade else "no official or published grade",
                "risk": risk,
                "risk_source": risk_source,
            }
        )
    return out


# --------------------------------------------------------------------------- labs and contractors


def intensity(session: Session, organisation_id: int) -> dict[str, Any]:
    """Inspection frequency, share of reports re-checked, spot comparisons — by grade; unfiled first."""
    table = schemes.consequences()["intensity"]
    org = repository.organisation(session, organisation_id)
    if org is None or org.kind not in ("lab", "contractor"):
        raise NotFound(f"lab or contractor {organisation_id} not found")
    filing = repository.filing_of(session, organisation_id)
    if filing is None or filing.status != "filed":
        key, why = "unfiled", "not filed" if filing is None else f"filing {filing.status}"
    else:
        grade = effective_grade(session, org.kind, organisation_id)
        key, why = (grade.grade, grade.provenance) if grade else ("ungraded", "no published grade")
    return {
        "level": key,
        "why": why,
        **table[key],
        "source": table["source"],
        "confidence": table["confidence"],
    }


def public_lists(session: Session) -> dict[str, list[dict[str, Any]]]:
    """Published grades, and the red and poor lists (published information only)."""
    lists = schemes.consequences()["public_lists"]
    rows: dict[str, list[dict[str, Any]]] = {"published": [], "red": [], "poor": []}
    seen: set[tuple[str, int]] = set()
    for ev, run, org in repository.published(session):
        if (run.scheme, org.id) in seen:
            continue  # latest period first: one line per organisation and scheme
        seen.add((run.scheme, org.id))
        grade = ev.repaired_grade or ev.grade
        row = {
            "scheme": run.scheme,
            "period": run.period,
            "kind": run.kind,
            "name": org.name,
            "credit_code": org.credit_code,
            "grade": grade,
            "score": ev.score,
            "jurisdiction_code": ev.jurisdiction_code,
            "published_at": run.published_at,
        }
        rows["published"].append(row)
        for name in ("red", "poor"):
            if grade == name and grade in lists.get(run.scheme, []):
                rows[name].append(row)
    return rows
