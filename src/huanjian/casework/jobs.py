"""Background work of casework: reminders of orders due soon, escalation of overdue orders."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from huanjian.casework import service
from huanjian.core.time import utcnow
from huanjian.core.tx import Tx
from huanjian.jobs.registry import job, schedule


@job("casework.order_reminders")
def order_reminders(tx: Tx, payload: dict[str, Any]) -> dict[str, Any]:
    return {"reminded": service.remind_orders(tx, utcnow())}


@job("casework.order_escalations")
def order_escalations(tx: Tx, payload: dict[str, Any]) -> dict[str, Any]:
    return {"escalated": service.escalate_orders(tx, utcnow())}


schedule("casework.order_reminders", every=timedelta(hours=1))
schedule("casework.order_escalations", every=timedelta(hours=1))
