"""Field pages: the overview, the phone page of a field record (works offline with
static/js/field.js and its service worker), a monitoring report with its three-level
review (check, return, sign), the labs' upload of their reports, and the yearly
spot comparison-test plans.

Form posts answer an htmx request with ``HX-Redirect`` (the browser then loads the
page the action leads to) and a plain form post with a 303; a refused action raises,
and the error page's card is swapped into the form's message area (``_forms.html``).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, Response, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse

from huanjian.access.policy import authorize
from huanjian.casework.files import FileStore
from huanjian.core.time import utcnow
from huanjian.errors import ValidationError
from huanjian.field import comparison, labs, planning, reports, repository
from huanjian.field import service as field
from huanjian.field.checks import CHECKS
from huanjian.register import repository as register
from huanjian.web.deps import PrincipalDep, SettingsDep, TxDep
from huanjian.web.templating import register_nav, render

router = APIRouter(include_in_schema=False)
register_nav("field", "/field")


def _done(request: Request, url: str) -> Response:
    if request.headers.get("HX-Request") == "true":
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


@router.get("/field", response_class=HTMLResponse)
def index(request: Request, principal: PrincipalDep, tx: TxDep) -> Response:
    if not (principal.can("field.read") or principal.can("lab_reports.read")):
        authorize(principal, "field.read")
    staff = principal.can("field.read")
    drafter = principal.can("reports.write") and principal.has_permission("report.draft")
    return render(
        request,
        "field/index.html",
        {
            "records": field.list_records(tx, principal) if staff else [],
            "reports": reports.list_reports(tx, principal) if staff else [],
            "comparisons": comparison.list_tests(tx, principal) if staff else [],
            "lab_reports": labs.list_reports(tx, principal),
            "can_draft": staff and drafter,
        },
    )


@router.get("/field/records/{record_id}", response_class=HTMLResponse)
def record_page(record_id: int, request: Request, principal: PrincipalDep, tx: TxDep) -> Response:
    return render(request, "field/record.html", {"v": field.view(tx, principal, record_id)})


SW_SHELL = ("js/field-sw.js", "js/field.js", "js/field-offline.js", "css/app.css", "vendor/htmx.min.js")


@lru_cache(maxsize=1)
def _service_worker() -> str:
    """The worker with its version: a hash of itself and of the shell it caches (see field-sw.js)."""
    static = resources.files("huanjian.web").joinpath("static")
    digest = hashlib.sha256()
    for name in SW_SHELL:
        digest.update(static.joinpath(name).read_bytes())
    script = static.joinpath(SW_SHELL[0]).read_text(encoding="utf-8")
    return script.replace("__VERSION__", digest.hexdigest()[:16])


@router.get("/field/sw.js")
def service_worker() -> Response:
    """The field pages' service worker, served from /field/ so that its scope is the field pages."""
    return Response(_service_worker(), media_type="text/javascript", headers={"Cache-Control": "no-cache"})


# --------------------------------------------------------------------------- reports and their review


def _lab_results(text: str) -> list[dict[str, Any]]:
    """One result a line: ``sample_code pollutant value unit`` (whitespace or commas between)."""
    out = []
    for n, line in enumerate(text.splitlines(), start=1):
        parts = line.replace(",", " ").split()
        if not parts:
            continue
        if len(parts) != 4:
            raise ValidationError(f"line {n}: sample code, pollutant, value and unit", field="lab_results")
        try:
            value = float(parts[2])
        except ValueError as exc:
            raise ValidationError(f"line {n}: {parts[2]!r} is not a number", field="lab_results") from exc
        out.append({"sample_code": parts[0], "pollutant": parts[1], "value": value, "unit": parts[3]})
    return out


@router.post("/field/reports")
def draft_form(
    request: Request,
    principal: PrincipalDep,
    tx: TxDep,
    record_id: Annotated[int, Form()],
    lab_results: Annotated[str, Form()] = "",
) -> Response:
    row = reports.draft(tx, principal, record_id=record_id, lab_results=_lab_results(lab_results))
    return _done(request, f"/field/reports/{row.id}")


@router.get("/field/reports/{report_id}", response_class=HTMLResponse)
def report_page(report_id: int, request: Request, principal: PrincipalDep, tx: TxDep) -> Response:
    row = reports.get(tx, principal, report_id)
    me = principal.user_id
    # What the page offers; the service decides again on the post (the page is only a guide).
    failing = [c for c in row.checks if not c.get("ok", True)]
    writer = principal.can("reports.write") and row.state != "signed"
    can = {
        "check": writer
        and row.state == "draft"
        and principal.has_permission("report.check")
        and me != row.drafted_by_id,
        "sign": writer
        and row.state == "checked"
        and principal.has_permission("report.sign")
        and me not in (row.drafted_by_id, row.checked_by_id),
        "return": writer
        and row.state == "checked"
        and (principal.has_permission("report.check") or principal.has_permission("report.sign")),
    }
    context = {
        "r": row,
        "can": can,
        "failing": failing,
        "check_names": CHECKS,
        "versions": reports.versions(tx, row),
    }
    return render(request, "field/report.html", context)


@router.post("/field/reports/{report_id}/check")
def check_form(report_id: int, request: Request, principal: PrincipalDep, tx: TxDep) -> Response:
    reports.check(tx, principal, report_id)
    return _done(request, f"/field/reports/{report_id}")


@router.post("/field/reports/{report_id}/return")
def return_form(
    report_id: int, request: Request, principal: PrincipalDep, tx: TxDep, reason: Annotated[str, Form()] = ""
) -> Response:
    reports.send_back(tx, principal, report_id, reason=reason)
    return _done(request, f"/field/reports/{report_id}")


@router.post("/field/reports/{report_id}/sign")
def sign_form(
    report_id: int, request: Request, principal: PrincipalDep, tx: TxDep, settings: SettingsDep
) -> Response:
    reports.sign(tx, principal, FileStore(settings.data_dir), report_id)
    return _done(request, f"/field/reports/{report_id}")


# --------------------------------------------------------------------------- labs' reports


@router.get("/field/lab-reports/new", response_class=HTMLResponse)
def lab_upload_page(request: Request, principal: PrincipalDep, tx: TxDep) -> Response:
    authorize(principal, "lab_reports.upload")
    served = (
        register.served_enterprise_ids(tx.session, principal.organisation_id, utcnow().date())
        if principal.organisation_id is not None
        else ()
    )
    outlets = repository.outlets_of_enterprises(tx.session, served)
    return render(request, "field/lab_upload.html", {"outlets": outlets})


@router.post("/field/lab-reports")
async def lab_upload_form(
    request: Request,
    principal: PrincipalDep,
    tx: TxDep,
    settings: SettingsDep,
    report_number: Annotated[str, Form()],
    outlet_id: Annotated[int, Form()],
    sampled_on: Annotated[date, Form()],
    content: Annotated[str, Form()],
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    try:
        body = json.loads(content)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"content: not JSON ({exc.msg}, line {exc.lineno})", field="content") from exc
    if not isinstance(body, dict):
        raise ValidationError("content: a JSON object", field="content")
    data = await file.read() if file is not None else b""
    upload = labs.LabFile(file.filename or "report", file.content_type or "", data) if data and file else None
    row = labs.upload(
        tx,
        principal,
        report_number=report_number,
        outlet_id=outlet_id,
        sampled_on=sampled_on,
        content=body,
        file=upload,
        store=FileStore(settings.data_dir),
    )
    return _done(request, f"/field/lab-reports/{row.id}")


@router.get("/field/lab-reports/{report_id}", response_class=HTMLResponse)
def lab_report_page(report_id: int, request: Request, principal: PrincipalDep, tx: TxDep) -> Response:
    row = labs.get(tx, principal, report_id)
    check = labs.technical_check(tx, row)
    context = {
        "r": row,
        "tc": check,
        "findings": labs.findings_of(tx, check) if check else [],
        "can_recheck": principal.can("technical_check.write") and check is None,
    }
    return render(request, "field/lab_report.html", context)


@router.post("/field/lab-reports/{report_id}/recheck")
def recheck_form(
    report_id: int,
    request: Request,
    principal: PrincipalDep,
    tx: TxDep,
    findings: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    out_of_plan_reason: Annotated[str, Form()] = "",
) -> Response:
    labs.recheck(
        tx,
        principal,
        report_id,
        findings=[line for line in findings.splitlines() if line.strip()],
        note=note,
        out_of_plan_reason=out_of_plan_reason or None,
    )
    return _done(request, f"/field/lab-reports/{report_id}")


# --------------------------------------------------------------------------- spot-test plans


@router.get("/field/spot-plans", response_class=HTMLResponse)
def spot_plans_page(request: Request, principal: PrincipalDep, tx: TxDep) -> Response:
    context = {
        "plans": planning.list_plans(tx, principal),
        "can_plan": principal.can("comparison.write"),
        "next_year": utcnow().year + 1,
        "roots": principal.scope.jurisdiction_roots or ("310000",),
    }
    return render(request, "field/spot_plans.html", context)


@router.post("/field/spot-plans")
def spot_plan_form(
    request: Request,
    principal: PrincipalDep,
    tx: TxDep,
    year: Annotated[int, Form()],
    jurisdiction_code: Annotated[str, Form()],
) -> Response:
    plan = planning.create(tx, principal, year=year, jurisdiction_code=jurisdiction_code.strip())
    return _done(request, f"/field/spot-plans/{plan.id}")


@router.get("/field/spot-plans/{plan_id}", response_class=HTMLResponse)
def spot_plan_page(plan_id: int, request: Request, principal: PrincipalDep, tx: TxDep) -> Response:
    plan = planning.get(tx, principal, plan_id)
    items = planning.items(tx, plan)
    context = {"p": plan, "items": items, "problems": planning.verify(plan, items)}
    return render(request, "field/spot_plan.html", context)
