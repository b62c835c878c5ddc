"""Monthly figures of outlets, rebuilt from their stored daily figures (engine ``monthly``).

Called by the review runs after the days of a slice of outlets are stored: one read of the
daily figures, one delete per month and one COPY for all the outlets of the slice.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from huanjian.core.time import CST, cst_day_start
from huanjian.review.engine._arrays import DAY_S, cst_midnight_s
from huanjian.review.engine.validity import Periods, monthly
from huanjian.review.models import ReviewResult
from huanjian.review.repository import insert_results
from huanjian.review.rules.typed import ValidityRules, select_validity


def as_float(x: Any) -> float | None:
    """A stored figure: NaN (no value) becomes NULL."""
    v = float(x)
    return None if math.isnan(v) else v


def flag_letter(code: int) -> str | None:
    return chr(code) if code else None


def _rules_for_kind(kind: str) -> ValidityRules:
    return select_validity("air") if kind == "air" else ValidityRules.load("water_cycle")


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def rebuild(session: Session, kinds: dict[int, str], months: dict[int, set[date]], now: datetime) -> None:
    """Rebuild monthly figures of the months from the stored daily figures (engine ``monthly``);
    one read, one delete per month and one write for all the outlets."""
    pairs = sorted((oid, m) for oid, ms in months.items() for m in ms)
    if not pairs:
        return
    r = ReviewResult
    ids = sorted(months)
    lo, hi = min(m for _, m in pairs), max(_next_month(m) for _, m in pairs)
    by_key: dict[tuple[int, date], list[Any]] = {}
    for row in session.execute(
        select(r.outlet_id, r.pollutant, r.period_start, r.value, r.valid, r.flag, r.corrected).where(
            r.outlet_id.in_(ids),
            r.period == "day",
            r.period_start >= cst_day_start(lo),
            r.period_start < cst_day_start(hi),
        )
    ):
        local = row[2].astimezone(CST).date()
        by_key.setdefault((row[0], date(local.year, local.month, 1)), []).append(row[1:])
    for month in sorted({m for _, m in pairs}):
        session.execute(
            delete(r).where(
                r.outlet_id.in_([oid for oid, m in pairs if m == month]),
                r.period == "month",
                r.period_start == cst_day_start(month),
            )
        )
    out: list[dict[str, Any]] = []
    for oid, month in pairs:
        rows = by_key.get((oid, month))
        if rows:
            out += _month_rows(oid, month, rows, _rules_for_kind(kinds[oid]), now)
    if out:
        insert_results(session, out)


def _month_rows(
    oid: int, month: date, rows: list[Any], rules: ValidityRules, now: datetime
) -> list[dict[str, Any]]:
    nxt = _next_month(month)
    n = (nxt - month).days
    start = cst_day_start(month)
    pols = sorted({row[0] for row in rows})
    idx = {p: i for i, p in enumerate(pols)}
    mean = np.full((len(pols), n), np.nan)
    corr = np.full((len(pols), n), np.nan)
    valid = np.zeros((len(pols), n), dtype=np.bool_)
    flag = np.zeros((len(pols), n), dtype=np.uint8)
    for pol, ps, value, ok, fl, c in rows:
        j = (int(ps.timestamp()) - cst_midnight_s(month)) // DAY_S
        mean[idx[pol], j] = np.nan if value is None else value
        corr[idx[pol], j] = np.nan if c is None else c
        valid[idx[pol], j] = ok
        flag[idx[pol], j] = ord(fl) if fl else 0
    start_s = cst_midnight_s(month) + DAY_S * np.arange(n, dtype=np.int64)
    days = Periods(start_s, mean, valid.sum(axis=0)[None].repeat(len(pols), 0).astype(np.int32),
                   (flag != 0).astype(np.int32), valid, flag, np.ones(n, dtype=np.bool_))  # fmt: skip
    m = monthly(days, rules)
    mc = monthly(days, rules, values=corr, valid=valid & np.isfinite(corr))
    return [
        {
            "outlet_id": oid,
            "pollutant": pol,
            "period": "month",
            "period_start": start,
            "value": as_float(m.mean[i, 0]),
            "raw": None,
            "corrected": as_float(mc.mean[i, 0]) if mc.valid[i, 0] else None,
            "valid_count": int(m.count[i, 0]),
            "received": int(m.received[i, 0]),
            "valid": bool(m.valid[i, 0]),
            "flag": flag_letter(int(m.flag[i, 0])),
            "substitute": None,
            "substitute_method": None,
            "marks": [],
            "excluded": False,
            "limit_value": None,
            "lower_limit": None,
            "exceedance": False,
            "complete": bool(m.complete[0]),
            "computed_at": now,
        }
        for i, pol in enumerate(pols)
    ]
