"""Detectors never raise on random finite / NaN / infinite input, and findings stay in range."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from huanjian.detect.catalogue import run
from huanjian.detect.clues import build
from huanjian.detect.generate import START
from huanjian.detect.model import (
    AIR_POLLUTANTS,
    COD,
    FLOW_AIR,
    FLOW_WATER,
    HUMIDITY,
    NH3N,
    O2,
    PH,
    PRESSURE,
    TEMPERATURE,
    VELOCITY,
    LoggerData,
)

AIR = (*AIR_POLLUTANTS, O2, VELOCITY, TEMPERATURE, PRESSURE, HUMIDITY, FLOW_AIR)
WATER = (COD, NH3N, PH, FLOW_WATER, "w20116")


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**31),
    days=st.integers(1, 3),
    nan_share=st.floats(0, 1),
    kind=st.sampled_from(["air", "water"]),
    special=st.sampled_from([0.0, np.inf, -1.0, 1e12]),
)
def test_never_raises(seed: int, days: int, nan_share: float, kind: str, special: float) -> None:
    rng = np.random.default_rng(seed)
    n = days * 1440 + int(rng.integers(0, 100))
    codes = AIR if kind == "air" else WATER
    values = {}
    for c in codes:
        x = rng.normal(10, 5, n) if rng.random() < 0.7 else np.full(n, float(rng.integers(0, 3)))
        x[rng.random(n) < nan_share] = np.nan
        x[rng.integers(0, n, 3)] = special
        values[c] = x
    flags = rng.choice(np.array(list("NNNNFMDCS")), n)
    data = LoggerData("R", kind, START, values, flags, limits={c: 20.0 for c in codes})  # type: ignore[arg-type]
    findings = run([data, data])
    for f in findings:
        assert 0 <= f.start <= f.end <= n
        assert 0.0 <= f.strength <= 1.0
    build(findings, [data])
