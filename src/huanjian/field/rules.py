"""Field rules and method templates kept as data (``rules.json``, ``methods.json``).

Every threshold and every checkpoint names its source and a confidence
(``src``: taken from the cited text; ``unconfirmed``: still to be checked).
"""

from __future__ import annotations

import hashlib
import json
import math
from functools import lru_cache
from importlib import resources
from typing import Any

from huanjian.errors import ValidationError

CUSTODY_ROLES = ("sampler", "transporter", "receiver", "supervisor", "enterprise")


def _load(name: str) -> dict[str, Any]:
    text = resources.files("huanjian.field").joinpath(name).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@lru_cache(maxsize=1)
def rules() -> dict[str, Any]:
    data = _load("rules.json")
    roles = data["custody_roles"]
    if set(roles["order"]) | set(roles["witnesses"]) != set(CUSTODY_ROLES):
        raise ValueError(f"rules.json: custody_roles must cover {CUSTODY_ROLES}")
    for key in ("checkin", "units", "plausibility", "recheck_plan", "finding_points"):
        if not data[key].get("source") or not data[key].get("confidence"):
            raise ValueError(f"rules.json: {key} needs a source and a confidence")
    return data


@lru_cache(maxsize=1)
def methods() -> dict[str, Any]:
    data = _load("methods.json")
    for key, tpl in data["templates"].items():
        for field in ("name_zh", "name_en", "standard", "medium", "pollutants", "checkpoints"):
            if not tpl.get(field):
                raise ValueError(f"methods.json: template {key} has no {field}")
        keys = [c["key"] for c in tpl["checkpoints"]]
        if len(keys) != len(set(keys)):
            raise ValueError(f"methods.json: template {key} repeats a checkpoint")
        for cp in tpl["checkpoints"]:
            if not cp.get("source") or cp.get("confidence") not in ("src", "unconfirmed"):
                raise ValueError(f"methods.json: {key}.{cp['key']} needs a source and a confidence")
    return data


def template(key: str) -> dict[str, Any]:
    tpl = methods()["templates"].get(key)
    if tpl is None:
        known = ", ".join(methods()["templates"])
        raise ValidationError(f"unknown method template {key!r}; one of {known}", field="method")
    return dict(tpl)


def checkpoint(tpl: dict[str, Any], key: str) -> dict[str, Any] | None:
    return next((dict(c) for c in tpl["checkpoints"] if c["key"] == key), None)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine, mean Earth radius 6,371,008.8 m)."""
    r = 6_371_008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(min(1.0, a)))


def canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def sha256_of(value: Any) -> str:
    return hashlib.sha256(canonical(value).encode("utf-8")).hexdigest()


def normalise_unit(unit: str) -> str:
    u = (unit or "").strip()
    aliases: dict[str, str] = rules()["units"]["aliases"]
    return aliases.get(u, u)


def unit_problem(unit: str, medium: str) -> str | None:
    """Why ``unit`` is not a legal unit for ``medium``; None when it is."""
    u = normalise_unit(unit)
    table = rules()["units"]
    if u in table["not_legal"]:
        return str(table["not_legal"][u])
    legal = table["legal"].get(medium, [])
    if u not in legal:
        return f"{unit!r} is not among the legal units for {medium}: {', '.join(legal)}"
    return None
