"""Coded values and register rules, kept as data (GLOSSARY.md enumerations).

Each enumeration maps the code value to its Chinese label; templates, import
validation, the docs and the pages all read these tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

OUTLET_KINDS: Final = {"air": "废气", "water": "废水"}
PERMIT_CLASSES: Final = {"key": "重点管理", "simplified": "简化管理", "registered": "登记管理"}
SUPERVISION_CLASSES: Final = {"key": "重点监管对象", "general": "一般监管对象", "simple": "简易监管对象"}
SUPERVISING_LEVELS: Final = {"city": "市级", "district": "区级", "town": "街镇级"}
#: Enterprise environmental-risk level (企业突发环境事件风险等级, HJ 941-2018).
ENVIRONMENTAL_RISK_LEVELS: Final = {
    "major": "重大环境风险",
    "larger": "较大环境风险",
    "general": "一般环境风险",
}
CREDIT_GRADES: Final = {"green": "环保诚信", "blue": "良好", "yellow": "警示", "red": "不良"}
PERIODS: Final = {
    "realtime": "实时",
    "minute": "分钟",
    "hour": "小时",
    "day": "日",
    "month": "月",
    "year": "年",
}
ENTERPRISE_STATUSES: Final = {"operating": "运行", "suspended": "停产", "closed": "关闭"}
ORGANISATION_KINDS: Final = {
    "enterprise": "排污单位",
    "contractor": "运维机构",
    "lab": "社会化检测机构",
    "consultancy": "咨询机构",
    "bureau": "生态环境部门",
    "station": "监测站",
}
SERVICES: Final = {
    "operation_maintenance": "自动监测运维",
    "self_monitoring": "自行监测（委托检测）",
    "consultancy": "环保咨询",
    "eia": "环评编制",
}
SUPERVISION_KINDS: Final = {"inspection": "检查", "penalty": "行政处罚", "order": "责令整改/督办"}
LOGGER_PROTOCOLS: Final = {"2017": "HJ 212-2017", "2005": "HJ/T 212-2005", "2025": "HJ 212-2025"}
#: Filed instrument parameters (动态管控) and what they are.
FILED_PARAMETERS: Final = {
    "range": "量程",
    "slope": "斜率",
    "intercept": "截距",
    "kv": "速度场系数",
    "duct_area": "烟道截面积 (m²)",
    "excess_air": "过量空气系数",
    "o2_reference": "基准氧含量 (%)",
    "ka": "皮托管系数",
    "moisture": "湿度设定值 (%)",
}


@dataclass(frozen=True, slots=True)
class LevelRule:
    """Supervising level by permit class and industry (GB/T 4754 prefix)."""

    permit_class: str | None  # None: any
    industry_prefixes: tuple[str, ...]  # () : any
    level: str
    source: str


#: First match wins. Shanghai assigns the city the key units of the big emitting
#: industries and leaves the rest to districts and towns [unconfirmed: the
#: principle is in the Shanghai notice (DOMAIN §9), these thresholds are ours].
#: D44 power and heat, N7820 environmental sanitation (incineration), C301 cement,
#: C22 paper, C26 chemicals, D4620 wastewater treatment.
SUPERVISING_LEVEL_RULES: Final[tuple[LevelRule, ...]] = (
    LevelRule("key", ("D441", "N782", "C301", "C22", "C26", "D462"), "city", "unconfirmed: huanjian default"),
    LevelRule("key", (), "district", "unconfirmed: huanjian default"),
    LevelRule("simplified", (), "district", "unconfirmed: huanjian default"),
    LevelRule("registered", (), "town", "unconfirmed: huanjian default"),
    LevelRule(None, (), "district", "unconfirmed: huanjian default (no permit)"),
)


def supervising_level(permit_class: str | None, industry_code: str | None) -> tuple[str, str]:
    """(level, description of the rule that chose it)."""
    industry = (industry_code or "").upper()
    for i, rule in enumerate(SUPERVISING_LEVEL_RULES, start=1):
        if rule.permit_class is not None and rule.permit_class != permit_class:
            continue
        if rule.industry_prefixes and not industry.startswith(rule.industry_prefixes):
            continue
        what = f"permit class {permit_class or '-'}, industry {industry or '-'}"
        return rule.level, f"rule {i} ({what}; {rule.source})"
    return "district", "no rule matched"


#: The strongest permit class when an enterprise holds several.
PERMIT_CLASS_ORDER: Final = ("key", "simplified", "registered")
