"""Student's t quantile, computed without SciPy.

HJ 75-2017 writes the confidence coefficient as ``cc = t(0.95, n-1) × S_d / √n`` and takes
``t`` from a printed table.  That table is the *two-sided* 95 % table — the upper 0.975
quantile of Student's t with ``f = n - 1`` degrees of freedom (2.306 for f = 8, 2.262 for
f = 9) — the same as ``t0.975`` in US EPA 40 CFR 60 App. B, Performance Specification 2,
Table 2-1, from which the Chinese RA formula is taken.  See docs/compare.md, "t".

Method: the CDF of Student's t for ``t ≥ 0`` is ``1 - I_x(f/2, 1/2) / 2`` with
``x = f / (f + t²)``, where ``I_x`` is the regularised incomplete beta function, evaluated
by its continued fraction (modified Lentz; Numerical Recipes §6.4).  The quantile is found
by bisection to 1e-12 and then rounded to three decimals, as printed tables are, so the
result equals the printed table value (tested for f = 1…30, 40, 60, 120 and ∞).
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from statistics import NormalDist

_EPS = 1e-15
_TINY = 1e-300


def _beta_cf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, 10_000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            return h
    raise ArithmeticError("incomplete beta continued fraction did not converge")  # pragma: no cover


def regularized_beta(a: float, b: float, x: float) -> float:
    """``I_x(a, b)`` for ``0 ≤ x ≤ 1``."""
    if not 0.0 <= x <= 1.0:
        raise ValueError("x must be in [0, 1]")
    if x in (0.0, 1.0):
        return x
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    front = math.exp(log_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_cf(a, b, x) / a
    return 1.0 - front * _beta_cf(b, a, 1.0 - x) / b


def t_cdf(t: float, df: float) -> float:
    """P(T ≤ t) for Student's t with ``df`` degrees of freedom."""
    if df <= 0:
        raise ValueError("degrees of freedom must be positive")
    tail = 0.5 * regularized_beta(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t >= 0 else tail


def t_quantile(p: float, df: float) -> float:
    """The ``p`` quantile of Student's t (``0.5 ≤ p < 1``); ``df = inf`` gives the normal quantile."""
    if not 0.5 <= p < 1.0:
        raise ValueError("p must be in [0.5, 1)")
    if math.isinf(df):
        return NormalDist().inv_cdf(p)
    lo, hi = 0.0, 1.0
    while t_cdf(hi, df) < p:
        hi *= 2.0
    while hi - lo > 1e-12:
        mid = (lo + hi) / 2.0
        if t_cdf(mid, df) < p:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2.0


def t95_two_sided(df: int | float) -> Decimal:
    """HJ 75's ``t(0.95, f)``: the two-sided 95 % value (upper 0.975 quantile), to 3 decimals."""
    if not (math.isinf(df) or (isinstance(df, int) and df >= 1)):
        raise ValueError("degrees of freedom must be an integer ≥ 1 or infinity")
    value = t_quantile(0.975, float(df))
    return Decimal(repr(value)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
