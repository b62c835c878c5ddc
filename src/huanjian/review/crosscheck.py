"""Cross-checks of an outlet's reviewed figures against other sources of the same quantity.

* **The loggers' own hourly and daily values** (HJ 212 CN 2061 / 2031 records in the
  ingest store) against what huanjian computed from the minutes (``review_result``),
  through the engine's :func:`~huanjian.review.engine.indicators.compare_with_logger`
  with the tolerance of ``rules/comparison.toml``.  Water outlets are reviewed *from*
  the loggers' hourly values, so only their days are compared.  A logger that sent no
  records of a period at all in the range is reported once (``logger_reports`` false),
  not as a missing value for every hour.
* **Enforcement monitoring results** (执法监测: the field domain's signed reports, the
  latest signed version of each number) against the automatic hourly mean of the
  sampling hour, or the daily mean when the report gives only the day, with the
  tolerance of ``rules/enforcement.toml`` — as for self-monitoring results.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from huanjian.access.policy import Principal
from huanjian.core.time import CST, cst_day_start
from huanjian.core.tx import Tx
from huanjian.errors import ValidationError
from huanjian.ingest.models import IngestReading
from huanjian.review import repository as repo
from huanjian.review import service
from huanjian.review.engine.grid import encode_flags
from huanjian.review.engine.indicators import compare_with_logger
from huanjian.review.models import ReviewResult
from huanjian.review.rules.typed import ComparisonRules, ValidityRules, select_validity
from huanjian.review.selfmon import Tolerance

#: The ingest store's name of the loggers' records per review period.
LOGGER_PERIOD = {"hour": "hour", "day": "day"}
ISSUES = ("value_differs", "validity_differs", "logger_missing", "platform_missing")


def _validity(info: repo.OutletInfo) -> ValidityRules:
    return select_validity("air") if info.kind == "air" else ValidityRules.load("water_cycle")


def logger_check(
    session: Session, info: repo.OutletInfo, period: str, start_day: date, end_day: date
) -> dict[str, Any]:
    """Periods where the logger's own value disagrees with huanjian's (only those rows)."""
    if period not in LOGGER_PERIOD:
        raise ValidationError("period must be hour or day", field="period")
    if info.kind != "air" and period == "hour":
        return {"period": period, "compared": False, "logger_reports": None, "counts": {}, "rows": [],
                "note": "water outlets are reviewed from the loggers' hourly values"}  # fmt: skip
    start, end = cst_day_start(start_day), cst_day_start(end_day) + timedelta(days=1)
    r = ReviewResult
    platform = session.execute(
        select(r.pollutant, r.period_start, r.value, r.valid).where(
            r.outlet_id == info.id, r.period == period, r.period_start >= start, r.period_start < end
        )
    ).all()
    g = IngestReading
    logger = session.execute(
        select(g.mn, g.pollutant, g.data_time, g.avg, g.rtd, g.flag).where(
            g.mn.in_(info.mns),
            g.period == LOGGER_PERIOD[period],
            g.current.is_(True),
            g.data_time >= start,
            g.data_time < end,
        )
    ).all()
    rules = ComparisonRules.load()
    meta = {
        "period": period,
        "compared": True,
        "logger_reports": bool(logger),
        "tolerance": {"absolute": rules.absolute_tolerance, "relative": rules.relative_tolerance,
                      "rule_set": f"{rules.ruleset.id} {rules.ruleset.version}"},
    }  # fmt: skip
    if not logger:
        return {**meta, "counts": {}, "rows": []}
    # Only parameters the logger reports for this period are compared.
    reported = {row[1] for row in logger}
    keys = sorted({(p, t) for p, t, _, _ in platform if p in reported} | {(row[1], row[2]) for row in logger})
    index = {k: i for i, k in enumerate(keys)}
    n = len(keys)
    computed = np.full(n, np.nan)
    computed_valid = np.zeros(n, dtype=np.bool_)
    for p, t, value, valid in platform:
        i = index.get((p, t))
        if i is not None:
            computed[i] = np.nan if value is None else value
            computed_valid[i] = valid
    logger_value = np.full(n, np.nan)
    logger_flag = np.zeros(n, dtype=np.uint8)
    mn_of: dict[tuple[str, datetime], str] = {}
    lidx = np.fromiter((index[(row[1], row[2])] for row in logger), dtype=np.int64, count=len(logger))
    lv = np.fromiter(
        (np.nan if (v := row[3] if row[3] is not None else row[4]) is None else v for row in logger),
        dtype=np.float64,
        count=len(logger),
    )
    logger_value[lidx] = lv
    logger_flag[lidx] = encode_flags([row[5] for row in logger], _validity(info).missing_flag_as)
    for row in logger:
        mn_of[(row[1], row[2])] = row[0]
    cmp = compare_with_logger(computed, computed_valid, logger_value, logger_flag, _validity(info), rules)
    masks = {name: getattr(cmp, name) for name in ISSUES}
    any_issue = np.zeros(n, dtype=np.bool_)
    for m in masks.values():
        any_issue |= m
    rows = []
    for i in np.flatnonzero(any_issue).tolist():
        p, t = keys[i]
        rows.append(
            {
                "pollutant": p,
                "mn": mn_of.get((p, t)) or info.pollutant_mn.get(p),
                "period_start": t.astimezone(CST).isoformat(),
                "logger_value": _num(logger_value[i]),
                "logger_flag": chr(int(logger_flag[i])) if logger_flag[i] else None,
                "platform_value": _num(computed[i]),
                "platform_valid": bool(computed_valid[i]),
                "difference": _num(cmp.difference[i]),
                "tolerance": _num(cmp.tolerance[i]),
                "issues": [name for name in ISSUES if masks[name][i]],
            }
        )
    return {**meta, "counts": {**cmp.counts(), "periods": n}, "rows": rows}


def _num(x: Any) -> float | None:
    v = float(x)
    return None if np.isnan(v) else round(v, 6)


# --------------------------------------------------------------------------- enforcement monitoring


def enforcement_results(
    session: Session, outlet_id: int, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Results of the signed enforcement monitoring reports sampled in [start, end), compared."""
    from huanjian.field.models import MonitoringReport  # the field domain writes; review only reads

    m = MonitoringReport
    first_day = (start.astimezone(CST) - timedelta(days=1)).date()
    last_day = end.astimezone(CST).date()
    signed = session.scalars(
        select(m)
        .where(
            m.outlet_id == outlet_id, m.state == "signed", m.sampled_on >= first_day, m.sampled_on <= last_day
        )
        .order_by(m.number, m.version)
    ).all()
    latest: dict[str, Any] = {}
    for row in signed:  # a signed correction supersedes the earlier signed version
        latest[row.number] = row
    tol = Tolerance.load("enforcement")
    out: list[dict[str, Any]] = []
    for row in latest.values():
        c = row.content
        sampled_at = datetime.fromisoformat(c["sampled_at"]) if c.get("sampled_at") else None
        if sampled_at is not None and sampled_at.tzinfo is None:
            sampled_at = sampled_at.replace(tzinfo=CST)
        if sampled_at is not None and not start <= sampled_at < end:
            continue
        day_start = cst_day_start(row.sampled_on)
        if sampled_at is None and not start <= day_start < end:
            continue
        period, period_start = (
            ("hour", sampled_at.replace(minute=0, second=0, microsecond=0))
            if sampled_at is not None
            else ("day", day_start)
        )
        for res in c.get("results", []):
            automatic = _automatic(session, outlet_id, str(res["pollutant"]), period, period_start)
            value = float(res["value"])
            diff = None if automatic is None else value - automatic
            tolerance = max(tol.absolute, tol.relative * abs(value))
            out.append(
                {
                    "report_id": row.id,
                    "number": row.number,
                    "version": row.version,
                    "pollutant": res["pollutant"],
                    "t": (sampled_at or day_start).astimezone(CST).isoformat(),
                    "compared_with": period,
                    "value": value,
                    "unit": res.get("unit"),
                    "exceeds": bool(res.get("exceeds")),
                    "automatic": automatic,
                    "difference": diff,
                    "tolerance": tolerance if diff is not None else None,
                    "disagrees": None if diff is None else abs(diff) > tolerance,
                }
            )
    out.sort(key=lambda x: (x["t"], x["pollutant"]))
    return out


def _automatic(
    session: Session, outlet_id: int, pollutant: str, period: str, start: datetime
) -> float | None:
    """The automatic mean compared with a manual result: corrected if valid, else the valid mean."""
    r = ReviewResult
    found = session.execute(
        select(r.corrected, r.value, r.valid).where(
            r.outlet_id == outlet_id, r.pollutant == pollutant, r.period == period, r.period_start == start
        )
    ).first()
    if found is None:
        return None
    return found[0] if found[0] is not None else (found[1] if found[2] else None)


def logger_check_for(
    tx: Tx, principal: Principal, outlet_id: int, period: str, start_day: date, end_day: date
) -> dict[str, Any]:
    info = service.outlet_for(tx, principal, outlet_id)
    if not 0 <= (end_day - start_day).days < 366:
        raise ValidationError("the range must be 1 to 366 days", field="to")
    return {"outlet_id": info.id, "outlet_code": info.outlet_code,
            **logger_check(tx.session, info, period, start_day, end_day)}  # fmt: skip


__all__ = ["enforcement_results", "logger_check", "logger_check_for"]
