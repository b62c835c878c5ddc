"""Flue-gas conversions and corrections, HJ 212-2017 Appendix D.2 (formulas 18-31).

Every function works element-wise on arrays (or scalars) and broadcasts.
Constants (273 K, 101 325 Pa, 22.4 L/mol, molar masses, 21 % O2) come from the
``formulas`` rule file through :class:`FormulaConstants`.

Units, as HJ 212-2017 Appendix B sends them: humidity a01014 and O2 a19001 in %,
temperature a01012 in °C, pressure a01013 in kPa (the formulas take Pa),
velocity a01011 in m/s, duct area a01016 in m².
"""

from __future__ import annotations

from functools import cache

import numpy as np
from numpy.typing import ArrayLike

from huanjian.review.engine._arrays import F64
from huanjian.review.rules.typed import FormulaConstants

__all__ = [
    "actual_flow_m3_h",
    "constants",
    "correct",
    "dry_standard_flow_m3_h",
    "excess_air_coefficient",
    "excess_air_correction",
    "nox_as_no2_from_mass",
    "nox_as_no2_from_ppm",
    "o2_correction",
    "ppm_to_mg_m3",
    "stack_velocity",
    "to_standard_state",
    "wet_to_dry",
]


@cache
def constants() -> FormulaConstants:
    return FormulaConstants.load()


def _f(x: ArrayLike) -> F64:
    return np.asarray(x, dtype=np.float64)


def _fraction(xsw_percent: ArrayLike) -> F64:
    """Humidity in % as a fraction; NaN outside [0, 100)."""
    x = _f(xsw_percent) / 100.0
    return np.where((x >= 0.0) & (x < 1.0), x, np.nan)


def to_standard_state(c_actual: ArrayLike, ts_c: ArrayLike, ba_pa: ArrayLike, ps_pa: ArrayLike) -> F64:
    """Formula 18: ``Csn = Cs × 101325/(Ba+Ps) × (273+ts)/273`` (same wet/dry basis)."""
    k = constants()
    t0, p0 = k.standard_temperature_k, k.standard_pressure_pa
    return _f(c_actual) * p0 / (_f(ba_pa) + _f(ps_pa)) * (t0 + _f(ts_c)) / t0


def wet_to_dry(c_wet: ArrayLike, xsw_percent: ArrayLike) -> F64:
    """Formula 19: ``C_dry = C_wet / (1 − Xsw)``; also for O2. Humidity in %."""
    return _f(c_wet) / (1.0 - _fraction(xsw_percent))


def ppm_to_mg_m3(ppm: ArrayLike, gas: str) -> F64:
    """Formula 20: ``CQ = M/22.4 × CV`` (µmol/mol → mg/m³ at standard state)."""
    k = constants()
    try:
        mass = k.molar_mass_g_mol[gas]
    except KeyError:
        raise ValueError(f"no molar mass for {gas!r}; known: {sorted(k.molar_mass_g_mol)}") from None
    return _f(ppm) * (mass / k.molar_volume_l)


def nox_as_no2_from_mass(c_no: ArrayLike, c_no2: ArrayLike) -> F64:
    """Formula 21: ``C_NOx = C_NO × M_NO2/M_NO + C_NO2`` (mg/m³, NOx expressed as NO2)."""
    m = constants().molar_mass_g_mol
    return _f(c_no) * (m["NO2"] / m["NO"]) + _f(c_no2)


def nox_as_no2_from_ppm(no_ppm: ArrayLike, no2_ppm: ArrayLike) -> F64:
    """Formula 22: ``C_NOx = (C_NO,v + C_NO2,v) × M_NO2/22.4`` (mg/m³)."""
    k = constants()
    return (_f(no_ppm) + _f(no2_ppm)) * (k.molar_mass_g_mol["NO2"] / k.molar_volume_l)


def _o2_room(o2_percent: ArrayLike) -> F64:
    """``21 − O2``, NaN where O2 is not below 21 % (no correction is possible)."""
    room = constants().o2_in_air_percent - _f(o2_percent)
    return np.where(room > 0.0, room, np.nan)


def o2_correction(c: ArrayLike, o2_percent: ArrayLike, o2_reference: ArrayLike) -> F64:
    """Formula 28: ``C_corr = C × (21 − O2_ref)/(21 − O2_measured)`` (dry O2, %)."""
    return _f(c) * (constants().o2_in_air_percent - _f(o2_reference)) / _o2_room(o2_percent)


def excess_air_coefficient(o2_percent: ArrayLike) -> F64:
    """Formula 27: ``α = 21/(21 − O2)``."""
    return constants().o2_in_air_percent / _o2_room(o2_percent)


def excess_air_correction(c: ArrayLike, o2_percent: ArrayLike, alpha_s: ArrayLike) -> F64:
    """Formula 26: ``C_corr = C × α/α_s``."""
    return _f(c) * excess_air_coefficient(o2_percent) / _f(alpha_s)


def correct(
    c: ArrayLike,
    o2_percent: ArrayLike,
    o2_reference: ArrayLike = np.nan,
    alpha_s: ArrayLike = np.nan,
) -> F64:
    """The correction the limit asks for, element-wise.

    A reference O2 (not NaN) → formula 28; else an excess-air coefficient → formula
    26; else, D.2.3 (4): no reference in the standard → the dry standard
    concentration itself, uncorrected.
    """
    c_arr, o2 = _f(c), _f(o2_percent)
    ref, alpha = _f(o2_reference), _f(alpha_s)
    has_ref = ~np.isnan(ref)
    has_alpha = ~np.isnan(alpha) & ~has_ref
    with np.errstate(invalid="ignore", divide="ignore"):
        by_o2 = o2_correction(c_arr, o2, np.where(has_ref, ref, 0.0))
        by_alpha = excess_air_correction(c_arr, o2, np.where(has_alpha, alpha, 1.0))
    out: F64 = np.where(has_ref, by_o2, np.where(has_alpha, by_alpha, c_arr))
    return out


def stack_velocity(vp: ArrayLike, kv: ArrayLike) -> F64:
    """Formula 29: ``Vs = Kv × Vp`` (m/s)."""
    return _f(kv) * _f(vp)


def actual_flow_m3_h(vs: ArrayLike, area_m2: ArrayLike) -> F64:
    """Formula 30: ``Qs = 3600 × F × Vs`` (m³/h at stack conditions, wet)."""
    return 3600.0 * _f(area_m2) * _f(vs)


def dry_standard_flow_m3_h(
    q_actual: ArrayLike, ts_c: ArrayLike, ba_pa: ArrayLike, ps_pa: ArrayLike, xsw_percent: ArrayLike
) -> F64:
    """Formula 31: ``Qsn = Qs × 273/(273+ts) × (Ba+Ps)/101325 × (1 − Xsw)`` (m³/h, dry, standard)."""
    k = constants()
    t0, p0 = k.standard_temperature_k, k.standard_pressure_pa
    return _f(q_actual) * t0 / (t0 + _f(ts_c)) * (_f(ba_pa) + _f(ps_pa)) / p0 * (1.0 - _fraction(xsw_percent))
