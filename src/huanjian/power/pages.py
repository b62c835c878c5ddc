"""Pages: meters with their latest reading, one meter's recent series, the feed upload."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, File, Request, Response, UploadFile
from fastapi.responses import HTMLResponse

from huanjian.access.policy import Principal
from huanjian.core.time import utcnow
from huanjian.core.tx import Tx
from huanjian.errors import HuanjianError
from huanjian.power import repository, service
from huanjian.power.feed import catalogue
from huanjian.web.deps import PrincipalDep, TxDep
from huanjian.web.templating import register_nav, render

router = APIRouter(include_in_schema=False)
register_nav("power", "/power")

# Values the templates translate through a variable (tests/web/test_i18n.py checks them).
LABELS: tuple[str, ...] = (
    *(q.en for q in catalogue().quantities.values()),
    *catalogue().states,
    "treatment",
    "production",
)


def _rows(tx: Tx, principal: Principal) -> list[dict[str, Any]]:
    meters = service.list_meters(tx, principal)
    facilities = repository.facility_names(tx.session, {m.facility_id for m in meters})
    enterprises = repository.enterprise_names(tx.session, {m.enterprise_id for m in meters})
    now = utcnow()
    last = service.latest(tx, meters, now - timedelta(days=2), now + timedelta(minutes=5))
    return [
        {
            "meter": m,
            "facility": facilities.get(m.facility_id, ("", "", "")),
            "enterprise": enterprises.get(m.enterprise_id, ("", None)),
            "last": last.get(m.id),
        }
        for m in meters
    ]


def _page(request: Request, tx: Tx, principal: Principal, status_code: int = 200, **extra: Any) -> Response:
    context = {
        "rows": _rows(tx, principal),
        "quantities": catalogue().quantities,
        "report": None,
        "error": None,
    }
    context.update(extra)
    return render(request, "power/meters.html", context, status_code=status_code)


@router.get("/power", response_class=HTMLResponse)
def meters_page(request: Request, principal: PrincipalDep, tx: TxDep) -> Response:
    return _page(request, tx, principal)


@router.post("/power/feed", response_class=HTMLResponse)
async def feed_upload(
    request: Request, principal: PrincipalDep, tx: TxDep, file: Annotated[UploadFile, File()]
) -> Response:
    data = await file.read()
    try:
        report = service.import_feed(tx, principal, data, file.filename or "upload.csv")
    except HuanjianError as exc:
        if exc.http_status in (401, 403, 404):
            raise
        tx.session.rollback()
        errors = exc.details.get("errors", [])
        return _page(request, tx, principal, error=exc.message, errors=errors, status_code=exc.http_status)
    return _page(request, tx, principal, report=report.as_dict())


@router.get("/power/{meter_id}", response_class=HTMLResponse)
def meter_page(
    request: Request, meter_id: int, principal: PrincipalDep, tx: TxDep, days: int = 2
) -> Response:
    m = service.get_meter(tx, principal, meter_id)
    now = utcnow()
    points = service.series(tx, principal, m.id, now - timedelta(days=max(1, min(days, 62))), now)
    fac = repository.facility_names(tx.session, [m.facility_id]).get(m.facility_id, ("", "", ""))
    ent = repository.enterprise_names(tx.session, [m.enterprise_id]).get(m.enterprise_id, ("", None))
    q = catalogue().quantities[m.quantity]
    return render(
        request,
        "power/meter.html",
        {"m": m, "points": points[-500:], "facility": fac, "enterprise": ent, "q": q, "days": days},
    )
