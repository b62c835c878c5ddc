"""Every router of the app, in one place, and the named public routes.

A new domain adds its API router and its page router here. Any route not in
``PUBLIC_ROUTES`` requires a logged-in principal, and the isolation test
(tests/access/test_isolation.py) demands a cross-tenant case for it.
"""

from __future__ import annotations

from fastapi import APIRouter

from huanjian.access import api as access_api
from huanjian.access import pages as access_pages
from huanjian.audit import api as audit_api
from huanjian.audit import pages as audit_pages
from huanjian.casework import api as casework_api
from huanjian.casework import pages as casework_pages
from huanjian.credit import api as credit_api
from huanjian.credit import pages as credit_pages
from huanjian.detect import api as detect_api
from huanjian.detect import pages as detect_pages
from huanjian.draw import api as draw_api
from huanjian.draw import pages as draw_pages
from huanjian.field import api as field_api
from huanjian.field import evidence as field_evidence  # noqa: F401  (its section of case evidence packages)
from huanjian.field import pages as field_pages
from huanjian.geo import api as geo_api
from huanjian.ingest import api as ingest_api
from huanjian.ingest import pages as ingest_pages
from huanjian.jobs import api as jobs_api
from huanjian.jobs import pages as jobs_pages
from huanjian.notify import api as notify_api
from huanjian.notify import pages as notify_pages
from huanjian.power import api as power_api
from huanjian.power import pages as power_pages
from huanjian.register import api as register_api
from huanjian.register import pages as register_pages
from huanjian.review import api as review_api
from huanjian.review import pages as review_pages
from huanjian.web import pages as shell_pages

API_ROUTERS: list[APIRouter] = [
    access_api.router,
    geo_api.router,
    audit_api.router,
    jobs_api.router,
    notify_api.router,
    draw_api.router,
    draw_api.public_router,
    register_api.router,
    ingest_api.router,
    power_api.router,
    casework_api.router,
    detect_api.router,
    field_api.router,
    credit_api.router,
    credit_api.public_router,
    review_api.router,
]

PAGE_ROUTERS: list[APIRouter] = [
    shell_pages.router,
    access_pages.router,
    audit_pages.router,
    jobs_pages.router,
    notify_pages.router,
    draw_pages.router,
    register_pages.router,
    ingest_pages.router,
    power_pages.router,
    casework_pages.router,
    detect_pages.router,
    field_pages.router,
    credit_pages.router,
    review_pages.router,
]

# (method, path) of routes reachable without logging in. Published information
# only (draw results, credit lists, when those domains land), plus the login
# form and operational probes.
PUBLIC_ROUTES: frozenset[tuple[str, str]] = frozenset(
    {
        ("GET", "/login"),
        ("POST", "/login"),
        ("POST", "/logout"),
        ("GET", "/healthz"),
        ("GET", "/metrics"),
        ("POST", "/api/v1/auth/tokens"),
        ("GET", "/api/docs"),
        ("GET", "/api/docs/oauth2-redirect"),
        ("GET", "/api/v1/openapi.json"),
        # Published random draws (双随机一公开: results are public by law).
        ("GET", "/public/draws"),
        ("GET", "/public/draws/{draw_id}"),
        ("GET", "/api/v1/public/draws"),
        ("GET", "/api/v1/public/draws/{draw_id}"),
        ("GET", "/api/v1/public/draws/{draw_id}/verify"),
        # Published credit grades and the red / poor lists (published evaluations only).
        ("GET", "/public/credit"),
        ("GET", "/api/v1/public/credit"),
        # The field pages' service worker: a script like a static file, no tenant data.
        ("GET", "/field/sw.js"),
    }
)
