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


@dataclass(frozen=True)
class InfoReport:
    """One field-side parameter a logger reported with CN 3020 (HJ 212-2017 table B.10).

    ``minute`` counts from the logger data's ``start`` (negative: before the period);
    ``pollutant`` is the report's ``PolId`` ("" without one); ``code`` the information code
    (``i13008``…) and ``parameter`` the register's name for it (``slope``; the mapping is
    ``info_codes`` in rules.json); ``value`` the number sent (None when ``text`` is not one).
    """

    minute: int
    pollutant: str
    code: str
    parameter: str
    value: float | None
    text: str


@dataclass(frozen=True)
class FiledValue:
    """A filed instrument parameter of the register (动态管控): a value or an allowed range."""

    value: float | None = None
    low: float | None = None
    high: float | None = None


@dataclass
class PowerHours:
    """Electricity of the logger's outlet per hour of the period (facility metering, 分表计电).

    Each array has one entry per hour from the logger data's ``start``: the share of the
    meter readings in that hour whose state is *running* (NaN: no reading with a known
    state).  ``production`` is the largest share over the outlet's production meters (some
    production runs); ``treatment`` holds one array per treatment facility.  ``names`` maps
    a facility code to its name.  ``primary``: the outlet's first logger, the one that carries
    the outlet-level findings (so an outlet with two loggers gets them once).
    """

    production: FloatArray
    treatment: dict[str, FloatArray]
    names: dict[str, str] = field(default_factory=dict)
    production_facilities: tuple[str, ...] = ()
    primary: bool = True


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
    #: The pollutant of each QA event in ``qa_events`` ("" for the whole outlet); empty when
    #: not known (every event then counts for every pollutant).
    qa_pollutants: tuple[str, ...] = ()
    #: CN 3020 parameter reports in the period and the register's filed parameters by
    #: (pollutant, parameter name) — read by ``fz_filed_parameters``.
    info_reports: tuple[InfoReport, ...] = ()
    filed: dict[tuple[str, str], FiledValue] = field(default_factory=dict)
    #: The outlet's facility electricity per hour (None: no meters) — the electricity checks.
    power: PowerHours | None = None

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
    #: Causes the detector itself found for the highlighted period (e.g. a QA event just
    #: before a changed 3020 parameter): the clue rule counts the highlight as covered.
    excused_by: tuple[str, ...] = ()


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
