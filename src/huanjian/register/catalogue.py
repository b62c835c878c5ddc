"""The pollutant catalogue: HJ 212 codes (from ``hj212/codes.json``) plus units
and molar masses, kept in the ``pollutant`` table.

Units and molar masses are ours [src: HJ 75-2017 / HJ 212-2017 App. B units;
molar masses from standard atomic weights]; names and 2005 codes come from the
HJ 212 code table.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from huanjian.hj212.codes import CODE_2005_TO_2017, POLLUTANTS
from huanjian.hj212.codes import SOURCE as CODES_SOURCE
from huanjian.register.models import Pollutant

UNIT_SOURCE = "huanjian: units per HJ 212-2017 App. B, molar masses from IUPAC atomic weights"

#: code -> (unit, molar mass g/mol or None)
UNITS: Final[dict[str, tuple[str, float | None]]] = {
    "a21026": ("mg/m3", 64.066),  # SO2
    "a21002": ("mg/m3", 46.006),  # NOx as NO2
    "a21003": ("mg/m3", 30.006),  # NO
    "a21004": ("mg/m3", 46.006),  # NO2
    "a21005": ("mg/m3", 28.010),  # CO
    "a21001": ("mg/m3", 17.031),  # NH3
    "a21028": ("mg/m3", 34.081),  # H2S
    "a21024": ("mg/m3", 36.461),  # HCl
    "a21022": ("mg/m3", 20.006),  # HF
    "a34013": ("mg/m3", None),
    "a19001": ("%", 31.998),
    "a01011": ("m/s", None),
    "a01012": ("℃", None),
    "a01013": ("kPa", None),
    "a01014": ("%", None),
    "a00000": ("m3/h", None),
    "w00000": ("m3/h", None),
    "w01001": ("pH", None),
    "w01010": ("℃", None),
    "w01014": ("μS/cm", None),
}
_DEFAULT_UNIT: Final = {"B.1": "mg/L", "B.2": "mg/m3", "B.3": "dB(A)"}
_MEDIUM: Final = {"B.1": "water", "B.2": "air", "B.3": "noise"}


def catalogue_rows() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for p in POLLUTANTS.values():
        unit, mass = UNITS.get(p.code, (_DEFAULT_UNIT.get(p.table), None))
        rows.append(
            {
                "code": p.code,
                "code_2005": p.code_2005,
                "name_zh": p.name_zh,
                "name_en": p.name_en,
                "medium": _MEDIUM.get(p.table, "other"),
                "unit": unit,
                "molar_mass": mass,
                "source": (CODES_SOURCE[:120] + "…; " + UNIT_SOURCE)[:200],
            }
        )
    return rows


def ensure(session: Session) -> int:
    """Insert missing catalogue rows and refresh changed ones; returns rows written."""
    existing = {p.code: p for p in session.scalars(select(Pollutant))}
    written = 0
    for row in catalogue_rows():
        current = existing.get(str(row["code"]))
        if current is None:
            session.add(Pollutant(**row))
            written += 1
        elif any(getattr(current, k) != v for k, v in row.items()):
            for k, v in row.items():
                setattr(current, k, v)
            written += 1
    if written:
        session.flush()
    return written


def resolve(code: str) -> str | None:
    """The 2017 code for a 2017 or 2005 code, or None if unknown."""
    text = code.strip()
    if text in POLLUTANTS:
        return text
    mapped = CODE_2005_TO_2017.get(text)
    return mapped if mapped in POLLUTANTS else None
