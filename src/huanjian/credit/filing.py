"""Filing (备案) of labs and contractors, their service records, and credit findings.

* Filing: certification (CMA scope, validity), staff with qualifications and
  equipment; a later change is reported within ``change_report_days`` of the
  day it happened, or the report is marked late (a credit event for labs).
* Suspension (a scheduled job): certification lapsed, or no service record
  for ``inactive_periods`` whole business periods. Unfiled or suspended
  organisations get the ``unfiled`` supervision intensity (priority).
* Service records: each upload is evidence — SHA-256, time, uploader; the
  bytes are kept content-addressed under ``<data_dir>/attachments``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date
from typing import Any, Final

from huanjian.access.policy import Principal, authorize, check_visible
from huanjian.core.time import CST, utcnow
from huanjian.core.tx import Tx
from huanjian.credit import repository, schemes
from huanjian.credit.models import CreditFinding, Filing, FilingChange, ServiceRecord
from huanjian.errors import Conflict, NotFound, ValidationError
from huanjian.geo import repository as geo

SERVICE_KINDS: Final = {
    "self_monitoring_report": "自行监测报告",
    "om_log": "运维记录",
    "calibration": "校准",
    "repair": "维修",
    "consumables": "耗材更换",
    "comparison_test": "比对监测",
    "check_in": "现场签到",
}
SERVICE_RESULTS: Final = ("pass", "fail", "anomaly", "ok")
FINDING_KINDS: Final = {
    "warning": "警告",
    "fine": "罚款",
    "order_to_correct": "责令改正",
    "cma_revoked": "撤销CMA资质",
    "criminal_liability": "追究刑事责任",
    "violation": "违规",
    "falsification": "弄虚作假",
    "unapproved_construction": "未批先建",
    "operating_before_acceptance": "未验先投",
    "environmental_crime": "环境犯罪",
}
CHANGE_FIELDS: Final = ("certification", "staff", "equipment")


def rules() -> dict[str, Any]:
    filing: dict[str, Any] = schemes.consequences()["filing"]
    return filing


def _org(tx: Tx, actor: Principal, organisation_id: int, kinds: Sequence[str] = ("lab", "contractor")) -> Any:
    org = repository.organisation(tx.session, organisation_id)
    if org is None or org.kind not in kinds:
        raise NotFound(f"organisation {organisation_id} not found")
    if actor.organisation_id is not None and actor.organisation_id != org.id:
        raise NotFound(f"organisation {organisation_id} not found")
    return org


def register_filing(
    tx: Tx,
    actor: Principal,
    organisation_id: int,
    *,
    jurisdiction_code: str,
    certification: dict[str, Any],
    staff: list[dict[str, Any]],
    equipment: list[dict[str, Any]],
) -> Filing:
    authorize(actor, "filing.write")
    org = _org(tx, actor, organisation_id)
    if actor.organisation_id is None and not actor.scope.sees_jurisdiction(jurisdiction_code):
        raise NotFound(f"jurisdiction {jurisdiction_code} not found")
    if geo.get(tx.session, jurisdiction_code) is None:
        raise ValidationError(f"jurisdiction {jurisdiction_code} does not exist", field="jurisdiction_code")
    if not certification.get("number") or not certification.get("valid_until"):
        raise ValidationError("certification needs its number and valid_until", field="certification")
    if repository.filing_of(tx.session, org.id) is not None:
        raise Conflict(f"{org.name} is already filed; report changes instead")
    f = Filing(
        organisation_id=org.id,
        jurisdiction_code=jurisdiction_code,
        status="filed",
        certification=certification,
        staff=staff,
        equipment=equipment,
        filed_at=utcnow(),
        filed_by=tx.ctx.actor_name,
    )
    repository.add(tx.session, f)
    tx.audit(
        "credit.filing.register",
        "filing",
        f.id,
        after={
            "organisation": org.id,
            "certification": certification,
            "staff": len(staff),
            "equipment": len(equipment),
        },
        jurisdiction_code=jurisdiction_code,
        organisation_id=org.id,
    )
    return f


def get_filing(tx: Tx, actor: Principal, filing_id: int) -> Filing:
    authorize(actor, "credit.read")
    f = repository.get_filing(tx.session, filing_id)
    if f is None:
        raise NotFound(f"filing {filing_id} not found")
    check_visible(actor, f.jurisdiction_code, f.organisation_id, f"filing {filing_id}")
    return f


def list_filings(tx: Tx, actor: Principal) -> Sequence[Filing]:
    authorize(actor, "credit.read")
    return repository.filing_list(tx.session, actor.scope)


def report_change(
    tx: Tx, actor: Principal, filing_id: int, changed_on: date, changes: dict[str, Any]
) -> FilingChange:
    """A change to the filing; late when reported more than ``change_report_days`` after it happened."""
    authorize(actor, "filing.write")
    f = get_filing(tx, actor, filing_id)
    unknown = set(changes) - set(CHANGE_FIELDS)
    if unknown or not changes:
        raise ValidationError(f"changes: any of {', '.join(CHANGE_FIELDS)}", field="changes")
    now = utcnow()
    if changed_on > now.astimezone(CST).date():
        raise ValidationError("a change cannot be reported before it happens", field="changed_on")
    late = (now.astimezone(CST).date() - changed_on).days > int(rules()["change_report_days"])
    before = {k: getattr(f, k) for k in changes}
    for k, v in changes.items():
        setattr(f, k, v)
    ch = FilingChange(
        filing_id=f.id,
        changed_on=changed_on,
        reported_at=now,
        reported_by=tx.ctx.actor_name,
        before=before,
        after=changes,
        late=late,
    )
    repository.add(tx.session, ch)
    tx.audit(
        "credit.filing.change",
        "filing",
        f.id,
        before=before,
        after={**changes, "late": late, "changed_on": changed_on.isoformat()},
        jurisdiction_code=f.jurisdiction_code,
        organisation_id=f.organisation_id,
    )
    return ch


def _periods_back(on: date, n: int) -> date:
    """First day of the business period ``n`` whole periods before the one containing ``on``."""
    quarter_start = date(on.year, 3 * ((on.month - 1) // 3) + 1, 1)
    month = quarter_start.month - 3 * n
    year = quarter_start.year
    while month < 1:
        month += 12
        year -= 1
    return date(year, month, 1)


def check_filings(tx: Tx, on: date) -> list[dict[str, Any]]:
    """Suspend filings whose certification lapsed, or with no business for the last whole periods."""
    suspended = []
    n = int(rules()["inactive_periods"])
    since = _periods_back(on, n)
    for f in repository.filed_organisations(tx.session):
        reason = None
        until = f.certification.get("valid_until")
        org = repository.organisation(tx.session, f.organisation_id)
        register_until = org.certification_valid_until if org else None
        lapsed_on = register_until or (date.fromisoformat(until) if until else None)
        if lapsed_on is not None and lapsed_on < on:
            reason = f"certification lapsed on {lapsed_on}"
        else:
            last = repository.last_business(tx.session, f.organisation_id)
            filed_on = f.filed_at.astimezone(CST).date()
            if filed_on < since and (last is None or last < since):
                reason = f"no service record since {since} ({n} whole periods); last {last or 'never'}"
        if reason:
            f.status, f.suspended_at, f.suspended_reason = "suspended", utcnow(), reason
            tx.audit(
                "credit.filing.suspend",
                "filing",
                f.id,
                before={"status": "filed"},
                after={"status": "suspended"},
                reason=reason,
                jurisdiction_code=f.jurisdiction_code,
                organisation_id=f.organisation_id,
            )
            suspended.append({"filing": f.id, "organisation": f.organisation_id, "reason": reason})
    return suspended


def unfiled(tx: Tx, actor: Principal) -> list[dict[str, Any]]:
    """Labs and contractors serving enterprises without a filing in force: priority supervision."""
    authorize(actor, "credit.runs")
    out = []
    for kind in ("lab", "contractor"):
        orgs = repository.subjects(tx.session, kind)
        filings = repository.filings_of(tx.session, [o.id for o in orgs])
        for o in orgs:
            f = filings.get(o.id)
            if f is None or f.status != "filed":
                out.append({"organisation": o, "filing": f, "priority": True})
    return out


# --------------------------------------------------------------------------- service records


def upload(
    tx: Tx,
    actor: Principal,
    *,
    kind: str,
    enterprise_id: int,
    performed_on: date,
    content: bytes,
    file_name: str | None,
    summary: str = "",
    result: str | None = None,
    outlet_id: int | None = None,
    device_id: int | None = None,
    store: Any = None,
) -> ServiceRecord:
    """A lab or contractor records what it did, for an enterprise it serves."""
    authorize(actor, "service_records.write")
    if kind not in SERVICE_KINDS:
        raise ValidationError(f"kind {kind!r}: one of {', '.join(SERVICE_KINDS)}", field="kind")
    if result is not None and result not in SERVICE_RESULTS:
        raise ValidationError(f"result {result!r}: one of {', '.join(SERVICE_RESULTS)}", field="result")
    if not content:
        raise ValidationError("the upload is empty", field="file")
    from huanjian.register import repository as register_repo

    assert actor.organisation_id is not None
    served = register_repo.served_enterprise_ids(tx.session, actor.organisation_id, performed_on)
    ent = repository.enterprise(tx.session, enterprise_id)
    if ent is None or enterprise_id not in served:
        raise NotFound(f"enterprise {enterprise_id} not found among those you serve on {performed_on}")
    digest = store.put(content) if store is not None else hashlib.sha256(content).hexdigest()
    rec = ServiceRecord(
        organisation_id=actor.organisation_id,
        enterprise_id=enterprise_id,
        jurisdiction_code=ent.jurisdiction_code,
        outlet_id=outlet_id,
        device_id=device_id,
        kind=kind,
        performed_on=performed_on,
        result=result,
        summary=summary,
        file_name=file_name,
        size=len(content),
        sha256=digest,
        uploaded_at=utcnow(),
        uploaded_by=tx.ctx.actor_name,
        uploaded_by_id=actor.user_id,
    )
    repository.add(tx.session, rec)
    tx.audit(
        "credit.service_record.upload",
        "service_record",
        rec.id,
        after={
            "kind": kind,
            "enterprise": enterprise_id,
            "sha256": digest,
            "size": len(content),
            "result": result,
        },
        jurisdiction_code=ent.jurisdiction_code,
        organisation_id=actor.organisation_id,
    )
    return rec


def list_service_records(tx: Tx, actor: Principal) -> Sequence[ServiceRecord]:
    authorize(actor, "credit.read")
    return repository.service_records(tx.session, actor.scope)


# --------------------------------------------------------------------------- findings


def record_finding(
    tx: Tx,
    actor: Principal,
    *,
    organisation_id: int,
    kind: str,
    occurred_on: date,
    description: str,
    amount: float | None = None,
    evidence_type: str | None = None,
    evidence_id: str | None = None,
) -> CreditFinding:
    authorize(actor, "credit.findings")
    if kind not in FINDING_KINDS:
        raise ValidationError(f"kind {kind!r}: one of {', '.join(FINDING_KINDS)}", field="kind")
    if kind == "fine" and amount is None:
        raise ValidationError("a fine needs its amount", field="amount")
    org = repository.organisation(tx.session, organisation_id)
    if org is None:
        raise NotFound(f"organisation {organisation_id} not found")
    filing = repository.filing_of(tx.session, org.id)
    jurisdiction = org.jurisdiction_code or (filing.jurisdiction_code if filing else None)
    if not actor.scope.sees_jurisdiction(jurisdiction) and not (actor.scope.everything):
        raise NotFound(f"organisation {organisation_id} not found")
    f = CreditFinding(
        organisation_id=org.id,
        jurisdiction_code=jurisdiction,
        kind=kind,
        occurred_on=occurred_on,
        amount=amount,
        description=description,
        evidence_type=evidence_type,
        evidence_id=evidence_id,
        recorded_at=utcnow(),
        recorded_by=tx.ctx.actor_name,
    )
    repository.add(tx.session, f)
    tx.audit(
        "credit.finding.record",
        "credit_finding",
        f.id,
        after={
            "organisation": org.id,
            "kind": kind,
            "occurred_on": occurred_on.isoformat(),
            "amount": amount,
        },
        jurisdiction_code=jurisdiction,
        organisation_id=org.id,
    )
    return f


def list_findings(tx: Tx, actor: Principal) -> Sequence[CreditFinding]:
    authorize(actor, "credit.read")
    return repository.findings(tx.session, actor.scope)
