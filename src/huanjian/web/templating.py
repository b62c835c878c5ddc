"""Jinja2 environment shared by every domain's pages."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from huanjian.access.roles import ROLES
from huanjian.core.time import to_cst
from huanjian.web import i18n

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
    autoescape=jinja2.select_autoescape(("html", "xml")),
    extensions=["jinja2.ext.i18n"],
)
_env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
templates = Jinja2Templates(env=_env)


def _cst(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    return "" if value is None else to_cst(value).strftime(fmt)


templates.env.filters["cst"] = _cst
templates.env.globals["roles"] = ROLES

# Navigation for the domains; entries whose domain has not landed are shown disabled.
NAV: list[dict[str, Any]] = [
    {"key": "home", "href": "/", "label": "Home"},
    {"key": "register", "href": None, "label": "Source register"},
    {"key": "ingest", "href": None, "label": "Monitoring data"},
    {"key": "power", "href": None, "label": "Electricity monitoring"},
    {"key": "review", "href": None, "label": "Data review"},
    {"key": "detect", "href": None, "label": "Clues"},
    {"key": "casework", "href": None, "label": "Cases"},
    {"key": "field", "href": None, "label": "Field monitoring"},
    {"key": "draw", "href": "/draws", "label": "Random draws"},
    {"key": "credit", "href": None, "label": "Credit"},
    {"key": "notifications", "href": "/notifications", "label": "Notifications"},
    {"key": "audit", "href": "/audit", "label": "Audit trail"},
    {"key": "jobs", "href": "/jobs", "label": "Background jobs"},
    {"key": "users", "href": "/users", "label": "Users"},
]


def register_nav(key: str, href: str) -> None:
    """A domain enables its navigation entry when its pages are mounted."""
    for item in NAV:
        if item["key"] == key:
            item["href"] = href


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    ctx: dict[str, Any] = {
        "request": request,
        "nav": NAV,
        "principal": getattr(request.state, "principal", None),
        "locale": i18n.current_locale.get(),
        "locales": i18n.LOCALE_NAMES,
        **(context or {}),
    }
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)
