"""Pages: off-site supervision home, outlet series, review queue, exceedances, indicators."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from huanjian.core.time import CST, cst_day_start, utcnow
from huanjian.review import amounts, crosscheck, home, layers, service, views
from huanjian.review import repository as repo
from huanjian.web.deps import PrincipalDep, TxDep
from huanjian.web.templating import register_nav, render

router = APIRouter(include_in_schema=False)
register_nav("review", "/review")


def _today() -> date:
    return utcnow().astimezone(CST).date()


def _local(text: str | None) -> datetime | None:
    if not text:
        return None
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=CST)


@router.get("/review", response_class=HTMLResponse)
def home_page(request: Request, principal: PrincipalDep, tx: TxDep) -> Response:
    return render(request, "review/home.html", {"h": home.home(tx, principal)})


@router.get("/review/outlets/{outlet_id}", response_class=HTMLResponse)
def outlet_page(
    request: Request,
    outlet_id: int,
    principal: PrincipalDep,
    tx: TxDep,
    as_of: str | None = None,
    pollutant: str | None = None,
) -> Response:
    q = request.query_params  # "from"/"to" are not Python names
    end = date.fromisoformat(q["to"]) if q.get("to") else None
    start = date.fromisoformat(q["from"]) if q.get("from") else None
    info = service.outlet_for(tx, principal, outlet_id)
    if end is None:
        latest = repo.latest_hour(tx.session, outlet_id)
        end = latest.astimezone(CST).date() if latest else _today()
    start = start or end - timedelta(days=6)
    when = _local(as_of)
    data = views.series(tx, principal, outlet_id, start, end, as_of=when)
    pollutants = sorted(data["series"])
    limited = [p for p in pollutants if any(r["limit_value"] is not None for r in data["series"][p])]
    pollutant = pollutant if pollutant in pollutants else (limited or pollutants or [None])[0]
    hours = data["series"].get(pollutant, []) if pollutant else []
    shade: list[list[Any]] = []
    for layer in data["layers"]:
        if layer["pollutant"] in (None, pollutant) and layer["kind"] in (
            "mark",
            "flag",
            "exclude",
            "suspect",
        ):
            colour = "rgba(33,150,243,0.15)" if layer["kind"] == "mark" else "rgba(255,152,0,0.18)"
            shade.append([layer["start"], layer["end"], colour])
    for q in data["qa_events"]:
        if q["pollutant"] in (None, pollutant):
            shade.append([q["start"], q["end"], "rgba(156,39,176,0.15)"])
    for h in hours:
        if not h["valid"] and h.get("valid_count", 0) is not None:
            t = datetime.fromisoformat(h["t"])
            shade.append([h["t"], (t + timedelta(hours=1)).isoformat(), "rgba(158,158,158,0.12)"])
    minutes: list[list[Any]] = []
    if pollutant and (end - start).days < 2:
        r = repo.readings(tx.session, info, cst_day_start(start), cst_day_start(end) + timedelta(days=1))
        if pollutant in r.pollutants:
            idx = r.pollutants.index(pollutant)
            for s, t, v in zip(r.series.tolist(), r.times_s.tolist(), r.values.tolist(), strict=True):
                if s == idx:
                    minutes.append([datetime.fromtimestamp(t, CST).isoformat(), v])
            minutes.sort()
    limit = next((h["limit_value"] for h in hours if h["limit_value"] is not None), None)
    chart = {
        "hours": [{k: h[k] for k in ("t", "raw", "value", "corrected", "substitute")} for h in hours],
        "shade": shade,
        "limit": limit,
        "minutes": minutes,
        # manual results on the same time axis as the automatic data
        "self_monitoring": [
            [x["t"], x["value"]] for x in data["self_monitoring"] if x["pollutant"] == pollutant
        ],
        "enforcement": [[x["t"], x["value"]] for x in data["enforcement"] if x["pollutant"] == pollutant],
    }
    context = {
        "o": info,
        "data": data,
        "chart": chart,
        "pollutants": pollutants,
        "pollutant": pollutant,
        "start": start,
        "end": end,
        "as_of": as_of,
        "can_act": principal.can("review.act"),
        "logger_check": [
            crosscheck.logger_check(tx.session, info, period, start, end) for period in ("hour", "day")
        ],
        "amounts": amounts.outlet_amounts(tx.session, info, end.year),
    }
    return render(request, "review/outlet.html", context)


@router.post("/review/outlets/{outlet_id}/action")
def outlet_action(
    outlet_id: int,
    principal: PrincipalDep,
    tx: TxDep,
    kind: Annotated[str, Form()],
    start: Annotated[str, Form()],
    end: Annotated[str, Form()],
    reason: Annotated[str, Form()],
    pollutant: Annotated[str | None, Form()] = None,
) -> Response:
    s, e = _local(start), _local(end)
    assert s is not None and e is not None
    layers.reviewer_action(
        tx,
        principal,
        outlet_id=outlet_id,
        kind=kind,
        start=s,
        end=e,
        reason=reason,
        pollutant=pollutant or None,
    )
    return RedirectResponse(f"/review/outlets/{outlet_id}", status_code=303)


@router.get("/review/queue", response_class=HTMLResponse)
def queue_page(request: Request, principal: PrincipalDep, tx: TxDep) -> Response:
    rows = layers.queue(tx, principal)
    return render(request, "review/queue.html", {"rows": rows, "can_decide": principal.can("review.decide")})


@router.post("/review/layers/{layer_id}/decision")
def decision(
    layer_id: int,
    principal: PrincipalDep,
    tx: TxDep,
    accept: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
) -> Response:
    layers.decide(
        tx, principal, layer_id, accept=accept == "1", reason=reason or ("accepted" if accept == "1" else "")
    )
    return RedirectResponse("/review/queue", status_code=303)


@router.get("/review/exceedances", response_class=HTMLResponse)
def exceedances_page(request: Request, principal: PrincipalDep, tx: TxDep) -> Response:
    return render(request, "review/exceedances.html", {"rows": views.exceedances(tx, principal)})


@router.get("/review/indicators", response_class=HTMLResponse)
def indicators_page(request: Request, principal: PrincipalDep, tx: TxDep) -> Response:
    q = request.query_params
    level = q.get("level", "jurisdiction")
    period = q.get("period", "day")
    end = date.fromisoformat(q["to"]) if q.get("to") else _today()
    start = date.fromisoformat(q["from"]) if q.get("from") else end - timedelta(days=30)
    rows = views.indicators(tx, principal, level=level, period=period, start_day=start, end_day=end)
    context = {
        "rows": rows,
        "levels": views.INDICATOR_LEVELS,
        "level": level,
        "period": period,
        "start": start,
        "end": end,
    }
    return render(request, "review/indicators.html", context)


@router.get("/review/enterprises/{enterprise_id}/amounts", response_class=HTMLResponse)
def enterprise_amounts_page(
    request: Request, enterprise_id: int, principal: PrincipalDep, tx: TxDep, year: int | None = None
) -> Response:
    data = amounts.for_enterprise(tx, principal, enterprise_id, year or _today().year)
    return render(request, "review/amounts.html", {"a": data})
