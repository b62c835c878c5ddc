"""Casework rules kept as data (``rules.json``): recusal look-backs, the inspector library,
order reminder and escalation periods, the default duty split, legal bases with their source."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from huanjian.errors import ValidationError

LEVELS = ("city", "district", "town")
TIE_KINDS = ("equity", "employment", "kinship")


@lru_cache(maxsize=1)
def rules() -> dict[str, Any]:
    text = resources.files("huanjian.casework").joinpath("rules.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    _validate(data)
    return data


def _validate(data: dict[str, Any]) -> None:
    for service, rule in data["recusal"]["contracts"].items():
        if not isinstance(rule.get("look_back_days"), int) or rule["look_back_days"] < 0:
            raise ValueError(
                f"rules.json: recusal.contracts.{service}.look_back_days must be a whole number ≥ 0"
            )
    if set(data["recusal"]["tie_kinds"]) != set(TIE_KINDS):
        raise ValueError(f"rules.json: recusal.tie_kinds must name {TIE_KINDS}")
    for level, handler in data["handling_levels"].items():
        if level.startswith("_"):
            continue
        if level not in LEVELS or handler not in LEVELS:
            raise ValueError(f"rules.json: handling_levels {level!r} → {handler!r} outside {LEVELS}")
    codes = [b["code"] for b in data["legal_bases"]]
    if len(codes) != len(set(codes)):
        raise ValueError("rules.json: legal basis codes must be unique")
    for basis in data["legal_bases"]:
        for key in ("law", "article", "summary", "source", "confidence"):
            if not basis.get(key):
                raise ValueError(f"rules.json: legal basis {basis['code']} has no {key}")


def legal_bases() -> list[dict[str, Any]]:
    return list(rules()["legal_bases"])


def legal_basis(code: str) -> dict[str, Any]:
    for basis in rules()["legal_bases"]:
        if basis["code"] == code:
            return dict(basis)
    known = ", ".join(b["code"] for b in rules()["legal_bases"])
    raise ValidationError(f"unknown legal basis {code!r}; one of {known}", field="legal_basis")
