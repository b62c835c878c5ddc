"""Notification inbox page; read and acknowledge through htmx."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from huanjian.notify import service
from huanjian.web.deps import PrincipalDep, TxDep
from huanjian.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/notifications", response_class=HTMLResponse)
def inbox_page(request: Request, principal: PrincipalDep, tx: TxDep) -> Response:
    return render(request, "notifications.html", {"items": service.inbox(tx, principal)})


@router.post("/notifications/{notification_id}/acknowledge", response_class=HTMLResponse)
def acknowledge(notification_id: int, request: Request, principal: PrincipalDep, tx: TxDep) -> Response:
    row = service.acknowledge(tx, principal, notification_id)
    return render(request, "_notification_row.html", {"n": row})
