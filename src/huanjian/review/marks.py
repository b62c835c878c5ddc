"""The mark catalogue (``marks.toml``): kept as data, each category with its source.

Loaded once and validated: every field present, booleans boolean, deadlines ≥ 0,
confidence one of the rule files' confidences.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from huanjian.review.rules import CONFIDENCES, RuleError

__all__ = ["MarkType", "catalogue", "mark_type"]

PATH = Path(__file__).resolve().parent / "marks.toml"
_FIELDS = {
    "zh",
    "en",
    "affects_validity",
    "affects_exceedance",
    "declaration_required",
    "deadline_hours",
    "source",
    "clause",
    "confidence",
}


@dataclass(frozen=True, slots=True)
class MarkType:
    code: str
    zh: str
    en: str
    affects_validity: bool
    affects_exceedance: bool
    declaration_required: bool
    deadline_hours: int
    source: str
    clause: str
    confidence: str
    note: str = ""


def _parse(code: str, body: dict[str, Any]) -> MarkType:
    keys = set(body)
    if not keys >= _FIELDS or not keys <= _FIELDS | {"note"}:
        raise RuleError(f"marks.toml: mark {code!r} needs {sorted(_FIELDS)} (+ note), has {sorted(keys)}")
    for name in ("affects_validity", "affects_exceedance", "declaration_required"):
        if not isinstance(body[name], bool):
            raise RuleError(f"marks.toml: mark {code!r}: {name} must be true or false")
    deadline = body["deadline_hours"]
    if isinstance(deadline, bool) or not isinstance(deadline, int) or deadline < 0:
        raise RuleError(f"marks.toml: mark {code!r}: deadline_hours must be an integer ≥ 0")
    if body["confidence"] not in CONFIDENCES:
        raise RuleError(f"marks.toml: mark {code!r}: confidence must be one of {CONFIDENCES}")
    return MarkType(code=code, **body)


@cache
def catalogue() -> dict[str, MarkType]:
    with PATH.open("rb") as handle:
        data = tomllib.load(handle)
    marks = data.get("marks")
    if not isinstance(marks, dict) or not marks:
        raise RuleError("marks.toml: no [marks.*] tables")
    return {code: _parse(code, body) for code, body in marks.items()}


def mark_type(code: str) -> MarkType:
    try:
        return catalogue()[code]
    except KeyError:
        raise RuleError(f"unknown mark code {code!r}; known: {sorted(catalogue())}") from None
