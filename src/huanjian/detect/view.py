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
    VELOCITY,
    WATER_POLLUTANTS,
    BoolArray,
    FloatArray,
    LoggerData,
)

CYCLE_CODES = (COD, NH3N, "w20116", "w21011", "w21001")


@dataclass
class View:
    data: LoggerData
    valid_hour_minutes: int = 45
    _hourly: dict[str, FloatArray] = field(default_factory=dict)
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

    def days(self, code: str) -> FloatArray:
        """Valid minute values as a (days, 1440) matrix."""
        return reshape_blocks(self.x(code), 1440)

    def hours_by_day(self, code: str) -> FloatArray:
        return reshape_blocks(self.hourly(code), 24)

    def is_cycle(self, code: str) -> bool:
        return code in CYCLE_CODES
