"""Credit actions: scheme versions, runs, self-assessment, objections, repair, publication.

Each state change is audited in its transaction. A run freezes the scheme body
it used; its evaluations are provisional until the run is published, and the
items of each evaluation name the stored objects that moved the score.
"""

from __future__ import annotations

import calendar
import copy
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from huanjian.access.policy import Principal, authorize, check_visible, require_permission
from huanjian.core.scope import in_subtree, subtree_prefix
from huanjian.core.time import CST, utcnow
from huanjian.core.tx import Tx
from huanjian.credit import repository, schemes, scoring, sources
from huanjian.credit.models import CreditEvaluation, CreditItem, CreditObjection, CreditRun, CreditScheme
from huanjian.errors import Conflict, NotFound, PermissionDenied, ValidationError
from huanjian.geo import repository as geo


def today() -> date:
    return utcnow().astimezone(CST).date()


@dataclass(frozen=True, slots=True)
class Period:
    text: str
    kind: str  # final (a year) | provisional (a month)
    start: date
    end: date

    @property
    def annual(self) -> bool:
        return self.kind == "final"


def parse_period(text: str) -> Period:
    """``2026`` → the year, a final run; ``2026-10`` → the month, a provisional run."""
    try:
        if len(text) == 4:
            year = int(text)
            return Period(text, "final", date(year, 1, 1), date(year, 12, 31))
        if len(text) == 7 and text[4] == "-":
            year, month = int(text[:4]), int(text[5:])
            last = calendar.monthrange(year, month)[1]
            return Period(text, "provisional", date(year, month, 1), date(year, month, last))
    except ValueError:
        pass
    raise ValidationError(f"period {text!r}: expected a year (2026) or a month (2026-10)", field="period")


# --------------------------------------------------------------------------- schemes


def current_scheme(tx: Tx, scheme: str) -> tuple[int, dict[str, Any]]:
    """(version, body): the newest stored version, else the shipped default (version 1)."""
    row = repository.latest_scheme(tx.session, scheme)
    if row is not None:
        return row.version, copy.deepcopy(row.body)
    return 1, copy.deepcopy(schemes.builtin(scheme))


def scheme_versions(tx: Tx, actor: Principal, scheme: str) -> list[dict[str, Any]]:
    authorize(actor, "credit.read")
    schemes.builtin(scheme)  # validates the name
    rows: list[dict[str, Any]] = [
        {"version": r.version, "reason": r.reason, "created_at": r.created_at, "created_by": r.created_by}
        for r in repository.scheme_versions(tx.session, scheme)
    ]
    rows.append({"version": 1, "reason": "shipped default", "created_at": None, "created_by": "huanjian"})
    return rows


def edit_scheme(tx: Tx, actor: Principal, scheme: str, body: dict[str, Any], reason: str) -> CreditScheme:
    """Store a new version; the previous ones stay, and runs keep the body they used."""
    require_permission(actor, "scheme.edit")
    if not reason.strip():
        raise ValidationError("a scheme change needs a reason", field="reason")
    schemes.validate(scheme, body)
    version, before = current_scheme(tx, scheme)
    if body == before:
        raise Conflict(f"the {scheme} scheme already reads like this (version {version})")
    row = CreditScheme(
        scheme=scheme,
        version=version + 1,
        body=body,
        reason=reason,
        created_at=utcnow(),
        created_by=tx.ctx.actor_name,
    )
    repository.add(tx.session, row)
    changed = sorted(k for k in {*before, *body} if before.get(k) != body.get(k))
    tx.audit(
        "credit.scheme.edit",
        "credit_scheme",
        row.id,
        before={"version": version, "changed": {k: before.get(k) for k in changed}},
        after={"version": row.version, "changed": {k: body.get(k) for k in changed}},
        reason=reason,
    )
    return row


# --------------------------------------------------------------------------- runs


def _jurisdiction(org_jurisdiction: str | None, filing_jurisdiction: str | None) -> str | None:
    return filing_jurisdiction or org_jurisdiction


def _area(tx: Tx, actor: Principal, jurisdiction: str | None) -> None:
    """Who may run or publish over an area: the city (or the platform) for the whole city;
    for a district or town, anyone whose jurisdiction contains it."""
    if jurisdiction is None:
        roots = actor.scope.jurisdiction_roots
        if not actor.scope.everything and not any(len(subtree_prefix(r)) <= 2 for r in roots):
            raise PermissionDenied(
                "a city-wide credit run is started and published by the city bureau; "
                "a district runs its own with --jurisdiction"
            )
        return
    if geo.get(tx.session, jurisdiction) is None:
        raise ValidationError(f"jurisdiction {jurisdiction} does not exist", field="jurisdiction_code")
    if not actor.scope.sees_jurisdiction(jurisdiction):
        raise PermissionDenied(f"jurisdiction {jurisdiction} is outside yours")


def _in_area(actor: Principal, code: str | None, organisation_id: int, jurisdiction: str | None) -> bool:
    if jurisdiction is None:  # city-wide: subjects without a jurisdiction are the city's
        return code is None or actor.scope.sees(code, organisation_id)
    return code is not None and in_subtree(code, jurisdiction)


def run(
    tx: Tx,
    actor: Principal,
    scheme: str,
    period: str,
    *,
    jurisdiction: str | None = None,
    now: datetime | None = None,
) -> CreditRun:
    """Evaluate every subject of the scheme for the period, city-wide or in one jurisdiction's
    subtree; earlier unpublished runs of the same scheme, period and area are superseded."""
    authorize(actor, "credit.run")
    _area(tx, actor, jurisdiction)
    p = parse_period(period)
    version, body = current_scheme(tx, scheme)
    now = now or utcnow()
    for old in repository.current_runs(tx.session, scheme, p.text, jurisdiction):
        if old.status == "draft":
            old.status = "superseded"
    everyone = repository.subjects(tx.session, schemes.SUBJECT_KIND[scheme])
    filings = repository.filings_of(tx.session, [s.id for s in everyone])
    area = {
        s.id: _jurisdiction(s.jurisdiction_code, f.jurisdiction_code if (f := filings.get(s.id)) else None)
        for s in everyone
    }
    subjects = [s for s in everyone if _in_area(actor, area[s.id], s.id, jurisdiction)]
    ids = [s.id for s in subjects]
    lookback = date(p.start.year - 1, 1, 1)
    events = sources.events(tx.session, scheme, ids, lookback, p.end, now)
    measures = sources.contractor_measures(tx.session, ids, p.start, p.end) if scheme == "contractor" else {}
    r = CreditRun(
        scheme=scheme,
        period=p.text,
        kind=p.kind,
        jurisdiction_code=jurisdiction,
        scheme_version=version,
        scheme_body=body,
        status="draft",
        inputs={
            "start": p.start.isoformat(),
            "end": p.end.isoformat(),
            "now": now.isoformat(),
            "subjects": len(ids),
            "jurisdiction": jurisdiction or "city-wide",
        },
        started_at=utcnow(),
        started_by=tx.ctx.actor_name,
    )
    repository.add(tx.session, r)
    unconfirmed = schemes.unconfirmed(body)
    grades: dict[str, int] = {}
    for s in subjects:
        m = measures.get(s.id)
        result = scoring.evaluate(
            body,
            events.get(s.id, []),
            m.parts if m else {},
            p.start,
            p.end,
            annual=p.annual,
            subject=("organisation", str(s.id)),
        )
        details: dict[str, Any] = {
            "unconfirmed_rules": unconfirmed,
            "coverage": result.coverage,
            "min_share": scoring.min_share(body),
            "missing": result.missing,
        }
        if m is not None:
            details["stations"] = _stations(body, m)
        ev = CreditEvaluation(
            run_id=r.id,
            organisation_id=s.id,
            jurisdiction_code=area[s.id],
            score=result.score,
            grade=result.grade,
            veto=result.veto,
            details=details,
        )
        repository.add(tx.session, ev)
        tx.session.add_all(_item(ev.id, ln) for ln in result.lines)
        grades[result.grade] = grades.get(result.grade, 0) + 1
    tx.session.flush()
    tx.audit(
        "credit.run",
        "credit_run",
        r.id,
        after={
            "scheme": scheme,
            "period": p.text,
            "kind": p.kind,
            "jurisdiction": jurisdiction,
            "version": version,
            "grades": grades,
        },
        jurisdiction_code=jurisdiction,
    )
    return r


def _stations(body: dict[str, Any], m: sources.ContractorMeasures) -> list[dict[str, Any]]:
    out = []
    for st in sorted(m.stations.values(), key=lambda s: s.outlet_id):
        code, why = scoring.health_code(
            body["health_code"], st.effective, len(st.failed_comparisons), len(st.anomalies)
        )
        out.append(
            {
                "outlet_id": st.outlet_id,
                "outlet": st.name,
                "health_code": code,
                "why": why,
                "failed_comparisons": st.failed_comparisons,
                "check_in_anomalies": st.anomalies,
                "effective_transmission": st.effective,
            }
        )
    return out


def _item(evaluation_id: int, ln: scoring.Line) -> CreditItem:
    return CreditItem(
        evaluation_id=evaluation_id,
        rule=ln.rule,
        group=ln.group,
        points=round(ln.points, 6),
        explanation=ln.explanation,
        object_type=ln.object_type,
        object_id=ln.object_id,
        occurred_on=ln.occurred_on,
    )


def _line(item: CreditItem) -> scoring.Line:
    return scoring.Line(
        item.rule,
        item.group,
        item.points,
        item.explanation,
        item.object_type,
        item.object_id,
        item.occurred_on,
        excluded=item.excluded_reason is not None,
    )


def rescore(tx: Tx, ev: CreditEvaluation, run_: CreditRun) -> scoring.Result:
    """Settle the evaluation again from its stored items (after an exclusion)."""
    kept = [i for i in repository.items(tx.session, ev.id) if not i.rule.startswith("adjust:")]
    result = scoring.settle(run_.scheme_body, [_line(i) for i in kept])
    repository.drop_adjustments(tx.session, ev.id)
    tx.session.add_all(_item(ev.id, ln) for ln in result.lines if ln.rule.startswith("adjust:"))
    ev.score, ev.veto = result.score, result.veto
    if run_.status == "published":
        ev.repaired_grade = result.grade if result.grade != ev.grade else None
    else:
        ev.grade = result.grade
    tx.session.flush()
    return result


def _sees_run(actor: Principal, r: CreditRun) -> bool:
    """A city-wide run is seen by all staff (its evaluations are filtered by scope); a district's
    run by those whose jurisdiction overlaps it (above it or inside it)."""
    if r.jurisdiction_code is None or actor.scope.sees_jurisdiction(r.jurisdiction_code):
        return True
    return any(in_subtree(root, r.jurisdiction_code) for root in actor.scope.jurisdiction_roots)


def get_run(tx: Tx, actor: Principal, run_id: int) -> CreditRun:
    authorize(actor, "credit.runs")
    r = repository.get_run(tx.session, run_id)
    if r is None or not _sees_run(actor, r):
        raise NotFound(f"credit run {run_id} not found")
    return r


def list_runs(tx: Tx, actor: Principal, scheme: str | None = None) -> Sequence[CreditRun]:
    authorize(actor, "credit.runs")
    return [r for r in repository.runs(tx.session, scheme) if _sees_run(actor, r)]


def run_evaluations(tx: Tx, actor: Principal, run_id: int) -> Sequence[CreditEvaluation]:
    get_run(tx, actor, run_id)
    return repository.evaluations(tx.session, run_id, actor.scope)


def get_evaluation(tx: Tx, actor: Principal, evaluation_id: int) -> CreditEvaluation:
    authorize(actor, "credit.read")
    ev = repository.get_evaluation(tx.session, evaluation_id)
    if ev is None:
        raise NotFound(f"evaluation {evaluation_id} not found")
    check_visible(actor, ev.jurisdiction_code, ev.organisation_id, f"evaluation {evaluation_id}")
    return ev


def publish(tx: Tx, actor: Principal, run_id: int) -> CreditRun:
    """Publish after self-assessment and objections: no objection may still be open."""
    authorize(actor, "credit.review")
    r = get_run(tx, actor, run_id)
    _area(tx, actor, r.jurisdiction_code)
    if r.status != "draft":
        raise Conflict(f"run {run_id} is {r.status}; only a draft run can be published")
    if (n := repository.open_objections(tx.session, run_id)) > 0:
        raise Conflict(f"run {run_id} has {n} open objection(s); decide them before publishing")
    for old in repository.current_runs(tx.session, r.scheme, r.period, r.jurisdiction_code):
        if old.id != r.id and old.status == "published":
            old.status = "superseded"
    r.status, r.published_at, r.published_by = "published", utcnow(), tx.ctx.actor_name
    tx.audit(
        "credit.publish",
        "credit_run",
        r.id,
        before={"status": "draft"},
        after={"status": "published"},
        jurisdiction_code=r.jurisdiction_code,
    )
    return r


def find_run(tx: Tx, scheme: str, period: str, jurisdiction: str | None = None) -> CreditRun:
    """The draft (else the published) run of a scheme and period over one area (``None``: the city)."""
    runs = list(repository.current_runs(tx.session, scheme, parse_period(period).text, jurisdiction))
    if not runs:
        where = f" in {jurisdiction}" if jurisdiction else " city-wide"
        raise NotFound(f"no {scheme} run for {period}{where}")
    return max(runs, key=lambda r: (r.status == "draft", r.id))


# ------------------------------------------------------------------ self-assessment, objection, repair


def _own_or_staff(actor: Principal, ev: CreditEvaluation) -> None:
    authorize(actor, "credit.respond")
    if actor.organisation_id is not None and actor.organisation_id != ev.organisation_id:
        raise NotFound(f"evaluation {ev.id} not found")


def self_assess(tx: Tx, actor: Principal, evaluation_id: int, score: float, note: str) -> CreditEvaluation:
    ev = get_evaluation(tx, actor, evaluation_id)
    _own_or_staff(actor, ev)
    r = repository.get_run(tx.session, ev.run_id)
    if r is None or r.status != "draft":
        raise Conflict("self-assessment is only possible before publication")
    before = {"self_score": ev.self_score}
    ev.self_score, ev.self_note, ev.self_assessed_at = score, note, utcnow()
    tx.audit(
        "credit.self_assess",
        "credit_evaluation",
        ev.id,
        before=before,
        after={"self_score": score, "note": note},
        jurisdiction_code=ev.jurisdiction_code,
        organisation_id=ev.organisation_id,
    )
    return ev


def _item_of(tx: Tx, ev: CreditEvaluation, item_id: int | None) -> CreditItem | None:
    if item_id is None:
        return None
    item = tx.session.get(CreditItem, item_id)
    if item is None or item.evaluation_id != ev.id:
        raise ValidationError(f"item {item_id} is not part of evaluation {ev.id}", field="item_id")
    return item


def object_to(
    tx: Tx, actor: Principal, evaluation_id: int, text: str, item_id: int | None = None
) -> CreditObjection:
    """Feedback step: the rated organisation objects to its evaluation or to one item."""
    ev = get_evaluation(tx, actor, evaluation_id)
    _own_or_staff(actor, ev)
    r = repository.get_run(tx.session, ev.run_id)
    if r is None or r.status != "draft":
        raise Conflict("objections are taken before publication; after it, ask for credit repair")
    return _file(tx, ev, "objection", text, _item_of(tx, ev, item_id))


def request_repair(tx: Tx, actor: Principal, evaluation_id: int, item_id: int, text: str) -> CreditObjection:
    """Credit repair: after rectification, ask that one deduction stop counting."""
    ev = get_evaluation(tx, actor, evaluation_id)
    _own_or_staff(actor, ev)
    item = _item_of(tx, ev, item_id)
    assert item is not None
    r = repository.get_run(tx.session, ev.run_id)
    assert r is not None
    rule = item.rule.split("@")[0].removeprefix("veto:")
    if item.points >= 0 and not item.rule.startswith("veto:"):
        raise ValidationError("only deductions and veto items can be repaired", field="item_id")
    if rule in r.scheme_body.get("repair", {}).get("not_repairable", []):
        raise ValidationError(
            f"{rule} cannot be repaired under scheme version {r.scheme_version}", field="item_id"
        )
    return _file(tx, ev, "repair", text, item)


def _file(tx: Tx, ev: CreditEvaluation, kind: str, text: str, item: CreditItem | None) -> CreditObjection:
    if not text.strip():
        raise ValidationError(f"the {kind} needs a text", field="text")
    obj = CreditObjection(
        evaluation_id=ev.id,
        item_id=item.id if item else None,
        kind=kind,
        text=text,
        state="open",
        filed_by=tx.ctx.actor_name,
        filed_at=utcnow(),
    )
    repository.add(tx.session, obj)
    tx.audit(
        f"credit.{kind}",
        "credit_objection",
        obj.id,
        after={"evaluation": ev.id, "item": obj.item_id, "text": text},
        jurisdiction_code=ev.jurisdiction_code,
        organisation_id=ev.organisation_id,
    )
    return obj


def decide(tx: Tx, actor: Principal, objection_id: int, uphold: bool, reason: str) -> CreditObjection:
    """Review step: uphold (the item stops counting, the score is settled again) or reject."""
    authorize(actor, "credit.review")
    obj = repository.get_objection(tx.session, objection_id)
    if obj is None:
        raise NotFound(f"objection {objection_id} not found")
    ev = get_evaluation(tx, actor, obj.evaluation_id)
    if obj.state != "open":
        raise Conflict(f"objection {objection_id} is already {obj.state}")
    if not reason.strip():
        raise ValidationError("a decision needs a reason", field="reason")
    before = {"state": obj.state, "score": ev.score, "grade": ev.repaired_grade or ev.grade}
    obj.state = "upheld" if uphold else "rejected"
    obj.decided_by, obj.decided_at, obj.decision_reason = tx.ctx.actor_name, utcnow(), reason
    if uphold and obj.item_id is not None:
        item = tx.session.get(CreditItem, obj.item_id)
        assert item is not None
        what = "credit repair after rectification" if obj.kind == "repair" else "objection upheld"
        item.excluded_reason = f"{what} (#{obj.id}): {reason}"
        r = repository.get_run(tx.session, ev.run_id)
        assert r is not None
        rescore(tx, ev, r)
    tx.audit(
        f"credit.{obj.kind}.decide",
        "credit_objection",
        obj.id,
        before=before,
        after={"state": obj.state, "score": ev.score, "grade": ev.repaired_grade or ev.grade},
        reason=reason,
        jurisdiction_code=ev.jurisdiction_code,
        organisation_id=ev.organisation_id,
    )
    return obj


# --------------------------------------------------------------------------- reading


def explain(tx: Tx, ev: CreditEvaluation) -> dict[str, Any]:
    r = repository.get_run(tx.session, ev.run_id)
    assert r is not None
    org = repository.organisation(tx.session, ev.organisation_id)
    return {
        "evaluation": ev,
        "run": r,
        "organisation": org,
        "items": repository.items(tx.session, ev.id),
        "objections": repository.objections(tx.session, ev.id),
        "status": "published"
        if r.status == "published"
        else ("superseded" if r.status == "superseded" else "provisional"),
    }


def organisation_history(
    tx: Tx, actor: Principal, organisation_id: int
) -> list[tuple[CreditEvaluation, CreditRun]]:
    authorize(actor, "credit.read")
    org = repository.organisation(tx.session, organisation_id)
    if org is None:
        raise NotFound(f"organisation {organisation_id} not found")
    rows = repository.history(tx.session, organisation_id)
    visible = [(e, r) for e, r in rows if actor.scope.sees(e.jurisdiction_code, e.organisation_id)]
    if not visible and not actor.scope.sees(org.jurisdiction_code, org.id):
        raise NotFound(f"organisation {organisation_id} not found")
    return visible
