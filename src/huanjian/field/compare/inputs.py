"""Input of ``huanjian compare evaluate``: JSON or CSV → :class:`ComparisonInput`.

JSON::

    {"parameter": "a21026", "unit": "mg/m3",
     "pairs": [{"start": "2026-03-02T09:00:00+08:00", "end": "2026-03-02T09:15:00+08:00",
                "reference": 101.3, "cems": 98.7}, ...]}

CSV (header row required, extra columns ignored; ``parameter`` and ``unit`` in ``#`` comment
lines before the header, or given as options)::

    # parameter: a21026
    # unit: mg/m3
    start,end,reference,cems
    2026-03-02T09:00:00+08:00,2026-03-02T09:15:00+08:00,101.3,98.7

Times without an offset are China Standard Time (+08:00), as HJ 212 times are.  Every error
is a :class:`~huanjian.errors.ValidationError` (exit code 65) naming the pair (``pairs[i]``,
0-based as in the JSON array; for CSV also the line) and the field.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from huanjian.errors import ValidationError

CST = timezone(timedelta(hours=8), "CST")
FIELDS = ("start", "end", "reference", "cems")
InputFormat = Literal["json", "csv"]


@dataclass(frozen=True)
class Pair:
    start: datetime
    end: datetime
    reference: Decimal
    cems: Decimal


@dataclass(frozen=True)
class ComparisonInput:
    parameter: str
    unit: str
    pairs: tuple[Pair, ...]


def _invalid(message: str, **details: Any) -> ValidationError:
    return ValidationError(message, code="compare_input", **details)


def _number(value: Any, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal | float):
        raise _invalid(f"{where}: expected a number, got {json.dumps(value, default=str)}")
    result = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if not result.is_finite():
        raise _invalid(f"{where}: expected a finite number")
    return result


def _number_text(text: str, where: str) -> Decimal:
    try:
        result = Decimal(text.strip())
    except InvalidOperation:
        raise _invalid(f"{where}: {text!r} is not a number") from None
    if not result.is_finite():
        raise _invalid(f"{where}: expected a finite number")
    return result


def _time(value: Any, where: str) -> datetime:
    if not isinstance(value, str) or not value.strip():
        raise _invalid(f"{where}: expected an ISO 8601 date-time string")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise _invalid(f"{where}: {value!r} is not an ISO 8601 date-time") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=CST)


def _pair(cells: Mapping[str, Any], where: str, number: Callable[[Any, str], Decimal]) -> Pair:
    """A pair from its four present fields; ``number`` reads a value (JSON number or CSV text)."""
    start = _time(cells["start"], f"{where}.start")
    end = _time(cells["end"], f"{where}.end")
    if end <= start:
        raise _invalid(f"{where}.end: {end.isoformat()} is not after start {start.isoformat()}")
    reference = number(cells["reference"], f"{where}.reference")
    return Pair(start=start, end=end, reference=reference, cems=number(cells["cems"], f"{where}.cems"))


def _merge(name: str, from_file: str | None, from_option: str | None) -> str:
    if from_file is not None and from_option is not None and from_file.strip() != from_option.strip():
        raise _invalid(f"{name}: the file says {from_file!r} but the option says {from_option!r}")
    value = from_option if from_option is not None else from_file
    if value is None:
        raise _invalid(f"{name}: missing (give it in the file or with --{name})")
    return value.strip()


def parse_json(text: str, *, parameter: str | None = None, unit: str | None = None) -> ComparisonInput:
    def no_constants(name: str) -> Any:
        raise _invalid(f"JSON: {name} is not a number")

    try:
        doc = json.loads(text, parse_float=Decimal, parse_constant=no_constants)
    except json.JSONDecodeError as exc:
        raise _invalid(f"JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    if not isinstance(doc, dict):
        raise _invalid("JSON: the document must be an object with parameter, unit and pairs")
    for key in ("parameter", "unit"):
        if key in doc and not isinstance(doc[key], str):
            raise _invalid(f"{key}: expected a string")
    raw_pairs = doc.get("pairs")
    if not isinstance(raw_pairs, list):
        raise _invalid("pairs: expected a list of {start, end, reference, cems} objects")
    pairs: list[Pair] = []
    for i, raw in enumerate(raw_pairs):
        where = f"pairs[{i}]"
        if not isinstance(raw, dict):
            raise _invalid(f"{where}: expected an object with start, end, reference, cems")
        for key in FIELDS:
            if key not in raw or raw[key] is None:
                raise _invalid(f"{where}.{key}: missing", pair=i, field=key)
        pairs.append(_pair(raw, where, _number))
    return ComparisonInput(
        parameter=_merge("parameter", doc.get("parameter"), parameter),
        unit=_merge("unit", doc.get("unit"), unit),
        pairs=tuple(pairs),
    )


def _header_comments(lines: Sequence[str]) -> tuple[dict[str, str], int]:
    """``# key: value`` lines before the header row; returns them and the header's index."""
    meta: dict[str, str] = {}
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            return meta, index
        key, sep, value = stripped.lstrip("#").partition(":")
        if sep:
            meta[key.strip().lower()] = value.strip()
    return meta, len(lines)


def parse_csv(text: str, *, parameter: str | None = None, unit: str | None = None) -> ComparisonInput:
    lines = text.splitlines()
    meta, header_at = _header_comments(lines)
    if header_at >= len(lines):
        raise _invalid("CSV: no header row (expected start,end,reference,cems)")
    reader = csv.reader(io.StringIO("\n".join(lines[header_at:])))
    header = [name.strip().lower() for name in next(reader)]
    missing = [name for name in FIELDS if name not in header]
    if missing:
        raise _invalid(f"CSV line {header_at + 1}: header lacks column(s) {', '.join(missing)}")
    column: Mapping[str, int] = {name: header.index(name) for name in FIELDS}
    pairs: list[Pair] = []
    for offset, row in enumerate(reader, start=1):
        line_no = header_at + 1 + offset
        if not row or all(not cell.strip() for cell in row) or row[0].lstrip().startswith("#"):
            continue
        where = f"pairs[{len(pairs)}] (CSV line {line_no})"
        cells = {}
        for name in FIELDS:
            index = column[name]
            if index >= len(row) or not row[index].strip():
                raise _invalid(f"{where}.{name}: missing", pair=len(pairs), field=name)
            cells[name] = row[index]
        pairs.append(_pair(cells, where, _number_text))
    return ComparisonInput(
        parameter=_merge("parameter", meta.get("parameter"), parameter),
        unit=_merge("unit", meta.get("unit"), unit),
        pairs=tuple(pairs),
    )


def detect_format(text: str, filename: str | None = None) -> InputFormat:
    """``.json`` / ``.csv`` by name; otherwise JSON when the text starts with ``{``."""
    if filename:
        lowered = filename.lower()
        if lowered.endswith(".json"):
            return "json"
        if lowered.endswith(".csv"):
            return "csv"
    return "json" if text.lstrip().startswith("{") else "csv"


def parse_input(
    text: str,
    *,
    input_format: InputFormat | None = None,
    filename: str | None = None,
    parameter: str | None = None,
    unit: str | None = None,
) -> ComparisonInput:
    fmt = input_format or detect_format(text, filename)
    if fmt == "json":
        return parse_json(text, parameter=parameter, unit=unit)
    return parse_csv(text, parameter=parameter, unit=unit)
