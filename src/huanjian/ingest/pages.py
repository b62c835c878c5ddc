"""Pages: loggers with status, quarantine, recent frames and conflicts; one logger."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from huanjian.ingest import commands, repository, service
from huanjian.web.deps import PrincipalDep, SettingsDep, TxDep
from huanjian.web.templating import register_nav, render

router = APIRouter(include_in_schema=False)
register_nav("ingest", "/loggers")


@router.get("/loggers", response_class=HTMLResponse)
def loggers_page(request: Request, principal: PrincipalDep, tx: TxDep, settings: SettingsDep) -> Response:
    statuses = service.logger_statuses(tx.session, principal, settings.ingest_offline_after_seconds)
    context = {
        "registered": [s for s in statuses if not s.logger.quarantined],
        "quarantined": [s for s in statuses if s.logger.quarantined],
        "rates": service.jurisdiction_rates(s for s in statuses if not s.logger.quarantined),
        "frames": repository.recent_frames(tx.session, principal.scope, limit=50),
        "conflicts": repository.conflicts(tx.session, principal.scope, limit=20),
    }
    return render(request, "ingest/loggers.html", context)


@router.get("/loggers/{mn}", response_class=HTMLResponse)
def logger_page(
    request: Request, mn: str, principal: PrincipalDep, tx: TxDep, settings: SettingsDep
) -> Response:
    lg = service.get_logger(tx.session, principal, mn)
    online = any(
        s.online
        for s in service.logger_statuses(tx.session, principal, settings.ingest_offline_after_seconds)
        if s.logger.mn == mn
    )
    context = {
        "lg": lg,
        "online": online,
        "frames": repository.recent_frames(tx.session, principal.scope, mn=mn, limit=100),
        "conflicts": repository.conflicts(tx.session, principal.scope, mn=mn, limit=50),
        "commands": commands.commands_for(tx.session, principal, mn, limit=50),
    }
    return render(request, "ingest/logger.html", context)
