"""Register pages: search, enterprise profile (一企一档), import with row report, review queue."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, Response, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse

from huanjian.access.policy import Principal, authorize
from huanjian.core.tx import Tx
from huanjian.errors import HuanjianError
from huanjian.register import service as register
from huanjian.register.kinds import KINDS
from huanjian.register.rules import CREDIT_GRADES, SUPERVISING_LEVELS, SUPERVISION_CLASSES
from huanjian.web.deps import PrincipalDep, TxDep
from huanjian.web.templating import register_nav, render

router = APIRouter(include_in_schema=False)
register_nav("register", "/register")

LABELS = {"classes": SUPERVISION_CLASSES, "levels": SUPERVISING_LEVELS, "grades": CREDIT_GRADES}


@dataclass(frozen=True)
class ProfileSection:
    """A section another domain adds to the enterprise profile: its template and what it shows."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)


ProfileProvider = Callable[[Tx, Principal, int], ProfileSection | None]
_PROFILE_SECTIONS: dict[str, ProfileProvider] = {}


def register_profile_section(key: str, provider: ProfileProvider) -> None:
    """Other domains (cases, …) add their section when their pages are mounted — the register
    does not depend on them. The provider is called after the profile passed the register's
    visibility check, with the viewer, and returns None to show nothing (e.g. no access)."""
    _PROFILE_SECTIONS[key] = provider


def profile_sections(tx: Tx, principal: Principal, enterprise_id: int) -> list[ProfileSection]:
    found = (provider(tx, principal, enterprise_id) for _key, provider in sorted(_PROFILE_SECTIONS.items()))
    return [s for s in found if s is not None]


@router.get("/register", response_class=HTMLResponse)
def search_page(
    request: Request,
    principal: PrincipalDep,
    tx: TxDep,
    q: str | None = None,
    district: str | None = None,
    offset: int = 0,
) -> Response:
    total, rows = register.search(tx, principal, q=q, district=district or None, limit=50, offset=offset)
    return render(
        request,
        "register/search.html",
        {"rows": rows, "total": total, "q": q or "", "district": district or "", "offset": offset, **LABELS},
    )


@router.get("/register/enterprises/{enterprise_id}", response_class=HTMLResponse)
def profile_page(
    request: Request,
    enterprise_id: int,
    principal: PrincipalDep,
    tx: TxDep,
    as_of: str | None = None,
    known_at: str | None = None,
) -> Response:
    day, known = register.parse_dates(as_of or None, known_at or None)
    data = register.profile(tx, principal, enterprise_id, as_of=day, known_at=known)
    return render(
        request,
        "register/profile.html",
        {
            "p": data,
            "as_of": as_of or "",
            "known_at": known_at or "",
            "sections": profile_sections(tx, principal, enterprise_id),
            **LABELS,
        },
    )


@router.get("/register/import", response_class=HTMLResponse)
def import_form(request: Request, principal: PrincipalDep) -> Response:
    authorize(principal, "register.import")
    return render(request, "register/import.html", {"kinds": KINDS, "report": None, "error": None})


@router.post("/register/import", response_class=HTMLResponse)
async def import_upload(
    request: Request,
    principal: PrincipalDep,
    tx: TxDep,
    kind: Annotated[str, Form()],
    file: Annotated[UploadFile, File()],
    strict: Annotated[bool, Form()] = False,
) -> Response:
    data = await file.read()
    try:
        report = register.import_file(tx, principal, kind, data, file.filename or "upload.csv", strict=strict)
    except HuanjianError as exc:
        if exc.http_status in (401, 403, 404):
            raise
        tx.session.rollback()
        return render(
            request,
            "register/import.html",
            {"kinds": KINDS, "report": None, "error": exc.message, "kind": kind},
            status_code=exc.http_status,
        )
    return render(
        request,
        "register/import.html",
        {"kinds": KINDS, "report": report.to_dict(), "error": None, "kind": kind},
    )


@router.get("/register/matches", response_class=HTMLResponse)
def matches_page(request: Request, principal: PrincipalDep, tx: TxDep, status: str = "review") -> Response:
    objects = register.review_queue(tx, principal, status or None)
    return render(request, "register/matches.html", {"objects": objects, "status": status})


@router.post("/register/matches/{object_id}")
def decide_form(
    object_id: int,
    principal: PrincipalDep,
    tx: TxDep,
    decision: Annotated[str, Form()],
    enterprise_id: Annotated[int | None, Form()] = None,
    reason: Annotated[str, Form()] = "",
) -> Response:
    register.decide(tx, principal, object_id, decision, enterprise_id=enterprise_id, reason=reason)
    return RedirectResponse("/register/matches", status_code=303)
