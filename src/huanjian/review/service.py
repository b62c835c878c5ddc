"""Review runs from the readings store: per outlet, per slice of CST days, idempotent.

For each outlet (streamed one at a time, each in slices of at most
``SLICE_DAYS`` days) the readings of its loggers and the layers in force are read,
:func:`huanjian.review.compute.review_outlet` runs the engine, and the hourly and
daily figures of those days replace the stored ones; monthly figures are rebuilt
from the stored days of the months touched; exceedance events are merged (created
once, updated, withdrawn when no longer found, never deleted); indicator counts per
logger and day replace the stored ones.  Running twice gives the same rows.

Incremental: :func:`run_incremental` recomputes, per outlet, only the CST days that
received readings since the outlet's watermark (``review_state``); a layer change
recomputes the days it covers (:mod:`huanjian.review.layers`).

As of a past time T, :func:`figures` recomputes in memory from the readings received
by T and the layers in force at T (nothing stored), so an earlier figure can be
reproduced and :func:`explain` names the layer rows that changed it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from huanjian.access.policy import Principal, authorize
from huanjian.core.scope import Scope
from huanjian.core.time import CST, cst_day_start, day_slices, utcnow
from huanjian.core.tx import Tx
from huanjian.errors import NotFound, ValidationError
from huanjian.review import monthly_figures, qa, selfmon
from huanjian.review import repository as repo
from huanjian.review.compute import LimitSpec, OutletInput, OutletReview, review_outlet
from huanjian.review.engine._arrays import to_datetime
from huanjian.review.models import (
    LEVELS,
    ExceedanceEvent,
    IndicatorCount,
    ReviewLayer,
    ReviewState,
)
from huanjian.review.monthly_figures import as_float, flag_letter

SLICE_DAYS = 31
#: Outlets reviewed together by :func:`run` (lookups and writes batched per slice).
RUN_OUTLETS = 50
LEVEL_RANK = {name: i for i, name in enumerate(LEVELS)}


def days_between(start: date, end: date) -> int:
    return (end - start).days + 1


def _scope(tx: Tx, principal: Principal) -> Scope:
    from huanjian.register.service import scope_for

    return scope_for(tx, principal)


def outlet_for(tx: Tx, principal: Principal, outlet_id: int) -> repo.OutletInfo:
    """The outlet if the principal may see it (outside the scope: not found)."""
    authorize(principal, "review.read")
    info = repo.outlet(tx.session, _scope(tx, principal), outlet_id)
    if info is None:
        raise NotFound(f"outlet {outlet_id} not found")
    return info


# --------------------------------------------------------------------------- computing


def compute(
    session: Session,
    info: repo.OutletInfo,
    start_day: date,
    days: int,
    *,
    as_of: datetime | None = None,
    readings: repo.Readings | None = None,
    layer_rows: Sequence[ReviewLayer] | None = None,
    limits: tuple[LimitSpec, ...] | None = None,
) -> tuple[OutletReview, repo.Readings]:
    """The engine over whole CST days of one outlet; ``readings``, ``layer_rows`` and
    ``limits`` when the caller has read them already for several outlets at once."""
    start = cst_day_start(start_day)
    end = start + timedelta(days=days)
    if readings is None:
        readings = repo.readings(session, info, start, end, received_before=as_of)
    if layer_rows is None:
        layer_rows = repo.layers(session, info.id, start, end, as_of=as_of)
    inp = OutletInput(
        medium=info.kind,
        pollutants=readings.pollutants,
        start_day=start_day,
        days=days,
        series=readings.series,
        times_s=readings.times_s,
        values=readings.values,
        flags=readings.flags,
        limits=repo.limits(session, info.id, start_day) if limits is None else limits,
        layers=repo.layer_specs(layer_rows),
    )
    return review_outlet(inp), readings


def _result_rows(info: repo.OutletInfo, rv: OutletReview, now: datetime) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for pol, p in rv.pollutants.items():
        h = p.hours
        hl = p.hour_limit
        for k in range(h.start_s.size):
            rows.append(
                {
                    "outlet_id": info.id,
                    "pollutant": pol,
                    "period": "hour",
                    "period_start": to_datetime(int(h.start_s[k])),
                    "value": as_float(h.mean[0, k]),
                    "raw": as_float(p.raw_hourly[k]),
                    "corrected": as_float(p.corrected_hourly[k]) if p.corrected_hour_valid[k] else None,
                    "valid_count": int(h.count[0, k]),
                    "received": int(h.received[0, k]),
                    "valid": bool(h.valid[0, k]),
                    "flag": flag_letter(int(h.flag[0, k])),
                    "substitute": as_float(p.substitute[k]),
                    "substitute_method": p.substitute_method[k],
                    "marks": p.marks[k] + [f"!{f}" for f in p.flags_layer[k]],
                    "excluded": bool(p.excluded[k]),
                    "limit_value": hl.upper if hl else None,
                    "lower_limit": hl.lower if hl else None,
                    "exceedance": bool(p.hour_exceeding[k]),
                    "complete": True,
                    "computed_at": now,
                }
            )
        d = p.days
        dl = p.day_limit
        for j in range(d.start_s.size):
            rows.append(
                {
                    "outlet_id": info.id,
                    "pollutant": pol,
                    "period": "day",
                    "period_start": to_datetime(int(d.start_s[j])),
                    "value": as_float(d.mean[0, j]),
                    "raw": as_float(p.raw_daily[j]),
                    "corrected": as_float(p.corrected_daily[j]) if p.corrected_day_valid[j] else None,
                    "valid_count": int(d.count[0, j]),
                    "received": int(d.received[0, j]),
                    "valid": bool(d.valid[0, j]),
                    "flag": flag_letter(int(d.flag[0, j])),
                    "substitute": None,
                    "substitute_method": None,
                    "marks": p.day_marks[j],
                    "excluded": bool(p.day_excluded[j]),
                    "limit_value": dl.upper if dl else None,
                    "lower_limit": dl.lower if dl else None,
                    "exceedance": bool(p.day_exceeding[j]),
                    "complete": True,
                    "computed_at": now,
                }
            )
    return rows


def _expand_for_events(
    session: Session,
    outlet_id: int,
    start_day: date,
    end_day: date,
    spans: list[tuple[datetime, datetime]] | None,
) -> tuple[date, date]:
    """Widen a window to whole days covering every stored event that touches it; ``spans``:
    the events touching the window as given (read for many outlets at once)."""
    for _ in range(12):
        if not spans:
            break
        lo = min(a for a, _ in spans).astimezone(CST).date()
        hi = (max(b for _, b in spans) - timedelta(seconds=1)).astimezone(CST).date()
        if lo >= start_day and hi <= end_day:
            break
        start_day, end_day = min(lo, start_day), max(hi, end_day)
        start, end = cst_day_start(start_day), cst_day_start(end_day) + timedelta(days=1)
        spans = repo.event_spans(session, [outlet_id], start, end).get(outlet_id)
    return start_day, end_day


def _merge_events(
    tx: Tx,
    info: repo.OutletInfo,
    rv: OutletReview,
    start: datetime,
    end: datetime,
    now: datetime,
    *,
    has_events: bool = True,
) -> dict[str, int]:
    """Create, update and withdraw the outlet's events of [start, end) (``has_events``
    false: the caller knows none is stored there, and the query is skipped)."""
    e = ExceedanceEvent
    stored = (
        []
        if not has_events
        else list(
            tx.session.scalars(
                select(e).where(
                    e.outlet_id == info.id, e.withdrawn_at.is_(None), e.start_at < end, e.end_at > start
                )
            )
        )
    )
    counts = {"created": 0, "updated": 0, "withdrawn": 0}
    used: set[int] = set()
    for pol, p in rv.pollutants.items():
        for ev in p.events:
            s, t = to_datetime(int(ev["start_s"])), to_datetime(int(ev["end_s"]))  # type: ignore[call-overload]
            match = next(
                (
                    x
                    for x in stored
                    if x.id not in used
                    and x.pollutant == pol
                    and x.averaging_period == ev["averaging_period"]
                    and x.above == ev["above"]
                    and x.start_at < t
                    and x.end_at > s
                ),
                None,
            )
            fields = {
                "start_at": s,
                "end_at": t,
                "periods": ev["periods"],
                "peak": ev["peak"],
                "mean": ev["mean"],
                "limit_value": ev["limit"],
                "margin": ev["margin"],
                "limit_id": ev["limit_id"],
            }
            if match is None:
                created = ExceedanceEvent(
                    outlet_id=info.id,
                    pollutant=pol,
                    averaging_period=ev["averaging_period"],
                    above=ev["above"],
                    created_at=now,
                    updated_at=now,
                    enterprise_id=info.enterprise_id,
                    jurisdiction_code=info.jurisdiction_code,
                    **fields,
                )
                tx.session.add(created)
                tx.session.flush()
                used.add(created.id)
                counts["created"] += 1
                tx.audit(
                    "review.exceedance.create",
                    "review_exceedance",
                    created.id,
                    after={"outlet_id": info.id, "pollutant": pol, **{k: str(v) for k, v in fields.items()}},
                    jurisdiction_code=info.jurisdiction_code,
                    organisation_id=info.enterprise_id,
                )
            else:
                used.add(match.id)
                before = {k: str(getattr(match, k)) for k in fields}
                changed = any(before[k] != str(fields[k]) for k in fields)
                if changed:
                    for k, v in fields.items():
                        setattr(match, k, v)
                    match.updated_at = now
                    counts["updated"] += 1
                    tx.audit(
                        "review.exceedance.update",
                        "review_exceedance",
                        match.id,
                        before=before,
                        after={k: str(v) for k, v in fields.items()},
                        jurisdiction_code=info.jurisdiction_code,
                        organisation_id=info.enterprise_id,
                    )
    for x in stored:
        if x.id not in used:
            x.withdrawn_at = now
            x.withdraw_reason = "no longer found when the data were reviewed again"
            counts["withdrawn"] += 1
            tx.audit(
                "review.exceedance.withdraw",
                "review_exceedance",
                x.id,
                reason=x.withdraw_reason,
                jurisdiction_code=info.jurisdiction_code,
                organisation_id=info.enterprise_id,
            )
    return counts


def _indicator_rows(info: repo.OutletInfo, rv: OutletReview) -> list[dict[str, Any]]:
    rows = []
    day0 = to_datetime(rv.start_s).astimezone(CST).date()
    default_mn = info.mns[0] if info.mns else ""
    per: list[tuple[str, str, Any]] = [
        (pol, info.pollutant_mn.get(pol, default_mn), p.counts) for pol, p in rv.pollutants.items()
    ]
    per += [("*", mn, rv.online) for mn in info.mns[:1]]
    for pol, mn, c in per:
        for j in range(rv.days):
            rows.append(
                {
                    "mn": mn,
                    "pollutant": pol,
                    "day": day0 + timedelta(days=j),
                    "outlet_id": info.id,
                    "enterprise_id": info.enterprise_id,
                    "contractor_id": info.contractor_by_mn.get(mn),
                    "jurisdiction_code": info.jurisdiction_code,
                    "expected": int(c.expected[j]),
                    "received": int(c.received[j]),
                    "valid": int(c.valid[j]),
                    "judged": int(c.judged[j]),
                    "exceeding": int(c.exceeding[j]),
                }
            )
    return rows


@dataclass
class RunReport:
    outlets: int = 0
    days: int = 0
    hours: int = 0
    events_created: int = 0
    events_updated: int = 0
    events_withdrawn: int = 0
    calibrations: int = 0  # logger calibration QA events created or extended

    def add(self, other: RunReport) -> None:
        for k in ("outlets", "days", "hours", "events_created", "events_updated", "events_withdrawn",
                  "calibrations"):  # fmt: skip
            setattr(self, k, getattr(self, k) + getattr(other, k))


def recompute(
    tx: Tx, outlet_id: int, start_day: date, end_day: date, *, now: datetime | None = None
) -> RunReport:
    """Recompute and store the figures of whole CST days of one outlet (idempotent)."""
    infos = repo.outlets(tx.session, Scope(everything=True), [outlet_id], with_loggers=False)
    if not infos:
        raise NotFound(f"outlet {outlet_id} not found")
    return _recompute(tx, infos, start_day, end_day, now=now)


@dataclass
class _Sink:
    """Figures of a slice of outlets and days, written together (one COPY, a few deletes)."""

    windows: list[tuple[int, datetime, datetime]]
    results: list[dict[str, Any]]
    indicators: list[dict[str, Any]]

    def flush(self, session: Session) -> None:
        if self.windows:
            repo.delete_figures(session, self.windows)
        if self.results:
            repo.insert_results(session, self.results)
        if self.indicators:
            session.execute(insert(IndicatorCount), self.indicators)
        self.windows, self.results, self.indicators = [], [], []


@dataclass(frozen=True, slots=True)
class _Prefetched:
    """What :func:`compute` needs of a slice of outlets, read in one query each."""

    readings: dict[int, repo.Readings]
    layers: dict[int, list[ReviewLayer]]
    limits: dict[int, tuple[LimitSpec, ...]]
    evented: set[int]  # outlets with stored events there (the others skip the events query)


def recompute_many(
    tx: Tx, outlet_ids: Sequence[int], start_day: date, end_day: date, *, now: datetime | None = None
) -> RunReport:
    """Recompute and store whole CST days of several outlets; the lookups and writes of the
    outlets go together (a run of 2,000 outlet-days spent more time in ~16 small queries per
    outlet than in the engine).  An outlet whose stored exceedance events reach beyond the
    days is recomputed over the wider window on its own."""
    infos = repo.outlets(tx.session, Scope(everything=True), outlet_ids, with_loggers=False)
    return _recompute(tx, infos, start_day, end_day, now=now)


def _recompute(
    tx: Tx, infos: Sequence[repo.OutletInfo], start_day: date, end_day: date, *, now: datetime | None
) -> RunReport:
    now = now or utcnow()
    session = tx.session
    report = RunReport()
    if end_day < start_day:
        return report
    ids = [i.id for i in infos]
    spans = repo.event_spans(
        session, ids, cst_day_start(start_day), cst_day_start(end_day + timedelta(days=1))
    )
    evented = set(spans)
    windows = {i.id: _expand_for_events(session, i.id, start_day, end_day, spans.get(i.id)) for i in infos}
    common = [info for info in infos if windows[info.id] == (start_day, end_day)]
    sink = _Sink([], [], [])
    months: dict[int, set[date]] = {}
    for day, n in day_slices(start_day, end_day, SLICE_DAYS):
        start, end = cst_day_start(day), cst_day_start(day) + timedelta(days=n)
        pre = _Prefetched(
            repo.readings_many(session, common, start, end),
            repo.layers_many(session, [i.id for i in common], start, end),
            repo.limits_many(session, [i.id for i in common], day),
            evented,
        )
        for info in common:
            _slice(tx, info, day, n, pre, sink, report, now)
        sink.flush(session)
    for info in infos:
        if windows[info.id] != (start_day, end_day):
            for day, n in day_slices(*windows[info.id], SLICE_DAYS):
                _slice(tx, info, day, n, None, sink, report, now)
                sink.flush(session)
    for info in infos:
        a, b = windows[info.id]
        months[info.id] = {
            date(d.year, d.month, 1) for d in (a + timedelta(days=j) for j in range((b - a).days + 1))
        }
        report.outlets += 1
    monthly_figures.rebuild(session, {i.id: i.kind for i in infos}, months, now)
    selfmon.refresh_many(
        session,
        [
            (i.id, cst_day_start(windows[i.id][0]), cst_day_start(windows[i.id][1]) + timedelta(days=1))
            for i in infos
        ],
    )
    states = {
        st.outlet_id: st
        for st in session.scalars(select(ReviewState).where(ReviewState.outlet_id.in_([i.id for i in infos])))
    }
    for info in infos:
        state = states.get(info.id)
        if state is None:
            state = ReviewState(outlet_id=info.id)
            session.add(state)
        state.last_run_at = now
    session.flush()
    return report


def _slice(
    tx: Tx,
    info: repo.OutletInfo,
    day: date,
    n: int,
    pre: _Prefetched | None,
    sink: _Sink,
    report: RunReport,
    now: datetime,
) -> None:
    if pre is None:
        rv, readings = compute(tx.session, info, day, n)
    else:
        rv, readings = compute(
            tx.session, info, day, n, readings=pre.readings[info.id], layer_rows=pre.layers[info.id],
            limits=pre.limits[info.id],
        )  # fmt: skip
    start, end = cst_day_start(day), cst_day_start(day) + timedelta(days=n)
    step_s = 60 if info.kind == "air" else 3600
    runs = qa.calibration_runs(readings.pollutants, readings.series, readings.times_s, rv.flag_codes, step_s)
    report.calibrations += qa.sync_calibrations(tx, info.id, runs, mn_of=info.pollutant_mn, step_s=step_s)
    sink.windows.append((info.id, start, end))
    sink.results += _result_rows(info, rv, now)
    sink.indicators += _indicator_rows(info, rv)
    counts = _merge_events(tx, info, rv, start, end, now, has_events=pre is None or info.id in pre.evented)
    report.events_created += counts["created"]
    report.events_updated += counts["updated"]
    report.events_withdrawn += counts["withdrawn"]
    report.days += n
    report.hours += n * 24


Progress = Callable[[int, int, str], None]


def run(
    tx: Tx,
    principal: Principal,
    start_day: date,
    end_day: date,
    *,
    outlet_id: int | None = None,
    progress: Progress | None = None,
) -> RunReport:
    """Review every visible outlet (or one) over whole CST days; one audit entry for the run."""
    authorize(principal, "review.run")
    if end_day < start_day:
        raise ValidationError("--to is before --from", field="to")
    scope = _scope(tx, principal)
    ids = (
        repo.outlet_ids(tx.session, scope) if outlet_id is None else [outlet_for(tx, principal, outlet_id).id]
    )
    report = RunReport()
    for i in range(0, len(ids), RUN_OUTLETS):  # a slice of outlets at a time: memory stays bounded
        chunk = ids[i : i + RUN_OUTLETS]
        report.add(recompute_many(tx, chunk, start_day, end_day))
        if progress:
            progress(i + len(chunk), len(ids), str(chunk[-1]))
    tx.audit(
        "review.run",
        "review_run",
        f"{start_day}..{end_day}",
        after={"outlets": report.outlets, "days": report.days, "outlet_id": outlet_id,
               "events": [report.events_created, report.events_updated, report.events_withdrawn]},
    )  # fmt: skip
    return report


def run_incremental(tx: Tx, *, outlet_ids: Sequence[int] | None = None, max_days: int = 62) -> RunReport:
    """Recompute only the days that received readings since each outlet's watermark."""
    report = RunReport()
    infos = repo.outlets(tx.session, Scope(everything=True), outlet_ids)
    for info in infos:
        state = tx.session.get(ReviewState, info.id)
        watermark = state.reviewed_received_at if state else None
        newest, days = repo.touched_days(tx.session, info, watermark)
        if not days:
            continue
        ordered = sorted(days)[-max_days:]
        # contiguous runs of touched days: each is one recompute
        run_start = prev = ordered[0]
        for d in [*ordered[1:], None]:
            if d is not None and d == prev + timedelta(days=1):
                prev = d
                continue
            report.add(recompute(tx, info.id, run_start, prev))
            if d is not None:
                run_start = prev = d
        state = tx.session.get(ReviewState, info.id)
        assert state is not None
        state.reviewed_received_at = newest
    if report.outlets:
        tx.audit(
            "review.run.incremental",
            "review_run",
            "incremental",
            after={"outlets": report.outlets, "days": report.days},
        )
    return report


# --------------------------------------------------------------------------- levels


def _covering_levels(rows: Sequence[ReviewLayer], pollutant: str, start: datetime, end: datetime) -> str:
    """Review level of [start, end) from the layer rows in force (ordered by effective_from).

    A level row applies to a period it covers entirely; the latest one wins.  Any
    other layer (mark, flag, exclusion, substitution) that took effect on the period
    after that level row reopens it: the level falls back to ``unreviewed``.  An
    open suspect period keeps the data out of ``approved`` (at most ``reviewed``).
    """
    relevant = [r for r in rows if r.pollutant in (None, pollutant) and r.start_at < end and r.end_at > start]
    level_rows = [r for r in relevant if r.kind == "level" and r.start_at <= start and r.end_at >= end]
    if not level_rows:
        return "unreviewed"
    latest = level_rows[-1]
    assert latest.effective_from is not None
    later = [
        r
        for r in relevant
        if r.kind in ("mark", "flag", "exclude", "substitute")
        and r.effective_from is not None
        and r.effective_from > latest.effective_from
    ]
    if later:
        return "unreviewed"
    level = latest.code
    if level == "approved" and any(r.kind == "suspect" for r in relevant):
        return "reviewed"
    return level


def review_level(
    session: Session,
    outlet_id: int,
    pollutant: str,
    start: datetime,
    end: datetime,
    *,
    as_of: datetime | None = None,
) -> str:
    rows = repo.layers(session, outlet_id, start, end, as_of=as_of)
    return _covering_levels(rows, pollutant, start, end)


def period_bounds(period: str, start: datetime) -> tuple[datetime, datetime]:
    if period == "hour":
        return start, start + timedelta(hours=1)
    if period == "day":
        return start, start + timedelta(days=1)
    local = start.astimezone(CST).date()
    nxt = date(local.year + local.month // 12, local.month % 12 + 1, 1)
    return start, cst_day_start(nxt)


def is_approved(session: Session, outlet_id: int, pollutant: str, period: tuple[datetime, datetime]) -> bool:
    """Every hour of [start, end) approved: casework may rest a penalty only on approved data."""
    start, end = period
    rows = repo.layers(session, outlet_id, start, end)
    hours = int((end - start).total_seconds() // 3600) or 1
    for k in range(hours):
        s = start + timedelta(hours=k)
        if _covering_levels(rows, pollutant, s, min(end, s + timedelta(hours=1))) != "approved":
            return False
    return True


# --------------------------------------------------------------------------- as-of figures


def figures(
    tx: Tx,
    principal: Principal,
    outlet_id: int,
    start_day: date,
    end_day: date,
    *,
    as_of: datetime | None = None,
    pollutant: str | None = None,
) -> dict[str, Any]:
    """Hourly and daily figures computed now from the store, as they stood at ``as_of``."""
    info = outlet_for(tx, principal, outlet_id)
    n = days_between(start_day, end_day)
    if n < 1 or n > 92:
        raise ValidationError("the range must be 1 to 92 days", field="to")
    rv, _ = compute(tx.session, info, start_day, n, as_of=as_of)
    rows = _result_rows(info, rv, as_of or utcnow())
    if pollutant is not None:
        rows = [r for r in rows if r["pollutant"] == pollutant]
    return {"outlet_id": outlet_id, "as_of": as_of, "rows": rows}


def explain(
    tx: Tx,
    principal: Principal,
    outlet_id: int,
    pollutant: str,
    period: str,
    period_start: datetime,
    earlier: datetime,
    later: datetime | None = None,
) -> dict[str, Any]:
    """One figure as of two times and the layer rows whose effect began or ended between them."""
    info = outlet_for(tx, principal, outlet_id)
    start, end = period_bounds(period, period_start)
    first_day = start.astimezone(CST).date()
    last_day = (end - timedelta(seconds=1)).astimezone(CST).date()

    def pick(as_of: datetime | None) -> dict[str, Any] | None:
        rv, _ = compute(tx.session, info, first_day, days_between(first_day, last_day), as_of=as_of)
        for row in _result_rows(info, rv, utcnow()):
            if row["pollutant"] == pollutant and row["period"] == period and row["period_start"] == start:
                return row
        return None

    t = ReviewLayer
    cutoff = later or utcnow()
    changed = tx.session.scalars(
        select(t)
        .where(t.outlet_id == outlet_id, t.start_at < end, t.end_at > start)
        .where((t.pollutant.is_(None)) | (t.pollutant == pollutant))
        .where(
            ((t.effective_from > earlier) & (t.effective_from <= cutoff))
            | ((t.effective_until > earlier) & (t.effective_until <= cutoff))
        )
        .order_by(t.id)
    ).all()
    return {
        "before": pick(earlier),
        "after": pick(later),
        "layers": [
            {
                "id": r.id,
                "kind": r.kind,
                "code": r.code,
                "status": r.status,
                "effective_from": r.effective_from,
                "effective_until": r.effective_until,
                "reason": r.reason,
                "recorded_by": r.recorded_by,
            }
            for r in changed
        ],
    }


def touch_layer_days(tx: Tx, layer: ReviewLayer) -> None:
    """Recompute the days a layer covers (synchronously; long periods go to the worker)."""
    first = layer.start_at.astimezone(CST).date()
    last = (layer.end_at - timedelta(seconds=1)).astimezone(CST).date()
    if days_between(first, last) > 62:
        from huanjian.jobs import service as jobs

        jobs.enqueue(
            tx, "review.recompute", {"outlet_id": layer.outlet_id, "from": str(first), "to": str(last)}
        )
        return
    recompute(tx, layer.outlet_id, first, last)
