"""The packaged acceptance rules and the loader's checks."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from huanjian.errors import ConfigError
from huanjian.field.compare.rules import CONFIDENCES, load_rules, parse_rules

PACKAGED = Path(__file__).parents[2] / "src" / "huanjian" / "field" / "compare" / "acceptance.json"
CODES = {
    "a21026",
    "a21002",
    "a34013",
    "a19001",
    "a01011",
    "a01012",
    "a01014",
    "w01018",
    "w21003",
    "w21001",
    "w21011",
    "w01001",
}


def _doc() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        PACKAGED.read_text(encoding="utf-8"), parse_float=Decimal, parse_int=Decimal
    )
    return data


def test_every_parameter_of_the_issue_has_rules() -> None:
    rules = load_rules()
    assert set(rules.parameters) == CODES
    assert rules.version == "2026.1"


def test_every_band_and_minimum_keeps_source_clause_confidence() -> None:
    for rule in load_rules().parameters.values():
        assert rule.min_pairs.source and rule.min_pairs.clause and rule.min_pairs.confidence in CONFIDENCES
        for band in rule.bands:
            assert band.source in load_rules().sources, band.id
            assert band.clause and band.confidence in CONFIDENCES


def test_molar_volume_factors() -> None:
    params = load_rules().parameters
    assert params["a21026"].units == {"umol/mol": 1, "mg/m3": Decimal("2.86")}
    assert params["a21002"].units == {"umol/mol": 1, "mg/m3": Decimal("2.05")}


def test_versions_can_be_chosen(tmp_path: Path) -> None:
    doc = _doc()
    older = copy.deepcopy(doc["versions"][0])
    older["version"] = "2025.0"
    doc["versions"].insert(0, older)
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(doc, default=float), encoding="utf-8")
    assert load_rules(path=path).version == "2026.1"
    assert load_rules("2025.0", path=path).version == "2025.0"
    with pytest.raises(ConfigError, match="no version '1999'"):
        load_rules("1999", path=path)


def _so2_bands(doc: dict[str, Any]) -> list[dict[str, Any]]:
    bands: list[dict[str, Any]] = doc["versions"][0]["parameters"]["a21026"]["bands"]
    return bands


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda b: b.__setitem__(0, {**b[0], "lower": Decimal(260)}), "gap or overlap"),
        (lambda b: b.__setitem__(1, {**b[1], "upper_inclusive": True}), "exactly one"),
        (lambda b: b.pop(3), "fall in no band"),
        (lambda b: b.__setitem__(2, {**b[2], "confidence": "sure"}), "confidence"),
        (lambda b: b.__setitem__(2, {**b[2], "criterion": {"kind": "ratio", "limit": 1}}), "criterion.kind"),
        (
            lambda b: b.__setitem__(2, {**b[2], "criterion": {"kind": "relative_error", "limit": -1}}),
            "positive",
        ),
    ],
)
def test_loader_rejects_broken_tables(change: Any, message: str) -> None:
    doc = _doc()
    change(_so2_bands(doc))
    with pytest.raises(ConfigError, match=message):
        parse_rules(doc)


def test_band_unit_must_have_factor_one() -> None:
    doc = _doc()
    doc["versions"][0]["parameters"]["a21026"]["units"]["umol/mol"] = Decimal(2)
    with pytest.raises(ConfigError, match="factor 1"):
        parse_rules(doc)
