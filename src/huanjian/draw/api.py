"""/api/v1 routes of random draws; the public ones need no login."""

from __future__ import annotations

from fastapi import APIRouter

from huanjian.draw import service
from huanjian.draw.schemas import DrawOut, DrawPlanIn, ReasonIn, VerifyOut, draw_out
from huanjian.web.deps import PrincipalDep, TxDep

router = APIRouter(prefix="/draws", tags=["random draws"])
public_router = APIRouter(prefix="/public/draws", tags=["published information"])


@router.get("", response_model=list[DrawOut])
def list_draws(principal: PrincipalDep, tx: TxDep) -> list[DrawOut]:
    return [draw_out(d, public=False) for d in service.list_draws(tx, principal)]


@router.post("", response_model=DrawOut, status_code=201)
def plan(body: DrawPlanIn, principal: PrincipalDep, tx: TxDep) -> DrawOut:
    return draw_out(service.plan(tx, principal, **body.model_dump()), public=False)


@router.get("/{draw_id}", response_model=DrawOut)
def get_draw(draw_id: int, principal: PrincipalDep, tx: TxDep) -> DrawOut:
    return draw_out(service.get(tx, principal, draw_id), public=False)


@router.post("/{draw_id}/commit", response_model=DrawOut)
def commit(draw_id: int, principal: PrincipalDep, tx: TxDep) -> DrawOut:
    return draw_out(service.commit(tx, principal, draw_id), public=False)


@router.post("/{draw_id}/run", response_model=DrawOut)
def run(draw_id: int, principal: PrincipalDep, tx: TxDep) -> DrawOut:
    return draw_out(service.run(tx, principal, draw_id), public=False)


@router.post("/{draw_id}/publish", response_model=DrawOut)
def publish(draw_id: int, principal: PrincipalDep, tx: TxDep) -> DrawOut:
    return draw_out(service.publish(tx, principal, draw_id), public=False)


@router.post("/{draw_id}/redraw-request", response_model=DrawOut)
def request_redraw(draw_id: int, body: ReasonIn, principal: PrincipalDep, tx: TxDep) -> DrawOut:
    return draw_out(service.request_redraw(tx, principal, draw_id, body.reason), public=False)


@router.post("/{draw_id}/redraw-approve", response_model=DrawOut, status_code=201)
def approve_redraw(draw_id: int, principal: PrincipalDep, tx: TxDep) -> DrawOut:
    return draw_out(service.approve_redraw(tx, principal, draw_id), public=False)


@public_router.get("", response_model=list[DrawOut])
def public_list(tx: TxDep) -> list[DrawOut]:
    return [draw_out(d, public=True) for d in service.public_list(tx)]


@public_router.get("/{draw_id}", response_model=DrawOut)
def public_get(draw_id: int, tx: TxDep) -> DrawOut:
    return draw_out(service.public_get(tx, draw_id), public=True)


@public_router.get("/{draw_id}/verify", response_model=VerifyOut)
def public_verify(draw_id: int, tx: TxDep) -> VerifyOut:
    draw = service.public_get(tx, draw_id)
    problems = service.verify(draw) if draw.published_at else ["not published yet"]
    return VerifyOut(ok=not problems, problems=problems)
