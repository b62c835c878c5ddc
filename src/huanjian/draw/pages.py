"""Draw pages: the staff list and detail, and the public pages of published draws."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from huanjian.draw import service
from huanjian.draw.schemas import draw_out
from huanjian.web.deps import OptionalPrincipalDep, PrincipalDep, TxDep
from huanjian.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/draws", response_class=HTMLResponse)
def draws_page(request: Request, principal: PrincipalDep, tx: TxDep) -> Response:
    draws = [draw_out(d, public=False) for d in service.list_draws(tx, principal)]
    return render(request, "draw/list.html", {"draws": draws, "public": False})


@router.get("/draws/{draw_id}", response_class=HTMLResponse)
def draw_page(draw_id: int, request: Request, principal: PrincipalDep, tx: TxDep) -> Response:
    draw = service.get(tx, principal, draw_id)
    return render(
        request,
        "draw/detail.html",
        {"d": draw_out(draw, public=False), "public": False, "can_run": principal.has_permission("draw.run")},
    )


@router.get("/public/draws", response_class=HTMLResponse)
def public_draws_page(request: Request, tx: TxDep, principal: OptionalPrincipalDep) -> Response:
    draws = [draw_out(d, public=True) for d in service.public_list(tx)]
    return render(request, "draw/list.html", {"draws": draws, "public": True})


@router.get("/public/draws/{draw_id}", response_class=HTMLResponse)
def public_draw_page(draw_id: int, request: Request, tx: TxDep, principal: OptionalPrincipalDep) -> Response:
    draw = service.public_get(tx, draw_id)
    problems = service.verify(draw) if draw.published_at else None
    return render(
        request,
        "draw/detail.html",
        {"d": draw_out(draw, public=True), "public": True, "problems": problems, "can_run": False},
    )
