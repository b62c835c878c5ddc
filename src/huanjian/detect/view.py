"""A logger's minute data with derived arrays computed once (hourly means, valid masks)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from huanjian.detect.arrays import block_mean, reshape_blocks
from huanjian.detect.model import (
    AIR_POLLUTANTS,
    COD,
    FLOW_AIR,
    FLOW_WATER,
    NH3N,
    O2,
    VELOCITY,
    WATER_POLLUTANTS,
    BoolArray,
    FloatArray,
    LoggerData,
)

CYCLE_CODES = (COD, NH3N, "w20116", "w21011", "w21001")

#: No O2 correction at or above this O2 (%): the factor (21 - ref) / (21 - O2) blows up
#: towards ambient air (start-ups, shutdowns).  The rules' ``o2_correction_max_o2``.
MAX_O2_FOR_CORRECTION = 19.0


def o2_factor(o2: FloatArray, reference_o2: float, max_o2: float = MAX_O2_FOR_CORRECTION) -> FloatArray:
    """Per minute, the factor (21 − ref) / (21 − O2) that corrects a concentration to the
    reference O2 (折算); NaN where O2 ≥ ``max_o2``."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(o2 < max_o2, (21.0 - reference_o2) / (21.0 - o2), np.nan)


@dataclass
class View:
    data: LoggerData
    valid_hour_minutes: int = 45
    max_o2_for_correction: float = MAX_O2_FOR_CORRECTION
    _hourly: dict[str, FloatArray] = field(default_factory=dict)
    _judged: dict[str, FloatArray] = field(default_factory=dict)
    _valid: BoolArray | None = None

    @property
    def kind(self) -> str:
        return self.data.kind

    @property
    def pollutants(self) -> tuple[str, ...]:
        pols = AIR_POLLUTANTS if self.data.kind == "air" else WATER_POLLUTANTS
        return tuple(p for p in pols if p in self.data.values)

    @property
    def load_proxy(self) -> str | None:
        code = VELOCITY if self.data.kind == "air" else FLOW_WATER
        return code if code in self.data.values else None

    @property
    def flow_code(self) -> str:
        return FLOW_AIR if self.data.kind == "air" else FLOW_WATER

    @property
    def valid(self) -> BoolArray:
        if self._valid is None:
            self._valid = self.data.valid()
        return self._valid

    def x(self, code: str) -> FloatArray:
        """Values of ``code`` on valid minutes, NaN elsewhere."""
        v = self.data.values[code]
        return np.where(self.valid, v, np.nan)

    def hourly(self, code: str) -> FloatArray:
        if code not in self._hourly:
            self._hourly[code] = block_mean(self.data.values[code], self.valid, 60, self.valid_hour_minutes)
        return self._hourly[code]

    def corrected(self, code: str) -> bool:
        """Whether ``code``'s limit is judged on the O2-corrected concentration here."""
        return code in self.data.reference_o2 and O2 in self.data.values

    def judged(self, code: str) -> FloatArray:
        """Minute values as the limit judges them: O2-corrected (折算) to the limit's
        reference O2 when it has one and the logger sends O2 (C × (21 − ref) / (21 − O2),
        NaN where O2 ≥ ``max_o2_for_correction``), else as measured."""
        if not self.corrected(code):
            return self.data.values[code]
        if code not in self._judged:
            factor = o2_factor(self.data.values[O2], self.data.reference_o2[code], self.max_o2_for_correction)
            self._judged[code] = self.data.values[code] * factor
        return self._judged[code]

    def judged_hourly(self, code: str) -> FloatArray:
        """Hourly means of :meth:`judged` (valid hours only)."""
        if not self.corrected(code):
            return self.hourly(code)
        key = f"judged:{code}"
        if key not in self._hourly:
            self._hourly[key] = block_mean(self.judged(code), self.valid, 60, self.valid_hour_minutes)
        return self._hourly[key]

    def days(self, code: str) -> FloatArray:
        """Valid minute values as a (days, 1440) matrix."""
        return reshape_blocks(self.x(code), 1440)

    def hours_by_day(self, code: str) -> FloatArray:
        return reshape_blocks(self.hourly(code), 24)

    def is_cycle(self, code: str) -> bool:
        return code in CYCLE_CODES
