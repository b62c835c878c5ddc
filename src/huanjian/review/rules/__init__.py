"""Review rules as data: versioned TOML files, each rule with its source, clause and confidence.

A rule file (``<id>.toml`` in this directory) has a ``[meta]`` table (``id``,
``version``, ``medium``, ``basis``, ``title``) and one ``[rules.<name>]`` table per
rule with ``value``, ``source`` (standard), ``clause``, ``confidence`` (``std`` read
in the standard's text, ``src`` seen in a secondary source, ``unconfirmed``) and an
optional ``note``.  Numbers are corrected in the files, never in the engine; the
typed views in :mod:`huanjian.review.rules.typed` check types and ranges.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal, cast

__all__ = [
    "CONFIDENCES",
    "Confidence",
    "Rule",
    "RuleError",
    "RuleSet",
    "RuleValue",
    "available",
    "load_ruleset",
    "parse_ruleset",
]

Confidence = Literal["std", "src", "unconfirmed"]
CONFIDENCES: tuple[Confidence, ...] = ("std", "src", "unconfirmed")
RuleValue = bool | int | float | str | tuple[str, ...] | Mapping[str, float]

RULES_DIR = Path(__file__).resolve().parent
_META_KEYS = frozenset({"id", "version", "medium", "basis", "title"})
_RULE_KEYS = frozenset({"value", "source", "clause", "confidence", "note"})
_RULE_REQUIRED = frozenset({"value", "source", "clause", "confidence"})


class RuleError(ValueError):
    """A rule file or a rule value does not satisfy the schema."""


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    value: RuleValue
    source: str
    clause: str
    confidence: Confidence
    note: str = ""

    def cite(self) -> str:
        """One line for docs and reports: ``source clause [confidence]``."""
        return f"{self.source} {self.clause} [{self.confidence}]"


@dataclass(frozen=True, slots=True)
class RuleSet:
    id: str
    version: str
    medium: str
    basis: str
    title: str
    rules: Mapping[str, Rule]
    origin: str

    def rule(self, name: str) -> Rule:
        try:
            return self.rules[name]
        except KeyError:
            raise RuleError(f"{self.origin}: rule {name!r} is missing") from None

    def _typed(self, name: str, kinds: tuple[type, ...], what: str) -> object:
        value = self.rule(name).value
        if isinstance(value, bool) and bool not in kinds:
            raise RuleError(f"{self.origin}: rule {name!r} must be {what}, got a boolean")
        if not isinstance(value, kinds):
            raise RuleError(f"{self.origin}: rule {name!r} must be {what}, got {value!r}")
        return value

    def int_(self, name: str, *, minimum: int | None = None) -> int:
        value = cast(int, self._typed(name, (int,), "an integer"))
        if minimum is not None and value < minimum:
            raise RuleError(f"{self.origin}: rule {name!r} must be ≥ {minimum}, got {value}")
        return value

    def float_(self, name: str, *, low: float | None = None, high: float | None = None) -> float:
        value = float(cast(float, self._typed(name, (int, float), "a number")))
        if (low is not None and value < low) or (high is not None and value > high):
            raise RuleError(f"{self.origin}: rule {name!r} must lie in [{low}, {high}], got {value}")
        return value

    def str_(self, name: str, *, choices: tuple[str, ...] | None = None) -> str:
        value = cast(str, self._typed(name, (str,), "a string"))
        if choices is not None and value not in choices:
            raise RuleError(f"{self.origin}: rule {name!r} must be one of {choices}, got {value!r}")
        return value

    def bool_(self, name: str) -> bool:
        return cast(bool, self._typed(name, (bool,), "a boolean"))

    def strs(self, name: str) -> tuple[str, ...]:
        return cast(tuple[str, ...], self._typed(name, (tuple,), "a list of strings"))

    def table(self, name: str) -> Mapping[str, float]:
        return cast(Mapping[str, float], self._typed(name, (Mapping,), "a table of numbers"))


def _value(origin: str, name: str, raw: object) -> RuleValue:
    if isinstance(raw, bool | int | float | str):
        return raw
    if isinstance(raw, list):
        if not all(isinstance(item, str) for item in raw):
            raise RuleError(f"{origin}: rule {name!r}: a list value must hold strings only")
        return tuple(cast(list[str], raw))
    if isinstance(raw, dict):
        table: dict[str, float] = {}
        for key, item in raw.items():
            if isinstance(item, bool) or not isinstance(item, int | float):
                raise RuleError(f"{origin}: rule {name!r}: table entry {key!r} must be a number")
            table[str(key)] = float(item)
        return table
    raise RuleError(f"{origin}: rule {name!r}: unsupported value {raw!r}")


def parse_ruleset(data: Mapping[str, object], origin: str) -> RuleSet:
    """Validate the parsed TOML of one rule file and build its :class:`RuleSet`."""
    unknown = set(data) - {"meta", "rules"}
    if unknown:
        raise RuleError(f"{origin}: unknown top-level tables {sorted(unknown)}")
    meta = data.get("meta")
    if not isinstance(meta, dict) or set(meta) != _META_KEYS:
        raise RuleError(f"{origin}: [meta] must have exactly {sorted(_META_KEYS)}")
    if not all(isinstance(meta[key], str) and meta[key] for key in _META_KEYS):
        raise RuleError(f"{origin}: [meta] values must be non-empty strings")
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, dict) or not raw_rules:
        raise RuleError(f"{origin}: no [rules.*] tables")
    rules: dict[str, Rule] = {}
    for name, body in raw_rules.items():
        if not isinstance(body, dict):
            raise RuleError(f"{origin}: rule {name!r} must be a table")
        keys = set(body)
        if not keys >= _RULE_REQUIRED or not keys <= _RULE_KEYS:
            wanted = sorted(_RULE_REQUIRED)
            raise RuleError(f"{origin}: rule {name!r} needs {wanted} (+ note), has {sorted(keys)}")
        for key in ("source", "clause", "note"):
            if key in body and not isinstance(body[key], str):
                raise RuleError(f"{origin}: rule {name!r}: {key} must be a string")
        if not body["source"].strip() or not body["clause"].strip():
            raise RuleError(f"{origin}: rule {name!r}: source and clause must not be empty")
        confidence = body["confidence"]
        if confidence not in CONFIDENCES:
            raise RuleError(f"{origin}: rule {name!r}: confidence must be one of {CONFIDENCES}")
        rules[name] = Rule(
            name=name,
            value=_value(origin, name, body["value"]),
            source=body["source"],
            clause=body["clause"],
            confidence=cast(Confidence, confidence),
            note=body.get("note", ""),
        )
    return RuleSet(
        id=meta["id"],
        version=meta["version"],
        medium=meta["medium"],
        basis=meta["basis"],
        title=meta["title"],
        rules=rules,
        origin=origin,
    )


def available() -> list[str]:
    """Ids of the packaged rule files."""
    return sorted(path.stem for path in RULES_DIR.glob("*.toml"))


@cache
def load_ruleset(rule_id: str) -> RuleSet:
    """Load a packaged rule file by id (``flue_gas``, ``water_cycle`` …), validated."""
    path = RULES_DIR / f"{rule_id}.toml"
    if not path.is_file():
        raise RuleError(f"no rule file {rule_id!r}; available: {available()}")
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    ruleset = parse_ruleset(data, path.name)
    if ruleset.id != rule_id:
        raise RuleError(f"{path.name}: meta.id {ruleset.id!r} differs from the file name")
    return ruleset
