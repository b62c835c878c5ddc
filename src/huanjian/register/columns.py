"""Column types of the import templates: parsing a cell into its canonical value.

A canonical value is JSON-friendly (str, int, float, list, dict or None; dates
as ISO ``YYYY-MM-DD``), so a parsed row can be compared with the stored
version of the same object and stored as that version's data.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from huanjian.errors import ValidationError
from huanjian.register import catalogue
from huanjian.register import identifiers as ids


class CellError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    zh: str
    type: str = "text"
    required: bool = False
    values: Mapping[str, str] | None = None  # enum: code -> Chinese label
    example: str = ""
    note: str = ""
    default: Any = None
    meta: bool = False  # not part of the object's data (e.g. effective_date)

    def describe(self) -> str:
        parts = [self.zh]
        if self.values:
            parts.append("; ".join(f"{k}={v}" for k, v in self.values.items()))
        if self.note:
            parts.append(self.note)
        return " — ".join(parts)


@dataclass(slots=True)
class Parsed:
    value: Any
    warnings: list[str] = field(default_factory=list)


def _text(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, datetime):
        return raw.date().isoformat()
    if isinstance(raw, date):
        return raw.isoformat()
    return unicodedata.normalize("NFKC", str(raw)).strip()


def _number(text: str) -> float:
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        raise CellError(f"expected a number, got {text!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise CellError(f"expected a finite number, got {text!r}")
    return value


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日")


def parse_date(text: str) -> str:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text[:10] if fmt == "%Y-%m-%d" else text, fmt).date().isoformat()
        except ValueError:
            continue
    raise CellError(f"expected a date YYYY-MM-DD, got {text!r}")


def _identifier(func: Any, text: str, column: str) -> Parsed:
    try:
        result = func(text, field=column)
    except ValidationError as exc:
        raise CellError(exc.message) from None
    return Parsed(result.value, list(result.warnings))


def _pairs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"[;；\n]", text) if p.strip()]


def _allowances(text: str) -> list[dict[str, Any]]:
    """``a21026:2026=12.5;a21002:2026=30`` → sorted list of {pollutant, year, amount_t}."""
    out = []
    for part in _pairs(text):
        m = re.fullmatch(r"([A-Za-z0-9]+)\s*:\s*(\d{4})\s*=\s*([0-9.,]+)", part)
        if not m:
            raise CellError(f"{part!r}: expected POLLUTANT:YEAR=TONNES, e.g. a21026:2026=12.5")
        code = catalogue.resolve(m[1])
        if code is None:
            raise CellError(f"{part!r}: unknown pollutant code {m[1]!r}")
        out.append({"pollutant": code, "year": int(m[2]), "amount_t": _number(m[3])})
    return sorted(out, key=lambda a: (a["pollutant"], a["year"]))


_RANGE = re.compile(r"\s*(-?[0-9.]+)\s*(?:\.\.|~|～|—|to)\s*(-?[0-9.]+)\s*")


def _parameters(text: str, allowed: Mapping[str, str]) -> dict[str, dict[str, float | None]]:
    """``slope=1.02;kv=1.1..1.3`` → {name: {value, low, high}}."""
    out: dict[str, dict[str, float | None]] = {}
    for part in _pairs(text):
        name, sep, rest = part.partition("=")
        name = name.strip().lower()
        if not sep or not rest.strip():
            raise CellError(f"{part!r}: expected NAME=VALUE or NAME=LOW..HIGH")
        if name not in allowed:
            raise CellError(f"{part!r}: parameter {name!r} is not one of {', '.join(allowed)}")
        m = _RANGE.fullmatch(rest)
        if m:
            low, high = _number(m[1]), _number(m[2])
            if low > high:
                raise CellError(f"{part!r}: range low {low:g} is above high {high:g}")
            out[name] = {"value": None, "low": low, "high": high}
        else:
            out[name] = {"value": _number(rest.strip()), "low": None, "high": None}
    return dict(sorted(out.items()))


def _facilities(text: str, treatment: bool) -> list[dict[str, str]]:
    """``TA001 布袋除尘器;TA002 SCR脱硝`` → [{code, name}]."""
    out = []
    for part in _pairs(text):
        code, _, name = part.partition(" ")
        code = code.strip()
        if treatment:
            try:
                code = ids.validate_treatment_facility_code(code).value
            except ValidationError as exc:
                raise CellError(exc.message) from None
        elif not re.fullmatch(r"[A-Za-z0-9_-]{1,20}", code):
            raise CellError(f"{part!r}: expected CODE NAME, e.g. MF0001 1号锅炉")
        out.append({"code": code.upper(), "name": name.strip() or code.upper()})
    return sorted(out, key=lambda f: f["code"])


def parse_cell(column: Column, raw: Any) -> Parsed:
    """Parse one cell; empty cells give the column default (or an error if required)."""
    text = _text(raw)
    if not text:
        if column.required:
            raise CellError("required, but empty")
        return Parsed(column.default)
    t = column.type
    if t == "text":
        return Parsed(text)
    if t == "float":
        return Parsed(_number(text))
    if t == "int":
        value = _number(text)
        if not value.is_integer():
            raise CellError(f"expected a whole number, got {text!r}")
        return Parsed(int(value))
    if t == "date":
        return Parsed(parse_date(text))
    if t == "enum":
        assert column.values is not None
        lowered = text.lower()
        if lowered in column.values:
            return Parsed(lowered)
        for code, label in column.values.items():
            if text == label:
                return Parsed(code)
        raise CellError(f"{text!r} is not one of {', '.join(column.values)}")
    if t == "list":
        return Parsed(sorted(set(_pairs(text))))
    if t == "credit_code":
        return _identifier(ids.validate_credit_code, text, column.name)
    if t == "permit_number":
        return _identifier(ids.validate_permit_number, text, column.name)
    if t == "outlet_code":
        return _identifier(ids.validate_outlet_code, text, column.name)
    if t == "mn":
        return _identifier(ids.validate_mn, text, column.name)
    if t == "jurisdiction":
        return _identifier(ids.validate_jurisdiction_code, text, column.name)
    if t == "pollutant":
        resolved = catalogue.resolve(text)
        if resolved is None:
            raise CellError(f"unknown pollutant code {text!r} (HJ 212-2017 or 2005 code)")
        return Parsed(resolved, [] if resolved == text else [f"2005 code {text} read as {resolved}"])
    if t == "pollutants":
        codes: list[str] = []
        for part in _pairs(text.replace(",", ";").replace("，", ";")):
            one = catalogue.resolve(part)
            if one is None:
                raise CellError(f"unknown pollutant code {part!r}")
            codes.append(one)
        return Parsed(sorted(set(codes)))
    if t == "allowances":
        return Parsed(_allowances(text))
    if t == "parameters":
        from huanjian.register.rules import FILED_PARAMETERS

        return Parsed(_parameters(text, FILED_PARAMETERS))
    if t == "treatment_facilities":
        return Parsed(_facilities(text, True))
    if t == "production_facilities":
        return Parsed(_facilities(text, False))
    raise AssertionError(f"unknown column type {t}")
