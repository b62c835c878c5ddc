"""Retention: raw frames older than the retention period go, daily; records and readings stay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from huanjian.audit.models import AuditEntry
from huanjian.core.db import Database
from huanjian.core.time import utcnow
from huanjian.core.tx import Tx
from huanjian.errors import ValidationError
from huanjian.ingest import jobs
from huanjian.ingest.models import IngestFrame, IngestReading, IngestRecord
from huanjian.ingest.pipeline import Rules
from huanjian.ingest.store import IngestStore
from huanjian.jobs.registry import HANDLERS, SCHEDULES
from tests.conftest import AUDIT_KEY
from tests.ingest.helpers import incoming, minute_frame


def _count(tx: Tx, model: type) -> int:
    return int(tx.session.scalar(select(func.count()).select_from(model)) or 0)


def test_the_daily_job_purges_old_raw_frames_only(db: Database, tx: Tx) -> None:
    assert any(s.kind == "ingest.purge_raw" and s.every == timedelta(days=1) for s in SCHEDULES)
    store = IngestStore(db, AUDIT_KEY.encode(), Rules(past_days=10_000))
    now = utcnow()
    old_at = now - timedelta(days=round(365.25 * 5) + 1)
    recent_at = now - timedelta(days=round(365.25 * 5) - 1)
    store.write([incoming(minute_frame("20200101000000"), at=old_at)], now=old_at)
    store.write([incoming(minute_frame("20200101000100"), at=recent_at)], now=recent_at)
    assert (_count(tx, IngestFrame), _count(tx, IngestRecord)) == (2, 2)
    result = HANDLERS["ingest.purge_raw"](tx, {})
    assert result is not None and result["deleted"] == 1 and result["years"] == 5
    assert _count(tx, IngestFrame) == 1
    assert tx.session.scalar(select(IngestFrame.received_at)) == recent_at
    assert (_count(tx, IngestRecord), _count(tx, IngestReading)) == (2, 4)  # the data are kept
    entry = tx.session.scalars(select(AuditEntry).where(AuditEntry.action == "ingest.purge_raw")).one()
    assert entry.after["deleted"] == 1


def test_a_retention_under_a_year_is_refused() -> None:
    with pytest.raises(ValidationError, match="at least 1 year"):
        jobs.retention_cutoff(0)
