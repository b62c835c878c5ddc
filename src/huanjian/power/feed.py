"""The CSV/XLSX electricity feed: rows in, typed rows or located errors out (no I/O).

Template columns: ``credit_code``, ``facility_code``, ``meter_code``,
``quantity`` (``power_kw`` | ``current_a`` | ``energy_kwh``), ``period``
(``realtime`` | ``minute`` | ``hour`` | ``day``), ``data_time`` (ISO 8601;
without a zone read as China Standard Time, like HJ 212 DataTime), ``value``
and an optional ``state`` (``running`` | ``stopped``).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any

from huanjian.core.time import CST

COLUMNS = ("credit_code", "facility_code", "meter_code", "quantity", "period", "data_time", "value", "state")
REQUIRED = COLUMNS[:-1]


@dataclass(frozen=True, slots=True)
class Quantity:
    code: str
    unit: str
    zh: str
    en: str
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class Catalogue:
    version: str
    confidence: str
    quantities: dict[str, Quantity]
    periods: tuple[str, ...]
    states: tuple[str, ...]
    subfields: tuple[str, ...]


@cache
def catalogue() -> Catalogue:
    raw = json.loads(resources.files("huanjian.power").joinpath("quantities.json").read_text("utf-8"))
    return Catalogue(
        version=raw["version"],
        confidence=raw["confidence"],
        quantities={k: Quantity(code=k, **v) for k, v in raw["quantities"].items()},
        periods=tuple(raw["periods"]),
        states=tuple(raw["states"]),
        subfields=tuple(raw["subfields"]),
    )


@dataclass(frozen=True, slots=True)
class FeedRow:
    row_no: int
    credit_code: str
    facility_code: str
    meter_code: str
    quantity: str
    period: str
    data_time: datetime  # aware, UTC
    value: float
    state: str | None


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


def parse_time(text: str) -> datetime:
    value = datetime.fromisoformat(text.strip().replace(" ", "T", 1))
    return (value if value.tzinfo else value.replace(tzinfo=CST)).astimezone(UTC)


def parse_rows(rows: list[dict[str, Any]], header: list[str]) -> tuple[list[FeedRow], list[RowError]]:
    """Check every row; the caller writes nothing unless ``errors`` is empty.

    Row numbers are those a spreadsheet shows (the header is row 1).
    """
    cat = catalogue()
    errors: list[RowError] = []
    missing_cols = [c for c in REQUIRED if c not in header]
    if missing_cols:
        return [], [
            RowError(1, c, f"missing column {c!r} (template: {', '.join(COLUMNS)})") for c in missing_cols
        ]
    out: list[FeedRow] = []
    for n, raw in enumerate(rows, start=2):
        cells = {k: ("" if v is None else str(v).strip()) for k, v in raw.items()}
        if not any(cells.values()):
            continue
        row_errors = [RowError(n, c, f"{c} is empty") for c in REQUIRED if not cells.get(c)]
        if row_errors:
            errors.extend(row_errors)
            continue
        q = cat.quantities.get(cells["quantity"])
        if q is None:
            errors.append(
                RowError(n, "quantity", f"{cells['quantity']!r}: one of {', '.join(cat.quantities)}")
            )
        if cells["period"] not in cat.periods:
            errors.append(RowError(n, "period", f"{cells['period']!r}: one of {', '.join(cat.periods)}"))
        state = cells.get("state") or None
        if state is not None and state not in cat.states:
            errors.append(RowError(n, "state", f"{state!r}: one of {', '.join(cat.states)} or empty"))
        try:
            when = parse_time(cells["data_time"])
        except ValueError:
            errors.append(RowError(n, "data_time", f"{cells['data_time']!r} is not an ISO 8601 time"))
            continue
        try:
            value = float(cells["value"])
        except ValueError:
            errors.append(RowError(n, "value", f"{cells['value']!r} is not a number"))
            continue
        if not math.isfinite(value):
            errors.append(RowError(n, "value", f"{cells['value']!r} is not a finite number"))
            continue
        if q is not None and not q.low <= value <= q.high:
            errors.append(
                RowError(
                    n, "value", f"{value:g} {q.unit} is outside the plausible {q.low:g}–{q.high:g} {q.unit}"
                )
            )
            continue
        if q is None or cells["period"] not in cat.periods or (state is not None and state not in cat.states):
            continue
        out.append(
            FeedRow(
                row_no=n,
                credit_code=cells["credit_code"],
                facility_code=cells["facility_code"],
                meter_code=cells["meter_code"],
                quantity=cells["quantity"],
                period=cells["period"],
                data_time=when,
                value=value,
                state=state,
            )
        )
    return out, errors


def template_csv() -> bytes:
    example = "91310115MA000101XX,TA001,M1,power_kw,minute,2026-11-01T08:00:00+08:00,152.4,running"
    return ("\ufeff" + ",".join(COLUMNS) + "\n" + example + "\n").encode("utf-8")
