"""Code tables: pollutants (2017 codes and their 2005 originals), commands, systems.

The data live in ``codes.json`` next to this module, with their source in its
``_source`` key (HJ 212-2017 Appendix B and table 9, HJ/T 212-2005, DOMAIN.md for
the 2025 additions), so a code can be corrected without a code change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any


@dataclass(frozen=True, slots=True)
class Pollutant:
    code: str
    name_zh: str
    name_en: str | None
    code_2005: str | None
    table: str


@dataclass(frozen=True, slots=True)
class Command:
    cn: str
    name_zh: str
    name_en: str
    source: str


def _load() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("codes.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


_DATA = _load()

SOURCE: str = _DATA["_source"]
POLLUTANTS: dict[str, Pollutant] = {p["code"]: Pollutant(**p) for p in _DATA["pollutants"]}
COMMANDS: dict[str, Command] = {c["cn"]: Command(**c) for c in _DATA["commands"]}
SYSTEMS: dict[str, str] = dict(_DATA["systems"])

#: 2005 wire code -> 2017 code (only where the 2017 standard gives an original code
#: that differs from the new one).
CODE_2005_TO_2017: dict[str, str] = {
    p.code_2005: p.code for p in POLLUTANTS.values() if p.code_2005 and p.code_2005 != p.code
}
CODE_2017_TO_2005: dict[str, str] = {v: k for k, v in CODE_2005_TO_2017.items()}

#: Sub-fields whose values are numbers (HJ 212-2017 table 4; Ala/UpValue/LowValue from 2005).
NUMERIC_SUBFIELDS = frozenset(
    {
        "Rtd", "Min", "Avg", "Max", "ZsRtd", "ZsMin", "ZsAvg", "ZsMax", "Cou",
        "RS", "RT", "Data", "DayData", "NightData", "Ala", "UpValue", "LowValue",
    }
)  # fmt: skip
#: Sub-fields kept as text.  ``Info`` is text when wrapped in ``//…//``, else a number.
TEXT_SUBFIELDS = frozenset({"Flag", "EFlag", "SampleTime", "SN", "Info"})
KNOWN_SUBFIELDS = NUMERIC_SUBFIELDS | TEXT_SUBFIELDS

#: Data flags (2017 table 8) plus 2005's P (power fault).
DATA_FLAGS = {
    "N": "normal",
    "F": "stopped",
    "M": "maintenance",
    "S": "manual value",
    "D": "fault",
    "C": "calibration",
    "T": "over range",
    "B": "logger-instrument communication fault",
    "P": "power fault (2005)",
}


def to_2017(wire_code: str) -> str:
    """The 2017 code for a wire code; unknown and 2017 codes are returned unchanged."""
    return CODE_2005_TO_2017.get(wire_code, wire_code)


def pollutant(code: str) -> Pollutant | None:
    return POLLUTANTS.get(CODE_2005_TO_2017.get(code, code))


def command(cn: str) -> Command | None:
    return COMMANDS.get(cn)
