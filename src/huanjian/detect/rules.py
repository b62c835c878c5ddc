"""Detector parameters loaded from ``rules.json`` (rules as data, with source and confidence)."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from huanjian.errors import ConfigError

CONFIDENCES = ("std", "src", "unconfirmed", "tuned")


@dataclass(frozen=True)
class Rules:
    version: str
    common: dict[str, float]
    ranges: dict[str, tuple[float, float]]
    detectors: dict[str, dict[str, float]]
    raw: dict[str, Any]
    #: HJ 212 information code (i13008…) → filed parameter name (register.rules.FILED_PARAMETERS).
    info_codes: dict[str, str] = field(default_factory=dict)

    def params(self, code: str) -> dict[str, float]:
        return self.detectors.get(code, {})


def _values(section: dict[str, Any], where: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for name, item in section.items():
        if not isinstance(item, dict) or "value" not in item:
            raise ConfigError(f"detect rules: {where}.{name} needs value, source and confidence")
        if item.get("confidence") not in CONFIDENCES or not item.get("source"):
            raise ConfigError(f"detect rules: {where}.{name} needs a source and a known confidence")
        out[name] = float(item["value"])
    return out


def parse(raw: dict[str, Any]) -> Rules:
    """Validate and flatten a rules document."""
    if raw.get("schema") != 1:
        raise ConfigError("detect rules: unknown schema")
    ranges: dict[str, tuple[float, float]] = {}
    for code, r in raw.get("ranges", {}).items():
        if r.get("confidence") not in CONFIDENCES or not r.get("source"):
            raise ConfigError(f"detect rules: range {code} needs a source and a known confidence")
        lo, hi = float(r["min"]), float(r["max"])
        if lo >= hi:
            raise ConfigError(f"detect rules: range {code} is empty")
        ranges[code] = (lo, hi)
    detectors = {code: _values(sec, code) for code, sec in raw.get("detectors", {}).items()}
    info = raw.get("info_codes", {})
    if info and (info.get("confidence") not in CONFIDENCES or not info.get("source")):
        raise ConfigError("detect rules: info_codes needs a source and a known confidence")
    info_codes = {
        code: str(item["parameter"]) for code, item in info.get("codes", {}).items() if item.get("parameter")
    }
    return Rules(
        version=str(raw.get("version", "")),
        common=_values(raw.get("common", {}), "common"),
        ranges=ranges,
        detectors=detectors,
        raw=raw,
        info_codes=info_codes,
    )


@functools.cache
def load(path: str | None = None) -> Rules:
    """The packaged rules (or those at ``path``)."""
    if path is None:
        text = resources.files("huanjian.detect").joinpath("rules.json").read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    return parse(json.loads(text))
