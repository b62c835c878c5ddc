"""Jobs of the ingestion domain.

* ``ingest.purge_raw`` (daily): raw frames older than the retention period are deleted.
  Payload ``{"years": int?}``; without it the ``ingest_raw_retention_years`` setting
  (5 by default, the permit regulation's minimum for original monitoring records).
  Records and readings are kept: only the received bytes go.
* ``ingest.pack`` (hourly): settled days of minute readings are packed into day packs and
  stale ones repacked (ADR 0007).  Payload ``{"max_days": int?}``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from huanjian.core.time import utcnow
from huanjian.core.tx import Tx
from huanjian.errors import ValidationError
from huanjian.ingest import service
from huanjian.ingest.packs import MAX_DAYS
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


@job("ingest.pack")
def pack(tx: Tx, payload: dict[str, Any]) -> dict[str, Any]:
    max_days = int(payload.get("max_days") or MAX_DAYS)
    return service.pack_days(tx, max_days=max_days).as_dict()


schedule("ingest.pack", every=timedelta(hours=1))
