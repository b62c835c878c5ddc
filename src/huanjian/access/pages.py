"""User administration pages."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from huanjian.access import service
from huanjian.access.roles import PERSON_PERMISSIONS, ROLES
from huanjian.web.deps import PrincipalDep, TxDep
from huanjian.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, principal: PrincipalDep, tx: TxDep) -> Response:
    users = service.list_users(tx, principal)
    return render(request, "users.html", {"users": users, "roles": ROLES, "permissions": PERSON_PERMISSIONS})
