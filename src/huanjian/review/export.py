"""``huanjian review export``: stored figures, one row per outlet, pollutant and period.

Keys (issue 5): ``mn``, ``credit_code``, ``outlet_code``, ``pollutant``, ``period``,
``period_start`` (ISO 8601 with +08:00), ``value`` (mean of the valid values),
``corrected`` (reference-O2 corrected, air; null when not valid), ``valid_count``
(valid minutes / hours / days in the period), ``valid``, ``flags`` (the App. C
flag of the period, then reviewer flags, ``excluded``, ``suspect``), ``marks``
(mark codes in force), ``review_level``, ``exceedance``, ``limit`` (the permitted
value of the limit with that averaging period, null if none).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from huanjian.access.policy import Principal, authorize
from huanjian.core.time import cst_day_start, iso_cst
from huanjian.core.tx import Tx
from huanjian.errors import ValidationError
from huanjian.review import repository as repo
from huanjian.review import service
from huanjian.review.models import ReviewResult

KEYS = (
    "mn",
    "credit_code",
    "outlet_code",
    "pollutant",
    "period",
    "period_start",
    "value",
    "corrected",
    "valid_count",
    "valid",
    "flags",
    "marks",
    "review_level",
    "exceedance",
    "limit",
)


def rows(
    tx: Tx,
    principal: Principal,
    period: str,
    start_day: date,
    end_day: date,
    *,
    outlet_id: int | None = None,
) -> Iterator[dict[str, Any]]:
    authorize(principal, "review.read")
    if period not in ("hour", "day", "month"):
        raise ValidationError("period must be hour, day or month", field="period")
    start = cst_day_start(date(start_day.year, start_day.month, 1) if period == "month" else start_day)
    end = cst_day_start(end_day) + timedelta(days=1)
    scope = service._scope(tx, principal)
    ids = (
        repo.outlet_ids(tx.session, scope)
        if outlet_id is None
        else [service.outlet_for(tx, principal, outlet_id).id]
    )
    r = ReviewResult
    for oid in ids:  # one outlet at a time
        info = repo.outlet(tx.session, scope, oid)
        assert info is not None
        layers = repo.layers(tx.session, oid, start, end)
        stmt = (
            select(r)
            .where(r.outlet_id == oid, r.period == period, r.period_start >= start, r.period_start < end)
            .order_by(r.pollutant, r.period_start)
        )
        for res in tx.session.scalars(stmt):
            s, e = service.period_bounds(period, res.period_start)
            marks = [m for m in res.marks if not m.startswith("!")]
            flags = ([res.flag] if res.flag else []) + [m[1:] for m in res.marks if m.startswith("!")]
            yield {
                "mn": info.pollutant_mn.get(res.pollutant, info.mns[0] if info.mns else None),
                "credit_code": info.credit_code,
                "outlet_code": info.outlet_code,
                "pollutant": res.pollutant,
                "period": period,
                "period_start": iso_cst(res.period_start),
                "value": res.value,
                "corrected": res.corrected,
                "valid_count": res.valid_count,
                "valid": res.valid,
                "flags": flags,
                "marks": marks,
                "review_level": service._covering_levels(layers, res.pollutant, s, e),
                "exceedance": res.exceedance,
                "limit": res.limit_value if res.limit_value is not None else res.lower_limit,
            }


def to_csv(items: Iterator[dict[str, Any]]) -> Iterator[str]:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=KEYS)
    writer.writeheader()
    yield buf.getvalue()
    for item in items:
        buf.seek(0)
        buf.truncate()
        writer.writerow({**item, "flags": ";".join(item["flags"]), "marks": ";".join(item["marks"])})
        yield buf.getvalue()


def to_json(items: Iterator[dict[str, Any]]) -> Iterator[str]:
    yield "["
    for i, item in enumerate(items):
        yield ("," if i else "") + json.dumps(item, ensure_ascii=False)
    yield "]\n"
