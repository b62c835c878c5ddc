"""Small synthetic loggers for detector tests (two days of minute data, fast)."""

from __future__ import annotations

import numpy as np
import pytest

from huanjian.detect.generate import honest_water
from huanjian.detect.model import LoggerData


def plain_air(days: int = 20, seed: int = 3, mn: str = "PLAIN") -> LoggerData:
    """Honest flue gas without any fault, shutdown or calibration: a clean base for unit cases."""
    from huanjian.detect.generate import START, smooth_noise
    from huanjian.detect.model import FLOW_AIR, HUMIDITY, NOX, O2, PM, PRESSURE, SO2, TEMPERATURE, VELOCITY

    rng = np.random.default_rng(seed)
    n = days * 1440
    t = np.arange(n)
    load = np.clip(0.7 + 0.2 * np.sin(2 * np.pi * (t % 1440) / 1440) + smooth_noise(rng, n, 45, 0.04), 0.3, 1)
    v = 12 * (0.35 + 0.65 * load) * (1 + rng.normal(0, 0.01, n))
    temp = 25 + 90 * (0.55 + 0.45 * load) + rng.normal(0, 0.3, n)
    pres = -0.3 + rng.normal(0, 0.01, n)
    hum = 9 * (1 + smooth_noise(rng, n, 120, 0.03))
    o2 = 6 + 6 * (1 - load) + rng.normal(0, 0.08, n)
    flow = 3600 * 5 * v * 273 / (273 + temp) * (101.325 + pres) / 101.325 * (1 - hum / 100)
    values = {VELOCITY: v, TEMPERATURE: temp, PRESSURE: pres, HUMIDITY: hum, O2: o2, FLOW_AIR: flow}
    limits = {SO2: 50.0, NOX: 200.0, PM: 20.0}
    for code in (SO2, NOX, PM):
        proc = smooth_noise(rng, n, 90, 0.1)
        values[code] = limits[code] * 0.5 * (0.45 + 0.55 * load) * np.exp(proc) * (1 + rng.normal(0, 0.03, n))
    values = {k: np.round(x, 3) for k, x in values.items()}
    return LoggerData(mn, "air", START, values, np.full(n, "N", dtype="<U1"), limits=limits)


@pytest.fixture(scope="session")
def air_month() -> LoggerData:
    return plain_air()


@pytest.fixture(scope="session")
def water_month() -> LoggerData:
    data, _ = honest_water(7, 4, 0, near_limit=False)
    return data


def clone(data: LoggerData) -> LoggerData:
    return LoggerData(
        mn=data.mn,
        kind=data.kind,
        start=data.start,
        values={k: v.copy() for k, v in data.values.items()},
        flags=data.flags.copy(),
        limits=dict(data.limits),
        marks=data.marks.copy(),
        qa_events=data.qa_events.copy(),
        qa_pollutants=data.qa_pollutants,
        outlet_code=data.outlet_code,
        reference_o2=dict(data.reference_o2),
    )


def clean(data: LoggerData) -> LoggerData:
    """A copy with every minute flagged N, no gaps and no marks: for crisp unit cases."""
    d = clone(data)
    d.flags[:] = "N"
    for k, v in d.values.items():
        d.values[k] = np.where(np.isfinite(v), v, np.nanmedian(v))
    d.marks = np.zeros((0, 2), dtype=np.int64)
    d.qa_events = np.zeros((0, 2), dtype=np.int64)
    return d
