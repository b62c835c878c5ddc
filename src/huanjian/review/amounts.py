"""Emission amounts per outlet and enterprise, month by month, against the permitted annual amounts.

From the stored hourly figures (``review_result``) of one CST calendar year:

* **air**: rate ``G = C × Q_sn × 10⁻⁶`` kg/h (App. D formula 33) from the valid,
  *uncorrected* hourly mean and the valid hourly flue-gas flow ``a00000`` (m³/s, dry
  standard, App. B unit → × 3600 m³/h); an hour counts when both are valid;
* **water**: ``C × D × 10⁻³`` kg from the valid hourly concentration (mg/L) and the
  hour's water volume ``D = Q × 3600 × 10⁻³`` m³ from the valid hourly flow ``w00000``
  (L/s, formula 1);
* hourly amounts summed per month and year by the engine
  (:func:`~huanjian.review.engine.emissions.emission_amounts`), outlets summed per
  enterprise (``group_sum``) and compared with the enterprise's permitted amount of
  the year (sum of the ``emission_allowance`` rows of its permits for that year and
  pollutant; ``compare_with_permit``), with the share used to date.

Amounts are computed for the parameters that have a permitted amount or a limit on
the outlet (mass concentrations), pH excluded.  Hours without valid data add nothing:
the amounts are *measured* amounts, a lower bound when data are missing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from huanjian.access.policy import Principal, authorize
from huanjian.core.time import cst_day_start
from huanjian.core.tx import Tx
from huanjian.errors import NotFound
from huanjian.register.models import EmissionAllowance, Limit, Permit
from huanjian.review import repository as repo
from huanjian.review import service
from huanjian.review.engine._arrays import HOUR_S, epoch_seconds
from huanjian.review.engine.emissions import (
    Amounts,
    compare_with_permit,
    emission_amounts,
    emission_rate_kg_h,
)
from huanjian.review.engine.water import water_volume_m3
from huanjian.review.models import ReviewResult

FLOW = {"air": "a00000", "water": "w00000"}
NOT_MASS = {"w01001"}  # pH has no amount


def permitted(session: Session, enterprise_id: int, year: int) -> dict[str, float]:
    """Permitted amounts (t) of the year per pollutant, over the enterprise's permits."""
    rows = session.execute(
        select(EmissionAllowance.pollutant, EmissionAllowance.amount_t)
        .join(Permit, Permit.id == EmissionAllowance.permit_id)
        .where(Permit.enterprise_id == enterprise_id, EmissionAllowance.year == year)
    ).all()
    out: dict[str, float] = {}
    for pollutant, amount in rows:
        out[pollutant] = out.get(pollutant, 0.0) + float(amount)
    return out


def _pollutants(session: Session, info: repo.OutletInfo, allowed: dict[str, float]) -> list[str]:
    limited = set(session.scalars(select(Limit.pollutant).where(Limit.outlet_id == info.id)))
    return sorted((limited | set(allowed)) - NOT_MASS - set(FLOW.values()))


def _hourly_kg(
    session: Session, info: repo.OutletInfo, pollutants: list[str], year: int
) -> tuple[np.ndarray, Amounts]:
    """Which hours count (concentration and flow valid) per pollutant over the CST year, and the sums."""
    start, end = cst_day_start(date(year, 1, 1)), cst_day_start(date(year + 1, 1, 1))
    t0 = int(epoch_seconds([start])[0])
    n = int((end - start).total_seconds()) // HOUR_S
    flow_code = FLOW.get(info.kind, "a00000")
    codes = [*pollutants, flow_code]
    r = ReviewResult
    rows = session.execute(
        select(r.pollutant, r.period_start, r.value, r.valid).where(
            r.outlet_id == info.id,
            r.period == "hour",
            r.pollutant.in_(codes),
            r.period_start >= start,
            r.period_start < end,
        )
    ).all()
    index = {c: i for i, c in enumerate(codes)}
    values = np.full((len(codes), n), np.nan)
    valid = np.zeros((len(codes), n), dtype=np.bool_)
    if rows:
        row_i = np.fromiter((index[x[0]] for x in rows), dtype=np.int64, count=len(rows))
        col = (epoch_seconds([x[1] for x in rows]) - t0) // HOUR_S
        values[row_i, col] = np.fromiter(
            (np.nan if x[2] is None else x[2] for x in rows), dtype=np.float64, count=len(rows)
        )
        valid[row_i, col] = np.fromiter((bool(x[3]) for x in rows), dtype=np.bool_, count=len(rows))
    conc, conc_valid = values[:-1], valid[:-1]
    flow, flow_valid = values[-1], valid[-1]
    both = conc_valid & flow_valid[None] & np.isfinite(conc) & np.isfinite(flow)[None]
    if info.kind == "water":
        rate = conc * water_volume_m3(flow, HOUR_S)[None] * 1e-3  # mg/L × m³ = g → kg
    else:
        rate = emission_rate_kg_h(conc, (flow * HOUR_S)[None])
    hour_starts = t0 + HOUR_S * np.arange(n, dtype=np.int64)
    return both, emission_amounts(rate, both, hour_starts)


def outlet_amounts(session: Session, info: repo.OutletInfo, year: int) -> dict[str, Any]:
    """Monthly and yearly amounts (t) of one outlet; share of the enterprise's permitted amount."""
    allowed = permitted(session, info.enterprise_id, year)
    pollutants = _pollutants(session, info, allowed)
    if not pollutants:
        return {"year": year, "outlet_id": info.id, "pollutants": []}
    both, amounts = _hourly_kg(session, info, pollutants, year)
    return {
        "year": year,
        "outlet_id": info.id,
        "flow": FLOW.get(info.kind),
        "pollutants": [
            _pollutant_row(p, amounts.monthly[i], both[i].sum(), allowed.get(p))
            for i, p in enumerate(pollutants)
        ],
    }


def enterprise_amounts(
    session: Session, infos: list[repo.OutletInfo], enterprise_id: int, year: int
) -> dict[str, Any]:
    """The enterprise's outlets summed per pollutant and month, against its permitted amounts."""
    allowed = permitted(session, enterprise_id, year)
    totals: dict[str, np.ndarray] = {}
    hours: dict[str, int] = {}
    outlets = []
    for info in infos:
        pollutants = _pollutants(session, info, allowed)
        if not pollutants:
            continue
        both, amounts = _hourly_kg(session, info, pollutants, year)
        outlets.append({"outlet_id": info.id, "outlet_code": info.outlet_code})
        for i, p in enumerate(pollutants):
            totals[p] = totals.get(p, np.zeros(12)) + amounts.monthly[i]
            hours[p] = hours.get(p, 0) + int(both[i].sum())
    for p in allowed:
        totals.setdefault(p, np.zeros(12))
    return {
        "year": year,
        "enterprise_id": enterprise_id,
        "outlets": outlets,
        "pollutants": [_pollutant_row(p, totals[p], hours.get(p, 0), allowed.get(p)) for p in sorted(totals)],
    }


def _pollutant_row(
    pollutant: str, monthly_kg: np.ndarray, valid_hours: Any, permitted_t: float | None
) -> dict[str, Any]:
    cumulative = np.cumsum(monthly_kg)
    cmp = compare_with_permit(cumulative, np.nan if permitted_t is None else permitted_t)
    return {
        "pollutant": pollutant,
        "valid_hours": int(valid_hours),
        "amount_t": round(float(cumulative[-1]) / 1000.0, 6),
        "permitted_t": permitted_t,
        "share": None if permitted_t is None or not permitted_t else round(float(cmp.share[-1]), 6),
        "exceeded": bool(cmp.exceeded[-1]),
        "months": [
            {
                "month": m + 1,
                "amount_t": round(float(monthly_kg[m]) / 1000.0, 6),
                "cumulative_t": round(float(cumulative[m]) / 1000.0, 6),
                "share": None if permitted_t is None or not permitted_t else round(float(cmp.share[m]), 6),
            }
            for m in range(12)
        ],
    }


def for_outlet(tx: Tx, principal: Principal, outlet_id: int, year: int) -> dict[str, Any]:
    info = service.outlet_for(tx, principal, outlet_id)
    return {"outlet_code": info.outlet_code, "enterprise_id": info.enterprise_id,
            **outlet_amounts(tx.session, info, year)}  # fmt: skip


def for_enterprise(tx: Tx, principal: Principal, enterprise_id: int, year: int) -> dict[str, Any]:
    """Visible outlets of the enterprise (none visible: not found, as for any other object)."""
    authorize(principal, "review.read")
    infos = [
        i for i in repo.outlets(tx.session, service._scope(tx, principal)) if i.enterprise_id == enterprise_id
    ]
    if not infos:
        raise NotFound(f"enterprise {enterprise_id} not found")
    return {"enterprise_name": infos[0].enterprise_name,
            **enterprise_amounts(tx.session, infos, enterprise_id, year)}  # fmt: skip
