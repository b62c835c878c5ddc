"""Acceptance rules for comparison tests, loaded from ``acceptance.json`` (rules as data).

The file holds a list of versions; each version holds, per parameter (HJ 212-2017 code), the
unit its table is written in, the units accepted on input with their conversion factor, the
minimum number of pairs, whether the table is applied to the means or to each pair, and the
concentration bands.  Every band and every minimum carries ``source``, ``clause`` and
``confidence`` (``std`` / ``src`` / ``unconfirmed``, as in ``DOMAIN.md``), so a number can be
corrected by editing the data, not the code.

The loader checks that the bands of each parameter tile the whole real line: no gap, no
overlap, and each edge belongs to exactly one band.
"""

from __future__ import annotations

import functools
import itertools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any, Literal, cast

from huanjian.errors import ConfigError

CriterionKind = Literal["relative_accuracy", "relative_error", "absolute_error"]
JudgedOn = Literal["mean", "each_pair"]
CONFIDENCES = ("std", "src", "unconfirmed")
_KINDS = ("relative_accuracy", "relative_error", "absolute_error")

# Spellings accepted on input → canonical unit name used in acceptance.json.
UNIT_ALIASES: Mapping[str, str] = {
    "umol/mol": "umol/mol",
    "µmol/mol": "umol/mol",  # U+00B5 micro sign
    "μmol/mol": "umol/mol",  # U+03BC Greek mu
    "ppm": "umol/mol",
    "mg/m3": "mg/m3",
    "mg/m³": "mg/m3",
    "%": "%",
    "m/s": "m/s",
    "degC": "degC",
    "°C": "degC",
    "℃": "degC",
    "mg/L": "mg/L",
    "mg/l": "mg/L",
    "pH": "pH",
    "": "pH",
    "dimensionless": "pH",
    "无量纲": "pH",
}

UNIT_DISPLAY: Mapping[str, str] = {"umol/mol": "µmol/mol", "degC": "°C", "mg/m3": "mg/m³", "pH": "(pH)"}


def canonical_unit(unit: str | None) -> str | None:
    """The canonical name of an input unit, or None when it is not a known spelling."""
    return UNIT_ALIASES.get((unit or "").strip())


@dataclass(frozen=True)
class Criterion:
    kind: CriterionKind
    limit: Decimal  # percent for relative kinds, band unit for absolute_error


@dataclass(frozen=True)
class Band:
    id: str
    lower: Decimal | None
    lower_inclusive: bool
    upper: Decimal | None
    upper_inclusive: bool
    criterion: Criterion
    source: str
    clause: str
    confidence: str
    evidence: str

    def contains(self, value: Decimal, factor: Decimal = Decimal(1)) -> bool:
        """Whether ``value`` (in band unit × ``factor``) falls in this band; edges scaled by ``factor``."""
        if self.lower is not None:
            edge = self.lower * factor
            if value < edge or (value == edge and not self.lower_inclusive):
                return False
        if self.upper is not None:
            edge = self.upper * factor
            if value > edge or (value == edge and not self.upper_inclusive):
                return False
        return True

    def label(self, unit: str, factor: Decimal = Decimal(1), symbol: str = "RM̄") -> str:
        """E.g. ``50 ≤ RM̄ < 250 µmol/mol``; edges scaled by ``factor``."""
        shown = UNIT_DISPLAY.get(unit, unit)
        if self.lower is None and self.upper is None:
            return f"all values ({shown})"
        if self.upper is None and self.lower is not None:
            return f"{symbol} {'≥' if self.lower_inclusive else '>'} {_num(self.lower * factor)} {shown}"
        parts = []
        if self.lower is not None:
            parts.append(f"{_num(self.lower * factor)} {'≤' if self.lower_inclusive else '<'} ")
        parts.append(symbol)
        if self.upper is not None:
            parts.append(f" {'≤' if self.upper_inclusive else '<'} {_num(self.upper * factor)}")
        return "".join(parts) + f" {shown}"


@dataclass(frozen=True)
class MinPairs:
    value: int
    source: str
    clause: str
    confidence: str


@dataclass(frozen=True)
class ParameterRule:
    code: str
    name: str
    name_zh: str
    medium: str
    band_unit: str
    units: Mapping[str, Decimal]  # input unit → factor (value in unit = value in band unit × factor)
    units_note: str
    min_pairs: MinPairs
    judged_on: JudgedOn
    bands: tuple[Band, ...]

    def band_for(self, value: Decimal, factor: Decimal = Decimal(1)) -> Band:
        for band in self.bands:
            if band.contains(value, factor):
                return band
        raise AssertionError("bands are validated to cover every value")  # pragma: no cover


@dataclass(frozen=True)
class RuleSet:
    version: str
    adopted: str
    summary: str
    sources: Mapping[str, str]
    statistics: Mapping[str, str]
    parameters: Mapping[str, ParameterRule]


def _num(value: Decimal) -> str:
    """A Decimal without trailing zeros or exponent (715.00 → 715, 57.20 → 57.2)."""
    return format(value.normalize(), "f")


def _fail(where: str, message: str) -> ConfigError:
    return ConfigError(f"acceptance rules, {where}: {message}", code="compare_rules")


def _dec(value: Any, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise _fail(where, "expected a number")
    result = Decimal(value)
    if not result.is_finite():
        raise _fail(where, "expected a finite number")
    return result


def _opt_dec(value: Any, where: str) -> Decimal | None:
    return None if value is None else _dec(value, where)


def _str(obj: Mapping[str, Any], key: str, where: str, *, default: str | None = None) -> str:
    value = obj.get(key, default)
    if not isinstance(value, str):
        raise _fail(where, f"'{key}' must be a string")
    return value


def _confidence(obj: Mapping[str, Any], where: str) -> str:
    value = _str(obj, "confidence", where)
    if value not in CONFIDENCES:
        raise _fail(where, f"confidence must be one of {', '.join(CONFIDENCES)}")
    return value


def _band(raw: Mapping[str, Any], where: str) -> Band:
    crit = raw.get("criterion")
    if not isinstance(crit, dict) or crit.get("kind") not in _KINDS:
        raise _fail(where, f"criterion.kind must be one of {', '.join(_KINDS)}")
    limit = _dec(crit.get("limit"), f"{where}.criterion.limit")
    if limit <= 0:
        raise _fail(where, "criterion.limit must be positive")
    lower = _opt_dec(raw.get("lower"), f"{where}.lower")
    upper = _opt_dec(raw.get("upper"), f"{where}.upper")
    lower_inc = raw.get("lower_inclusive")
    upper_inc = raw.get("upper_inclusive")
    if not isinstance(lower_inc, bool) or not isinstance(upper_inc, bool):
        raise _fail(where, "lower_inclusive and upper_inclusive must be true or false")
    if (lower is None and lower_inc) or (upper is None and upper_inc):
        raise _fail(where, "an unbounded edge cannot be inclusive")
    if lower is not None and upper is not None and lower >= upper:
        raise _fail(where, "lower must be below upper")
    return Band(
        id=_str(raw, "id", where),
        lower=lower,
        lower_inclusive=lower_inc,
        upper=upper,
        upper_inclusive=upper_inc,
        criterion=Criterion(kind=cast(CriterionKind, crit["kind"]), limit=limit),
        source=_str(raw, "source", where),
        clause=_str(raw, "clause", where),
        confidence=_confidence(raw, where),
        evidence=_str(raw, "evidence", where, default=""),
    )


def _check_tiling(bands: list[Band], where: str) -> tuple[Band, ...]:
    """Sort bands from low to high and check they cover the real line exactly once."""
    ordered = sorted(bands, key=lambda b: (b.lower is not None, b.lower or Decimal(0)))
    if not ordered:
        raise _fail(where, "no bands")
    if ordered[0].lower is not None:
        raise _fail(where, f"values below {ordered[0].lower} fall in no band")
    if ordered[-1].upper is not None:
        raise _fail(where, f"values above {ordered[-1].upper} fall in no band")
    for below, above in itertools.pairwise(ordered):
        if below.upper is None or above.lower is None or below.upper != above.lower:
            raise _fail(where, f"bands {below.id} and {above.id} leave a gap or overlap")
        if below.upper_inclusive == above.lower_inclusive:
            raise _fail(where, f"edge {below.upper} must belong to exactly one of {below.id}, {above.id}")
    return tuple(ordered)


def _parameter(code: str, raw: Mapping[str, Any]) -> ParameterRule:
    where = f"parameters.{code}"
    band_unit = _str(raw, "band_unit", where)
    units_raw = raw.get("units")
    if not isinstance(units_raw, dict) or not units_raw:
        raise _fail(where, "'units' must be a non-empty object")
    units = {unit: _dec(factor, f"{where}.units.{unit}") for unit, factor in units_raw.items()}
    for unit in units:
        if UNIT_ALIASES.get(unit) != unit:
            raise _fail(where, f"unit {unit!r} is not a canonical unit name")
    if units.get(band_unit) != 1:
        raise _fail(where, "the band unit must be accepted with factor 1")
    mp = raw.get("min_pairs")
    if not isinstance(mp, dict):
        raise _fail(where, "'min_pairs' must be an object")
    mp_value = mp.get("value")
    if isinstance(mp_value, bool) or not isinstance(mp_value, int | Decimal) or int(mp_value) != mp_value:
        raise _fail(where, "min_pairs.value must be an integer")
    judged_on = raw.get("judged_on")
    if judged_on not in ("mean", "each_pair"):
        raise _fail(where, "judged_on must be 'mean' or 'each_pair'")
    bands_raw = raw.get("bands")
    if not isinstance(bands_raw, list):
        raise _fail(where, "'bands' must be a list")
    bands = [_band(b, f"{where}.bands[{i}]") for i, b in enumerate(bands_raw)]
    return ParameterRule(
        code=code,
        name=_str(raw, "name", where),
        name_zh=_str(raw, "name_zh", where),
        medium=_str(raw, "medium", where),
        band_unit=band_unit,
        units=units,
        units_note=_str(raw, "units_note", where, default=""),
        min_pairs=MinPairs(
            value=int(mp_value),
            source=_str(mp, "source", f"{where}.min_pairs"),
            clause=_str(mp, "clause", f"{where}.min_pairs"),
            confidence=_confidence(mp, f"{where}.min_pairs"),
        ),
        judged_on=cast(JudgedOn, judged_on),
        bands=_check_tiling(bands, where),
    )


def parse_rules(document: Mapping[str, Any], version: str | None = None) -> RuleSet:
    """Build a :class:`RuleSet` from the parsed JSON; ``version`` None means the last listed."""
    versions = document.get("versions")
    if not isinstance(versions, list) or not versions:
        raise _fail("versions", "must be a non-empty list")
    if version is None:
        chosen = versions[-1]
    else:
        matches = [v for v in versions if isinstance(v, dict) and v.get("version") == version]
        if not matches:
            known = ", ".join(str(v.get("version")) for v in versions if isinstance(v, dict))
            raise _fail("versions", f"no version {version!r} (known: {known})")
        chosen = matches[0]
    if not isinstance(chosen, dict):
        raise _fail("versions", "each version must be an object")
    params = chosen.get("parameters")
    if not isinstance(params, dict):
        raise _fail("parameters", "must be an object")
    sources = chosen.get("sources") or {}
    statistics = chosen.get("statistics") or {}
    return RuleSet(
        version=_str(chosen, "version", "version"),
        adopted=_str(chosen, "adopted", "version"),
        summary=_str(chosen, "summary", "version", default=""),
        sources={str(k): str(v) for k, v in sources.items()},
        statistics={str(k): str(v) for k, v in statistics.items()},
        parameters={code: _parameter(code, raw) for code, raw in params.items()},
    )


def _read_json(text: str) -> dict[str, Any]:
    data = json.loads(text, parse_float=Decimal, parse_int=Decimal)
    if not isinstance(data, dict):
        raise _fail("document", "must be a JSON object")
    return data


@functools.cache
def _packaged(version: str | None) -> RuleSet:
    text = resources.files(__package__).joinpath("acceptance.json").read_text(encoding="utf-8")
    return parse_rules(_read_json(text), version)


def load_rules(version: str | None = None, path: Path | None = None) -> RuleSet:
    """The packaged rules (cached), or those in ``path``; ``version`` None means the latest."""
    if path is None:
        return _packaged(version)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise _fail(str(path), exc.strerror or "cannot read") from exc
    return parse_rules(_read_json(text), version)
