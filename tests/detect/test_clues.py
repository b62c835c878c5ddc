"""Clues: grouping, the flagged-period suppression rule, lifecycle, export shape."""

from __future__ import annotations

import numpy as np
import pytest

from huanjian.detect.catalogue import run
from huanjian.detect.clues import build, excused_masks
from huanjian.detect.model import NOX, LoggerData
from huanjian.detect.rules import load
from tests.detect.conftest import clone, plain_air

DAY = 1440
R = load()


def _preset(data: LoggerData) -> LoggerData:
    x = clone(data)
    rng = np.random.default_rng(4)
    x.values[NOX][10 * DAY : 13 * DAY] = 60 * (1 + rng.normal(0, 0.01, 3 * DAY))
    return x


def _fz(clues: list) -> list:  # type: ignore[type-arg]
    return [c for c in clues if c.category == "falsification" and c.raised]


def test_preset_period_raises_a_clue_with_evidence() -> None:
    x = _preset(plain_air())
    clues = build(run([x], R), [x], R)
    fz = _fz(clues)
    assert fz and fz[0].trick == "preset_data" and NOX in fz[0].pollutants
    d = fz[0].to_dict(x.start)
    assert set(d) >= {"mn", "outlet_code", "pollutants", "start", "end", "category", "detector", "trick",
                      "severity", "score", "status", "explanation", "evidence"}  # fmt: skip
    assert d["start"].endswith("+08:00") and d["status"] == "new"
    ev = d["evidence"][0]
    assert ev["statistic"]["threshold"] is not None and ev["sentence"]["zh"] and ev["highlight"]


@pytest.mark.parametrize("cause", ["flag M", "flag D", "flag C", "flag F", "mark", "qa"])
def test_flagged_or_declared_period_never_raises_falsification(cause: str) -> None:
    x = _preset(plain_air())
    s, e = 10 * DAY, 13 * DAY
    if cause.startswith("flag"):
        # the logger flagged the period: values stay, the flag excuses them
        x.flags[s:e] = cause[-1]
    elif cause == "mark":
        x.marks = np.array([[s - 60, e + 60]])
    else:
        x.qa_events = np.array([[s - 60, e + 60]])
    clues = build(run([x], R), [x], R)
    assert not [c for c in _fz(clues) if c.start < e and c.end > s]
    if cause in (
        "mark",
        "qa",
    ):  # detectors still see the values; the clue is kept, suppressed, with its cause
        sup = [c for c in clues if c.suppressed]
        assert sup and sup[0].causes and "suppressed" in sup[0].explanation("en")
        assert sup[0].to_dict(x.start)["status"] == "suppressed"


def test_partly_excused_clue_is_lowered_and_says_so() -> None:
    x = _preset(plain_air())
    full = _fz(build(run([x], R), [x], R))[0]
    x.qa_events = np.array([[10 * DAY, 11 * DAY + 600]])
    lowered = _fz(build(run([x], R), [x], R))[0]
    assert lowered.score < full.score
    assert lowered.causes == ["QA event"]
    assert "lowered" in lowered.explanation("en") and "已降低" in lowered.explanation("zh")


def test_false_flags_not_excused_by_its_own_flags() -> None:
    from huanjian.detect.generate import apply_trick, honest_air

    data, truth = honest_air(11, 1, 0, near_limit=True, level=(0.9, 1.0))
    apply_trick(np.random.default_rng(11), data, truth, "false_flags", "strong")
    clues = build(run([data], R, only=["fz_false_flags"]), [data], R)
    assert _fz(clues) and _fz(clues)[0].trick == "false_flags"
    data.marks = np.array([[0, data.n]])  # an accepted declaration over the whole month does excuse it
    assert not _fz(build(run([data], R, only=["fz_false_flags"]), [data], R))


def test_data_quality_clues_are_never_suppressed() -> None:
    x = plain_air()
    x.values[NOX][1000:1100] = 5.0
    x.qa_events = np.array([[0, x.n]])
    dq = [c for c in build(run([x], R, only=["dq_constant"]), [x], R) if c.category == "data_quality"]
    assert dq and not any(c.suppressed for c in dq)


def test_lifecycle() -> None:
    x = _preset(plain_air())
    c = _fz(build(run([x], R), [x], R))[0]
    with pytest.raises(ValueError):
        c.move("confirmed")
    c.move("under_verification")
    with pytest.raises(ValueError):
        c.move("dismissed")  # needs a reason
    c.move("dismissed", "maintenance confirmed by phone")
    assert c.status == "dismissed"


def test_excused_masks_names() -> None:
    x = plain_air()
    x.flags[0:10] = "C"
    x.marks = np.array([[20, 30]])
    assert set(excused_masks(x)) == {"flag C", "accepted mark or declaration"}
