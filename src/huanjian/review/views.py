"""Read models for the API and pages: outlet series, exceedances, indicators, the off-site home."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select

from huanjian.access.policy import Principal, authorize
from huanjian.core.scope import jurisdiction_filter
from huanjian.core.time import CST, cst_day_start
from huanjian.core.tx import Tx
from huanjian.errors import ValidationError
from huanjian.register.models import Organisation
from huanjian.review import crosscheck, qa, service
from huanjian.review import repository as repo
from huanjian.review.engine.indicators import Counts, rates
from huanjian.review.models import (
    ExceedanceEvent,
    IndicatorCount,
    ReviewResult,
    SelfMonitoringResult,
)

INDICATOR_LEVELS = ("logger", "enterprise", "contractor", "jurisdiction")


def series(
    tx: Tx,
    principal: Principal,
    outlet_id: int,
    start_day: date,
    end_day: date,
    *,
    as_of: datetime | None = None,
) -> dict[str, Any]:
    """Stored hourly figures of an outlet (or, with ``as_of``, recomputed as they stood then)."""
    info = service.outlet_for(tx, principal, outlet_id)
    start = cst_day_start(start_day)
    end = cst_day_start(end_day) + timedelta(days=1)
    if as_of is not None:
        rows = [
            r
            for r in service.figures(tx, principal, outlet_id, start_day, end_day, as_of=as_of)["rows"]
            if r["period"] == "hour"
        ]
    else:
        r = ReviewResult
        stmt = (
            select(r)
            .where(
                r.outlet_id == outlet_id, r.period == "hour", r.period_start >= start, r.period_start < end
            )
            .order_by(r.pollutant, r.period_start)
        )
        rows = [
            {
                c: getattr(x, c)
                for c in (
                    "pollutant",
                    "period_start",
                    "value",
                    "raw",
                    "corrected",
                    "valid",
                    "valid_count",
                    "flag",
                    "substitute",
                    "marks",
                    "excluded",
                    "limit_value",
                    "exceedance",
                )
            }
            for x in tx.session.scalars(stmt)
        ]
    by_pollutant: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_pollutant[row["pollutant"]].append(
            {**row, "t": row["period_start"].astimezone(CST).isoformat(), "period_start": None}
        )
    layers = repo.layers(tx.session, outlet_id, start, end, as_of=as_of)
    sm = tx.session.scalars(
        select(SelfMonitoringResult).where(
            SelfMonitoringResult.outlet_id == outlet_id,
            SelfMonitoringResult.sampled_at >= start,
            SelfMonitoringResult.sampled_at < end,
        )
    ).all()
    return {
        "outlet": info,
        "series": dict(by_pollutant),
        "layers": [
            {
                "id": x.id,
                "kind": x.kind,
                "code": x.code,
                "pollutant": x.pollutant,
                "start": x.start_at.astimezone(CST).isoformat(),
                "end": x.end_at.astimezone(CST).isoformat(),
                "status": x.status,
                "reason": x.reason,
            }
            for x in layers
        ],
        "enforcement": crosscheck.enforcement_results(tx.session, outlet_id, start, end),
        "qa_events": [
            {
                "id": q.id,
                "kind": q.kind,
                "pollutant": q.pollutant or None,
                "start": q.start_at.astimezone(CST).isoformat(),
                "end": q.end_at.astimezone(CST).isoformat(),
                "source": q.source,
                "passed": q.passed,
                "reference": q.reference,
            }
            for q in qa.events(tx, outlet_id, start, end)
        ],
        "self_monitoring": [
            {
                "pollutant": s.pollutant,
                "t": s.sampled_at.astimezone(CST).isoformat(),
                "value": s.value,
                "automatic": s.automatic_value,
                "disagrees": s.disagrees,
                "lab": s.lab,
            }
            for s in sm
        ],
    }


def exceedances(
    tx: Tx,
    principal: Principal,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int = 500,
) -> list[dict[str, Any]]:
    authorize(principal, "review.read")
    from huanjian.register.service import scope_for

    scope = scope_for(tx, principal)
    e = ExceedanceEvent
    stmt = select(e).where(
        jurisdiction_filter(scope, e.jurisdiction_code, e.enterprise_id), e.withdrawn_at.is_(None)
    )
    if start is not None:
        stmt = stmt.where(e.end_at > start)
    if end is not None:
        stmt = stmt.where(e.start_at < end)
    out = []
    for ev in tx.session.scalars(stmt.order_by(e.start_at.desc()).limit(limit)):
        info = repo.outlet(tx.session, scope, ev.outlet_id)
        out.append(
            {
                "id": ev.id,
                "outlet_id": ev.outlet_id,
                "enterprise": info.enterprise_name if info else "",
                "outlet_code": info.outlet_code if info else "",
                "pollutant": ev.pollutant,
                "averaging_period": ev.averaging_period,
                "start": ev.start_at,
                "end": ev.end_at,
                "periods": ev.periods,
                "peak": ev.peak,
                "mean": ev.mean,
                "limit": ev.limit_value,
                "margin": ev.margin,
                "above": ev.above,
                "review_level": service.review_level(
                    tx.session, ev.outlet_id, ev.pollutant, ev.start_at, ev.end_at
                ),
            }
        )
    return out


def indicators(
    tx: Tx, principal: Principal, *, level: str, period: str, start_day: date, end_day: date
) -> list[dict[str, Any]]:
    """Rates per group and day or month from summed counts (never averaged rates).

    transmission = received / expected hours; validity = valid / received;
    effective transmission = transmission × validity; exceedance = exceeding / judged
    hours; online = hours with any record / expected (the logger's ``*`` row);
    connection = loggers that sent anything in the period / loggers of the group.
    """
    authorize(principal, "review.read")
    if level not in INDICATOR_LEVELS:
        raise ValidationError(f"level must be one of {INDICATOR_LEVELS}", field="level")
    if period not in ("day", "month"):
        raise ValidationError("period must be day or month", field="period")
    from huanjian.register.service import scope_for

    scope = scope_for(tx, principal)
    ic = IndicatorCount
    key_col = {
        "logger": ic.mn,
        "enterprise": ic.enterprise_id,
        "contractor": ic.contractor_id,
        "jurisdiction": ic.jurisdiction_code,
    }[level]
    stmt = select(
        key_col, ic.day, ic.mn, ic.pollutant, ic.expected, ic.received, ic.valid, ic.judged, ic.exceeding
    ).where(
        jurisdiction_filter(scope, ic.jurisdiction_code, ic.enterprise_id),
        ic.day >= start_day,
        ic.day <= end_day,
    )
    groups: dict[tuple[Any, date], dict[str, Any]] = {}
    for key, day, mn, pol, exp, rec, val, jud, exc in tx.session.execute(stmt):
        p = day if period == "day" else date(day.year, day.month, 1)
        g = groups.setdefault(
            (key, p),
            {
                "c": np.zeros(5, dtype=np.int64),
                "o": np.zeros(2, dtype=np.int64),
                "loggers": set(),
                "connected": set(),
            },
        )
        if pol == "*":
            g["o"] += (exp, rec)
            g["loggers"].add(mn)
            if rec:
                g["connected"].add(mn)
        else:
            g["c"] += (exp, rec, val, jud, exc)
    if not groups:
        return []
    keys = sorted(groups, key=lambda k: (str(k[0]), k[1]))
    c = np.stack([groups[k]["c"] for k in keys], axis=1)
    r = rates(Counts(*c))
    names = _names(tx, level, {k[0] for k in keys})
    out = []
    for i, k in enumerate(keys):
        g = groups[k]
        online_exp, online_rec = (int(x) for x in g["o"])
        out.append(
            {
                "key": k[0],
                "name": names.get(k[0], str(k[0]) if k[0] is not None else "—"),
                "period_start": k[1],
                "expected": int(c[0, i]),
                "received": int(c[1, i]),
                "valid": int(c[2, i]),
                "judged": int(c[3, i]),
                "exceeding": int(c[4, i]),
                "transmission_rate": _r(r.transmission[i]),
                "validity_rate": _r(r.validity[i]),
                "effective_transmission_rate": _r(r.effective_transmission[i]),
                "passes": bool(r.passes[i]),
                "exceedance_rate": _r(r.exceedance[i]),
                "online_rate": round(online_rec / online_exp, 4) if online_exp else None,
                "connection_rate": round(len(g["connected"]) / len(g["loggers"]), 4)
                if g["loggers"]
                else None,
            }
        )
    return out


def _r(x: float) -> float | None:
    return None if np.isnan(x) else round(float(x), 4)


def _names(tx: Tx, level: str, keys: set[Any]) -> dict[Any, str]:
    if level in ("enterprise", "contractor"):
        ids = [k for k in keys if k is not None]
        return dict(
            tx.session.execute(
                select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))
            ).all()
        )
    if level == "jurisdiction":
        from huanjian.geo.models import Jurisdiction

        codes = [k for k in keys if k]
        return dict(
            tx.session.execute(
                select(Jurisdiction.code, Jurisdiction.name).where(Jurisdiction.code.in_(codes))
            ).all()
        )
    return {}
