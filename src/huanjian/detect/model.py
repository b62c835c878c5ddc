"""Data shapes shared by the detectors: one logger's minute data, intervals, findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

Category = Literal["data_quality", "falsification"]
Kind = Literal["air", "water"]

#: HJ 212-2017 data flags that mark a minute invalid (C calibration, M maintenance, D fault,
#: F stopped, T over range, B communication fault).  N and S are valid.
INVALID_FLAGS = ("F", "M", "D", "C", "T", "B")
#: Flags that excuse a period (the logger says it was not measuring normally).
EXCUSING_FLAGS = ("C", "M", "D", "F")

# Pollutant codes used by the generator and the detectors (HJ 212-2017 Appendix B).
SO2, NOX, PM, O2 = "a21026", "a21002", "a34013", "a19001"
VELOCITY, TEMPERATURE, PRESSURE, HUMIDITY, FLOW_AIR = "a01011", "a01012", "a01013", "a01014", "a00000"
COD, NH3N, PH, FLOW_WATER, CHROMIUM = "w01018", "w21003", "w01001", "w00000", "w20116"
AIR_POLLUTANTS = (SO2, NOX, PM)
WATER_POLLUTANTS = (COD, NH3N)


@dataclass
class LoggerData:
    """Minute data of one logger over a period: arrays indexed by minute from ``start``.

    ``values[code]`` is float64 with NaN where no record arrived; ``flags`` holds one
    HJ 212 flag letter per minute (the logger's flag, shared by its parameters); ``marks``
    (accepted enterprise marks and declarations) and ``qa_events`` (O&M service records,
    comparison tests, filed parameter changes) are ``(k, 2)`` arrays of half-open minute
    intervals ``[start, end)``.  ``limits`` are the permitted concentrations, judged on the
    hourly mean for air and on the daily mean for water; ``reference_o2`` holds the reference
    O2 (%) of the limits that apply to the O2-corrected (折算) concentration.
    """

    mn: str
    kind: Kind
    start: datetime
    values: dict[str, FloatArray]
    flags: npt.NDArray[np.str_]
    limits: dict[str, float] = field(default_factory=dict)
    marks: IntArray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))
    qa_events: IntArray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))
    outlet_code: str = ""
    reference_o2: dict[str, float] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return int(self.flags.shape[0])

    def time_of(self, minute: int) -> datetime:
        return self.start + timedelta(minutes=int(minute))

    def valid(self) -> BoolArray:
        """Minutes flagged N or S."""
        f = self.flags
        return np.asarray((f == "N") | (f == "S"), dtype=np.bool_)


@dataclass(frozen=True)
class Evidence:
    """What a reviewer needs to confirm or dismiss a finding in a minute.

    ``highlight``: minute intervals to highlight in the series excerpt ``excerpt``;
    ``statistic`` with its ``threshold`` (and how it is compared); ``comparable``: minute
    intervals of the same logger to compare with; ``peers``: other loggers (MN) involved;
    ``sentence_en``/``sentence_zh``: one sentence that can be checked against the chart.
    """

    excerpt: tuple[int, int]
    highlight: tuple[tuple[int, int], ...]
    statistic_name: str
    statistic: float
    threshold: float
    comparison: Literal["<", ">", "<=", ">="]
    sentence_en: str
    sentence_zh: str
    comparable: tuple[tuple[int, int], ...] = ()
    peers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    """One detector's result on one logger: a period, the pollutants, a strength 0..1."""

    detector: str
    category: Category
    trick: str | None
    mn: str
    pollutants: tuple[str, ...]
    start: int
    end: int
    strength: float
    evidence: Evidence
