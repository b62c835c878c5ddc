"""Job kind ``ingest.purge_raw``: raw frames older than the retention period are deleted daily.

Payload ``{"years": int?}``; without it the ``ingest_raw_retention_years`` setting
(5 by default, the permit regulation's minimum for original monitoring records).
Records and readings are kept: only the received bytes go.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from huanjian.core.time import utcnow
from huanjian.core.tx import Tx
from huanjian.errors import ValidationError
from huanjian.ingest import service
from huanjian.jobs.registry import job, schedule
from huanjian.settings import get_settings


def retention_cutoff(years: int) -> datetime:
    if years < 1:
        raise ValidationError(
            f"retention of {years} years: raw frames are kept at least 1 year", field="years"
        )
    return utcnow() - timedelta(days=round(365.25 * years))


@job("ingest.purge_raw")
def purge_raw(tx: Tx, payload: dict[str, Any]) -> dict[str, Any]:
    years = int(payload.get("years") or get_settings().ingest_raw_retention_years)
    before = retention_cutoff(years)
    return {"deleted": service.purge_raw(tx, before), "before": before.isoformat(), "years": years}


schedule("ingest.purge_raw", every=timedelta(days=1))
