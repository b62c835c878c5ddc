"""Deterministic demo register: a Shanghai-like set of sources, generated from a seed.

About 200 enterprises across the 16 districts (power, waste incineration,
cement, paper, chemicals, wastewater plants, boilers), about 400 outlets with
loggers, devices and filed parameters, permitted limits (DOMAIN §11 where it
gives them; other values are plausible demo values, marked in ``clause``),
contractors and labs with staff, certificates and service contracts, credit
grades, EIA approvals and an enforcement object list to match.

Everything goes through the register importer, so the demo data carry versions
and audit entries like real imports, and running the seed twice changes nothing.
All names are invented.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from huanjian.core.tx import Tx
from huanjian.geo.models import Jurisdiction
from huanjian.register import importer
from huanjian.register.identifiers import credit_check_char, org_check_char
from huanjian.register.kinds import KINDS

SEED = 310000
DISTRICTS = {
    "310101": "黄浦", "310104": "徐汇", "310105": "长宁", "310106": "静安",
    "310107": "普陀", "310109": "虹口", "310110": "杨浦", "310112": "闵行",
    "310113": "宝山", "310114": "嘉定", "310115": "浦东", "310116": "金山",
    "310117": "松江", "310118": "青浦", "310120": "奉贤", "310151": "崇明",
}  # fmt: skip
TRADE = "申江浦海沪宝金松青奉崇嘉闵徐静虹杨长黄普东西南北华联恒泰润丰源盛达通宏安康瑞鑫"

AIR = ["a21026", "a21002", "a34013", "a19001", "a01011", "a01012", "a01013", "a01014", "a00000"]
WATER_WWTP = ["w01018", "w21003", "w21011", "w21001", "w01001", "w00000"]
WATER = ["w01018", "w21003", "w01001", "w00000"]


@dataclass(frozen=True, slots=True)
class Industry:
    key: str
    label: str
    code: str
    weight: int
    permit_class: str
    air_outlets: tuple[int, int]
    water_outlets: int
    # (pollutant, value, unit, period, reference O2, standard, clause)
    air_limits: tuple[tuple[str, float, str, str, float | None, str, str], ...]
    water_limits: tuple[tuple[str, float | None, float | None, str, str, str, str], ...] = ()


POWER_LIMITS = (
    ("a34013", 10.0, "mg/m3", "hour", 6.0, "GB 13223-2011", "超低排放 [src: DOMAIN §11]"),
    ("a21026", 35.0, "mg/m3", "hour", 6.0, "GB 13223-2011", "超低排放 [src: DOMAIN §11]"),
    ("a21002", 50.0, "mg/m3", "hour", 6.0, "GB 13223-2011", "超低排放 [src: DOMAIN §11]"),
)
GAS_BOILER = (
    ("a34013", 20.0, "mg/m3", "hour", 3.5, "GB 13271-2014", "新建燃气锅炉 [src: DOMAIN §11]"),
    ("a21026", 50.0, "mg/m3", "hour", 3.5, "GB 13271-2014", "新建燃气锅炉 [src: DOMAIN §11]"),
    ("a21002", 200.0, "mg/m3", "hour", 3.5, "GB 13271-2014", "新建燃气锅炉 [src: DOMAIN §11]"),
)
COAL_BOILER = (
    ("a34013", 50.0, "mg/m3", "hour", 9.0, "GB 13271-2014", "新建燃煤锅炉 [src: DOMAIN §11]"),
    ("a21026", 300.0, "mg/m3", "hour", 9.0, "GB 13271-2014", "新建燃煤锅炉 [src: DOMAIN §11]"),
    ("a21002", 300.0, "mg/m3", "hour", 9.0, "GB 13271-2014", "新建燃煤锅炉 [src: DOMAIN §11]"),
)
INCINERATION = (
    ("a34013", 30.0, "mg/m3", "hour", 11.0, "GB 18485-2014", "1小时均值 [demo value]"),
    ("a21026", 100.0, "mg/m3", "hour", 11.0, "GB 18485-2014", "1小时均值 [demo value]"),
    ("a21002", 300.0, "mg/m3", "hour", 11.0, "GB 18485-2014", "1小时均值 [demo value]"),
    ("a34013", 20.0, "mg/m3", "day", 11.0, "GB 18485-2014", "24小时均值 [demo value]"),
    ("a21026", 80.0, "mg/m3", "day", 11.0, "GB 18485-2014", "24小时均值 [demo value]"),
    ("a21002", 250.0, "mg/m3", "day", 11.0, "GB 18485-2014", "24小时均值 [demo value]"),
)
CEMENT = (
    ("a34013", 20.0, "mg/m3", "hour", 10.0, "GB 4915-2013", "窑尾 [demo value]"),
    ("a21026", 100.0, "mg/m3", "hour", 10.0, "GB 4915-2013", "窑尾 [demo value]"),
    ("a21002", 320.0, "mg/m3", "hour", 10.0, "GB 4915-2013", "窑尾 [demo value]"),
)
CLASS_1A = (
    ("w01018", 50.0, None, "mg/L", "day", "GB 18918-2002", "一级A [src: DOMAIN §11]"),
    ("w21003", 5.0, None, "mg/L", "day", "GB 18918-2002", "一级A，水温>12℃ [src: DOMAIN §11]"),
    ("w21001", 15.0, None, "mg/L", "day", "GB 18918-2002", "一级A [src: DOMAIN §11]"),
    ("w21011", 0.5, None, "mg/L", "day", "GB 18918-2002", "一级A [src: DOMAIN §11]"),
    ("w01001", 9.0, 6.0, "pH", "day", "GB 18918-2002", "一级A [src: DOMAIN §11]"),
)
INDIRECT = (
    ("w01018", 500.0, None, "mg/L", "day", "DB31/199-2018", "纳管 [demo value]"),
    ("w21003", 45.0, None, "mg/L", "day", "DB31/199-2018", "纳管 [demo value]"),
    ("w01001", 9.0, 6.0, "pH", "day", "DB31/199-2018", "纳管 [demo value]"),
)
INDUSTRIES = (
    Industry("power", "热电", "D4411", 3, "key", (2, 3), 0, POWER_LIMITS),
    Industry("incineration", "环境能源", "N7820", 2, "key", (2, 2), 0, INCINERATION),
    Industry("cement", "水泥", "C3011", 1, "key", (2, 3), 0, CEMENT),
    Industry("paper", "纸业", "C2221", 2, "key", (1, 1), 1, GAS_BOILER, INDIRECT),
    Industry("chemicals", "化工", "C2614", 4, "key", (1, 2), 1, GAS_BOILER, INDIRECT),
    Industry("wastewater", "污水处理", "D4620", 3, "key", (0, 0), 1, (), CLASS_1A),
    Industry("gas_boiler", "热力", "D4430", 4, "simplified", (1, 3), 0, GAS_BOILER),
    Industry("coal_boiler", "印染", "C1713", 1, "simplified", (1, 1), 0, COAL_BOILER),
)


def credit_code(prefix: str, n: int, authority: str) -> str:
    body = f"{prefix}{n:06d}"
    first = "91" + authority + body + org_check_char(body)
    return first + credit_check_char(first)


#: The demo users' organisations (seed.DEMO_USERS refers to them by credit code).
DEMO_ENTERPRISE = credit_code("MD", 1, "310115")
DEMO_CONTRACTOR = credit_code("ME", 1, "310000")
DEMO_LAB = credit_code("MF", 1, "310000")


@dataclass
class SeedReport:
    rows: dict[str, dict[str, int]]

    def summary(self) -> str:
        return ", ".join(
            f"{kind} {r['created']}+{r['changed']}"
            + (f" ({r['rejected']} rejected)" if r["rejected"] else "")
            for kind, r in self.rows.items()
        )


def build(towns: dict[str, list[str]]) -> dict[str, list[dict[str, Any]]]:
    """All demo rows, by kind, in import order (pure: depends only on the seed)."""
    rnd = random.Random(SEED)
    rows: dict[str, list[dict[str, Any]]] = {k: [] for k in KINDS}

    contractors = [
        (DEMO_CONTRACTOR, "上海申环运维服务有限公司", "contractor"),
        *(
            (credit_code("ME", i, "310000"), f"上海{TRADE[i]}{TRADE[-i]}环境运维有限公司", "contractor")
            for i in range(2, 7)
        ),
    ]
    labs = [
        (DEMO_LAB, "上海申检环境检测有限公司", "lab"),
        *(
            (credit_code("MF", i, "310000"), f"上海{TRADE[i + 7]}{TRADE[-i - 3]}检测技术有限公司", "lab")
            for i in range(2, 5)
        ),
    ]
    consultancy = [(credit_code("MG", 1, "310000"), "上海浦江环境咨询有限公司", "consultancy")]
    for code, name, kind in [*contractors, *labs, *consultancy]:
        rows["organisations"].append(
            {
                "credit_code": code,
                "name": name,
                "kind": kind,
                "jurisdiction_code": "310000",
                "certification": "CMA" if kind == "lab" else None,
                "certificate_number": f"2115{rnd.randint(10**7, 10**8 - 1)}" if kind == "lab" else None,
                "certification_scope": "废气 a21026,a21002,a34013; 废水 w01018,w21003"
                if kind == "lab"
                else None,
                "certification_valid_until": "2028-12-31" if kind == "lab" else None,
            }
        )
        for s in range(1, rnd.randint(3, 5) + 1):
            pollutants = "a21026;a21002;a34013" if kind != "lab" or s % 2 else "w01018;w21003"
            rows["staff"].append(
                {
                    "organisation_credit_code": code,
                    "staff_number": f"S{s:03d}",
                    "name": rnd.choice("张王李赵陈刘杨黄周吴") + rnd.choice("伟敏静丽强磊军洋勇艳杰娟涛明超"),
                    "position": "运维工程师"
                    if kind == "contractor"
                    else "采样员"
                    if kind == "lab"
                    else "咨询师",
                    "certificate_number": f"{code[-6:]}-{s:03d}",
                    "certificate_method": "HJ 75-2017 CEMS 运维"
                    if kind == "contractor"
                    else "HJ 76-2017 比对监测",
                    "certificate_pollutants": pollutants,
                    "certificate_valid_from": "2024-01-01",
                    "certificate_valid_until": "2028-12-31" if s != 3 else "2026-06-30",
                }
            )

    weights = [i.weight for i in INDUSTRIES]
    used: set[str] = set()
    n_ent = 0
    mn_seq = 0
    for district in DISTRICTS:
        for _ in range(13 if district not in ("310101", "310106") else 11):
            n_ent += 1
            industry = INDUSTRIES[0] if n_ent == 1 else rnd.choices(INDUSTRIES, weights)[0]
            code = DEMO_ENTERPRISE if n_ent == 1 else credit_code("MD", n_ent, district)
            while True:
                trade = "浦江" if n_ent == 1 else "".join(rnd.sample(TRADE, 2))
                name = f"上海{trade}{industry.label}有限公司"
                if name not in used:
                    used.add(name)
                    break
            options = towns.get(district) or [district]
            town = options[0] if n_ent == 1 else rnd.choice(options)
            lon = round(121.0 + rnd.random() * 0.9, 5)
            lat = round(30.8 + rnd.random() * 0.8, 5)
            rows["enterprises"].append(
                {
                    "credit_code": code,
                    "name": name,
                    "former_names": f"上海{trade}{industry.label}厂" if rnd.random() < 0.1 else None,
                    "industry_code": industry.code,
                    "address": f"上海市{DISTRICTS[district]}区{trade}路{rnd.randint(1, 999)}号",
                    "jurisdiction_code": town,
                    "longitude": lon,
                    "latitude": lat,
                    "supervision_class": "key"
                    if industry.permit_class == "key"
                    else rnd.choice(["general", "simple"]),
                    "status": "operating",
                }
            )
            permit = f"{code}001P"
            allowances = []
            if industry.air_limits:
                allowances += [f"a21026:2026={rnd.randint(5, 300)}", f"a21002:2026={rnd.randint(10, 500)}"]
            if industry.water_limits:
                allowances += [f"w01018:2026={rnd.randint(5, 900)}", f"w21003:2026={rnd.randint(1, 90)}"]
            rows["permits"].append(
                {
                    "permit_number": permit,
                    "credit_code": code,
                    "permit_class": industry.permit_class,
                    "valid_from": f"{rnd.randint(2021, 2024)}-0{rnd.randint(1, 9)}-01",
                    "valid_until": f"{rnd.randint(2026, 2029)}-12-31",
                    "issuing_authority": f"上海市{DISTRICTS[district]}区生态环境局",
                    "emission_allowances": ";".join(allowances) or None,
                }
            )
            outlets: list[tuple[str, str]] = [
                (f"DA{i:03d}", "air") for i in range(1, rnd.randint(*industry.air_outlets) + 1)
            ] + [(f"DW{i:03d}", "water") for i in range(1, industry.water_outlets + 1)]
            contractor = contractors[0][0] if n_ent % 6 == 1 else rnd.choice(contractors)[0]
            for outlet_code, medium in outlets:
                seq = outlet_code[-3:]
                rows["outlets"].append(
                    {
                        "credit_code": code,
                        "outlet_code": outlet_code,
                        "name": f"{seq.lstrip('0')}号{'排气筒' if medium == 'air' else '废水总排口'}",
                        "height_m": rnd.choice([45, 60, 80, 120, 150, 210]) if medium == "air" else None,
                        "longitude": lon,
                        "latitude": lat,
                        "cross_section_m2": round(rnd.uniform(2, 20), 2) if medium == "air" else None,
                        "treatment_facilities": (
                            f"TA{seq} SCR脱硝;TA{int(seq) + 100:03d} 布袋除尘"
                            if medium == "air"
                            else f"TW{seq} A2O生化处理"
                        ),
                        "production_facilities": (
                            f"MF{seq} {'锅炉' if medium == 'air' else '生产线'}{seq.lstrip('0')}"
                        ),
                    }
                )
                mn_seq += 1
                mn = f"{district}{mn_seq:06d}{'A' if medium == 'air' else 'W'}{rnd.randrange(16**9):09X}"
                for pollutant in (
                    AIR if medium == "air" else WATER_WWTP if industry.key == "wastewater" else WATER
                ):
                    high = {"a21026": 200, "a21002": 300, "a34013": 50, "w01018": 200, "w21003": 30}.get(
                        pollutant
                    )
                    params = [f"range=0..{high}", "slope=1", "intercept=0"] if high else []
                    if pollutant == "a00000":
                        params = [
                            f"kv={rnd.choice([1.0, 1.05, 1.1, 1.2])}",
                            f"duct_area={rows['outlets'][-1]['cross_section_m2']}",
                        ]
                    if pollutant == "a19001":
                        params = ["range=0..25", f"excess_air={rnd.choice([1.4, 1.5, 1.75])}"]
                    rows["loggers"].append(
                        {
                            "mn": mn,
                            "credit_code": code,
                            "outlet_code": outlet_code,
                            "pollutant": pollutant,
                            "password": "123456",
                            "protocol": "2017",
                            "vendor": rnd.choice(["聚光科技", "雪迪龙", "先河环保", "力合科技", "西门子"]),
                            "model": f"CEMS-{rnd.randint(100, 999)}"
                            if medium == "air"
                            else f"WQ-{rnd.randint(10, 99)}",
                            "range_low": 0 if high else None,
                            "range_high": high,
                            "unit": None,
                            "install_date": f"20{rnd.randint(18, 23)}-0{rnd.randint(1, 9)}-15",
                            "acceptance_date": f"2024-0{rnd.randint(1, 9)}-20",
                            "analyser_cycle_min": 60
                            if pollutant in ("w01018", "w21003", "w21011", "w21001")
                            else None,
                            "contractor_credit_code": contractor,
                            "parameters": ";".join(params) or None,
                        }
                    )
                limits = industry.air_limits if medium == "air" else ()
                for pollutant, value, unit, period, o2, standard, clause in limits:
                    rows["limits"].append(
                        {
                            "credit_code": code,
                            "outlet_code": outlet_code,
                            "pollutant": pollutant,
                            "averaging_period": period,
                            "value": value,
                            "unit": unit,
                            "reference_o2": o2,
                            "standard": standard,
                            "clause": clause,
                            "valid_from": "2024-01-01",
                        }
                    )
                for pollutant, upper, lower, unit, period, standard, clause in (
                    industry.water_limits if medium == "water" else ()
                ):
                    rows["limits"].append(
                        {
                            "credit_code": code,
                            "outlet_code": outlet_code,
                            "pollutant": pollutant,
                            "averaging_period": period,
                            "value": upper,
                            "lower_value": lower,
                            "unit": unit,
                            "standard": standard,
                            "clause": clause,
                            "valid_from": "2024-01-01",
                        }
                    )
            rows["contracts"].append(
                {
                    "contract_number": f"YW-{code[-8:]}",
                    "provider_credit_code": contractor,
                    "enterprise_credit_code": code,
                    "service": "operation_maintenance",
                    "valid_from": "2026-01-01",
                    "valid_until": "2027-12-31",
                }
            )
            if n_ent % 2 == 1:
                lab = labs[0][0] if n_ent % 4 == 1 else rnd.choice(labs)[0]
                rows["contracts"].append(
                    {
                        "contract_number": f"JC-{code[-8:]}",
                        "provider_credit_code": lab,
                        "enterprise_credit_code": code,
                        "service": "self_monitoring",
                        "valid_from": "2025-01-01",
                        "valid_until": "2027-12-31",
                    }
                )
            if industry.permit_class == "key":
                rows["eia"].append(
                    {
                        "approval_number": f"沪{DISTRICTS[district]}环评〔20{rnd.randint(15, 24)}〕{n_ent}号",
                        "credit_code": code,
                        "project_name": f"{name}{rnd.choice(['新建项目', '技改项目', '超低排放改造项目'])}",
                        "authority": f"上海市{DISTRICTS[district]}区生态环境局",
                        "approval_date": f"20{rnd.randint(15, 22)}-0{rnd.randint(1, 9)}-10",
                        "acceptance_date": f"20{rnd.randint(23, 24)}-0{rnd.randint(1, 9)}-20",
                    }
                )
            rows["credit"].append(
                {
                    "credit_code": code,
                    "year": 2025,
                    "grade": rnd.choices(["green", "blue", "yellow", "red"], [30, 55, 12, 3])[0],
                    "source": "上海市生态环境局 2025 年度企业环境信用评价结果（演示）",
                    "published_date": "2026-03-31",
                }
            )
            if rnd.random() < 0.08:
                rows["supervision"].append(
                    {
                        "record_number": f"沪{DISTRICTS[district]}环罚〔2025〕{n_ent}号",
                        "credit_code": code,
                        "kind": "penalty",
                        "record_date": f"2025-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}",
                        "authority": f"上海市{DISTRICTS[district]}区生态环境局",
                        "result": "罚款",
                        "penalty_amount": rnd.choice([50000, 100000, 200000]),
                    }
                )
            if rnd.random() < 0.5:
                # The enforcement list writes names and addresses its own way.
                variant = rnd.random()
                if variant < 0.25:
                    obj_name = name.replace("有限公司", "有限责任公司")
                elif variant < 0.5:
                    obj_name = name.removeprefix("上海")
                elif variant < 0.65:  # a typo in the trade name: for the review queue
                    obj_name = name[:2] + rnd.choice([c for c in TRADE if c != name[2]]) + name[3:]
                else:
                    obj_name = name
                rows["enforcement-objects"].append(
                    {
                        "object_code": f"ZF{district}{n_ent:05d}",
                        "name": obj_name,
                        "credit_code": code if variant > 0.8 else None,
                        "address": f"{DISTRICTS[district]}区{trade}路",
                        "jurisdiction_code": district,
                    }
                )
    for i in range(8):  # branches and unknowns: these must not link on their own
        district = list(DISTRICTS)[i * 2]
        parent = rows["enterprises"][i * 20]["name"]
        rows["enforcement-objects"].append(
            {
                "object_code": f"ZF-X{i:03d}",
                "name": f"{parent}{DISTRICTS[district]}分公司"
                if i % 2 == 0
                else f"上海{TRADE[i]}{TRADE[i + 9]}物流有限公司",
                "credit_code": None,
                "address": f"{DISTRICTS[district]}区某路{i}号",
                "jurisdiction_code": district,
            }
        )
    return rows


#: Parents before the rows that refer to them.
IMPORT_ORDER = (
    "organisations",
    "staff",
    "enterprises",
    "permits",
    "outlets",
    "loggers",
    "limits",
    "contracts",
    "eia",
    "supervision",
    "credit",
    "enforcement-objects",
)


def _as_text(rows: Iterable[dict[str, Any]]) -> list[dict[str, str]]:
    return [{k: "" if v is None else str(v) for k, v in r.items()} for r in rows]


def seed_register(tx: Tx) -> SeedReport:
    towns: dict[str, list[str]] = {}
    for code, parent in tx.session.execute(
        select(Jurisdiction.code, Jurisdiction.parent_code).where(Jurisdiction.level == "town")
    ):
        if parent:
            towns.setdefault(parent, []).append(code)
    for v in towns.values():
        v.sort()
    report: dict[str, dict[str, int]] = {}
    built = build(towns)
    for kind in IMPORT_ORDER:
        rows = built[kind]
        if not rows:
            continue
        text = _as_text(rows)
        header = sorted(
            {k for r in text for k in r},
            key=lambda k: [c.name for c in KINDS[kind].columns].index(k),
        )
        result = importer.import_rows(tx, KINDS[kind], header, text, source=f"demo seed {SEED}")
        report[kind] = {
            k: int(v) for k, v in result.to_dict().items() if k in ("created", "changed", "rejected")
        }
    return SeedReport(report)
