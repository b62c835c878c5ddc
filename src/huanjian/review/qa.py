"""QA events (calibrations, maintenance, comparison tests): the table review and detection read.

:func:`record_qa_event` is the one entry point for other domains (``field.compare``
writes comparison test results through it).  A failed comparison test makes the
data from the last passing comparison of the same outlet and pollutant to the end of
the failed test *suspect* (kept out of approval until a reviewer resolves it).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from huanjian.access.policy import Principal
from huanjian.core.scope import Scope
from huanjian.core.time import ensure_utc, utcnow
from huanjian.core.tx import Tx
from huanjian.errors import NotFound, ValidationError
from huanjian.review import repository as repo
from huanjian.review.models import QaEvent

QA_KINDS = ("calibration", "maintenance", "comparison", "audit", "repair")


def record_qa_event(
    tx: Tx,
    *,
    outlet_id: int,
    kind: str,
    start: datetime,
    end: datetime,
    source: str,
    pollutant: str | None = None,
    passed: bool | None = None,
    result: dict[str, Any] | None = None,
    reference: str | None = None,
    mn: str | None = None,
) -> QaEvent:
    """Store (or update, same outlet/kind/pollutant/start/source) one QA event; audited.

    ``result`` is free JSON (e.g. the comparison calculator's bands and verdicts).
    """
    if kind not in QA_KINDS:
        raise ValidationError(f"kind must be one of {QA_KINDS}", field="kind")
    start, end = ensure_utc(start), ensure_utc(end)
    if end < start:
        raise ValidationError("end before start", field="end")
    info = repo.outlet(tx.session, Scope(everything=True), outlet_id)
    if info is None:
        raise NotFound(f"outlet {outlet_id} not found")
    q = QaEvent
    key = (q.outlet_id == outlet_id, q.kind == kind, q.pollutant == (pollutant or ""), q.start_at == start,
           q.source == source)  # fmt: skip
    event = tx.session.scalars(select(q).where(*key)).first()
    action = "review.qa.update" if event else "review.qa.create"
    if event is None:
        event = QaEvent(
            outlet_id=outlet_id,
            kind=kind,
            pollutant=pollutant or "",
            start_at=start,
            source=source,
            enterprise_id=info.enterprise_id,
            jurisdiction_code=info.jurisdiction_code,
        )
        tx.session.add(event)
    event.end_at, event.passed, event.result = end, passed, dict(result or {})
    event.reference, event.mn = reference, mn
    event.recorded_at, event.recorded_by = utcnow(), tx.ctx.actor_name
    tx.session.flush()
    tx.audit(
        action,
        "review_qa_event",
        event.id,
        after={"outlet_id": outlet_id, "kind": kind, "pollutant": pollutant, "passed": passed,
               "start": start.isoformat(), "end": end.isoformat(), "source": source},
        jurisdiction_code=info.jurisdiction_code,
        organisation_id=info.enterprise_id,
    )  # fmt: skip
    if kind == "comparison" and passed is False:
        from huanjian.review.layers import mark_suspect

        last_pass = tx.session.scalar(
            select(q.end_at)
            .where(q.outlet_id == outlet_id, q.kind == "comparison", q.passed.is_(True), q.end_at <= start)
            .where(q.pollutant == (pollutant or ""))
            .order_by(q.end_at.desc())
            .limit(1)
        )
        mark_suspect(
            tx,
            Principal.system(),
            outlet_id=outlet_id,
            start=max(last_pass or start, end - timedelta(days=400)),
            end=max(end, start + timedelta(minutes=1)),
            reason=f"comparison test failed ({reference or event.id}); data since the last pass doubted",
            pollutant=pollutant,
            qa_event_id=event.id,
        )
    return event


def events(tx: Tx, outlet_id: int, start: datetime, end: datetime) -> list[QaEvent]:
    q = QaEvent
    stmt = select(q).where(q.outlet_id == outlet_id, q.start_at < end, q.end_at >= start).order_by(q.start_at)
    return list(tx.session.scalars(stmt))
