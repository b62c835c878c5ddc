"""Job kind ``detect.run`` for the worker, scheduled nightly.

Payload ``{"from": "YYYY-MM-DD"?, "to": "YYYY-MM-DD"?, "outlet_id": int?, "days": int?}``:
with a range, those CST days; without, the last ``days`` (default 30) whole CST days up to
yesterday — long enough for the month-scale detectors (piling under the limit, steps in
ratios), and idempotent, so the nightly re-run updates the clues it already found instead
of adding new ones.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from huanjian.access.policy import Principal
from huanjian.core.time import to_cst, utcnow
from huanjian.core.tx import Tx
from huanjian.detect import service
from huanjian.jobs.registry import job, schedule

NIGHTLY_DAYS = 30


@job("detect.run")
def detect_run(tx: Tx, payload: dict[str, Any]) -> dict[str, Any] | None:
    if payload.get("from") and payload.get("to"):
        start, end = date.fromisoformat(payload["from"]), date.fromisoformat(payload["to"])
    else:
        end = to_cst(utcnow()).date() - timedelta(days=1)
        start = end - timedelta(days=int(payload.get("days", NIGHTLY_DAYS)) - 1)
    report = service.run(tx, Principal.system(), start, end, outlet_id=payload.get("outlet_id"))
    return report.as_dict()


schedule("detect.run", every=timedelta(days=1), payload={"days": NIGHTLY_DAYS})
