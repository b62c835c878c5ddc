"""Case pages: the board of a jurisdiction, a case with its whole trail, a supervision order."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from huanjian.access.policy import Principal
from huanjian.casework import service, states
from huanjian.core.tx import Tx
from huanjian.register.pages import ProfileSection, register_profile_section
from huanjian.web.deps import PrincipalDep, TxDep
from huanjian.web.templating import register_nav, render

router = APIRouter(include_in_schema=False)
register_nav("casework", "/cases")


def _profile_cases(tx: Tx, principal: Principal, enterprise_id: int) -> ProfileSection | None:
    """The enterprise profile's case section: its cases in the viewer's jurisdiction."""
    if not principal.can("cases.read"):
        return None
    rows = service.enterprise_cases(tx, principal, enterprise_id)
    return ProfileSection("casework/_profile_cases.html", {"rows": rows, "enterprise_id": enterprise_id})


register_profile_section("casework", _profile_cases)


@router.get("/cases", response_class=HTMLResponse)
def board_page(request: Request, principal: PrincipalDep, tx: TxDep) -> Response:
    board = service.board(tx, principal)
    return render(request, "casework/board.html", {"board": board, "k": board.kpis})


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(case_id: int, request: Request, principal: PrincipalDep, tx: TxDep) -> Response:
    cf = service.case_file(tx, principal, case_id)
    actions = [
        action
        for action, t in states.TRANSITIONS.items()
        if cf.case.state in t.sources and principal.role in t.roles
    ]
    return render(
        request,
        "casework/case.html",
        {
            "cf": cf,
            "c": cf.case,
            "trail": service.trail(tx, cf),
            "actions": actions,
            "draws": service.case_draws(tx, principal, case_id),
        },
    )


@router.get("/orders/{order_id}", response_class=HTMLResponse)
def order_page(order_id: int, request: Request, principal: PrincipalDep, tx: TxDep) -> Response:
    order, case = service.get_order(tx, principal, order_id)
    return render(request, "casework/order.html", {"o": order, "case": case})
