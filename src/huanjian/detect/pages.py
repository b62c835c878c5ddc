"""Pages: the clue inbox of a jurisdiction with filters, a clue with its evidence chart and
the lifecycle buttons."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from huanjian.detect import catalogue, service
from huanjian.detect.clues import TRICK_NAMES
from huanjian.detect.models import STATUSES, TRANSITIONS
from huanjian.web.deps import PrincipalDep, TxDep
from huanjian.web.templating import register_nav, render

router = APIRouter(include_in_schema=False)
register_nav("detect", "/clues")


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@router.get("/clues", response_class=HTMLResponse)
def inbox_page(
    request: Request,
    principal: PrincipalDep,
    tx: TxDep,
    category: str | None = None,
    status: str | None = None,
    detector: str | None = None,
    start: str | None = Query(None, alias="from"),
    end: str | None = Query(None, alias="to"),
) -> Response:
    rows = service.search(
        tx,
        principal,
        category=category or None,
        status=[status] if status else ["new", "under_verification", "confirmed"],
        detector=detector or None,
        start_day=_day(start),
        end_day=_day(end),
        limit=300,
    )
    context = {
        "clues": rows,
        "f": {
            "category": category or "",
            "status": status or "",
            "detector": detector or "",
            "from": start or "",
            "to": end or "",
        },
        "statuses": STATUSES,
        "detectors": [d.code for d in catalogue.DETECTORS],
        "tricks": TRICK_NAMES,
    }
    return render(request, "detect/inbox.html", context)


@router.get("/clues/{clue_id}", response_class=HTMLResponse)
def clue_page(clue_id: int, request: Request, principal: PrincipalDep, tx: TxDep) -> Response:
    row = service.get(tx, principal, clue_id)
    context = {
        "c": row,
        "steps": service.history(tx, principal, clue_id),
        "next": TRANSITIONS.get(row.status, ()) if principal.can("clues.act") else (),
        "tricks": TRICK_NAMES,
        "det": catalogue.BY_CODE.get(row.detector),
    }
    return render(request, "detect/clue.html", context)


@router.post("/clues/{clue_id}/transitions")
def transition_form(
    clue_id: int,
    principal: PrincipalDep,
    tx: TxDep,
    status: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
) -> Response:
    service.transition(tx, principal, clue_id, status, reason)
    return RedirectResponse(f"/clues/{clue_id}", status_code=303)


@router.post("/clues/{clue_id}/case")
def case_form(
    clue_id: int,
    principal: PrincipalDep,
    tx: TxDep,
    reason: Annotated[str, Form()] = "",
) -> Response:
    row = service.hand_to_case(tx, principal, clue_id, reason=reason)
    return RedirectResponse(f"/cases/{row.case_id}", status_code=303)
