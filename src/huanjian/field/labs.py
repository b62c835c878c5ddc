"""Technical re-check of third-party labs' reports (技术复核).

Labs upload the self-monitoring reports they made for the enterprises they serve
(a self-monitoring contract in force in the register). Each upload is drawn for
re-check by the plan kept as data (``rules.json`` → ``recheck_plan``): a rate per
supervision class of the enterprise, and always the first report of a lab in a
year. The draw is ``HMAC-SHA256(audit key, plan version : report id)`` read as a
fraction, so the platform can recompute it and a lab cannot predict it. The
reviewer runs the same automatic checks as for the station's own reports and
adds findings; every failing check and every finding is recorded against the lab
with the points of ``finding_points`` for its credit.

The report as the lab issued it (usually a PDF) may come with the JSON: it is kept in
the file store by its SHA-256, which is recorded with the report and in the audit
entry, so the file shown later can be proven to be the one uploaded.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from huanjian.access.policy import Principal, authorize, check_visible
from huanjian.access.roles import OUTSIDE_ROLES
from huanjian.casework.files import FileStore
from huanjian.core.time import CST, utcnow
from huanjian.core.tx import Tx
from huanjian.errors import Conflict, NotFound, PermissionDenied, ValidationError
from huanjian.field import checks, repository
from huanjian.field.models import LabFinding, LabReport, TechnicalCheck
from huanjian.field.rules import rules, sha256_of
from huanjian.register import repository as register


@dataclass(frozen=True, slots=True)
class LabFile:
    """The report file as uploaded: its name and declared type, and its bytes."""

    name: str
    content_type: str
    content: bytes


def get(tx: Tx, actor: Principal, report_id: int) -> LabReport:
    authorize(actor, "lab_reports.read")
    row = repository.get_lab_report(tx.session, report_id)
    if row is None:
        raise NotFound(f"lab report {report_id} not found")
    check_visible(actor, row.jurisdiction_code, row.lab_id, f"lab report {report_id}")
    return row


def list_reports(tx: Tx, actor: Principal) -> Sequence[LabReport]:
    authorize(actor, "lab_reports.read")
    return repository.list_lab_reports(tx.session, actor.scope)


def draw(key: bytes, plan_version: str, report_id: int) -> float:
    digest = hmac.new(key, f"{plan_version}:{report_id}".encode(), hashlib.sha256).hexdigest()
    return int(digest[:13], 16) / 16**13


def upload(
    tx: Tx,
    actor: Principal,
    *,
    report_number: str,
    outlet_id: int,
    sampled_on: date,
    content: dict[str, Any],
    file: LabFile | None = None,
    store: FileStore | None = None,
) -> LabReport:
    """A lab's report (results, original records, QC) for an enterprise it serves, with the
    report's file (PDF or other) when given, stored by SHA-256."""
    authorize(actor, "lab_reports.upload")
    if actor.organisation_id is None:
        raise PermissionDenied("a lab account belongs to a lab")
    outlet = repository.get_outlet(tx.session, outlet_id)
    if outlet is None:
        raise NotFound(f"outlet {outlet_id} not found")
    served = register.served_enterprise_ids(tx.session, actor.organisation_id, sampled_on)
    if outlet.enterprise_id not in served:
        raise NotFound(f"outlet {outlet_id} not found")  # not served: as if it did not exist
    enterprise = register.get_enterprise(tx.session, outlet.enterprise_id)
    assert enterprise is not None
    jurisdiction = enterprise.organisation.jurisdiction_code
    if jurisdiction is None:
        raise ValidationError("the enterprise has no jurisdiction in the register")
    for key in ("results", "original_records", "qc"):
        if not isinstance(content.get(key), list):
            raise ValidationError(f"content.{key}: a list is required", field=key)
    if not content["results"]:
        raise ValidationError("content.results: at least one result", field="results")
    row = LabReport(
        lab_id=actor.organisation_id,
        enterprise_id=enterprise.id,
        outlet_id=outlet.id,
        jurisdiction_code=jurisdiction,
        report_number=report_number.strip(),
        sampled_on=sampled_on,
        content=content,
        content_sha256=sha256_of(content),
        selected=False,
        selection={},
        uploaded_by=tx.ctx.actor_name,
        uploaded_at=utcnow(),
    )
    existing = [
        r
        for r in repository.list_lab_reports(tx.session, actor.scope)
        if r.report_number == row.report_number
    ]
    if existing:
        raise Conflict(f"report {row.report_number} was uploaded already (id {existing[0].id})")
    if file is not None:
        if store is None:
            raise ValueError("a file needs the file store")
        row.file_sha256 = store.put(file.content)
        row.file_name = (file.name or "report").strip()[:200]
        row.file_type = (file.content_type or "application/octet-stream")[:100]
        row.file_size = len(file.content)
    repository.add(tx.session, row)
    plan = rules()["recheck_plan"]
    year = row.uploaded_at.astimezone(CST).year
    start, end = datetime(year, 1, 1, tzinfo=CST), datetime(year + 1, 1, 1, tzinfo=CST)
    first = repository.lab_report_count(tx.session, row.lab_id, start, end) == 1
    rate = float(plan["rates"].get(enterprise.supervision_class, plan["rates"]["general"]))
    u = draw(tx.audit_key, str(plan["version"]), row.id)
    if first and plan["first_report_of_lab_each_year"]:
        rule = "first report of the lab this year"
    elif u < rate:
        rule = f"drawn: {u:.4f} < rate {rate} ({enterprise.supervision_class})"
    else:
        rule = f"not drawn: {u:.4f} ≥ rate {rate} ({enterprise.supervision_class})"
    row.selected = not rule.startswith("not")
    row.selection = {"plan_version": plan["version"], "rate": rate, "draw": round(u, 6), "rule": rule}
    tx.audit(
        "field.lab_report.upload",
        "field_lab_report",
        row.id,
        after={
            "report_number": row.report_number,
            "enterprise": row.enterprise_id,
            "content_sha256": row.content_sha256,
            "file_sha256": row.file_sha256,
            "file_name": row.file_name,
            "selected": row.selected,
            "selection": row.selection,
        },
        jurisdiction_code=row.jurisdiction_code,
        organisation_id=row.lab_id,
    )
    return row


def recheck(
    tx: Tx,
    actor: Principal,
    report_id: int,
    *,
    findings: Sequence[str] = (),
    note: str = "",
    out_of_plan_reason: str | None = None,
) -> TechnicalCheck:
    """Run the automatic checks and record the reviewer's findings against the lab."""
    row = get(tx, actor, report_id)
    authorize(actor, "technical_check.write")
    if actor.role in OUTSIDE_ROLES:
        raise PermissionDenied("a lab does not re-check reports")
    if repository.technical_check_of(tx.session, row.id) is not None:
        raise Conflict(f"lab report {row.report_number} has been re-checked")
    if not row.selected and not (out_of_plan_reason or "").strip():
        raise Conflict(
            "this report was not drawn for re-check: give a reason to re-check it outside the plan"
        )
    c = row.content
    inp = checks.CheckInput(
        outlet_id=row.outlet_id,
        medium=str(c.get("medium") or "air"),
        on=row.sampled_on,
        results=c["results"],
        originals=c["original_records"],
        qc=c["qc"],
        samples=None,
        sampled_at=datetime.fromisoformat(c["sampled_at"]) if c.get("sampled_at") else None,
    )
    results = checks.run(tx.session, inp)
    points = rules()["finding_points"]
    found: list[tuple[str, str]] = [
        (r["check"], " / ".join(r["messages"])) for r in results if r["status"] == "fail"
    ]
    found += [("reviewer", text.strip()) for text in findings if text.strip()]
    tc = TechnicalCheck(
        lab_report_id=row.id,
        lab_id=row.lab_id,
        jurisdiction_code=row.jurisdiction_code,
        checks=results,
        conclusion="findings" if found else "conforming",
        note="\n".join(x for x in (note.strip(), (out_of_plan_reason or "").strip()) if x),
        reviewer_id=actor.user_id,
        reviewer=tx.ctx.actor_name,
        created_at=utcnow(),
    )
    repository.add(tx.session, tc)
    for rule, text in found:
        repository.add(
            tx.session,
            LabFinding(
                lab_id=row.lab_id,
                technical_check_id=tc.id,
                rule=rule,
                description=text,
                credit_points=int(points.get(rule, 0)),
                created_at=utcnow(),
            ),
        )
    tx.audit(
        "field.technical_check.record",
        "field_lab_report",
        row.id,
        after={
            "technical_check": tc.id,
            "conclusion": tc.conclusion,
            "checks": {r["check"]: r["status"] for r in results},
            "findings": [{"rule": r, "points": int(points.get(r, 0))} for r, _ in found],
            "out_of_plan": bool(out_of_plan_reason),
        },
        reason=out_of_plan_reason,
        jurisdiction_code=row.jurisdiction_code,
        organisation_id=row.lab_id,
    )
    return tc


def file_of(tx: Tx, actor: Principal, store: FileStore, report_id: int) -> tuple[LabReport, bytes]:
    """The report's file, read back from the store and checked against its recorded SHA-256."""
    row = get(tx, actor, report_id)
    if row.file_sha256 is None:
        raise NotFound(f"lab report {report_id} came without a file")
    return row, store.get(row.file_sha256)


def technical_check(tx: Tx, row: LabReport) -> TechnicalCheck | None:
    return repository.technical_check_of(tx.session, row.id)


def findings_of(tx: Tx, check: TechnicalCheck) -> Sequence[LabFinding]:
    return repository.findings_of(tx.session, check.id)
