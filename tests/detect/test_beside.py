"""The detectors on data beside the minute series, on constructed arrays: 3020 parameters
against the filed ones, and the electricity checks (treatment off, false shutdown flags)."""

from __future__ import annotations

import numpy as np
import pytest

from huanjian.detect.catalogue import BY_CODE, run
from huanjian.detect.clues import build
from huanjian.detect.model import PM, SO2, FiledValue, InfoReport, LoggerData, PowerHours
from huanjian.detect.rules import load
from tests.detect.conftest import clone, plain_air

R = load()
H = 60


@pytest.fixture(scope="module")
def base() -> LoggerData:
    return plain_air(days=2, mn="BESIDE")


def _fz(x: LoggerData, code: str) -> list:  # type: ignore[type-arg]
    return run([x], R, only=[code])


def _raised(x: LoggerData, code: str) -> list:  # type: ignore[type-arg]
    clues = build(_fz(x, code), [x], R)
    return [c for c in clues if c.category == "falsification"]


def _report(minute: int, value: float, code: str = "i13008", pol: str = SO2) -> InfoReport:
    return InfoReport(minute, pol, code, R.info_codes[code], value, f"{value:g}")


def test_info_codes_come_from_table_b10() -> None:
    assert R.info_codes == {"i13001": "range", "i13007": "intercept", "i13008": "slope"}
    assert "B.10" in R.raw["info_codes"]["source"]
    assert BY_CODE["fz_filed_parameters"].trick == "coefficient_change"


def test_a_slope_off_its_filed_value_is_found_with_the_reported_and_filed_values(base: LoggerData) -> None:
    x = clone(base)
    x.filed = {(SO2, "slope"): FiledValue(value=1.0)}
    x.info_reports = (_report(100, 1.0), _report(600, 1.25), _report(1200, 1.25), _report(2000, 1.004))
    (f,) = _fz(x, "fz_filed_parameters")
    assert (f.start, f.end, f.trick, f.pollutants) == (600, 1201, "coefficient_change", (SO2,))
    ev = f.evidence
    assert (ev.statistic, ev.threshold, ev.comparison) == (1.25, 1.0, ">")
    assert ev.highlight == ((600, 601), (1200, 1201))
    assert "1.25" in ev.sentence_en and "i13008" in ev.sentence_en and "1" in ev.sentence_zh
    assert "slope" in ev.statistic_name and f.strength == 1.0  # 25 % off, full at 20 %
    (c,) = _raised(x, "fz_filed_parameters")
    assert c.raised and c.trick == "coefficient_change"


def test_tolerance_ranges_and_tricks_per_parameter(base: LoggerData) -> None:
    x = clone(base)
    x.filed = {
        (SO2, "slope"): FiledValue(low=0.9, high=1.1),
        (SO2, "intercept"): FiledValue(value=0.0),
        (SO2, "range"): FiledValue(low=0, high=200),
        (PM, "slope"): FiledValue(value=1.0),
    }
    x.info_reports = (
        _report(100, 1.05),  # inside the filed slope range
        _report(110, 0.0005, "i13007"),  # within the absolute tolerance of 0
        _report(120, 200.0, "i13001"),  # the filed full scale
        _report(130, 2.0, "i13007"),  # intercept moved
        _report(140, 100.0, "i13001"),  # range narrowed to 100
        _report(150, 1.2),  # above the allowed slope range
        _report(160, 0.7, "i13008", PM),  # particulate slope lowered
        _report(170, 1.0, "i13008", "a21002"),  # nothing filed for NOx: not compared
    )
    got = {(f.start, f.trick, f.evidence.threshold) for f in _fz(x, "fz_filed_parameters")}
    assert got == {
        (130, "coefficient_change", 0.0),
        (140, "range_narrowed", 200.0),
        (150, "coefficient_change", 1.1),
        (160, "particulate_slope", 1.0),
    }


def test_a_qa_event_just_before_the_change_explains_it(base: LoggerData) -> None:
    x = clone(base)
    x.filed = {(SO2, "slope"): FiledValue(value=1.0)}
    x.info_reports = (_report(840, 1.25),)
    x.qa_events = np.array([[780, 800]], dtype=np.int64)  # a calibration ending 40 min before
    (f,) = _fz(x, "fz_filed_parameters")
    assert f.evidence.excused_by and "QA event" in f.evidence.sentence_en
    (c,) = _raised(x, "fz_filed_parameters")
    assert c.suppressed and "QA event before the report" in c.causes
    # A calibration of another pollutant does not explain it; one of the whole outlet does.
    x.qa_pollutants = ("a34013",)
    (c,) = _raised(x, "fz_filed_parameters")
    assert c.raised and not c.causes
    x.qa_pollutants = ("",)
    (c,) = _raised(x, "fz_filed_parameters")
    assert c.suppressed
    x.qa_pollutants = ()
    # The daily calibration at 02:00 does not explain a change reported in the afternoon.
    x.info_reports = (_report(900, 1.25),)
    x.qa_events = np.array([[120, 140], [780 - 3 * H, 800 - 3 * H]], dtype=np.int64)
    (c,) = _raised(x, "fz_filed_parameters")
    assert c.raised and not c.causes


def test_an_accepted_declaration_over_the_report_suppresses_it(base: LoggerData) -> None:
    x = clone(base)
    x.filed = {(SO2, "slope"): FiledValue(value=1.0)}
    x.info_reports = (_report(900, 1.25),)
    x.marks = np.array([[600, 1000]], dtype=np.int64)
    (c,) = _raised(x, "fz_filed_parameters")
    assert c.suppressed and c.causes == ["accepted mark or declaration"]


def _power(x: LoggerData, production: np.ndarray, treatment: np.ndarray | None) -> LoggerData:
    y = clone(x)
    y.power = PowerHours(
        production=production,
        treatment={} if treatment is None else {"TA001": treatment},
        names={"TA001": "布袋除尘器", "MF001": "1号锅炉"},
        production_facilities=("MF001",),
    )
    return y


def test_treatment_stopped_while_production_runs(base: LoggerData) -> None:
    hours = base.n // H
    prod = np.ones(hours)
    treat = np.ones(hours)
    treat[9:12] = 0.0  # dust collector off 09:00-12:00 (3 h)
    treat[20] = 0.0  # one hour only: below min_hours
    treat[30:34] = np.nan  # no treatment data: nothing said
    prod[40:44] = 0.0  # both stopped: a shutdown
    treat[40:44] = 0.0
    (f,) = _fz(_power(base, prod, treat), "fz_treatment_off")
    assert (f.start, f.end, f.trick) == (9 * H, 12 * H, "treatment_off")
    assert f.evidence.statistic == 3 and "TA001 布袋除尘器" in f.evidence.sentence_en
    assert "MF001" in f.evidence.sentence_zh and 0.5 <= f.strength < 1
    y = _power(base, prod, treat)
    assert y.power is not None
    y.power.primary = False  # the outlet's second logger does not repeat it
    assert _fz(y, "fz_treatment_off") == []


def test_logger_says_stopped_while_production_runs(base: LoggerData) -> None:
    hours = base.n // H
    x = clone(base)
    x.flags[20 * H : 23 * H] = "F"  # 3 h flagged stopped
    for v in x.values.values():
        v[30 * H : 33 * H] = np.nan  # 3 h silent
    prod = np.ones(hours)
    (f,) = _fz(_power(x, prod, None), "fz_power_false_flags")
    assert (f.start, f.end, f.trick, f.category) == (20 * H, 23 * H, "false_flags", "falsification")
    assert "180 minutes F" in f.evidence.sentence_en and "MF001" in f.evidence.sentence_zh
    # Silence is data quality: an honest link fault looks the same.
    (g,) = _fz(_power(x, prod, None), "dq_silent_running")
    assert (g.start, g.end, g.category, g.trick) == (30 * H, 33 * H, "data_quality", None)
    assert "sent nothing for 180 minutes" in g.evidence.sentence_en
    # The flag is what is doubted: F does not excuse it, but a declaration does.
    (c,) = _raised(_power(x, prod, None), "fz_power_false_flags")
    assert c.raised and not c.causes
    x.marks = np.array([[20 * H, 23 * H]], dtype=np.int64)
    (c,) = _raised(_power(x, prod, None), "fz_power_false_flags")
    assert c.suppressed and c.causes == ["accepted mark or declaration"]
    # Production stopped too (or no electricity data): an honest shutdown.
    prod[20:23] = 0.0
    prod[30:33] = np.nan
    assert _fz(_power(x, prod, None), "fz_power_false_flags") == []
    assert _fz(_power(x, prod, None), "dq_silent_running") == []


def test_honest_generated_outlets_carry_electricity_and_raise_no_power_clue() -> None:
    from huanjian.detect.generate import honest_air

    data, truth = honest_air(101, 0, 0)
    assert data.power is not None and data.power.production.shape == (data.n // H,)
    assert not truth.running.all()  # it has shutdowns, flagged F, with production off
    for code in ("fz_treatment_off", "fz_power_false_flags"):
        assert _fz(data, code) == []


def test_no_power_and_no_reports_change_nothing(base: LoggerData) -> None:
    for code in ("fz_filed_parameters", "fz_treatment_off", "fz_power_false_flags", "dq_silent_running"):
        assert _fz(base, code) == []
