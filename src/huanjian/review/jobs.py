"""Job kind ``review.recompute`` for the worker.

Payload ``{"outlet_id": int?, "from": "YYYY-MM-DD"?, "to": "YYYY-MM-DD"?}``: with a
range, those CST days are recomputed (one outlet or all); without, an incremental
run recomputes only the days that received readings since the last run.  Scheduled
every 10 minutes (incremental).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from huanjian.access.policy import Principal
from huanjian.core.tx import Tx
from huanjian.jobs.registry import job, schedule
from huanjian.review import service


@job("review.recompute")
def recompute(tx: Tx, payload: dict[str, Any]) -> dict[str, Any] | None:
    outlet_id = payload.get("outlet_id")
    if payload.get("from") and payload.get("to"):
        start, end = date.fromisoformat(payload["from"]), date.fromisoformat(payload["to"])
        report = service.run(tx, Principal.system(), start, end, outlet_id=outlet_id)
    else:
        report = service.run_incremental(tx, outlet_ids=[outlet_id] if outlet_id else None)
    return {"outlets": report.outlets, "days": report.days, "events_created": report.events_created}


schedule("review.recompute", every=timedelta(minutes=10))
