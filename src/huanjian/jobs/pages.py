"""Background job history page."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from huanjian.jobs import service
from huanjian.web.deps import PrincipalDep, TxDep
from huanjian.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/jobs", response_class=HTMLResponse)
def jobs_page(request: Request, principal: PrincipalDep, tx: TxDep, status: str | None = None) -> Response:
    jobs = service.history(tx, principal, status=status or None, limit=200)
    return render(request, "jobs.html", {"jobs": jobs, "status": status or ""})
