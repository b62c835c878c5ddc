"""Each detector on a small synthetic case that must fire, and a confounder that must not."""

from __future__ import annotations

import numpy as np
import pytest

from huanjian.detect import detectors as d
from huanjian.detect.catalogue import BY_CODE, DETECTORS, run
from huanjian.detect.generate import apply_trick, honest_air, honest_water
from huanjian.detect.model import FLOW_AIR, NOX, O2, PH, PM, SO2, LoggerData
from huanjian.detect.rules import load
from huanjian.detect.view import View
from tests.detect.conftest import clean, clone, plain_air

R = load()
DAY = 1440


def fire(code: str, data: LoggerData | list[LoggerData]) -> list[d.Finding]:
    loggers = data if isinstance(data, list) else [data]
    return run(loggers, R, only=[code])


def test_catalogue_is_documented() -> None:
    codes = [x.code for x in DETECTORS]
    assert len(codes) == len(set(codes))
    for det in DETECTORS:
        assert det.category in ("data_quality", "falsification")
        assert det.title_zh and det.title_en and det.looks_for_zh and det.looks_for_en and det.inputs
        assert (det.fn is None) != (det.peers_fn is None)
        assert det.key in R.detectors, det.code
        assert (det.trick is not None) == (det.category == "falsification")


# ---------------------------------------------------------------- data quality


def test_constant_fires_and_calibration_does_not(air_month: LoggerData) -> None:
    x = clean(air_month)
    x.values[SO2][1000:1100] = 12.34
    f = fire("dq_constant", x)
    assert any(SO2 in g.pollutants and g.start <= 1000 and g.end >= 1099 for g in f)
    y = clone(air_month)  # calibration holds span values for minutes, flagged C: not a finding
    assert not [g for g in fire("dq_constant", y) if g.start % DAY < 400 and g.end - g.start <= 12]


def test_zero_fires_and_shutdown_does_not(air_month: LoggerData) -> None:
    x = clean(air_month)
    x.values[NOX][5000:5060] = 0.0
    assert any(g.pollutants == (NOX,) for g in fire("dq_zero", x))
    y = clean(air_month)
    y.values[NOX][5000:5060] = 0.0
    y.flags[5000:5060] = "F"
    assert not [g for g in fire("dq_zero", y) if g.pollutants == (NOX,) and g.start < 5060 and g.end > 5000]


def test_stuck_with_jitter(air_month: LoggerData) -> None:
    x = clean(air_month)
    x.values[SO2][3000:3200] = 20 + np.random.default_rng(1).normal(0, 0.001, 200)
    assert any(SO2 in g.pollutants for g in fire("dq_stuck_jitter", x))
    assert not [g for g in fire("dq_stuck_jitter", clean(air_month)) if SO2 in g.pollutants]


def test_impossible_values(air_month: LoggerData) -> None:
    x = clean(air_month)
    x.values[O2][100] = 23.0
    x.values[SO2][200] = -5.0
    f = fire("dq_impossible", x)
    assert {g.pollutants[0] for g in f} >= {O2, SO2}
    y = clean(air_month)
    y.values[O2][100] = 20.9  # shutdown-like air: possible
    assert not [g for g in fire("dq_impossible", y) if g.pollutants == (O2,)]


def test_jump_spike(air_month: LoggerData) -> None:
    x = clean(air_month)
    base = fire("dq_jump", x)
    x.values[SO2][7000] = x.values[SO2][7000] * 20
    after = fire("dq_jump", x)
    assert any(g.start <= 7000 < g.end for g in after if SO2 in g.pollutants)
    assert not any(g.start <= 7000 < g.end for g in base if SO2 in g.pollutants)


def test_gap(air_month: LoggerData) -> None:
    x = clean(air_month)
    for v in x.values.values():
        v[9000:9030] = np.nan
    assert any(g.start == 9000 and g.end == 9030 for g in fire("dq_gap", x))
    y = clean(air_month)
    for v in y.values.values():
        v[9000:9005] = np.nan  # five minutes: under the threshold
    assert not fire("dq_gap", y)


def test_clock_drift() -> None:
    n = 20 * DAY
    flags = np.full(n, "N", dtype="<U1")
    for day in range(20):
        s = day * DAY + 120 + 3 * day
        flags[s : s + 10] = "C"
    data = LoggerData("M", "air", honest_air(1, 1, 0)[0].start, {SO2: np.ones(n)}, flags)
    assert fire("dq_clock_drift", data)
    steady = np.full(n, "N", dtype="<U1")
    for day in range(20):
        steady[day * DAY + 120 : day * DAY + 130] = "C"
    assert not fire("dq_clock_drift", LoggerData("M", "air", data.start, {SO2: np.ones(n)}, steady))


def test_duplicated_period(air_month: LoggerData) -> None:
    x = clean(air_month)
    for v in x.values.values():
        v[5 * DAY : 5 * DAY + 90] = v[3 * DAY : 3 * DAY + 90]
    f = fire("dq_duplicated", x)
    assert any(g.start == 5 * DAY and g.evidence.comparable[0][0] == 3 * DAY for g in f)
    assert not fire("dq_duplicated", clean(air_month))


# ---------------------------------------------------------------- falsification


def _trick(trick: str, level: str = "strong", kind: str = "air", seed: int = 11) -> tuple[LoggerData, object]:
    gen = honest_air if kind == "air" else honest_water
    data, truth = gen(seed, 1, 0, near_limit=True, level=(0.9, 1.0))
    peer = None
    if trick == "borrowed_data":
        peer = gen(seed, 2, 0)[0]
    ep = apply_trick(np.random.default_rng(seed), data, truth, trick, level, peer)
    return data, ep


def _overlap(f: list[d.Finding], ep: object) -> bool:
    return any(g.start < ep.end and g.end > ep.start for g in f)  # type: ignore[attr-defined]


CASES = [
    ("fz_ratio_step", "particulate_slope", "air"),
    ("fz_flow_inconsistent", "coefficient_change", "air"),
    ("fz_dilution", "dilution", "air"),
    ("fz_under_limit", "under_limit_piling", "air"),
    ("fz_false_flags", "false_flags", "air"),
    ("fz_water_contradiction", "water_contradiction", "water"),
]


@pytest.mark.parametrize(("code", "trick", "kind"), CASES)
def test_falsification_fires_on_its_trick(code: str, trick: str, kind: str) -> None:
    data, ep = _trick(trick, kind=kind)
    assert _overlap(fire(code, data), ep)


@pytest.mark.parametrize(("code", "trick", "kind"), CASES)
def test_falsification_quiet_on_honest_near_limit(code: str, trick: str, kind: str) -> None:
    gen = honest_air if kind == "air" else honest_water
    for seed in (11, 12):
        data, _ = gen(seed, 1, 0, near_limit=True)  # genuine exceedances, faults, start-ups
        assert not fire(code, data), (code, seed)


def test_clipping_fires_and_peak_does_not(air_month: LoggerData) -> None:
    x = clean(air_month)
    lim = x.limits[SO2]
    ceiling = round(0.5 * lim, 2)
    x.values[SO2][10 * DAY : 14 * DAY] = np.minimum(x.values[SO2][10 * DAY : 14 * DAY], ceiling)
    assert any(g.trick == "range_narrowed" for g in fire("fz_clipping", x))
    assert not [g for g in fire("fz_clipping", clean(air_month)) if SO2 in g.pollutants]


def test_low_variability_preset_and_compress(air_month: LoggerData) -> None:
    x = clean(air_month)
    rng = np.random.default_rng(3)
    x.values[NOX][12 * DAY : 15 * DAY] = 40 * (1 + rng.normal(0, 0.01, 3 * DAY))
    f = fire("fz_low_variability", x)
    assert any(g.trick == "preset_data" and NOX in g.pollutants and g.start < 15 * DAY for g in f)
    y = clean(air_month)
    seg = y.values[SO2][12 * DAY : 16 * DAY]
    y.values[SO2][12 * DAY : 16 * DAY] = np.median(seg) + (seg - np.median(seg)) * 0.2
    g = [g for g in fire("fz_low_variability", y) if SO2 in g.pollutants]
    assert g and g[0].start < 16 * DAY and g[0].end > 12 * DAY


def test_low_variability_ignores_stuck_analyser(air_month: LoggerData) -> None:
    x = clean(air_month)
    x.values[NOX][12 * DAY : 14 * DAY] = 40.0  # exactly constant: data_quality, not preset
    assert not [g for g in fire("fz_low_variability", x) if NOX in g.pollutants]
    assert [g for g in fire("dq_constant", x) if NOX in g.pollutants]


def test_periodic(air_month: LoggerData) -> None:
    x = clean(air_month)
    t = np.arange(3 * DAY)
    x.values[PM][5 * DAY : 8 * DAY] = 6 * (1 + 0.05 * np.sin(2 * np.pi * t / 120))
    assert any(g.start < 8 * DAY and g.end > 5 * DAY for g in fire("fz_periodic", x))
    assert not [g for g in fire("fz_periodic", clean(air_month)) if PM in g.pollutants]


def test_borrowed_own_history_and_across(air_month: LoggerData) -> None:
    x = clean(air_month)
    x.values[SO2][9 * DAY : 10 * DAY] = x.values[SO2][6 * DAY : 7 * DAY] * 1.01
    f = fire("fz_borrowed", x)
    assert any(g.start == 9 * DAY and g.evidence.comparable == ((6 * DAY, 7 * DAY),) for g in f)
    y = clean(air_month)
    y.values[NOX][4 * DAY : 6 * DAY] = y.values[SO2][4 * DAY : 6 * DAY] * 1.5
    assert any(set(g.pollutants) == {SO2, NOX} for g in fire("fz_borrowed", y))
    assert not fire("fz_borrowed", clean(air_month))


def test_borrowed_from_peer_names_the_borrower() -> None:
    a, b, c = plain_air(seed=1, mn="A"), plain_air(seed=2, mn="B"), plain_air(seed=3, mn="C")
    b.values[SO2][8 * DAY : 9 * DAY] = a.values[SO2][8 * DAY : 9 * DAY + 30][30:] * 0.8  # other plant's day
    b.values[SO2][8 * DAY : 9 * DAY] = np.roll(a.values[SO2][8 * DAY : 9 * DAY], 0) * 0.8
    f = fire("fz_borrowed_peer", [a, b, c])
    assert f and all(g.start == 8 * DAY for g in f)
    assert b.mn in {g.mn for g in f}
    assert all(g.evidence.peers for g in f)
    assert {g.detector for g in f} == {"fz_borrowed_peer"}  # not fz_borrowed: the evaluation tells them apart
    assert not fire("fz_borrowed_peer", [a, c])


def test_flow_consistent_after_dilution_recompute() -> None:
    data, _ = _trick("dilution")
    assert not fire("fz_flow_inconsistent", data)
    assert FLOW_AIR in data.values and O2 in data.values and PH not in data.values


def test_view_hourly_valid_hour_rule(air_month: LoggerData) -> None:
    x = clean(air_month)
    x.flags[0:20] = "D"  # 40 valid minutes: not a valid hour
    assert np.isnan(View(x).hourly(SO2)[0])
    assert np.isfinite(View(x).hourly(SO2)[1])
    assert BY_CODE["fz_borrowed_peer"].key == "fz_borrowed"


def test_limits_with_reference_o2_are_judged_on_corrected_values() -> None:
    """The same hours pile under the limit once O2-corrected (折算), not as measured."""
    data, ep = _trick("under_limit_piling")
    code = ep.pollutants[0]  # type: ignore[attr-defined]
    factor = (21.0 - 6.0) / (21.0 - data.values[O2])
    measured = clone(data)
    measured.values[code] = data.values[code] / factor  # what the analyser read before correction
    assert not _overlap(fire("fz_under_limit", measured), ep)
    corrected = clone(measured)
    corrected.reference_o2 = {code: 6.0}
    f = fire("fz_under_limit", corrected)
    assert _overlap(f, ep) and "O2-corrected to 6 %" in f[0].evidence.sentence_en
    ok = data.values[O2] < 19.0  # towards ambient air nothing is corrected (NaN)
    np.testing.assert_allclose(View(corrected).judged(code)[ok], data.values[code][ok], rtol=1e-9)
    no_o2 = clone(corrected)
    del no_o2.values[O2]
    assert not View(no_o2).corrected(code)  # nothing to correct with: as measured


def test_no_correction_towards_ambient_air(air_month: LoggerData) -> None:
    x = clean(air_month)
    x.reference_o2 = {SO2: 6.0}
    x.values[O2][:60] = 20.5  # a start-up: flue gas is almost air
    judged = View(x).judged(SO2)
    assert np.isnan(judged[:60]).all() and np.isfinite(judged[60:120]).all()


def test_drop_where_an_exceedance_would_start() -> None:
    data, truth = honest_air(11, 1, 0, near_limit=True, level=(0.88, 1.02))
    before = clone(data)
    ep = apply_trick(np.random.default_rng(11), data, truth, "preset_data", "weak", None, "drop")
    assert ep.variant == "drop"
    f = fire("fz_exceedance_drop", data)
    assert _overlap(f, ep) and all(g.trick == "preset_data" for g in f)
    assert "drop exactly where an exceedance would start" in f[0].evidence.sentence_en
    assert not fire("fz_exceedance_drop", before)  # the same logger before the trick: it did exceed
    for seed in (12, 13):  # honest near-limit loggers with genuine exceedances
        assert not fire("fz_exceedance_drop", honest_air(seed, 1, 0, near_limit=True)[0])
