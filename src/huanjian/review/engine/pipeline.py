"""Flue-gas review of many outlets at once: validity, hours, days, O2 correction, rates.

The grid rows are ``outlet × parameter`` in the order of :class:`FlueGasLayout`
(row = outlet · P + parameter).  Steps, all vectorised over outlets:

1. valid minutes and hours (45 valid minutes), App. C flags;
2. corrected hourly means: formula 28 (or 26) applied to each pollutant's hourly
   mean with the hourly mean O2 of the same outlet; an hour is valid corrected when
   the pollutant hour is valid and, if a correction applies, the O2 hour too
   (rule ``correction_basis``: hourly means, [unconfirmed]);
3. daily means of valid (corrected) hourly means, ≥ 20 valid hours (formula 25);
4. emission rates (formula 33) from the uncorrected hourly mean and the dry
   standard flow of the outlet (a00000, m³/s as HJ 212 App. B states, × 3600).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from huanjian.review.engine._arrays import F64, Bool
from huanjian.review.engine.convert import correct
from huanjian.review.engine.emissions import emission_rate_kg_h
from huanjian.review.engine.grid import Grid
from huanjian.review.engine.validity import Periods, daily, hourly
from huanjian.review.rules.typed import ValidityRules

__all__ = ["FLUE_GAS_PARAMETERS", "FlueGasLayout", "FlueGasReview", "review_flue_gas"]

#: SO2, NOx, particulate, O2, velocity, temperature, pressure, humidity, flow (HJ 212-2017 App. B).
FLUE_GAS_PARAMETERS = (
    "a21026",
    "a21002",
    "a34013",
    "a19001",
    "a01011",
    "a01012",
    "a01013",
    "a01014",
    "a00000",
)


@dataclass(frozen=True, slots=True)
class FlueGasLayout:
    parameters: tuple[str, ...] = FLUE_GAS_PARAMETERS
    pollutants: tuple[str, ...] = ("a21026", "a21002", "a34013")
    o2: str = "a19001"
    flow: str | None = "a00000"
    flow_to_m3_h: float = 3600.0  # a00000 in m³/s (App. B), dry standard as HJ 75 loggers send it

    def index(self, code: str) -> int:
        return self.parameters.index(code)


@dataclass(frozen=True, slots=True)
class FlueGasReview:
    hours: Periods  # rows: outlet × parameter
    days: Periods
    corrected_hourly: F64  # (outlets, pollutants, hours)
    corrected_hour_valid: Bool
    corrected_daily: F64  # (outlets, pollutants, days)
    corrected_day_valid: Bool
    corrected_day_count: np.ndarray
    rate_kg_h: F64 | None  # (outlets, pollutants, hours), uncorrected concentration × flow
    rate_valid: Bool | None


def review_flue_gas(
    grid: Grid,
    layout: FlueGasLayout,
    o2_reference: F64,
    alpha_s: F64 | None,
    rules: ValidityRules,
) -> FlueGasReview:
    """Review a grid of ``outlets × len(layout.parameters)`` rows.

    ``o2_reference`` and ``alpha_s`` are (outlets, pollutants), NaN where the limit
    sets no reference (then no correction).
    """
    n_params = len(layout.parameters)
    if grid.n_series % n_params:
        raise ValueError("grid rows are not a whole number of outlets")
    n_outlets = grid.n_series // n_params
    hours = hourly(grid, rules)
    days = daily(hours, rules)
    shape = (n_outlets, n_params, grid.hours)
    mean = hours.mean.reshape(shape)
    valid = hours.valid.reshape(shape)
    pol = [layout.index(p) for p in layout.pollutants]
    o2i = layout.index(layout.o2)
    conc, conc_valid = mean[:, pol, :], valid[:, pol, :]
    ref = np.broadcast_to(o2_reference, (n_outlets, len(pol)))[:, :, None]
    alpha = (
        np.full_like(ref, np.nan) if alpha_s is None else np.broadcast_to(alpha_s, ref.shape[:2])[:, :, None]
    )
    needs_o2 = ~np.isnan(ref) | ~np.isnan(alpha)
    corrected = correct(conc, mean[:, o2i : o2i + 1, :], ref, alpha)
    corrected_valid = conc_valid & (~needs_o2 | valid[:, o2i : o2i + 1, :]) & np.isfinite(corrected)
    flat = (n_outlets * len(pol), grid.hours)
    pol_hours = Periods(
        start_s=hours.start_s,
        mean=corrected.reshape(flat),
        count=hours.count.reshape(shape)[:, pol, :].reshape(flat),
        received=hours.received.reshape(shape)[:, pol, :].reshape(flat),
        valid=corrected_valid.reshape(flat),
        flag=hours.flag.reshape(shape)[:, pol, :].reshape(flat),
        complete=hours.complete,
    )
    corrected_days = daily(pol_hours, rules)
    day_shape = (n_outlets, len(pol), grid.days)
    rate = rate_valid = None
    if layout.flow is not None:
        fi = layout.index(layout.flow)
        rate = emission_rate_kg_h(conc, mean[:, fi : fi + 1, :] * layout.flow_to_m3_h)
        rate_valid = conc_valid & valid[:, fi : fi + 1, :] & np.isfinite(rate)
    return FlueGasReview(
        hours=hours,
        days=days,
        corrected_hourly=corrected,
        corrected_hour_valid=corrected_valid,
        corrected_daily=corrected_days.mean.reshape(day_shape),
        corrected_day_valid=corrected_days.valid.reshape(day_shape),
        corrected_day_count=corrected_days.count.reshape(day_shape),
        rate_kg_h=rate,
        rate_valid=rate_valid,
    )
