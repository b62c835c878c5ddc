"""Field pages: the overview, the phone page of a field record (works offline with
static/js/field.js), and a monitoring report."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from huanjian.access.policy import authorize
from huanjian.field import comparison, labs, reports
from huanjian.field import service as field
from huanjian.web.deps import PrincipalDep, TxDep
from huanjian.web.templating import register_nav, render

router = APIRouter(include_in_schema=False)
register_nav("field", "/field")


@router.get("/field", response_class=HTMLResponse)
def index(request: Request, principal: PrincipalDep, tx: TxDep) -> Response:
    if not (principal.can("field.read") or principal.can("lab_reports.read")):
        authorize(principal, "field.read")
    staff = principal.can("field.read")
    return render(
        request,
        "field/index.html",
        {
            "records": field.list_records(tx, principal) if staff else [],
            "reports": reports.list_reports(tx, principal) if staff else [],
            "comparisons": comparison.list_tests(tx, principal) if staff else [],
            "lab_reports": labs.list_reports(tx, principal),
        },
    )


@router.get("/field/records/{record_id}", response_class=HTMLResponse)
def record_page(record_id: int, request: Request, principal: PrincipalDep, tx: TxDep) -> Response:
    return render(request, "field/record.html", {"v": field.view(tx, principal, record_id)})


@router.get("/field/reports/{report_id}", response_class=HTMLResponse)
def report_page(report_id: int, request: Request, principal: PrincipalDep, tx: TxDep) -> Response:
    return render(request, "field/report.html", {"r": reports.get(tx, principal, report_id)})
