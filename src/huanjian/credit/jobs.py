"""Background work of credit: monthly provisional and annual final runs, filing checks.

The schedules fire daily and act only when a period has closed and has no run
yet, so a worker that was down catches up on its next day.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from huanjian.access.policy import Principal
from huanjian.core.tx import Tx
from huanjian.credit import filing, repository, schemes, service
from huanjian.jobs.registry import job, schedule


def closed_periods(on: date) -> list[str]:
    """The month before ``on`` and, from January on, the year before."""
    last_month = on.replace(day=1) - timedelta(days=1)
    return [f"{last_month:%Y-%m}", str(on.year - 1)]


@job("credit.evaluate")
def evaluate(tx: Tx, payload: dict[str, Any]) -> dict[str, Any]:
    """On demand: ``{"scheme": "lab", "period": "2026"}``, optionally ``"jurisdiction": "310115"``."""
    area = payload.get("jurisdiction")
    r = service.run(
        tx,
        Principal.system(),
        str(payload["scheme"]),
        str(payload["period"]),
        jurisdiction=str(area) if area else None,
    )
    return {"run": r.id, "scheme": r.scheme, "period": r.period, "jurisdiction": r.jurisdiction_code}


@job("credit.periodic")
def periodic(tx: Tx, payload: dict[str, Any]) -> dict[str, Any]:
    on = date.fromisoformat(payload["on"]) if payload.get("on") else service.today()
    started = []
    for period in closed_periods(on):
        for scheme in schemes.SCHEMES:
            if not repository.current_runs(tx.session, scheme, period):
                started.append(service.run(tx, Principal.system(), scheme, period).id)
    return {"runs": started}


@job("credit.filing_check")
def filing_check(tx: Tx, payload: dict[str, Any]) -> dict[str, Any]:
    on = date.fromisoformat(payload["on"]) if payload.get("on") else service.today()
    return {"suspended": filing.check_filings(tx, on)}


schedule("credit.periodic", every=timedelta(days=1))
schedule("credit.filing_check", every=timedelta(days=1))
