"""Detection runs from the readings store, stored clues and their lifecycle.

**Runs** (:func:`run`): for each slice of at most ``SLICE_DAYS`` CST days, the minute data
of every logger of the outlets in scope are read from the store
(:func:`huanjian.detect.repository.logger_data`, with the logger's CN 3020 parameter reports,
the register's filed parameters and the outlet's facility electricity per hour), the whole
catalogue runs over them (peer detectors see every logger of the slice), findings become
clues with the suppression rule (:func:`huanjian.detect.clues.build`), the isolation-forest
secondary score adjusts their scores (:mod:`huanjian.detect.secondary`), and the clues are
stored:

* a clue overlapping a stored clue of the same logger, category and trick **updates** it
  (never a second row); if nobody has acted on it yet (``new``, ``suppressed``,
  ``withdrawn``) its period, score, evidence and status are rewritten; once a person has
  (under verification, confirmed, dismissed, handed to a case) only ``runs`` and
  ``updated_at`` change — a reviewer's decision is never undone by a re-run;
* otherwise a clue is **created** (``new``, or ``suppressed`` when honest flags, accepted
  marks or declarations, or QA events cover it);
* a stored ``new``/``suppressed`` clue inside the slice that the run no longer finds is
  **withdrawn** (kept, with an automatic transition).

Every change is in the caller's transaction; the run writes one audit entry per outlet and
slice (``detect.run``: ids created, updated, withdrawn) and a transition row per status
change.  Re-running a period therefore gives the same rows.

**Lifecycle** (:func:`transition`, :func:`hand_to_case`): new → under_verification →
confirmed / dismissed (reason required; dismissals are the labelled data for re-tuning) →
handed_to_case (through :func:`huanjian.casework.service.open_case`, source ``clue``).
Each person's transition is a row in ``detect_clue_transition`` and an audit entry.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from huanjian.access.policy import Principal, authorize, check_visible
from huanjian.core.scope import Scope
from huanjian.core.time import cst_day_start, day_slices, to_cst, utcnow
from huanjian.core.tx import Tx
from huanjian.detect import catalogue, secondary
from huanjian.detect import repository as repo
from huanjian.detect.clues import Clue, build
from huanjian.detect.detectors import name_en, name_zh
from huanjian.detect.evidence import excerpt, to_dict
from huanjian.detect.model import LoggerData
from huanjian.detect.models import TRANSITIONS, UNTOUCHED, DetectClue, DetectClueTransition
from huanjian.detect.rules import Rules, load
from huanjian.errors import Conflict, NotFound, ValidationError
from huanjian.review import repository as review_repo

SLICE_DAYS = 31
CHART_POINTS = 1440  # at most this many points per series in a clue's chart
CATEGORIES = ("data_quality", "falsification")

Progress = Callable[[int, int, str], None]


def _scope(tx: Tx, principal: Principal) -> Scope:
    from huanjian.register.service import scope_for

    return scope_for(tx, principal)


# --------------------------------------------------------------------------- runs


@dataclass
class RunReport:
    outlets: int = 0
    loggers: int = 0
    slices: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    suppressed: int = 0
    by_category: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "outlets": self.outlets,
            "loggers": self.loggers,
            "slices": self.slices,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "withdrawn": self.withdrawn,
            "suppressed": self.suppressed,
            "by_category": dict(sorted(self.by_category.items())),
            "seconds": round(self.seconds, 1),
        }


def _slices(start_day: date, end_day: date) -> Iterator[tuple[datetime, datetime]]:
    for day, n in day_slices(start_day, end_day, SLICE_DAYS):
        yield cst_day_start(day), cst_day_start(day + timedelta(days=n))


def run(
    tx: Tx,
    principal: Principal,
    start_day: date,
    end_day: date,
    *,
    outlet_id: int | None = None,
    progress: Progress | None = None,
    rules: Rules | None = None,
) -> RunReport:
    """Detect over the CST days ``start_day``..``end_day`` (inclusive) and store the clues."""
    import time

    authorize(principal, "clues.run")
    if end_day < start_day:
        raise ValidationError("--to is before --from", field="to")
    t0 = time.perf_counter()
    rules = rules or load()
    scope = _scope(tx, principal)
    infos = review_repo.outlets(tx.session, scope)
    targets = infos
    if outlet_id is not None:
        targets = [i for i in infos if i.id == outlet_id]
        if not targets:
            raise NotFound(f"outlet {outlet_id} not found")
        # Peers for the peer detectors: outlets of the same medium in the same district.
        district = (targets[0].jurisdiction_code or "")[:6]
        infos = [
            i
            for i in infos
            if i.id == outlet_id
            or (i.kind == targets[0].kind and (i.jurisdiction_code or "")[:6] == district)
        ]
    report = RunReport(outlets=len(targets))
    target_ids = {i.id for i in targets}
    slices = list(_slices(start_day, end_day))
    total = len(slices) * len(infos)
    done = 0
    for start, end in slices:
        report.slices += 1
        loggers: list[LoggerData] = []
        owner: dict[str, review_repo.OutletInfo] = {}
        for info in infos:
            power = repo.power_hours(tx.session, info.id, start, end)
            for mn in info.mns:
                data = repo.logger_data(tx, info, mn, start, end, power=power, info_codes=rules.info_codes)
                if data is not None and power is not None and power.primary:
                    # Outlet-level findings (treatment off) go to the first logger with data.
                    power = dataclasses.replace(power, primary=False)
                if data is not None:
                    loggers.append(data)
                    owner[mn] = info
            done += 1
            if progress:
                progress(done, total, info.outlet_code)
        report.loggers = max(report.loggers, sum(1 for mn in owner if owner[mn].id in target_ids))
        if not loggers:
            continue
        findings = catalogue.run(loggers, rules)
        clues = build(findings, loggers, rules)
        extra = secondary.adjust(clues, loggers)
        by_mn = {d.mn: d for d in loggers}
        for info in targets:
            mine = [c for c in clues if c.mn in info.mns]
            _store(tx, info, mine, by_mn, extra, start, end, report)
    report.seconds = time.perf_counter() - t0
    return report


def _f(x: float) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def _chart(clue: Clue, by_mn: dict[str, LoggerData]) -> dict[str, Any]:
    """The series excerpt of the strongest finding, thinned, with the highlighted indices,
    the limits as threshold lines and the peers' series of the same pollutants."""
    data = by_mn[clue.mn]
    f = max(clue.findings, key=lambda x: x.strength)
    a, b = f.evidence.excerpt
    step = max(1, math.ceil((b - a) / CHART_POINTS))
    load_code = "a01011" if data.kind == "air" else "w00000"
    ex = excerpt(data, f, step=step, extra=(load_code,) if load_code not in f.pollutants else ())
    highlight = [i for i, h in enumerate(ex["highlight"]) if h]
    idx = np.arange(a, b, step)
    peers: dict[str, dict[str, list[float | None]]] = {}
    for mn in f.evidence.peers:
        peer = by_mn.get(mn)
        if peer is None or peer.n != data.n:
            continue
        peers[mn] = {
            code: [_f(v) for v in peer.values[code][idx]] for code in f.pollutants if code in peer.values
        }
    thresholds = [
        {"code": code, "name_en": name_en(code), "name_zh": name_zh(code), "value": data.limits[code]}
        for code in f.pollutants
        if code in data.limits
    ]
    return {
        "detector": f.detector,
        "times": ex["times"],
        "series": ex["series"],
        "names": {c: {"en": name_en(c), "zh": name_zh(c)} for c in ex["series"]},
        "flags": ex["flags"],
        "highlight": highlight,
        "step_minutes": ex["step_minutes"],
        "thresholds": thresholds,
        "peers": peers,
    }


def _clean(value: Any) -> Any:
    """JSON-safe: NaN and infinities become null (PostgreSQL's JSON refuses them)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def _payload(
    clue: Clue, data: LoggerData, by_mn: dict[str, LoggerData], extra: secondary.Secondary | None
) -> dict[str, Any]:
    f = max(clue.findings, key=lambda x: x.strength)
    evidence = [to_dict(x.evidence, data.start) | {"detector": x.detector} for x in clue.findings]
    if extra is not None:
        evidence.append(extra.evidence())
    return {
        "mn": clue.mn,
        "pollutants": list(clue.pollutants),
        "start_at": data.time_of(clue.start),
        "end_at": data.time_of(clue.end),
        "category": clue.category,
        "detector": clue.detector,
        "detectors": list(clue.detectors),
        "trick": clue.trick or "",
        "severity": clue.severity,
        "score": round(float(clue.score), 4),
        "base_score": round(float(extra.base_score if extra else clue.score), 4),
        "secondary_score": round(extra.percentile, 4) if extra else None,
        "statistic_name": f.evidence.statistic_name[:60],
        "statistic": _f(f.evidence.statistic),
        "threshold": _f(f.evidence.threshold),
        "comparison": f.evidence.comparison,
        "peers": sorted({p for x in clue.findings for p in x.evidence.peers}),
        "causes": list(clue.causes),
        "excused_share": round(float(clue.excused_share), 4),
        "explanation_zh": clue.explanation("zh"),
        "explanation_en": clue.explanation("en"),
        "evidence": _clean(evidence),
        "chart": _clean(_chart(clue, by_mn)),
    }


def _transition_row(
    tx: Tx,
    row: DetectClue,
    to: str,
    *,
    reason: str | None = None,
    automatic: bool = False,
    case_id: int | None = None,
    before: str | None = None,
) -> None:
    tx.session.add(
        DetectClueTransition(
            clue_id=row.id,
            from_status=before,
            to_status=to,
            reason=reason,
            at=utcnow(),
            actor_name=tx.ctx.actor_name,
            actor_id=tx.ctx.actor_id,
            case_id=case_id,
            automatic=automatic,
        )
    )


def _store(
    tx: Tx,
    info: review_repo.OutletInfo,
    clues: Sequence[Clue],
    by_mn: dict[str, LoggerData],
    extra: dict[int, secondary.Secondary],
    start: datetime,
    end: datetime,
    report: RunReport,
) -> None:
    session = tx.session
    now = utcnow()
    stored = repo.clues_of(session, info.mns, start, end)
    matched: set[int] = set()
    created: list[int] = []
    updated: list[int] = []
    for clue in clues:
        data = by_mn[clue.mn]
        p = _payload(clue, data, by_mn, extra.get(id(clue)))
        status = "suppressed" if clue.suppressed else "new"
        report.by_category[clue.category] = report.by_category.get(clue.category, 0) + 1
        report.suppressed += int(clue.suppressed)
        hit = next(
            (
                r
                for r in stored
                if r.id not in matched
                and r.mn == clue.mn
                and r.category == clue.category
                and r.trick == (clue.trick or "")
                and r.start_at < p["end_at"]
                and r.end_at > p["start_at"]
            ),
            None,
        )
        if hit is None:
            row = DetectClue(
                **p,
                outlet_id=info.id,
                outlet_code=info.outlet_code,
                enterprise_id=info.enterprise_id,
                jurisdiction_code=info.jurisdiction_code,
                status=status,
                found_at=now,
                updated_at=now,
                runs=1,
            )
            session.add(row)
            session.flush()
            _transition_row(tx, row, status, automatic=True)
            created.append(row.id)
            report.created += 1
            continue
        matched.add(hit.id)
        hit.runs += 1
        hit.updated_at = now
        if hit.status not in UNTOUCHED:
            report.unchanged += 1
            continue
        changed = any(getattr(hit, k) != v for k, v in p.items() if k not in ("chart", "evidence")) or (
            hit.status != status
        )
        for k, v in p.items():
            setattr(hit, k, v)
        if hit.status != status:
            _transition_row(tx, hit, status, automatic=True, before=hit.status)
            hit.status = status
        if changed:
            updated.append(hit.id)
            report.updated += 1
        else:
            report.unchanged += 1
    withdrawn: list[int] = []
    for r in stored:
        if r.id in matched or r.status not in ("new", "suppressed"):
            continue
        if r.start_at >= start and r.end_at <= end:
            _transition_row(tx, r, "withdrawn", automatic=True, before=r.status, reason="no longer found")
            r.status = "withdrawn"
            r.updated_at = now
            withdrawn.append(r.id)
            report.withdrawn += 1
    if created or updated or withdrawn:
        tx.audit(
            "detect.run",
            "outlet",
            info.id,
            after={
                "from": to_cst(start).isoformat(),
                "to": to_cst(end).isoformat(),
                "created": created,
                "updated": updated,
                "withdrawn": withdrawn,
            },
            jurisdiction_code=info.jurisdiction_code,
        )


# --------------------------------------------------------------------------- reading


def get(tx: Tx, principal: Principal, clue_id: int) -> DetectClue:
    authorize(principal, "clues.read")
    row = repo.clue(tx.session, clue_id)
    if row is None:
        raise NotFound(f"clue {clue_id} not found")
    check_visible(principal, row.jurisdiction_code, None, f"clue {clue_id}")
    return row


def history(tx: Tx, principal: Principal, clue_id: int) -> list[DetectClueTransition]:
    get(tx, principal, clue_id)
    return repo.transitions(tx.session, clue_id)


def _range(start_day: date | None, end_day: date | None) -> tuple[datetime | None, datetime | None]:
    return (
        cst_day_start(start_day) if start_day else None,
        cst_day_start(end_day + timedelta(days=1)) if end_day else None,
    )


def search(
    tx: Tx,
    principal: Principal,
    *,
    category: str | None = None,
    status: Sequence[str] | None = None,
    detector: str | None = None,
    trick: str | None = None,
    outlet_id: int | None = None,
    start_day: date | None = None,
    end_day: date | None = None,
    limit: int | None = 500,
    offset: int = 0,
) -> list[DetectClue]:
    """Clues of the principal's jurisdiction overlapping the CST days, newest first."""
    authorize(principal, "clues.read")
    if category and category not in CATEGORIES:
        raise ValidationError(f"category: one of {', '.join(CATEGORIES)}", field="category")
    start, end = _range(start_day, end_day)
    return repo.search(
        tx.session,
        _scope(tx, principal),
        category=category,
        status=status,
        detector=detector,
        trick=trick,
        outlet_id=outlet_id,
        start=start,
        end=end,
        limit=limit,
        offset=offset,
    )


def iso(value: datetime) -> str:
    return to_cst(value).isoformat()


def export_dict(row: DetectClue) -> dict[str, Any]:
    """One clue with the issue's keys (times ISO 8601 +08:00)."""
    return {
        "mn": row.mn,
        "outlet_code": row.outlet_code,
        "pollutants": list(row.pollutants),
        "start": iso(row.start_at),
        "end": iso(row.end_at),
        "category": row.category,
        "detector": row.detector,
        "trick": row.trick or None,
        "severity": row.severity,
        "score": row.score,
        "status": row.status,
        "explanation": {"zh": row.explanation_zh, "en": row.explanation_en},
        "evidence": row.evidence,
    }


# --------------------------------------------------------------------------- lifecycle


def _snapshot(row: DetectClue) -> dict[str, Any]:
    return {"status": row.status, "reason": row.reason, "case_id": row.case_id}


def transition(tx: Tx, principal: Principal, clue_id: int, to: str, reason: str = "") -> DetectClue:
    """A person moves the clue along its lifecycle (handing to a case: :func:`hand_to_case`)."""
    authorize(principal, "clues.act")
    row = get(tx, principal, clue_id)
    if to == "handed_to_case":
        raise ValidationError("hand a clue to the linkage workflow with hand_to_case", field="status")
    if to not in TRANSITIONS.get(row.status, ()):
        raise Conflict(f"clue {clue_id} cannot go from {row.status} to {to}")
    reason = reason.strip()
    if to == "dismissed" and not reason:
        raise ValidationError("a dismissal needs a reason", field="reason")
    before = _snapshot(row)
    _transition_row(tx, row, to, reason=reason or None, before=row.status)
    row.status = to
    row.reason = reason or None
    row.updated_at = utcnow()
    tx.audit(
        f"clue.{to}",
        "detect_clue",
        row.id,
        before=before,
        after=_snapshot(row),
        reason=reason or None,
        jurisdiction_code=row.jurisdiction_code,
    )
    return row


def hand_to_case(
    tx: Tx, principal: Principal, clue_id: int, *, title: str | None = None, reason: str = ""
) -> DetectClue:
    """Open a case from a confirmed clue (casework intake, source ``clue``) and record it."""
    from huanjian.casework import service as casework

    authorize(principal, "clues.act")
    row = get(tx, principal, clue_id)
    if "handed_to_case" not in TRANSITIONS.get(row.status, ()):
        raise Conflict(f"clue {clue_id} is {row.status}: only a confirmed clue is handed to a case")
    trick = row.trick or row.category
    case = casework.open_case(
        tx,
        principal,
        enterprise_id=row.enterprise_id,
        source="clue",
        source_ref=f"clue:{row.id}",
        title=(title or f"{row.outlet_code} {trick} ({to_cst(row.start_at):%Y-%m-%d})")[:200],
        description=row.explanation_zh,
    )
    before = _snapshot(row)
    why = reason.strip() or None
    _transition_row(tx, row, "handed_to_case", reason=why, before=row.status, case_id=case.id)
    row.status = "handed_to_case"
    row.case_id = case.id
    row.updated_at = utcnow()
    tx.audit(
        "clue.handed_to_case",
        "detect_clue",
        row.id,
        before=before,
        after=_snapshot(row),
        reason=reason.strip() or None,
        jurisdiction_code=row.jurisdiction_code,
    )
    return row
