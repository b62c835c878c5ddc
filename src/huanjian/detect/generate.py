"""Honest minute data with confounders, and falsification tricks at a range of strengths.

Everything is vectorised over the minutes of an outlet-month (30 days × 1,440 minutes) and
seeded by ``(seed, outlet, month)``, so a benchmark is reproducible.

Honest data (both media): a production load with a diurnal cycle of outlet-specific amplitude
(flat continuous processes to strongly diurnal ones), day-to-day variation and smooth process
noise; start-ups and shutdowns (F, with ramps flagged N, half of the start-ups covered by an
accepted start-up mark); a daily calibration (C, zero then span); maintenance (M, with an O&M
QA event); instrument faults (D, stuck / zero / missing / spiky, half declared); unflagged
faults (stuck values, zero runs, negative values, spikes, gaps, a resent block, clock drift);
honest fuel changes (a step in SO2 and particulate); genuine exceedances (real high values
flagged N) at outlets that run near their limit.

Air (minute, 2051): SO2, NOx, particulate (mg/m³, dry standard), O2 (%), velocity (m/s),
temperature (°C), static pressure (kPa), humidity (%), dry standard flow (m³/h) computed from
the others as ``3600·F·Kv·v·273/(273+T)·(101.325+P)/101.325·(1−Xsw)``.  Water (minute): COD
and NH3-N from cycle analysers (one value per 60-minute cycle, held), pH (continuous), total
chromium (120-minute cycle, falling with pH) and flow (L/s).

Tricks (:data:`TRICKS`) are applied by :func:`apply_trick`, each with a documented strength
(``weak`` / ``medium`` / ``strong``, see :data:`STRENGTHS`) and a labelled :class:`Episode`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from huanjian.core.time import CST
from huanjian.detect.arrays import reshape_blocks
from huanjian.detect.model import (
    CHROMIUM,
    COD,
    FLOW_AIR,
    FLOW_WATER,
    HUMIDITY,
    NH3N,
    NOX,
    O2,
    PH,
    PM,
    PRESSURE,
    SO2,
    TEMPERATURE,
    VELOCITY,
    FloatArray,
    IntArray,
    Kind,
    LoggerData,
    PowerHours,
)

DAY = 1440
DAYS_PER_MONTH = 30
START = datetime(2026, 1, 1, tzinfo=CST)

AIR_TRICKS = (
    "range_narrowed",
    "particulate_slope",
    "coefficient_change",
    "preset_data",
    "dilution",
    "borrowed_data",
    "under_limit_piling",
    "false_flags",
)
BORROWED_VARIANTS = ("peer", "own_history", "across_pollutants")
WATER_TRICKS = ("range_narrowed", "preset_data", "borrowed_data", "water_contradiction")
TRICKS = tuple(dict.fromkeys(AIR_TRICKS + WATER_TRICKS))
LEVELS = ("weak", "medium", "strong")

#: Strength of each trick (documented in docs/detection.md).
STRENGTHS: dict[str, dict[str, dict[str, float]]] = {
    # clip: values above ceiling×limit replaced by the ceiling (range maximum);
    # compress: deviations from the episode median multiplied by k.
    "range_narrowed": {
        "weak": {"ceiling": 1.0, "k": 0.45},
        "medium": {"ceiling": 0.95, "k": 0.3},
        "strong": {"ceiling": 0.9, "k": 0.15},
    },
    # particulate (and its reported value) multiplied by k from the episode start on.
    "particulate_slope": {"weak": {"k": 0.7}, "medium": {"k": 0.55}, "strong": {"k": 0.4}},
    # flow multiplied by k (velocity-field coefficient or duct area changed).
    "coefficient_change": {"weak": {"k": 0.93}, "medium": {"k": 0.85}, "strong": {"k": 0.7}},
    # level×limit with relative jitter (constant) or a sine of amplitude amp (periodic).
    "preset_data": {
        "weak": {"jitter": 0.04, "amp": 0.08, "drop_to": 0.8},
        "medium": {"jitter": 0.02, "amp": 0.05, "drop_to": 0.7},
        "strong": {"jitter": 0.005, "amp": 0.03, "drop_to": 0.55},
    },
    # pollutants and humidity × k, O2 → 20.9 − (20.9 − O2)·k.
    "dilution": {"weak": {"k": 0.8}, "medium": {"k": 0.65}, "strong": {"k": 0.5}},
    # copy (from a peer, the logger's own history, or another pollutant) plus relative noise.
    "borrowed_data": {"weak": {"noise": 0.04}, "medium": {"noise": 0.02}, "strong": {"noise": 0.003}},
    # hourly means over lo×limit squeezed into [lo, 0.995)×limit.
    "under_limit_piling": {"weak": {"lo": 0.85}, "medium": {"lo": 0.9}, "strong": {"lo": 0.95}},
    # share of the exceeding hours flagged D or M (values left as measured).
    "false_flags": {"weak": {"share": 0.6}, "medium": {"share": 0.8}, "strong": {"share": 1.0}},
    # COD and NH3-N replaced by k × level, decoupled from production; pH flattened.
    "water_contradiction": {
        "weak": {"k": 0.75, "ph_sd": 0.04},
        "medium": {"k": 0.55, "ph_sd": 0.02},
        "strong": {"k": 0.35, "ph_sd": 0.005},
    },
}

AIR_LIMITS = (  # SO2, NOx, particulate (mg/m³): ultra-low coal power; GB 13271 gas; coal boiler
    {SO2: 35.0, NOX: 50.0, PM: 10.0},
    {SO2: 50.0, NOX: 200.0, PM: 20.0},
    {SO2: 300.0, NOX: 300.0, PM: 50.0},
)
WATER_LIMITS = {COD: 50.0, NH3N: 5.0, CHROMIUM: 1.5}  # GB 18918 1A; chromium GB 8978 class 1


@dataclass(frozen=True)
class Episode:
    """A labelled falsification episode: minutes ``[start, end)`` of logger ``mn``."""

    mn: str
    trick: str
    start: int
    end: int
    pollutants: tuple[str, ...]
    strength: str
    variant: str = ""
    source_mn: str | None = None  # borrowed data: the logger copied from


@dataclass
class Truth:
    """What the generator knows and a detector does not: the load, honest events."""

    load: FloatArray
    running: np.ndarray
    near_limit: bool
    exceedances: IntArray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))


@dataclass
class Benchmark:
    seed: int
    months: list[list[LoggerData]]
    episodes: list[Episode]
    honest: set[str]  # MNs of honest outlets (no episode in any month)

    def outlet_months(self) -> int:
        return sum(len(m) for m in self.months)


def _rng(seed: int, outlet: int, month: int, salt: int = 0) -> np.random.Generator:
    return np.random.default_rng([seed, outlet, month, salt])


def smooth_noise(rng: np.random.Generator, n: int, tau: float, sd: float) -> FloatArray:
    """Zero-mean noise with correlation time ``tau`` minutes and standard deviation ``sd``."""
    w = rng.standard_normal(n + int(6 * tau))
    k = np.exp(-np.arange(int(6 * tau)) / tau)
    k /= np.sqrt((k * k).sum())
    y = np.convolve(w, k, mode="valid")[:n]
    return np.asarray(y * sd, dtype=np.float64)


def _events(rng: np.random.Generator, n: int, rate: float, lo: int, hi: int) -> IntArray:
    k = int(rng.poisson(rate))
    if k == 0:
        return np.zeros((0, 2), dtype=np.int64)
    s = rng.integers(DAY // 2, n - DAY // 2, size=k)
    d = rng.integers(lo, hi + 1, size=k)
    return np.stack([s, np.minimum(s + d, n)], axis=1).astype(np.int64)


def _load(rng: np.random.Generator, n: int) -> FloatArray:
    t = np.arange(n)
    hod = (t % DAY) / 60.0
    amp = rng.uniform(0.03, 0.3)
    phase = rng.uniform(6, 10)
    day_level = rng.normal(0.0, 0.06, size=n // DAY + 2)
    day = np.interp(t / DAY, np.arange(day_level.size), day_level)
    load = 0.72 + amp * np.sin((hod - phase) / 24 * 2 * np.pi) + day + smooth_noise(rng, n, 45, 0.04)
    return np.clip(load, 0.25, 1.0)


@dataclass
class _Site:
    flags: np.ndarray
    marks: list[tuple[int, int]]
    qa: list[tuple[int, int]]
    running: np.ndarray
    load: FloatArray


def _site(rng: np.random.Generator, n: int, cal_cycle: int) -> _Site:
    load = _load(rng, n)
    flags = np.full(n, "N", dtype="<U1")
    marks: list[tuple[int, int]] = []
    qa: list[tuple[int, int]] = []
    running = np.ones(n, dtype=bool)
    for s, e in _events(rng, n, 0.9, 4 * 60, 36 * 60):
        running[s:e] = False
        ramp_dn = slice(max(0, s - 30), s)
        load[ramp_dn] = np.linspace(load[ramp_dn][0] if s - 30 >= 0 else 0.5, 0.15, s - max(0, s - 30))
        up = int(rng.integers(60, 121))
        ue = min(n, e + up)
        if ue > e:
            load[e:ue] = np.linspace(0.15, load[ue - 1], ue - e)
            if rng.random() < 0.5:
                marks.append((e, ue))  # accepted start-up mark (2022 marking rule)
    load = np.where(running, load, 0.0)
    flags[~running] = "F"
    # Daily calibration: zero then span, flagged C.
    cal_start = int(rng.integers(60, 300))
    cal = (np.arange(n) % DAY >= cal_start) & (np.arange(n) % DAY < cal_start + cal_cycle) & running
    flags[cal] = "C"
    for s, e in _events(rng, n, 0.7, 120, 360):
        flags[s:e] = np.where(running[s:e], "M", flags[s:e])
        qa.append((int(s) - 30, int(e) + 30))
    return _Site(flags=flags, marks=marks, qa=qa, running=running, load=load)


def honest_air(
    seed: int,
    outlet: int,
    month: int,
    *,
    near_limit: bool | None = None,
    level: tuple[float, float] | None = None,
) -> tuple[LoggerData, Truth]:
    """One honest flue-gas outlet-month (see module docstring)."""
    rng = _rng(seed, outlet, month)
    n = DAYS_PER_MONTH * DAY
    site = _site(rng, n, 10)
    load, running = site.load, site.running
    if near_limit is None:
        near_limit = bool(rng.random() < 0.35)
    limits = dict(AIR_LIMITS[int(rng.integers(len(AIR_LIMITS)))])
    v0, t0, x0, o20 = rng.uniform(8, 16), rng.uniform(80, 140), rng.uniform(6, 12), rng.uniform(4, 8)
    area, kv = rng.uniform(2, 12), rng.uniform(0.95, 1.05)
    off = ~running
    v = v0 * (0.35 + 0.65 * load) * (1 + smooth_noise(rng, n, 20, 0.02) + rng.normal(0, 0.01, n))
    v = np.where(off, rng.uniform(0.1, 0.5, n), v)
    temp = 25 + (t0 - 25) * (0.55 + 0.45 * load) + smooth_noise(rng, n, 60, 1.5) + rng.normal(0, 0.3, n)
    temp = np.where(off, 25 + rng.normal(0, 0.5, n), temp)
    pres = -0.3 + smooth_noise(rng, n, 120, 0.05) + rng.normal(0, 0.01, n)
    hum = x0 * (0.92 + 0.08 * load) * (1 + smooth_noise(rng, n, 120, 0.03) + rng.normal(0, 0.01, n))
    hum = np.where(off, rng.uniform(1.0, 2.0), hum)
    o2 = o20 + 6 * (1 - load) + smooth_noise(rng, n, 30, 0.25) + rng.normal(0, 0.08, n)
    o2 = np.where(off, 20.9 + rng.normal(0, 0.05, n), o2)
    flow = 3600 * area * kv * v * 273 / (273 + temp) * (101.325 + pres) / 101.325 * (1 - hum / 100)
    values = {VELOCITY: v, TEMPERATURE: temp, PRESSURE: pres, HUMIDITY: hum, O2: o2, FLOW_AIR: flow}
    exc = np.zeros((0, 2), dtype=np.int64)
    for code in (SO2, NOX, PM):
        lo, hi = level or ((0.68, 0.85) if near_limit else (0.3, 0.6))
        frac = rng.uniform(lo, hi)
        daily = np.repeat(rng.normal(0, 0.07, DAYS_PER_MONTH), DAY)
        proc = smooth_noise(rng, n, 90, 0.1) + daily
        c = limits[code] * frac * (0.45 + 0.55 * load) * np.exp(proc) * (1 + rng.normal(0, 0.03, n))
        if code in (SO2, PM) and rng.random() < 0.3:  # honest fuel change
            at = int(rng.integers(5 * DAY, 25 * DAY))
            c[at:] *= rng.uniform(0.85, 1.18)
        values[code] = c
    if near_limit or rng.random() < 0.2:
        exc = _events(rng, n, 3.0 if near_limit else 1.0, 120, 600)
        for s, e in exc:
            bump = rng.uniform(1.25, 1.8)
            shape = np.sin(np.linspace(0, np.pi, e - s)) ** 0.5
            for code in (SO2, NOX, PM):
                if rng.random() < 0.7:
                    values[code][s:e] *= 1 + (bump - 1) * shape
    for code in (SO2, NOX, PM):
        c = values[code]
        c[off] = np.abs(rng.normal(0, 0.01 * limits[code], int(off.sum())))
    _calibrate(values, site.flags, limits, (SO2, NOX, PM))
    _maintenance_and_faults(rng, values, site, (SO2, NOX, PM, O2))
    data = LoggerData(
        mn=f"AIR{seed % 10000:04d}{outlet:05d}",
        kind="air",
        start=START + timedelta(days=DAYS_PER_MONTH * month),
        values=values,
        flags=site.flags,
        limits=limits,
        outlet_code="DA001",
    )
    _round(data)
    _unflagged_faults(rng, data, (SO2, NOX, PM, O2, VELOCITY))
    data.marks = np.asarray(site.marks or np.zeros((0, 2)), dtype=np.int64).reshape(-1, 2)
    data.qa_events = np.asarray(site.qa or np.zeros((0, 2)), dtype=np.int64).reshape(-1, 2)
    data.power = honest_power(_rng(seed, outlet, month, 11), running)
    return data, Truth(load=load, running=running, near_limit=near_limit, exceedances=exc)


def honest_power(rng: np.random.Generator, running: np.ndarray) -> PowerHours:
    """Facility electricity of an honest outlet, as hourly running shares: production runs
    exactly when the process does; the treatment facility stops with it and starts up to an
    hour after it at each start-up (a confounder for ``fz_treatment_off``).  Its own random
    stream, so adding it changed none of the minute data."""
    treat = running.copy()
    starts = np.flatnonzero(np.diff(running.astype(np.int8)) == 1) + 1
    for s in starts.tolist():
        treat[s : s + int(rng.integers(0, 61))] = False
    prod = np.nanmean(reshape_blocks(running.astype(np.float64), 60), axis=1)
    tr = np.nanmean(reshape_blocks(treat.astype(np.float64), 60), axis=1)
    return PowerHours(
        production=prod,
        treatment={"TA001": tr},
        names={"MF001": "生产设施", "TA001": "治理设施"},
        production_facilities=("MF001",),
    )


def _hold(x: FloatArray, cycle: int, offset: int = 0) -> FloatArray:
    """A cycle analyser: the value sampled at each cycle start, held for the cycle."""
    idx = np.arange(x.shape[0])
    start = np.maximum(((idx - offset) // cycle) * cycle + offset, 0)
    return x[start]


def honest_water(
    seed: int,
    outlet: int,
    month: int,
    *,
    near_limit: bool | None = None,
    level: tuple[float, float] | None = None,
) -> tuple[LoggerData, Truth]:
    """One honest water outlet-month (see module docstring)."""
    rng = _rng(seed, outlet, month, 1)
    n = DAYS_PER_MONTH * DAY
    site = _site(rng, n, 60)
    load, running = site.load, site.running
    if near_limit is None:
        near_limit = bool(rng.random() < 0.35)
    lag = np.roll(load, 120)
    off = ~running
    flow = (
        rng.uniform(20, 150)
        * (0.15 + 0.85 * lag)
        * (1 + smooth_noise(rng, n, 30, 0.05) + rng.normal(0, 0.02, n))
    )
    ph = 7.3 + 0.5 * (lag - 0.7) + smooth_noise(rng, n, 120, 0.12) + rng.normal(0, 0.01, n)
    values = {FLOW_WATER: flow, PH: ph}
    limits = dict(WATER_LIMITS)
    for code in (COD, NH3N):
        lo, hi = level or ((0.68, 0.85) if near_limit else (0.3, 0.6))
        frac = rng.uniform(lo, hi)
        daily = np.repeat(rng.normal(0, 0.06, DAYS_PER_MONTH), DAY)
        c = limits[code] * frac * (0.4 + 0.6 * lag) * np.exp(smooth_noise(rng, n, 180, 0.1) + daily)
        values[code] = _hold(c * (1 + rng.normal(0, 0.02, n)), 60)
    cr = (
        limits[CHROMIUM] * rng.uniform(0.2, 0.5) * np.exp(-1.2 * (ph - 7.3) + smooth_noise(rng, n, 120, 0.05))
    )
    values[CHROMIUM] = _hold(cr * (1 + rng.normal(0, 0.02, n)), 120)
    exc = np.zeros((0, 2), dtype=np.int64)
    if near_limit or rng.random() < 0.2:
        exc = _events(rng, n, 1.5 if near_limit else 0.5, 6 * 60, 30 * 60)
        for s, e in exc:
            bump = rng.uniform(1.2, 1.7)
            shape = np.sin(np.linspace(0, np.pi, e - s)) ** 0.5
            for code in (COD, NH3N):
                values[code][s:e] *= 1 + (bump - 1) * shape
    values[FLOW_WATER] = np.where(off, rng.uniform(0.0, 0.5, n), flow)
    _calibrate(values, site.flags, limits, (COD, NH3N))
    _maintenance_and_faults(rng, values, site, (COD, NH3N, PH, CHROMIUM))
    data = LoggerData(
        mn=f"WAT{seed % 10000:04d}{outlet:05d}",
        kind="water",
        start=START + timedelta(days=DAYS_PER_MONTH * month),
        values=values,
        flags=site.flags,
        limits=limits,
        outlet_code="DW001",
    )
    _round(data)
    _unflagged_faults(rng, data, (PH, FLOW_WATER))
    data.marks = np.asarray(site.marks or np.zeros((0, 2)), dtype=np.int64).reshape(-1, 2)
    data.qa_events = np.asarray(site.qa or np.zeros((0, 2)), dtype=np.int64).reshape(-1, 2)
    data.power = honest_power(_rng(seed, outlet, month, 11), running)
    return data, Truth(load=load, running=running, near_limit=near_limit, exceedances=exc)


_DECIMALS = {SO2: 2, NOX: 2, PM: 2, O2: 2, VELOCITY: 2, TEMPERATURE: 1, PRESSURE: 3, HUMIDITY: 2,
             FLOW_AIR: 1, COD: 2, NH3N: 3, PH: 2, FLOW_WATER: 2, CHROMIUM: 4}  # fmt: skip


def _round(data: LoggerData) -> None:
    for code, x in data.values.items():
        data.values[code] = np.round(x, _DECIMALS.get(code, 3))


def _calibrate(
    values: dict[str, FloatArray], flags: np.ndarray, limits: dict[str, float], codes: tuple[str, ...]
) -> None:
    cal = np.flatnonzero(flags == "C")
    if cal.size == 0:
        return
    first_half = (np.arange(cal.size) % 10) < 5 if len(codes) == 3 else (np.arange(cal.size) % 60) < 30
    for code in codes:
        span = 2.0 * limits[code]
        values[code][cal] = np.where(first_half, 0.002 * span, 0.8 * span)


def _maintenance_and_faults(
    rng: np.random.Generator, values: dict[str, FloatArray], site: _Site, codes: tuple[str, ...]
) -> None:
    n = site.flags.size
    maint = site.flags == "M"
    for code in codes:
        values[code] = np.where(
            maint, values[code][0] * 0 + rng.uniform(0, 1) * np.nanmean(values[code]), values[code]
        )
    for s, e in _events(rng, n, 0.7, 30, 480):
        s, e = int(s), int(e)
        site.flags[s:e] = np.where(site.running[s:e], "D", site.flags[s:e])
        if rng.random() < 0.5:
            site.marks.append((s, e))  # declared fault
        mode = int(rng.integers(4))
        for code in codes[:2] if rng.random() < 0.5 else codes:
            x = values[code]
            if mode == 0:
                x[s:e] = x[s]
            elif mode == 1:
                x[s:e] = 0.0
            elif mode == 2:
                x[s:e] = np.nan
            else:
                x[s:e] = x[s:e] * rng.lognormal(0, 1.0, e - s)


def _unflagged_faults(rng: np.random.Generator, data: LoggerData, codes: tuple[str, ...]) -> None:
    """Faults the logger did not flag: data-quality confounders that are not falsification."""
    n = data.n
    for code in codes:
        x = data.values[code]
        for s, e in _events(rng, n, 0.4, 60, 360):  # stuck
            x[s:e] = x[s]
        for s, e in _events(rng, n, 0.2, 30, 180):  # zero
            x[s:e] = 0.0
        k = int(rng.poisson(2))
        at = rng.integers(0, n, size=k)
        x[at] = x[at] * rng.uniform(3, 10, size=k)  # spikes
        if rng.random() < 0.1:  # small negative drift
            s = int(rng.integers(0, n - 240))
            e = s + int(rng.integers(60, 240))
            x[s:e] = -np.abs(x[s:e]) * 0.05
    for s, e in _events(rng, n, 0.8, 10, 480):  # communication loss: no records
        for x in data.values.values():
            x[s:e] = np.nan
    if rng.random() < 0.05:  # logger resends an old block under new times
        s = int(rng.integers(2 * DAY, n - DAY))
        for x in data.values.values():
            x[s : s + 90] = x[s - DAY : s - DAY + 90]
        data.flags[s : s + 90] = data.flags[s - DAY : s - DAY + 90]
    if rng.random() < 0.08:  # clock drift: the logger's clock gains up to an hour over the month
        drift = np.linspace(0, rng.uniform(20, 60), n)
        src = np.clip(np.arange(n) + drift, 0, n - 1).astype(np.int64)
        for code, x in data.values.items():
            data.values[code] = x[src]
        data.flags = data.flags[src]


# ---------------------------------------------------------------------------------------------
# Tricks


def _episode_window(rng: np.random.Generator, n: int, lo_days: float, hi_days: float) -> tuple[int, int]:
    length = int(rng.uniform(lo_days, hi_days) * DAY)
    start = int(rng.integers(6 * DAY, max(6 * DAY + 1, n - length - DAY // 2)))
    return start, min(n, start + length)


def _hourly_mean(x: FloatArray, n: int) -> FloatArray:
    h = x[: n - n % 60].reshape(-1, 60)
    ok = np.isfinite(h)
    cnt = ok.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.where(ok, h, 0.0).sum(axis=1) / cnt, dtype=np.float64)


def apply_trick(
    rng: np.random.Generator,
    data: LoggerData,
    truth: Truth,
    trick: str,
    level: str,
    peer: LoggerData | None = None,
    variant_wanted: str | None = None,
) -> Episode:
    """Apply ``trick`` at strength ``level`` to ``data`` in place; return the labelled episode.

    ``variant_wanted`` picks the borrowed-data or preset-data variant (``peer`` needs
    ``peer``, ``drop`` is air only); otherwise it is drawn at random."""
    p = STRENGTHS[trick][level]
    n = data.n
    v = data.values
    air = data.kind == "air"
    pols: tuple[str, ...] = (SO2, NOX, PM) if air else (COD, NH3N)
    normal = data.flags == "N"
    variant = ""
    if trick == "range_narrowed":
        s, e = _episode_window(rng, n, 4, 12)
        variant = "clip" if rng.random() < 0.5 else "compress"
        chosen = tuple(c for c in pols if rng.random() < 0.6) or pols[:1]
        for code in chosen:
            x = v[code]
            seg = x[s:e].copy()
            if variant == "clip":
                ceiling = round(p["ceiling"] * data.limits[code] * 0.9, 2)
                seg = np.minimum(seg, ceiling)
            else:
                m = float(np.nanmedian(seg[normal[s:e]]))
                seg = m + (seg - m) * p["k"]
            x[s:e] = np.where(normal[s:e], seg, x[s:e])
        pols = chosen
    elif trick == "particulate_slope":
        s = int(rng.integers(8 * DAY, 22 * DAY))
        e = n
        v[PM][s:e] = np.where(normal[s:e], v[PM][s:e] * p["k"], v[PM][s:e])
        pols = (PM,)
    elif trick == "coefficient_change":
        s = int(rng.integers(8 * DAY, 22 * DAY))
        e = n
        v[FLOW_AIR][s:e] = v[FLOW_AIR][s:e] * p["k"]
        pols = (FLOW_AIR,)
    elif trick == "preset_data":
        s, e = _episode_window(rng, n, 1.5, 8)
        r = rng.random()
        # Air only: the logger drops the value the minute it would go over the limit.
        variant = "constant" if r < (0.45 if air else 0.6) else "periodic"
        if air and r >= 0.75:
            variant = "drop"
        if variant_wanted in ("constant", "periodic") or (variant_wanted == "drop" and air):
            variant = variant_wanted
        chosen = pols if rng.random() < 0.5 else pols[:1]
        if variant == "drop":  # over the month; the episode is where values were dropped
            s, e = 0, n
        t = np.arange(e - s)
        dropped = np.zeros(n, dtype=bool)
        for code in chosen:
            level_c = rng.uniform(0.4, 0.7) * data.limits[code]
            if variant == "drop":
                lim = data.limits[code]
                over = normal & (v[code] >= lim)
                low = lim * p["drop_to"] * (1 + rng.normal(0, 0.03, n))
                v[code] = np.where(over, low, v[code])
                dropped |= over
                continue
            if variant == "constant":
                seg = level_c * (1 + rng.normal(0, p["jitter"], e - s))
            else:
                period = rng.uniform(30, 240)
                seg = level_c * (1 + p["amp"] * np.sin(2 * np.pi * t / period) + rng.normal(0, 0.005, e - s))
            v[code][s:e] = np.where(normal[s:e], seg, v[code][s:e])
        if variant == "drop":
            hit = np.flatnonzero(dropped)
            s, e = (int(hit[0]), int(hit[-1]) + 1) if hit.size else (0, 0)
        pols = chosen
    elif trick == "dilution":
        s, e = _episode_window(rng, n, 1, 6)
        k = p["k"] * rng.uniform(0.97, 1.03)
        ok = normal[s:e]
        for code in (SO2, NOX, PM, HUMIDITY):
            v[code][s:e] = np.where(ok, v[code][s:e] * k, v[code][s:e])
        v[O2][s:e] = np.where(ok, 20.9 - (20.9 - v[O2][s:e]) * k, v[O2][s:e])
        # The logger computes dry standard flow from the (diluted) humidity, as a real DAS does.
        v[FLOW_AIR][s:e] = np.where(
            ok,
            v[FLOW_AIR][s:e] * (1 - v[HUMIDITY][s:e] / 100) / (1 - v[HUMIDITY][s:e] / k / 100),
            v[FLOW_AIR][s:e],
        )
        pols = (SO2, NOX, PM, O2, HUMIDITY)
    elif trick == "borrowed_data":
        s, e = _episode_window(rng, n, 1, 5)
        s, e = (s // DAY) * DAY, (e // DAY) * DAY
        e = max(e, s + DAY)
        choices = ["own_history", "across_pollutants"] + (["peer"] if peer is not None else [])
        variant = variant_wanted if variant_wanted in choices else str(rng.choice(choices))
        noise = p["noise"]
        if variant == "peer" and peer is not None:
            code = pols[0]
            src = peer.values[code][s:e]
            scale = data.limits[code] / peer.limits[code] * rng.uniform(0.8, 1.2)
            copy = src * scale * (1 + rng.normal(0, noise, e - s))
            v[code][s:e] = np.where(normal[s:e], copy, v[code][s:e])
            pols = (code,)
        elif variant == "own_history":
            back = int(rng.integers(1, 5)) * DAY
            back = min(back, s)
            chosen = pols if rng.random() < 0.5 else pols[:1]
            for code in chosen:
                copy = v[code][s - back : e - back] * (1 + rng.normal(0, noise, e - s))
                v[code][s:e] = np.where(normal[s:e], copy, v[code][s:e])
            pols = chosen
        else:
            a, b = pols[0], pols[1]
            ratio = data.limits[b] / data.limits[a] * rng.uniform(0.6, 0.9)
            copy = v[a][s:e] * ratio * (1 + rng.normal(0, noise, e - s))
            v[b][s:e] = np.where(normal[s:e], copy, v[b][s:e])
            pols = (a, b)
    elif trick == "under_limit_piling":
        s, e = 0, n
        code = pols[int(rng.integers(len(pols)))]
        lim = data.limits[code]
        x = v[code]
        hours = _hourly_mean(x, n)
        over = np.flatnonzero(hours > p["lo"] * lim)
        target = lim * rng.uniform(p["lo"], 0.995, size=over.size)
        for_min = np.zeros(n)
        factor = np.ones(hours.size)
        factor[over] = target / hours[over]
        for_min[: hours.size * 60] = np.repeat(factor, 60)
        for_min[hours.size * 60 :] = 1
        x[:] = np.where(normal, x * for_min, x)
        hit = over
        if hit.size:
            s, e = int(hit[0] * 60), int(hit[-1] * 60 + 60)
        pols = (code,)
    elif trick == "false_flags":
        code = pols[int(rng.integers(len(pols)))]
        lim = data.limits[code]
        hours = _hourly_mean(np.where(normal, v[code], np.nan), n)
        over = np.flatnonzero(hours > lim)
        pick = over[rng.random(over.size) < p["share"]]
        mask = np.zeros(n, dtype=bool)
        for h in pick:  # a handful of hours: a loop over hours, not minutes
            mask[h * 60 : h * 60 + 60] = True
        letter = "D" if rng.random() < 0.6 else "M"
        data.flags[mask & normal] = letter
        s, e = (int(pick[0] * 60), int(pick[-1] * 60 + 60)) if pick.size else (0, 0)
        pols = (code,)
    elif trick == "water_contradiction":
        s, e = _episode_window(rng, n, 1.5, 7)
        k = p["k"]
        ok = normal[s:e]
        for code in (COD, NH3N):
            level_c = float(np.nanmedian(v[code][normal])) * k
            seg = _hold(level_c * np.exp(smooth_noise(rng, e - s, 600, 0.08)), 60)
            v[code][s:e] = np.where(ok, np.round(seg, 3), v[code][s:e])
        v[PH][s:e] = np.where(ok, np.round(7.0 + rng.normal(0, p["ph_sd"], e - s), 2), v[PH][s:e])
        pols = (COD, NH3N, PH)
    else:
        raise ValueError(f"unknown trick {trick!r}")
    for code in pols:
        v[code] = np.round(v[code], _DECIMALS.get(code, 3))
    return Episode(
        mn=data.mn,
        trick=trick,
        start=int(s),
        end=int(e),
        pollutants=tuple(pols),
        strength=level,
        variant=variant,
        source_mn=peer.mn if (trick == "borrowed_data" and variant == "peer" and peer) else None,
    )


def generate(
    seed: int,
    outlets: int = 60,
    months: int = 1,
    *,
    trick_share: float = 0.5,
    water_share: float = 0.3,
) -> Benchmark:
    """A labelled benchmark: ``outlets`` outlets over ``months`` months.

    The first ``trick_share`` of the outlets carry one trick episode per month, cycling through
    the tricks of their medium and the three strengths; the others are honest.  Outlets that
    cheat are generated near their limit (the motive); honest outlets are near their limit
    with probability 0.35, with genuine exceedances flagged N.
    """
    rng = np.random.default_rng([seed, 99])
    n_water = round(outlets * water_share)
    kinds: list[Kind] = (
        ["water" if i % round(1 / water_share) == 1 else "air" for i in range(outlets)]
        if n_water
        else ["air"] * outlets
    )
    cheats = set(rng.permutation(outlets)[: round(outlets * trick_share)].tolist())
    all_months: list[list[LoggerData]] = []
    episodes: list[Episode] = []
    counter: dict[Kind, int] = {"air": int(rng.integers(100)), "water": int(rng.integers(100))}
    # Borrowed-data episodes cycle through the variants, peer first, so that every variant
    # (and its detector) is measured even with few episodes.
    borrowed: dict[Kind, int] = {"air": 0, "water": 0}
    for m in range(months):
        month: list[LoggerData] = []
        truths: list[Truth] = []
        for i in range(outlets):
            gen = honest_air if kinds[i] == "air" else honest_water
            d, t = gen(
                seed,
                i,
                m,
                near_limit=True if i in cheats else None,
                level=(0.88, 1.02) if i in cheats else None,
            )
            month.append(d)
            truths.append(t)
        for i in sorted(cheats):
            kind = kinds[i]
            tricks = AIR_TRICKS if kind == "air" else WATER_TRICKS
            c = counter[kind]
            counter[kind] += 1
            trick = tricks[c % len(tricks)]
            level = LEVELS[(c // len(tricks)) % len(LEVELS)]
            peer = None
            variant = None
            if trick == "borrowed_data":
                same = [j for j in range(outlets) if kinds[j] == kind and j not in cheats]
                peer = month[same[int(rng.integers(len(same)))]] if same else None
                variant = BORROWED_VARIANTS[borrowed[kind] % len(BORROWED_VARIANTS)]
                borrowed[kind] += 1
            rng_i = _rng(seed, i, m, 7)
            episodes.append(apply_trick(rng_i, month[i], truths[i], trick, level, peer, variant))
        all_months.append(month)
    honest = {d.mn for d in all_months[0]} - {e.mn for e in episodes}
    return Benchmark(seed=seed, months=all_months, episodes=episodes, honest=honest)


def describe_strengths() -> list[dict[str, Any]]:
    """The strength table as rows (for docs and the CLI)."""
    return [{"trick": t, "level": lv, **p} for t, levels in STRENGTHS.items() for lv, p in levels.items()]
