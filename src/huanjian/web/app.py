"""Application factory."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from huanjian import __version__
from huanjian.core.runtime import Runtime
from huanjian.errors import AuthenticationError, HuanjianError
from huanjian.web import i18n, metrics
from huanjian.web.deps import request_id
from huanjian.web.routes import API_ROUTERS, PAGE_ROUTERS
from huanjian.web.templating import render

log = logging.getLogger("huanjian.web")
STATIC_DIR = Path(__file__).resolve().parent / "static"

LifespanHook = Callable[[FastAPI], Awaitable[None]]


def create_app(
    runtime: Runtime,
    *,
    on_startup: list[LifespanHook] | None = None,
    on_shutdown: list[LifespanHook] | None = None,
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        for hook in on_startup or []:
            await hook(app)
        yield
        for hook in on_shutdown or []:
            await hook(app)

    app = FastAPI(
        title="huanjian 环监",
        version=__version__,
        docs_url="/api/docs",
        swagger_ui_oauth2_redirect_url="/api/docs/oauth2-redirect",
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    for router in API_ROUTERS:
        app.include_router(router, prefix="/api/v1")
    for router in PAGE_ROUTERS:
        app.include_router(router)

    @app.middleware("http")
    async def context_middleware(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        rid = request_id(request)
        settings = runtime.settings
        locale = i18n.pick_locale(
            request.query_params.get("lang"), request.cookies.get("hj_lang"), None, settings.default_locale
        )
        token = i18n.current_locale.set(locale)
        started = time.perf_counter()
        try:
            response = await call_next(request)
        finally:
            i18n.current_locale.reset(token)
        metrics.observe(
            request, response.status_code if "response" in locals() else 500, time.perf_counter() - started
        )
        response.headers["X-Request-ID"] = rid
        if request.query_params.get("lang") in i18n.LOCALES:
            response.set_cookie(
                "hj_lang",
                locale,
                max_age=365 * 86400,
                samesite="lax",
                secure=settings.secure_cookies or settings.tls_enabled,
            )
        return response

    @app.exception_handler(HuanjianError)
    async def domain_error(request: Request, exc: HuanjianError) -> Response:
        if not request.url.path.startswith("/api/") and isinstance(exc, AuthenticationError):
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        body = {"error": exc.to_dict(), "request_id": request_id(request)}
        if request.url.path.startswith("/api/") or "text/html" not in request.headers.get("accept", ""):
            return JSONResponse(body, status_code=exc.http_status)
        return render(request, "error.html", {"error": exc}, status_code=exc.http_status)

    @app.exception_handler(RequestValidationError)
    async def request_invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            {"field": ".".join(str(p) for p in err.get("loc", ())), "message": err.get("msg", "")}
            for err in exc.errors()
        ]
        body = {
            "error": {"code": "invalid", "message": "request rejected", "details": {"errors": problems}},
            "request_id": request_id(request),
        }
        return JSONResponse(body, status_code=422)

    return app
