"""Audit trail pages: search, and the trail of one object."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from huanjian.access.policy import authorize
from huanjian.audit import repository
from huanjian.web.deps import PrincipalDep, TxDep
from huanjian.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    principal: PrincipalDep,
    tx: TxDep,
    object_type: str | None = None,
    object_id: str | None = None,
    q: str | None = None,
    action: str | None = None,
) -> Response:
    authorize(principal, "audit.read")
    rows = repository.search(
        tx.session,
        principal.scope,
        object_type=object_type or None,
        object_id=object_id or None,
        text=q or None,
        action=action or None,
        limit=200,
    )
    filters = {
        "object_type": object_type or "",
        "object_id": object_id or "",
        "q": q or "",
        "action": action or "",
    }
    return render(request, "audit.html", {"rows": rows, "filters": filters})
