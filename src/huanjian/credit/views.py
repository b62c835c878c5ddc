"""Read models shared by the API, the pages and the CLI."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from huanjian.access.policy import Principal
from huanjian.core.scope import in_subtree
from huanjian.core.tx import Tx
from huanjian.credit import consequences, repository, service
from huanjian.credit.scoring import INCOMPLETE
from huanjian.errors import NotFound


def organisation(tx: Tx, actor: Principal, organisation_id: int) -> dict[str, Any]:
    """An organisation's credit page: grades with provenance, history, filing, consequences."""
    history = service.organisation_history(tx, actor, organisation_id)
    org = repository.organisation(tx.session, organisation_id)
    assert org is not None
    scheme = org.kind if org.kind in ("enterprise", "lab", "contractor") else None
    if scheme is None:
        raise NotFound(f"organisation {organisation_id} is not rated")
    effective = consequences.effective_grade(tx.session, scheme, org.id)
    provisional = consequences.provisional_grade(tx.session, scheme, org.id)
    out: dict[str, Any] = {
        "organisation": {"id": org.id, "name": org.name, "kind": org.kind, "credit_code": org.credit_code},
        "effective": asdict(effective) if effective else None,
        "provisional": asdict(provisional) if provisional else None,
        "incomplete": consequences.incompleteness(tx.session, scheme, org.id),
        "history": [
            {
                "evaluation_id": e.id,
                "run_id": r.id,
                "period": r.period,
                "kind": r.kind,
                "status": r.status,
                "score": e.score,
                "grade": e.grade,
                "repaired_grade": e.repaired_grade,
                "veto": e.veto,
                "coverage": e.details.get("coverage"),
                "missing": e.details.get("missing", []),
                "scheme_version": r.scheme_version,
            }
            for e, r in history
        ],
    }
    if scheme == "enterprise":
        decision = repository.class_decision(tx.session, org.id)
        if decision is not None:
            out["supervision_class"] = {
                "computed": decision.computed_class,
                "rule": decision.rule,
                "override": decision.override_class,
                "override_reason": decision.override_reason,
                "effective": decision.effective_class,
            }
        rate, why = consequences.draw_rate(tx.session, org.id)
        out["draw_rate"] = {"rate": rate, "why": why}
    else:
        f = repository.filing_of(tx.session, org.id)
        out["filing"] = (
            {
                "id": f.id,
                "status": f.status,
                "jurisdiction_code": f.jurisdiction_code,
                "reason": f.suspended_reason,
            }
            if f
            else None
        )
        out["intensity"] = consequences.intensity(tx.session, org.id)
    return out


def ranking(
    tx: Tx, actor: Principal, scheme: str, period: str | None, jurisdiction: str | None
) -> dict[str, Any]:
    """Evaluations of the newest run of a scheme (and period), best first, within the actor's scope.
    With a jurisdiction, that jurisdiction's own run when it has one, else the city-wide run's rows."""
    runs = [
        r
        for r in service.list_runs(tx, actor, scheme)
        if r.status != "superseded" and (not period or r.period == period)
    ]
    own = [r for r in runs if jurisdiction and r.jurisdiction_code == jurisdiction]
    runs = own or [r for r in runs if r.jurisdiction_code is None] or runs
    if not runs:
        return {"run": None, "rows": []}
    run = runs[0]
    rows: list[dict[str, Any]] = []
    for e in service.run_evaluations(tx, actor, run.id):
        if jurisdiction and not in_subtree(e.jurisdiction_code, jurisdiction):
            continue
        org = repository.organisation(tx.session, e.organisation_id)
        rows.append(
            {"e": e, "name": org.name if org else "?", "credit_code": org.credit_code if org else None}
        )
    rows.sort(key=lambda row: row["e"].grade == INCOMPLETE)  # stable: graded by score first
    return {"run": run, "rows": rows}
