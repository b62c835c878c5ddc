"""The demo history (``huanjian demo --history``) places the limit tricks on the figures the
limit judges: detection from the store corrects air concentrations to the limit's reference O2,
so values piled under the limit as measured are not piled under it once corrected."""

from __future__ import annotations

import numpy as np

from huanjian.demo import detect_seed
from huanjian.detect import catalogue
from huanjian.detect.clues import build
from huanjian.detect.generate import Truth, apply_trick, honest_air
from huanjian.detect.model import O2, SO2, LoggerData
from huanjian.detect.view import View

REGISTER_LIMIT = {SO2: 35.0, "a21002": 50.0, "a34013": 5.0}
REFERENCE_O2 = {SO2: 6.0, "a21002": 6.0, "a34013": 6.0}


def _month(seed: int) -> tuple[LoggerData, Truth]:
    data, truth = honest_air(seed, 3, 0, near_limit=True, level=(0.85, 0.98))
    return data, truth


def _falsification(data: LoggerData) -> set[str]:
    clues = build(catalogue.run([data]), [data])
    return {c.detector for c in clues if c.category == "falsification" and c.raised}


def test_scaled_values_sit_under_the_limit_once_corrected() -> None:
    data, _ = _month(11)
    detect_seed._scaled(data, REGISTER_LIMIT, REFERENCE_O2)
    assert data.reference_o2 == REFERENCE_O2 and data.limits[SO2] == 35.0
    judged = View(data).judged(SO2)  # O2-corrected, as detection from the store sees it
    mean = float(np.nanmean(judged))
    assert 0.5 * 35.0 < mean < 35.0, mean
    assert float(np.nanmean(data.values[O2])) > 6.0  # so the correction factor is above 1


def test_limit_tricks_are_found_on_corrected_values_only_when_placed_there() -> None:
    for trick, detector in (("under_limit_piling", "fz_under_limit"), ("false_flags", "fz_false_flags")):
        placed, truth = _month(21)
        detect_seed._scaled(placed, REGISTER_LIMIT, REFERENCE_O2)
        detect_seed._apply_judged(np.random.default_rng([5, 7]), placed, truth, trick, None)
        assert detector in _falsification(placed), trick

        raw, truth = _month(21)  # the same trick placed on the values as measured (the old demo)
        detect_seed._scaled(raw, REGISTER_LIMIT, REFERENCE_O2)
        apply_trick(np.random.default_rng([5, 7]), raw, truth, trick, "strong", None)
        if trick == "under_limit_piling":
            assert detector not in _falsification(raw), trick
