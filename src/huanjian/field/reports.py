"""Monitoring reports with three-level review (监测报告三级审核: 编制 → 审核 → 签发).

A report is generated from the field record (method, checkpoints as QC, samples
and custody, readings) and the lab's results (kept as the original records),
with the standard and limit for the outlet on the sampling date from the
register. Three different people draft (``report.draft``), check
(``report.check``) and sign (``report.sign``) it. The automatic technical checks
(:mod:`huanjian.field.checks`) run at check and again at sign-off; a failing
check blocks signing. A signed report is never changed: a correction is a new
version of the same number that names the old one. Signing renders the PDF and
keeps its SHA-256 and the SHA-256 of the fields it shows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from huanjian.access.policy import Principal, authorize, check_visible, require_permission
from huanjian.casework import repository as cases_repo
from huanjian.casework.files import FileStore
from huanjian.core.time import CST, to_cst, utcnow
from huanjian.core.tx import Tx
from huanjian.errors import Conflict, NotFound, PermissionDenied, ValidationError
from huanjian.field import checks, pdf, repository
from huanjian.field import service as field
from huanjian.field.models import FieldRecord, MonitoringReport
from huanjian.field.rules import normalise_unit, sha256_of
from huanjian.register import repository as register

STATES = ("draft", "checked", "signed")


def get(tx: Tx, actor: Principal, report_id: int) -> MonitoringReport:
    authorize(actor, "reports.read")
    row = repository.get_report(tx.session, report_id)
    if row is None:
        raise NotFound(f"report {report_id} not found")
    check_visible(actor, row.jurisdiction_code, None, f"report {report_id}")
    return row


def list_reports(tx: Tx, actor: Principal) -> Sequence[MonitoringReport]:
    authorize(actor, "reports.read")
    return repository.list_reports(tx.session, actor.scope)


def versions(tx: Tx, row: MonitoringReport) -> Sequence[MonitoringReport]:
    return repository.versions_of(tx.session, row.number)


# --------------------------------------------------------------------------- content


def _limit_for(limits: Sequence[Any], pollutant: str) -> Any:
    found = [lim for lim in limits if lim.pollutant == pollutant]
    found.sort(key=lambda lim: (lim.averaging_period != "hour", lim.averaging_period))
    return found[0] if found else None


def _sampled(view: field.RecordView, record: FieldRecord) -> tuple[date, str | None]:
    samples = [e for e in view.effective.values() if e.kind == "sample" and e.device_time is not None]
    if samples:
        first = min(e.device_time for e in samples if e.device_time is not None)
        return to_cst(first).date(), first.isoformat()
    return to_cst(record.created_at).date(), None


def build_content(
    tx: Tx,
    record: FieldRecord,
    *,
    number: str,
    version: int,
    lab_results: Sequence[dict[str, Any]],
    results: Sequence[dict[str, Any]] | None,
    conclusion: str | None,
    previous: MonitoringReport | None,
    correction_reason: str | None,
) -> dict[str, Any]:
    s = tx.session
    view = field.build_view(tx, record)
    tpl = view.template
    sampled_on, sampled_at = _sampled(view, record)
    limits = repository.limits_on(s, record.outlet_id, sampled_on)
    originals: list[dict[str, Any]] = [
        {
            "sample_code": str(r["sample_code"]).upper(),
            "pollutant": str(r["pollutant"]),
            "value": float(r["value"]),
            "unit": str(r["unit"]),
            "method": str(r.get("method") or tpl["standard"]),
            "lab": str(r.get("lab") or ""),
            "analysed_at": str(r.get("analysed_at") or ""),
        }
        for r in lab_results
    ]
    if results is None:
        stated = []
        for o in originals:
            lim = _limit_for(limits, o["pollutant"])
            stated.append(
                {
                    "sample_code": o["sample_code"],
                    "pollutant": o["pollutant"],
                    "value": o["value"],
                    "unit": o["unit"],
                    "standard": lim.standard if lim else None,
                    "limit": lim.value if lim else None,
                    "limit_unit": lim.unit if lim else None,
                }
            )
    else:
        stated = [dict(r) for r in results]
    for r in stated:
        same_unit = normalise_unit(str(r.get("unit") or "")) == normalise_unit(str(r.get("limit_unit") or ""))
        r["exceeds"] = bool(
            r.get("limit") is not None and same_unit and float(r["value"]) > float(r["limit"])
        )
    if conclusion is None:
        over = [f"{r['pollutant']}（{r['sample_code']}）" for r in stated if r["exceeds"]]
        conclusion = (
            f"所测 {len(stated)} 项中 {len(over)} 项超过执行标准限值：{'、'.join(over)}。"
            if over
            else f"所测 {len(stated)} 项均未超过执行标准限值。"
        )
    enterprise = register.get_enterprise(s, record.enterprise_id)
    case = cases_repo.get_case(s, record.case_id)
    outlet = view.outlet
    return {
        "title": "执法监测报告",
        "number": number,
        "version": version,
        "previous": (
            {
                "id": previous.id,
                "number": previous.number,
                "version": previous.version,
                "sha256": previous.content_sha256,
            }
            if previous
            else None
        ),
        "correction_reason": correction_reason,
        "enterprise": {
            "id": record.enterprise_id,
            "name": enterprise.organisation.name if enterprise else "",
            "credit_code": enterprise.organisation.credit_code if enterprise else None,
        },
        "outlet": {"id": outlet["id"], "code": outlet["code"], "name": outlet["name"]},
        "case": {"id": record.case_id, "number": case.number if case else ""},
        "record": {
            "id": record.id,
            "number": record.number,
            "assignee": record.assignee_name,
            "check_ins": [
                {"distance_m": c["derived"].get("distance_m"), "flagged": c["derived"].get("flagged")}
                for c in view.check_ins
            ],
        },
        "method": {
            "key": record.method,
            "name": tpl["name_zh"],
            "standard": tpl["standard"],
            "medium": tpl["medium"],
        },
        "sampled_on": sampled_on.isoformat(),
        "sampled_at": sampled_at,
        "qc": [
            {
                "key": cp["key"],
                "name": cp["zh"],
                "required": bool(cp.get("required")),
                "done": bool(cp["done"]),
                "ok": bool(cp["ok"]),
                "value": cp["value"],
                "source": cp["source"],
            }
            for cp in view.checkpoints
        ],
        "samples": [
            {"code": x["code"], "pollutant": x["pollutant"], "custody": [c["role"] for c in x["custody"]]}
            for x in view.samples
        ],
        "field_readings": [
            {
                "parameter": r["parameter"],
                "value": r["value"],
                "unit": r["unit"],
                "instrument": r.get("instrument"),
            }
            for r in view.readings
        ],
        "originals": originals,
        "results": stated,
        "conclusion": conclusion,
    }


def check_input(tx: Tx, row: MonitoringReport) -> checks.CheckInput:
    record = repository.get_record(tx.session, row.record_id)
    assert record is not None
    view = field.build_view(tx, record)
    c = row.content
    return checks.CheckInput(
        outlet_id=row.outlet_id,
        medium=str(c["method"]["medium"]),
        on=row.sampled_on,
        results=c["results"],
        originals=c["originals"],
        qc=c["qc"],
        samples={x["code"]: x for x in view.samples},
        sampled_at=datetime.fromisoformat(c["sampled_at"]) if c.get("sampled_at") else None,
    )


def run_checks(tx: Tx, row: MonitoringReport) -> list[dict[str, Any]]:
    results = checks.run(tx.session, check_input(tx, row))
    row.checks, row.checks_ok = results, checks.all_ok(results)
    return results


# --------------------------------------------------------------------------- actions


def _new_number(tx: Tx) -> str:
    prefix = f"JCBG-{utcnow().astimezone(CST).year}-"
    return f"{prefix}{repository.count_report_numbers(tx.session, prefix) + 1:04d}"


def _validate_lab_results(lab_results: Sequence[dict[str, Any]]) -> None:
    if not lab_results:
        raise ValidationError("a report needs the lab's results", field="lab_results")
    for i, r in enumerate(lab_results):
        for key in ("sample_code", "pollutant", "value", "unit"):
            if r.get(key) in (None, ""):
                raise ValidationError(f"lab_results[{i}].{key}: required", field="lab_results")
        try:
            float(r["value"])
        except (TypeError, ValueError):
            raise ValidationError(f"lab_results[{i}].value: not a number", field="lab_results") from None


def draft(
    tx: Tx,
    actor: Principal,
    *,
    record_id: int,
    lab_results: Sequence[dict[str, Any]],
    results: Sequence[dict[str, Any]] | None = None,
    conclusion: str | None = None,
) -> MonitoringReport:
    authorize(actor, "reports.write")
    require_permission(actor, "report.draft")
    record = field.get_record(tx, actor, record_id)
    if record.status == "cancelled":
        raise Conflict(f"field record {record.number} is cancelled")
    _validate_lab_results(lab_results)
    return _create(tx, actor, record, _new_number(tx), 1, lab_results, results, conclusion, None, None)


def _create(
    tx: Tx,
    actor: Principal,
    record: FieldRecord,
    number: str,
    version: int,
    lab_results: Sequence[dict[str, Any]],
    results: Sequence[dict[str, Any]] | None,
    conclusion: str | None,
    previous: MonitoringReport | None,
    correction_reason: str | None,
) -> MonitoringReport:
    content = build_content(
        tx,
        record,
        number=number,
        version=version,
        lab_results=lab_results,
        results=results,
        conclusion=conclusion,
        previous=previous,
        correction_reason=correction_reason,
    )
    row = MonitoringReport(
        number=number,
        version=version,
        previous_id=previous.id if previous else None,
        record_id=record.id,
        case_id=record.case_id,
        enterprise_id=record.enterprise_id,
        outlet_id=record.outlet_id,
        jurisdiction_code=record.jurisdiction_code,
        sampled_on=date.fromisoformat(content["sampled_on"]),
        content=content,
        content_sha256=sha256_of(content),
        state="draft",
        checks=[],
        drafted_by_id=actor.user_id,
        drafted_by=tx.ctx.actor_name,
        drafted_at=utcnow(),
    )
    repository.add(tx.session, row)
    run_checks(tx, row)
    tx.audit(
        "field.report.correct" if previous else "field.report.draft",
        "field_report",
        row.id,
        after={
            "number": number,
            "version": version,
            "previous": previous.id if previous else None,
            "content_sha256": row.content_sha256,
            "checks_ok": row.checks_ok,
        },
        reason=correction_reason,
        jurisdiction_code=row.jurisdiction_code,
    )
    return row


def _for_write(tx: Tx, actor: Principal, report_id: int) -> MonitoringReport:
    row = get(tx, actor, report_id)
    authorize(actor, "reports.write")
    if row.state == "signed":
        raise Conflict(f"report {row.number} v{row.version} is signed: correct it with a new version")
    return row


def check(tx: Tx, actor: Principal, report_id: int) -> MonitoringReport:
    """The second person checks the draft; the automatic checks run again and are kept."""
    row = _for_write(tx, actor, report_id)
    require_permission(actor, "report.check")
    if row.state != "draft":
        raise Conflict(f"report {row.number} is {row.state}, not a draft")
    if actor.user_id is not None and actor.user_id == row.drafted_by_id:
        raise PermissionDenied(
            "the person who drafted a report cannot also check it", rule="report.same_person"
        )
    results = run_checks(tx, row)
    row.state, row.checked_by_id, row.checked_by, row.checked_at = (
        "checked",
        actor.user_id,
        tx.ctx.actor_name,
        utcnow(),
    )
    tx.audit(
        "field.report.check",
        "field_report",
        row.id,
        before={"state": "draft"},
        after={"state": "checked", "checks": {r["check"]: r["status"] for r in results}},
        jurisdiction_code=row.jurisdiction_code,
    )
    return row


def send_back(tx: Tx, actor: Principal, report_id: int, *, reason: str) -> MonitoringReport:
    """The checker or the signatory returns a report to draft, with the reason."""
    row = _for_write(tx, actor, report_id)
    if not (actor.has_permission("report.check") or actor.has_permission("report.sign")):
        raise PermissionDenied(
            "returning a report needs report.check or report.sign", permission="report.check"
        )
    if not reason.strip():
        raise ValidationError("say why the report goes back", field="reason")
    before = row.state
    row.state, row.checked_by_id, row.checked_by, row.checked_at = "draft", None, None, None
    tx.audit(
        "field.report.return",
        "field_report",
        row.id,
        before={"state": before},
        after={"state": "draft"},
        reason=reason,
        jurisdiction_code=row.jurisdiction_code,
    )
    return row


def _qc_state(q: dict[str, Any]) -> str:
    if not q["done"]:
        return "未完成"
    return "已完成" if q["ok"] else "已完成（不合格）"


def _g(value: Any) -> str:
    return "" if value is None else format(float(value), "g")


def report_fields(row: MonitoringReport) -> dict[str, Any]:
    """What the PDF shows, from the stored report only."""
    c = row.content

    def when(value: Any) -> str:
        return to_cst(value).strftime("%Y-%m-%d %H:%M") if value else ""

    return {
        "title": c["title"],
        "number": row.number,
        "version": row.version,
        "previous": f"{c['previous']['number']} 第 {c['previous']['version']} 版"
        if c.get("previous")
        else None,
        "enterprise": f"{c['enterprise']['name']}（{c['enterprise']['credit_code'] or ''}）",
        "outlet": f"{c['outlet']['code']} {c['outlet']['name'] or ''}",
        "case": c["case"]["number"],
        "record": c["record"]["number"],
        "method": f"{c['method']['name']} {c['method']['standard']}",
        "sampled_on": c["sampled_on"],
        "qc": [f"{q['name']}：{_qc_state(q)}" for q in c["qc"]],
        "results": [
            f"{r['sample_code']} {r['pollutant']}：{r['value']:g} {r['unit']}；"
            f"执行 {r.get('standard') or '—'} 限值 {_g(r.get('limit'))} "
            f"{r.get('limit_unit') or ''}{'，超标' if r['exceeds'] else ''}"
            for r in c["results"]
        ],
        "conclusion": c["conclusion"],
        "signatures": [
            f"编制：{row.drafted_by} {when(row.drafted_at)}",
            f"审核：{row.checked_by or ''} {when(row.checked_at)}",
            f"签发：{row.signed_by or ''} {when(row.signed_at)}",
        ],
        "content_sha256": row.content_sha256,
    }


def sign(tx: Tx, actor: Principal, store: FileStore, report_id: int) -> MonitoringReport:
    """The third person signs; refused while a technical check fails. Renders and keeps the PDF."""
    row = _for_write(tx, actor, report_id)
    require_permission(actor, "report.sign")
    if row.state != "checked":
        raise Conflict(f"report {row.number} is {row.state}: it is signed after it has been checked")
    if actor.user_id is not None and actor.user_id in (row.drafted_by_id, row.checked_by_id):
        raise PermissionDenied(
            "the signatory must be a third person, not the one who drafted or checked the report",
            rule="report.same_person",
        )
    if sha256_of(row.content) != row.content_sha256:
        raise Conflict("the report's content does not match its hash", rule="report.altered")
    results = run_checks(tx, row)
    failing = [r for r in results if not r["ok"]]
    if failing:
        raise Conflict(
            "a technical check fails: "
            + "; ".join(f"{r['check']}: {' / '.join(r['messages'])}" for r in failing),
            rule="report.check_failed",
            checks=[r["check"] for r in failing],
        )
    row.state, row.signed_by_id, row.signed_by, row.signed_at = (
        "signed",
        actor.user_id,
        tx.ctx.actor_name,
        utcnow(),
    )
    fields = report_fields(row)
    content = pdf.render(fields)
    row.pdf_sha256 = store.put(content)
    row.fields_sha256 = sha256_of(fields)
    tx.audit(
        "field.report.sign",
        "field_report",
        row.id,
        before={"state": "checked"},
        after={
            "state": "signed",
            "content_sha256": row.content_sha256,
            "pdf_sha256": row.pdf_sha256,
            "fields_sha256": row.fields_sha256,
        },
        jurisdiction_code=row.jurisdiction_code,
    )
    return row


def correct(
    tx: Tx,
    actor: Principal,
    report_id: int,
    *,
    reason: str,
    lab_results: Sequence[dict[str, Any]] | None = None,
    results: Sequence[dict[str, Any]] | None = None,
    conclusion: str | None = None,
) -> MonitoringReport:
    """A new version of a signed report, naming it; the signed version stays as it was."""
    old = get(tx, actor, report_id)
    authorize(actor, "reports.write")
    require_permission(actor, "report.draft")
    if old.state != "signed":
        raise Conflict(
            f"report {old.number} v{old.version} is {old.state}: only a signed report is corrected"
        )
    if not reason.strip():
        raise ValidationError("a correction states its reason", field="reason")
    all_versions = repository.versions_of(tx.session, old.number)
    if all_versions[-1].id != old.id:
        raise Conflict(f"report {old.number} v{old.version} already has a later version")
    record = field.get_record(tx, actor, old.record_id)
    originals = lab_results if lab_results is not None else old.content["originals"]
    _validate_lab_results(originals)
    return _create(
        tx, actor, record, old.number, old.version + 1, originals, results, conclusion, old, reason
    )


def pdf_of(tx: Tx, actor: Principal, store: FileStore, report_id: int) -> tuple[MonitoringReport, bytes]:
    row = get(tx, actor, report_id)
    if row.state != "signed" or row.pdf_sha256 is None:
        raise Conflict(f"report {row.number} v{row.version} is {row.state}: only a signed report has its PDF")
    return row, store.get(row.pdf_sha256)


def verify_pdf(row: MonitoringReport, content: bytes) -> dict[str, Any]:
    """Does this PDF show the stored data? Re-render from the stored fields and compare."""
    fields = report_fields(row)
    again = pdf.render(fields)
    return {
        "pdf_sha256": hashlib.sha256(content).hexdigest(),
        "stored_pdf_sha256": row.pdf_sha256,
        "rerendered_sha256": hashlib.sha256(again).hexdigest(),
        "fields_sha256": sha256_of(fields),
        "stored_fields_sha256": row.fields_sha256,
        "content_matches": sha256_of(row.content) == row.content_sha256,
        "ok": hashlib.sha256(content).hexdigest() == row.pdf_sha256 == hashlib.sha256(again).hexdigest()
        and sha256_of(fields) == row.fields_sha256
        and sha256_of(row.content) == row.content_sha256,
    }
