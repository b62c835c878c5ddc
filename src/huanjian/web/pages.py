"""Shell pages (login, logout, home) and operational endpoints (/healthz, /metrics)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlparse

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse
from sqlalchemy import text

from huanjian import __version__
from huanjian.access import service as access
from huanjian.access.policy import Principal
from huanjian.errors import AuthenticationError
from huanjian.geo import repository as geo_repo
from huanjian.notify import repository as notify_repo
from huanjian.web import metrics
from huanjian.web.deps import SESSION_COOKIE, OptionalPrincipalDep, PrincipalDep, SettingsDep, TxDep, runtime
from huanjian.web.templating import render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    # Only local paths: an open redirect after login is a phishing aid.
    if not target or urlparse(target).netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, principal: OptionalPrincipalDep, next: str | None = None) -> Response:
    if principal is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return render(request, "login.html", {"next": _safe_next(next), "error": None})


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    tx: TxDep,
    settings: SettingsDep,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    try:
        user = access.authenticate(tx, username.strip(), password)
    except AuthenticationError as exc:
        return render(
            request,
            "login.html",
            {"next": _safe_next(next), "error": exc.message, "username": username},
            status_code=401,
        )
    # The session is issued by the person logging in: the audit entry names them.
    tx.ctx = Principal.of(user).context("web", tx.ctx.request_id)
    secret, _token = access.issue_token(
        tx, user, "session", name=request.headers.get("user-agent", "")[:100], hours=settings.session_hours
    )
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=settings.session_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies or settings.tls_enabled,
    )
    return response


@router.post("/logout")
def logout(request: Request, tx: TxDep) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        access.revoke_token(tx, cookie)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/", response_class=HTMLResponse)
def home(request: Request, principal: PrincipalDep, tx: TxDep) -> Response:
    unread = notify_repo.unread_count(tx.session, principal.user_id or -1)
    place = geo_repo.get(tx.session, principal.jurisdiction_code) if principal.jurisdiction_code else None
    return render(request, "home.html", {"unread": unread, "version": __version__, "jurisdiction": place})


@router.get("/healthz")
def healthz(request: Request) -> Response:
    rt = runtime(request)
    try:
        with rt.db.read_engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # report, do not raise: this is the health probe
        return JSONResponse({"status": "error", "database": str(exc)[:200]}, status_code=503)
    return JSONResponse({"status": "ok", "version": __version__, "database": rt.db.backend})


@router.get("/metrics")
def prometheus() -> Response:
    return PlainTextResponse(metrics.exposition(), media_type="text/plain; version=0.0.4; charset=utf-8")
