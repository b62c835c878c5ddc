"""The detector functions: pure, vectorised, over one logger's minute data (or a set of peers).

Each takes a :class:`~huanjian.detect.view.View` (or a list of views for peer detectors),
its parameters from ``rules.json`` and the value ranges, and returns findings with
evidence. No loop runs per minute: loops run over pollutants, days or candidate findings.
"""

from __future__ import annotations

from huanjian.detect.detectors.beside import (
    dq_silent_running,
    fz_filed_parameters,
    fz_power_false_flags,
    fz_treatment_off,
)
from huanjian.detect.detectors.common import (
    DAY,
    NAMES_EN,
    NAMES_ZH,
    Params,
    Ranges,
    name_en,
    name_zh,
)
from huanjian.detect.detectors.context import (
    fz_borrowed_own,
    fz_borrowed_peers,
    fz_exceedance_drop,
    fz_false_flags,
    fz_under_limit,
    fz_water_contradiction,
)
from huanjian.detect.detectors.falsification import (
    fz_clipping,
    fz_dilution,
    fz_flow_inconsistent,
    fz_low_variability,
    fz_periodic,
    fz_ratio_step,
)
from huanjian.detect.detectors.quality import (
    dq_clock_drift,
    dq_constant,
    dq_duplicated,
    dq_gap,
    dq_impossible,
    dq_jump,
    dq_stuck_jitter,
    dq_zero,
)

__all__ = [
    "DAY",
    "NAMES_EN",
    "NAMES_ZH",
    "Params",
    "Ranges",
    "dq_clock_drift",
    "dq_constant",
    "dq_duplicated",
    "dq_gap",
    "dq_impossible",
    "dq_jump",
    "dq_silent_running",
    "dq_stuck_jitter",
    "dq_zero",
    "fz_borrowed_own",
    "fz_borrowed_peers",
    "fz_clipping",
    "fz_dilution",
    "fz_exceedance_drop",
    "fz_false_flags",
    "fz_filed_parameters",
    "fz_flow_inconsistent",
    "fz_low_variability",
    "fz_periodic",
    "fz_power_false_flags",
    "fz_ratio_step",
    "fz_treatment_off",
    "fz_under_limit",
    "fz_water_contradiction",
    "name_en",
    "name_zh",
]
