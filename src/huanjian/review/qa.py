"""QA events (calibrations, maintenance, comparison tests): the table review and detection read.

Calibrations come from the loggers themselves: readings flagged ``C`` are grouped into
runs per parameter (:func:`calibration_runs`) and stored as QA events of kind
``calibration``, source ``logger`` (:func:`sync_calibrations`) each time the days are
reviewed, so they exist as soon as the data are reviewed (the worker's incremental
run follows arrivals) and reviewing again changes nothing.

:func:`record_qa_event` is the one entry point for other domains (``field.compare``
writes comparison test results through it).  A failed comparison test makes the
data from the last passing comparison of the same outlet and pollutant to the end of
the failed test *suspect* (kept out of approval until a reviewer resolves it).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select

from huanjian.access.policy import Principal
from huanjian.core.scope import Scope
from huanjian.core.time import ensure_utc, utcnow
from huanjian.core.tx import Tx
from huanjian.errors import NotFound, ValidationError
from huanjian.review import repository as repo
from huanjian.review.engine._arrays import to_datetime
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


# --------------------------------------------------------------------------- calibrations from the loggers

#: Readings two steps apart or less belong to one calibration (one missing C minute does not split it).
CALIBRATION_GAP_STEPS = 2


def calibration_runs(
    pollutants: tuple[str, ...],
    series: np.ndarray,
    times_s: np.ndarray,
    flag_codes: np.ndarray,
    step_s: int,
) -> list[tuple[str, int, int, int]]:
    """Runs of readings flagged C (HJ 212 table 8: calibration) per parameter.

    ``flag_codes`` are the readings' flags as ASCII codes (``engine.grid.encode_flags``,
    which the review has computed already).  Returns ``(pollutant, start_s, end_s,
    records)`` with ``end_s`` one step after the last flagged reading.  Vectorised: one
    sort, one diff.
    """
    is_c = np.asarray(flag_codes) == ord("C")
    if not is_c.any():
        return []
    s, t = series[is_c], times_s[is_c]
    order = np.lexsort((t, s))
    s, t = s[order], t[order]
    brk = np.flatnonzero((np.diff(s) != 0) | (np.diff(t) > CALIBRATION_GAP_STEPS * step_s)) + 1
    starts = np.concatenate(([0], brk))
    ends = np.concatenate((brk, [s.size])) - 1
    return [
        (pollutants[int(s[a])], int(t[a]), int(t[b]) + step_s, int(b - a + 1))
        for a, b in zip(starts.tolist(), ends.tolist(), strict=True)
    ]


def sync_calibrations(
    tx: Tx,
    outlet_id: int,
    runs: list[tuple[str, int, int, int]],
    *,
    mn_of: dict[str, str],
    step_s: int,
) -> int:
    """Calibration QA events (source ``logger``) for the C-flagged runs, created once.

    A run that overlaps or touches a stored logger calibration of the same parameter
    extends it (data arriving late or across a review slice) instead of adding one;
    an unchanged event is left alone, so reviewing again writes nothing.  Returns the
    number of events created or changed.
    """
    if not runs:
        return 0
    changed = 0
    q = QaEvent
    reach = timedelta(seconds=CALIBRATION_GAP_STEPS * step_s)
    lo, hi = to_datetime(min(r[1] for r in runs)) - reach, to_datetime(max(r[2] for r in runs)) + reach
    known = list(
        tx.session.scalars(  # one query per outlet and slice, matched in memory
            select(q)
            .where(q.outlet_id == outlet_id, q.kind == "calibration", q.source == "logger")
            .where(q.start_at <= hi, q.end_at >= lo)
            .order_by(q.start_at)
        )
    )
    for pollutant, start_s, end_s, records in runs:
        start, end = to_datetime(start_s), to_datetime(end_s)
        near = (k for k in known if k.pollutant == pollutant and k.start_at <= end + reach)
        stored = next((k for k in near if k.end_at >= start - reach), None)
        if stored is not None:
            new_start, new_end = min(stored.start_at, start), max(stored.end_at, end)
            if (new_start, new_end) == (stored.start_at, stored.end_at):
                continue
            if new_start != stored.start_at:
                stored.start_at = new_start  # the unique key follows the widened start
            start, end = new_start, new_end
        minutes = int((end - start).total_seconds() // 60)
        event = record_qa_event(
            tx,
            outlet_id=outlet_id,
            kind="calibration",
            start=start,
            end=end,
            source="logger",
            pollutant=pollutant,
            result={"flag": "C", "records": records, "minutes": minutes},
            reference="HJ 212 flag C",
            mn=mn_of.get(pollutant),
        )
        if stored is None:
            known.append(event)
        changed += 1
    return changed
