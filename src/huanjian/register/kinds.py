"""The import kinds: their columns, natural keys, reference checks and how a
parsed row is applied to the current tables.

Each kind is data (:class:`Kind`): the template, the docs, import validation
and export all read the same column list.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from huanjian.core.time import utcnow
from huanjian.geo.models import Jurisdiction
from huanjian.register import rules
from huanjian.register.columns import Column
from huanjian.register.models import (
    Certificate,
    CreditGrade,
    Device,
    EiaApproval,
    EmissionAllowance,
    EnforcementObject,
    Enterprise,
    Facility,
    FiledParameter,
    Limit,
    Logger,
    MonitoringPoint,
    Organisation,
    Outlet,
    Permit,
    ServiceContract,
    Staff,
    SupervisionRecord,
)

Row = dict[str, Any]


class RowProblem(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _d(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(value)


@dataclass
class Applied:
    entity: Any
    enterprise: Enterprise | None
    jurisdiction_code: str | None


@dataclass
class Ctx:
    """Caches of one batch: everything a row may refer to, loaded once."""

    session: Session
    today: date
    _jurisdictions: set[str] | None = None
    _orgs: dict[str, Organisation] | None = None
    _outlets: dict[tuple[int, str], Outlet] | None = None
    _loggers: dict[str, Logger] | None = None
    touched_enterprises: set[int] = field(default_factory=set)
    new_enterprises: list[Enterprise] = field(default_factory=list)
    logger_rows: dict[str, tuple[int, Row]] = field(default_factory=dict)

    @property
    def jurisdictions(self) -> set[str]:
        if self._jurisdictions is None:
            self._jurisdictions = set(self.session.scalars(select(Jurisdiction.code)))
        return self._jurisdictions

    @property
    def orgs(self) -> dict[str, Organisation]:
        if self._orgs is None:
            stmt = select(Organisation).where(Organisation.credit_code.is_not(None))
            self._orgs = {o.credit_code: o for o in self.session.scalars(stmt) if o.credit_code}
            # Load the enterprise rows in one query too (identity map keeps them).
            list(self.session.scalars(select(Enterprise)))
        return self._orgs

    def enterprise(self, credit_code: str, column: str = "credit_code") -> Enterprise:
        org = self.orgs.get(credit_code)
        if org is None or org.kind != "enterprise":
            raise RowProblem(column, f"no enterprise with credit code {credit_code} in the register")
        ent = org.enterprise
        assert ent is not None
        if ent.id is None:
            self.session.flush()  # created earlier in this batch
        return ent

    def organisation(self, credit_code: str, column: str) -> Organisation:
        org = self.orgs.get(credit_code)
        if org is None:
            raise RowProblem(column, f"no organisation with credit code {credit_code} in the register")
        return org

    @property
    def outlets(self) -> dict[tuple[int, str], Outlet]:
        if self._outlets is None:
            self._outlets = {
                (o.enterprise_id, o.outlet_code): o for o in self.session.scalars(select(Outlet))
            }
        return self._outlets

    def outlet(self, ent: Enterprise, code: str) -> Outlet:
        outlet = self.outlets.get((ent.id, code)) if ent.id is not None else None
        if outlet is None:
            raise RowProblem("outlet_code", f"enterprise {ent.credit_code} has no outlet {code}")
        return outlet

    @property
    def loggers(self) -> dict[str, Logger]:
        if self._loggers is None:
            self._loggers = {lg.mn: lg for lg in self.session.scalars(select(Logger))}
        return self._loggers

    def check_jurisdiction(self, code: str | None, column: str = "jurisdiction_code") -> None:
        if code is not None and code not in self.jurisdictions:
            raise RowProblem(column, f"jurisdiction {code} is not in the register's jurisdiction list")


@dataclass(frozen=True)
class Kind:
    name: str
    zh: str
    columns: tuple[Column, ...]
    key: Callable[[Row], str]
    apply: Callable[[Ctx, Row], Applied]
    valid_time: Callable[[Row, date], tuple[date, date | None]]
    check: Callable[[Ctx, Row], None] = lambda ctx, row: None
    description: str = ""
    #: Effective-dated kinds: a first version without an effective date is taken
    #: to have always been true (valid from EARLIEST), later ones from the import date.
    open_start: bool = False

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def data_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if not c.meta)


EARLIEST = date(1900, 1, 1)


def _effective(row: Row, today: date) -> tuple[date, date | None]:
    return (_d(row.get("effective_date")) or today, None)


def _validity(start: str, end: str) -> Callable[[Row, date], tuple[date, date | None]]:
    def valid(row: Row, today: date) -> tuple[date, date | None]:
        return (_d(row.get(start)) or today, _d(row.get(end)))

    return valid


EFFECTIVE = Column(
    "effective_date",
    "生效日期",
    "date",
    example="2026-01-01",
    note="the date from which this row is true; empty: always (new object) or the import date (change)",
    meta=True,
)
CREDIT = Column("credit_code", "统一社会信用代码", "credit_code", True, example="91310115MA1K4ABC4H")


def _set(obj: Any, values: Mapping[str, Any]) -> None:
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)


# --------------------------------------------------------------------------- enterprises


def _enterprise_level(ent: Enterprise, session: Session) -> None:
    classes = {p.permit_class for p in session.scalars(select(Permit).where(Permit.enterprise_id == ent.id))}
    strongest = next((c for c in rules.PERMIT_CLASS_ORDER if c in classes), None)
    if ent.supervising_level_override:
        level, why = ent.supervising_level_override, "manual override"
    else:
        level, why = rules.supervising_level(strongest, ent.industry_code)
    _set(ent, {"supervising_level": level, "supervising_level_rule": why[:200]})


def _check_enterprise(ctx: Ctx, row: Row) -> None:
    ctx.check_jurisdiction(row["jurisdiction_code"])
    org = ctx.orgs.get(row["credit_code"])
    if org is not None and org.kind != "enterprise":
        raise RowProblem("credit_code", f"credit code belongs to a {org.kind}, not an enterprise")
    for name, low, high in (("longitude", 73.0, 136.0), ("latitude", 3.0, 54.0)):
        v = row.get(name)
        if v is not None and not low <= v <= high:
            raise RowProblem(name, f"{v} is outside China ({low}–{high})")


def _apply_enterprise(ctx: Ctx, row: Row) -> Applied:
    org = ctx.orgs.get(row["credit_code"])
    former = list(row["former_names"] or [])
    if org is None:
        org = Organisation(
            kind="enterprise", credit_code=row["credit_code"], name=row["name"], updated_at=utcnow()
        )
        ent = Enterprise(organisation=org)
        ctx.session.add(org)
        ctx.orgs[row["credit_code"]] = org
        ctx.new_enterprises.append(ent)
    else:
        ent = org.enterprise or Enterprise(organisation=org)
        if org.name != row["name"] and org.name not in former:
            former.append(org.name)  # a rename keeps the old name searchable
    _set(
        org,
        {
            "name": row["name"],
            "former_names": sorted(set(former)),
            "address": row["address"],
            "jurisdiction_code": row["jurisdiction_code"],
            "status": row["status"],
            "updated_at": utcnow(),
        },
    )
    _set(
        ent,
        {
            "industry_code": row["industry_code"],
            "longitude": row["longitude"],
            "latitude": row["latitude"],
            "supervision_class": row["supervision_class"],
            "supervising_level_override": row["supervising_level_override"],
        },
    )
    if ent.id is None:
        level, why = (
            (row["supervising_level_override"], "manual override")
            if row["supervising_level_override"]
            else rules.supervising_level(None, row["industry_code"])
        )
        ent.supervising_level, ent.supervising_level_rule = level, why[:200]
    else:
        _enterprise_level(ent, ctx.session)
    return Applied(ent, ent, row["jurisdiction_code"])


ENTERPRISES = Kind(
    "enterprises",
    "排污单位",
    (
        CREDIT,
        Column("name", "单位名称", required=True, example="上海某热电有限公司"),
        Column("former_names", "曾用名", "list", example="上海某电厂", note="separate names with ;"),
        Column("industry_code", "行业类别 (GB/T 4754)", example="D4411"),
        Column("address", "生产经营场所地址", example="上海市浦东新区高桥镇某路1号"),
        Column("jurisdiction_code", "所在行政区划 (区或街镇代码)", "jurisdiction", True, example="310115103"),
        Column("longitude", "经度", "float", example="121.5731"),
        Column("latitude", "纬度", "float", example="31.3512"),
        Column(
            "supervision_class",
            "监管类别",
            "enum",
            values=rules.SUPERVISION_CLASSES,
            example="key",
            default="general",
        ),
        Column(
            "supervising_level_override",
            "监管层级（人工指定，空则按规则）",
            "enum",
            values=rules.SUPERVISING_LEVELS,
            note="empty: set by the rule (permit class, industry)",
        ),
        Column(
            "status",
            "状态",
            "enum",
            values=rules.ENTERPRISE_STATUSES,
            example="operating",
            default="operating",
        ),
        EFFECTIVE,
    ),
    key=lambda r: r["credit_code"],
    apply=_apply_enterprise,
    valid_time=_effective,
    open_start=True,
    check=_check_enterprise,
    description="Enterprises (discharging units): identity, location, supervision class.",
)


# --------------------------------------------------------------------------- permits


def _check_permit(ctx: Ctx, row: Row) -> None:
    number: str = row["permit_number"]
    if not number.startswith("H9") and number[:18] != row["credit_code"]:
        raise RowProblem("permit_number", f"characters 1-18 {number[:18]} differ from credit_code")
    ctx.enterprise(row["credit_code"])
    if row["valid_until"] and row["valid_until"] < row["valid_from"]:
        raise RowProblem("valid_until", "before valid_from")


def _apply_permit(ctx: Ctx, row: Row) -> Applied:
    ent = ctx.enterprise(row["credit_code"])
    permit = ctx.session.scalars(select(Permit).where(Permit.permit_number == row["permit_number"])).first()
    if permit is None:
        permit = Permit(permit_number=row["permit_number"], enterprise_id=ent.id, allowances=[])
        ctx.session.add(permit)
    _set(
        permit,
        {
            "enterprise_id": ent.id,
            "permit_class": row["permit_class"],
            "valid_from": _d(row["valid_from"]),
            "valid_until": _d(row["valid_until"]),
            "issuing_authority": row["issuing_authority"],
        },
    )
    wanted = {(a["pollutant"], a["year"]): a["amount_t"] for a in row["emission_allowances"] or []}
    for a in list(permit.allowances):
        if (a.pollutant, a.year) not in wanted:
            permit.allowances.remove(a)
        else:
            a.amount_t = wanted.pop((a.pollutant, a.year))
    for (pollutant, year), amount in sorted(wanted.items()):
        permit.allowances.append(EmissionAllowance(pollutant=pollutant, year=year, amount_t=amount))
    ctx.session.flush()
    _enterprise_level(ent, ctx.session)
    return Applied(permit, ent, ent.jurisdiction_code)


PERMITS = Kind(
    "permits",
    "排污许可证/排污登记",
    (
        Column(
            "permit_number", "许可证编号/登记编号", "permit_number", True, example="91310115MA1K4ABC4H001P"
        ),
        CREDIT,
        Column("permit_class", "许可管理类别", "enum", True, rules.PERMIT_CLASSES, example="key"),
        Column("valid_from", "有效期起", "date", True, example="2023-07-01"),
        Column("valid_until", "有效期至（含）", "date", example="2028-06-30"),
        Column("issuing_authority", "发证机关", example="上海市浦东新区生态环境局"),
        Column(
            "emission_allowances",
            "许可排放量（吨/年）",
            "allowances",
            example="a21026:2026=120.5;a21002:2026=180",
            note="POLLUTANT:YEAR=TONNES, separated by ;",
        ),
    ),
    key=lambda r: r["permit_number"],
    apply=_apply_permit,
    valid_time=_validity("valid_from", "valid_until"),
    check=_check_permit,
    description="Discharge permits and registrations, with permitted annual emission amounts.",
)


# --------------------------------------------------------------------------- outlets


def _check_outlet(ctx: Ctx, row: Row) -> None:
    ctx.enterprise(row["credit_code"])
    derived = "air" if row["outlet_code"].startswith("DA") else "water"
    if row["kind"] is not None and row["kind"] != derived:
        raise RowProblem("kind", f"outlet {row['outlet_code']} is a {derived} outlet, not {row['kind']}")
    for f in row["treatment_facilities"] or []:
        medium = "air" if f["code"].startswith("TA") else "water" if f["code"].startswith("TW") else None
        if medium is not None and medium != derived:
            raise RowProblem("treatment_facilities", f"{f['code']} treats {medium}, the outlet is {derived}")


def _facilities(ctx: Ctx, ent: Enterprise, outlet: Outlet, kind: str, items: list[dict[str, str]]) -> None:
    existing = {
        f.facility_code: f
        for f in ctx.session.scalars(
            select(Facility).where(Facility.enterprise_id == ent.id, Facility.kind == kind)
        )
    }
    for item in items:
        fac = existing.get(item["code"])
        if fac is None:
            fac = Facility(enterprise_id=ent.id, kind=kind, facility_code=item["code"], name=item["name"])
            ctx.session.add(fac)
        _set(fac, {"name": item["name"], "outlet_id": outlet.id})


def _apply_outlet(ctx: Ctx, row: Row) -> Applied:
    ent = ctx.enterprise(row["credit_code"])
    outlet = ctx.outlets.get((ent.id, row["outlet_code"]))
    if outlet is None:
        outlet = Outlet(enterprise_id=ent.id, outlet_code=row["outlet_code"], kind="air")
        ctx.session.add(outlet)
        ctx.outlets[(ent.id, row["outlet_code"])] = outlet
    _set(
        outlet,
        {
            "name": row["name"],
            "kind": "air" if row["outlet_code"].startswith("DA") else "water",
            "height_m": row["height_m"],
            "longitude": row["longitude"],
            "latitude": row["latitude"],
            "cross_section_m2": row["cross_section_m2"],
        },
    )
    ctx.session.flush()
    point_name = row["monitoring_point"] or f"{row['outlet_code']}-1"
    point = ctx.session.scalars(select(MonitoringPoint).where(MonitoringPoint.outlet_id == outlet.id)).first()
    if point is None:
        ctx.session.add(MonitoringPoint(outlet_id=outlet.id, name=point_name))
    elif point.name != point_name:
        point.name = point_name
    _facilities(ctx, ent, outlet, "treatment", row["treatment_facilities"] or [])
    _facilities(ctx, ent, outlet, "production", row["production_facilities"] or [])
    return Applied(outlet, ent, ent.jurisdiction_code)


OUTLETS = Kind(
    "outlets",
    "排放口",
    (
        CREDIT,
        Column("outlet_code", "排放口编号", "outlet_code", True, example="DA001"),
        Column("kind", "排放口类型", "enum", values=rules.OUTLET_KINDS, example="air", note="from the code"),
        Column("name", "排放口名称", example="1号锅炉烟囱"),
        Column("height_m", "排气筒高度 (m)", "float", example="120"),
        Column("longitude", "经度", "float", example="121.5731"),
        Column("latitude", "纬度", "float", example="31.3512"),
        Column("cross_section_m2", "烟道截面积 (m²)", "float", example="12.56"),
        Column("monitoring_point", "监测点位名称", example="DA001-1"),
        Column(
            "treatment_facilities",
            "治理设施",
            "treatment_facilities",
            example="TA001 SCR脱硝;TA002 布袋除尘",
            note="CODE NAME, separated by ;",
        ),
        Column(
            "production_facilities",
            "产污生产设施",
            "production_facilities",
            example="MF0001 1号锅炉",
            note="CODE NAME, separated by ;",
        ),
        EFFECTIVE,
    ),
    key=lambda r: f"{r['credit_code']}|{r['outlet_code']}",
    apply=_apply_outlet,
    valid_time=_effective,
    open_start=True,
    check=_check_outlet,
    description="Outlets, their monitoring point, treatment and production facilities.",
)


# --------------------------------------------------------------------------- loggers and devices

LOGGER_FIELDS = ("credit_code", "outlet_code", "password", "protocol", "time_offset_hours")


def _check_logger(ctx: Ctx, row: Row) -> None:
    ent = ctx.enterprise(row["credit_code"])
    ctx.outlet(ent, row["outlet_code"])
    existing = ctx.loggers.get(row["mn"])
    if existing is not None and existing.enterprise_id != ent.id:
        raise RowProblem("mn", f"MN {row['mn']} is already registered to another enterprise")
    if row["contractor_credit_code"]:
        org = ctx.organisation(row["contractor_credit_code"], "contractor_credit_code")
        if org.kind != "contractor":
            raise RowProblem("contractor_credit_code", f"organisation is a {org.kind}, not a contractor")
    if (
        row["range_low"] is not None
        and row["range_high"] is not None
        and row["range_low"] > row["range_high"]
    ):
        raise RowProblem("range_high", "below range_low")
    if row["time_offset_hours"] is not None and not -12 <= row["time_offset_hours"] <= 14:
        raise RowProblem("time_offset_hours", "expected hours east of UTC, -12 to 14")
    first = ctx.logger_rows.get(row["mn"])
    if first is not None:
        for name in LOGGER_FIELDS:
            if first[1][name] != row[name]:
                raise RowProblem(name, f"differs from row {first[0]} for the same MN")


def _apply_logger(ctx: Ctx, row: Row) -> Applied:
    ent = ctx.enterprise(row["credit_code"])
    outlet = ctx.outlet(ent, row["outlet_code"])
    logger = ctx.loggers.get(row["mn"])
    if logger is None:
        logger = Logger(mn=row["mn"], enterprise_id=ent.id, outlet_id=outlet.id, devices=[])
        ctx.session.add(logger)
        ctx.loggers[row["mn"]] = logger
    _set(
        logger,
        {
            "enterprise_id": ent.id,
            "outlet_id": outlet.id,
            "password": row["password"],
            "protocol": row["protocol"],
            "time_offset_hours": row["time_offset_hours"],
        },
    )
    ctx.session.flush()
    device = next((d for d in logger.devices if d.pollutant == row["pollutant"]), None)
    if device is None:
        device = Device(logger_id=logger.id, pollutant=row["pollutant"], parameters=[])
        logger.devices.append(device)
    contractor = ctx.orgs[row["contractor_credit_code"]] if row["contractor_credit_code"] else None
    _set(
        device,
        {
            "vendor": row["vendor"],
            "model": row["model"],
            "range_low": row["range_low"],
            "range_high": row["range_high"],
            "unit": row["unit"],
            "install_date": _d(row["install_date"]),
            "acceptance_date": _d(row["acceptance_date"]),
            "analyser_cycle_min": row["analyser_cycle_min"],
            "contractor_id": contractor.id if contractor else None,
        },
    )
    wanted: dict[str, dict[str, float | None]] = dict(row["parameters"] or {})
    for p in list(device.parameters):
        if p.name not in wanted:
            device.parameters.remove(p)
        else:
            _set(p, wanted.pop(p.name))
    for name, values in sorted(wanted.items()):
        device.parameters.append(FiledParameter(name=name, **values))
    ctx.session.flush()
    return Applied(device, ent, ent.jurisdiction_code)


LOGGERS = Kind(
    "loggers",
    "数采仪及监测设备",
    (
        Column("mn", "数采仪MN号", "mn", True, example="31011500000001A0000001F1"),
        CREDIT,
        Column("outlet_code", "排放口编号", "outlet_code", True, example="DA001"),
        Column("pollutant", "监测因子 (HJ 212 编码)", "pollutant", True, example="a21026"),
        Column("password", "访问密码 (PW)", example="123456"),
        Column("protocol", "协议版本", "enum", values=rules.LOGGER_PROTOCOLS, example="2017", default="2017"),
        Column(
            "time_offset_hours",
            "时区偏移（小时，非北京时间时填写）",
            "float",
            note="empty: China Standard Time (UTC+8)",
        ),
        Column("vendor", "设备厂家", example="某分析仪器公司"),
        Column("model", "设备型号", example="CEMS-2000"),
        Column("range_low", "量程下限", "float", example="0"),
        Column("range_high", "量程上限", "float", example="200"),
        Column("unit", "计量单位", example="mg/m3"),
        Column("install_date", "安装日期", "date", example="2022-05-01"),
        Column("acceptance_date", "验收日期", "date", example="2022-06-15"),
        Column("analyser_cycle_min", "水质分析仪测量周期（分钟）", "int"),
        Column("contractor_credit_code", "运维单位信用代码", "credit_code", example="91310000MA1FL0XK0Y"),
        Column(
            "parameters",
            "备案参数（动态管控）",
            "parameters",
            example="slope=1.0;intercept=0;range=0..200;kv=1.1..1.3;duct_area=12.56",
            note="NAME=VALUE or NAME=LOW..HIGH; names: " + ", ".join(rules.FILED_PARAMETERS),
        ),
        EFFECTIVE,
    ),
    key=lambda r: f"{r['mn']}|{r['pollutant']}",
    apply=_apply_logger,
    valid_time=_effective,
    open_start=True,
    check=_check_logger,
    description="Loggers (one row per device: logger columns repeat), devices, filed parameters.",
)


# --------------------------------------------------------------------------- limits


def _check_limit(ctx: Ctx, row: Row) -> None:
    ent = ctx.enterprise(row["credit_code"])
    ctx.outlet(ent, row["outlet_code"])
    if row["value"] is None and row["lower_value"] is None:
        raise RowProblem("value", "give value (upper limit), lower_value, or both")
    if row["value"] is not None and row["lower_value"] is not None and row["lower_value"] > row["value"]:
        raise RowProblem("lower_value", "above value")
    if row["reference_o2"] is not None and not 0 <= row["reference_o2"] < 21:
        raise RowProblem("reference_o2", "expected a percentage 0–21")
    if row["valid_until"] and row["valid_until"] < row["valid_from"]:
        raise RowProblem("valid_until", "before valid_from")


def _apply_limit(ctx: Ctx, row: Row) -> Applied:
    ent = ctx.enterprise(row["credit_code"])
    outlet = ctx.outlet(ent, row["outlet_code"])
    start = _d(row["valid_from"])
    limit = ctx.session.scalars(
        select(Limit).where(
            Limit.outlet_id == outlet.id,
            Limit.pollutant == row["pollutant"],
            Limit.averaging_period == row["averaging_period"],
            Limit.valid_from == start,
        )
    ).first()
    if limit is None:
        limit = Limit(
            outlet_id=outlet.id,
            pollutant=row["pollutant"],
            averaging_period=row["averaging_period"],
            valid_from=start,
        )
        ctx.session.add(limit)
    _set(
        limit,
        {
            "value": row["value"],
            "lower_value": row["lower_value"],
            "unit": row["unit"],
            "reference_o2": row["reference_o2"],
            "excess_air_coefficient": row["excess_air_coefficient"],
            "standard": row["standard"],
            "clause": row["clause"],
            "valid_until": _d(row["valid_until"]),
        },
    )
    return Applied(limit, ent, ent.jurisdiction_code)


LIMITS = Kind(
    "limits",
    "许可排放限值",
    (
        CREDIT,
        Column("outlet_code", "排放口编号", "outlet_code", True, example="DA001"),
        Column("pollutant", "污染物 (HJ 212 编码)", "pollutant", True, example="a21026"),
        Column("averaging_period", "均值时段", "enum", True, rules.PERIODS, example="hour"),
        Column("value", "限值（上限）", "float", example="35"),
        Column("lower_value", "下限（如 pH）", "float"),
        Column("unit", "单位", required=True, example="mg/m3"),
        Column("reference_o2", "基准氧含量 (%)", "float", example="6"),
        Column("excess_air_coefficient", "基准过量空气系数", "float"),
        Column("standard", "执行标准", required=True, example="GB 13223-2011"),
        Column("clause", "条款", example="超低排放 (环发〔2015〕164号)"),
        Column("valid_from", "生效日期", "date", True, example="2024-01-01"),
        Column("valid_until", "失效日期（含）", "date"),
    ),
    key=lambda r: "|".join(
        (r["credit_code"], r["outlet_code"], r["pollutant"], r["averaging_period"], r["valid_from"])
    ),
    apply=_apply_limit,
    valid_time=_validity("valid_from", "valid_until"),
    check=_check_limit,
    description="Permitted limits per outlet, pollutant and averaging period, with validity.",
)


# --------------------------------------------------------------------------- organisations and people

NON_ENTERPRISE_KINDS = {k: v for k, v in rules.ORGANISATION_KINDS.items() if k != "enterprise"}


def _check_organisation(ctx: Ctx, row: Row) -> None:
    ctx.check_jurisdiction(row["jurisdiction_code"])
    org = ctx.orgs.get(row["credit_code"])
    if org is not None and org.kind != row["kind"]:
        raise RowProblem("kind", f"this credit code is registered as a {org.kind}")


def _apply_organisation(ctx: Ctx, row: Row) -> Applied:
    org = ctx.orgs.get(row["credit_code"])
    if org is None:
        org = Organisation(
            kind=row["kind"], credit_code=row["credit_code"], name=row["name"], former_names=[]
        )
        ctx.session.add(org)
        ctx.orgs[row["credit_code"]] = org
    _set(
        org,
        {
            "name": row["name"],
            "address": row["address"],
            "jurisdiction_code": row["jurisdiction_code"],
            "certification": row["certification"],
            "certificate_number": row["certificate_number"],
            "certification_scope": row["certification_scope"],
            "certification_valid_until": _d(row["certification_valid_until"]),
            "updated_at": utcnow(),
        },
    )
    return Applied(org, None, row["jurisdiction_code"])


ORGANISATIONS = Kind(
    "organisations",
    "运维/检测/咨询机构及监管、监测单位",
    (
        CREDIT,
        Column("name", "机构名称", required=True, example="上海某环境监测技术有限公司"),
        Column("kind", "机构类型", "enum", True, NON_ENTERPRISE_KINDS, example="lab"),
        Column("address", "地址", example="上海市徐汇区某路2号"),
        Column("jurisdiction_code", "所在行政区划", "jurisdiction", example="310104"),
        Column("certification", "资质类型", example="CMA"),
        Column("certificate_number", "资质证书编号", example="211512345678"),
        Column("certification_scope", "资质认定范围", example="废气: a21026,a21002,a34013"),
        Column("certification_valid_until", "资质有效期至", "date", example="2027-12-31"),
        EFFECTIVE,
    ),
    key=lambda r: r["credit_code"],
    apply=_apply_organisation,
    valid_time=_effective,
    open_start=True,
    check=_check_organisation,
    description="O&M contractors, labs, consultancies, bureaus and stations (enterprises: kind enterprises).",
)


def _check_staff(ctx: Ctx, row: Row) -> None:
    ctx.organisation(row["organisation_credit_code"], "organisation_credit_code")
    if not row["certificate_number"] and any(
        row[c] for c in ("certificate_method", "certificate_pollutants", "certificate_valid_until")
    ):
        raise RowProblem("certificate_number", "required when other certificate columns are filled")


def _apply_staff(ctx: Ctx, row: Row) -> Applied:
    org = ctx.organisation(row["organisation_credit_code"], "organisation_credit_code")
    if org.id is None:
        ctx.session.flush()
    person = ctx.session.scalars(
        select(Staff).where(Staff.organisation_id == org.id, Staff.staff_number == row["staff_number"])
    ).first()
    if person is None:
        person = Staff(organisation_id=org.id, staff_number=row["staff_number"], name=row["name"])
        ctx.session.add(person)
        ctx.session.flush()
    _set(person, {"name": row["name"], "position": row["position"]})
    entity: Any = person
    if row["certificate_number"]:
        cert = ctx.session.scalars(
            select(Certificate).where(
                Certificate.staff_id == person.id, Certificate.certificate_number == row["certificate_number"]
            )
        ).first()
        if cert is None:
            cert = Certificate(
                staff_id=person.id, certificate_number=row["certificate_number"], pollutants=[]
            )
            ctx.session.add(cert)
        _set(
            cert,
            {
                "method": row["certificate_method"],
                "pollutants": row["certificate_pollutants"] or [],
                "valid_from": _d(row["certificate_valid_from"]),
                "valid_until": _d(row["certificate_valid_until"]),
            },
        )
        entity = cert
    ent = org.enterprise
    return Applied(entity, ent, org.jurisdiction_code)


def _staff_valid(row: Row, today: date) -> tuple[date, date | None]:
    if row["certificate_number"]:
        return (_d(row["certificate_valid_from"]) or today, _d(row["certificate_valid_until"]))
    return (today, None)


STAFF = Kind(
    "staff",
    "人员及持证情况",
    (
        Column(
            "organisation_credit_code", "所属单位信用代码", "credit_code", True, example="91310104MA1FL1AB3A"
        ),
        Column("staff_number", "工号", required=True, example="S0001"),
        Column("name", "姓名", required=True, example="张三"),
        Column("position", "岗位", example="采样员"),
        Column("certificate_number", "上岗证编号", example="HJSG-2024-0001"),
        Column("certificate_method", "方法/项目", example="HJ 75-2017 CEMS 比对"),
        Column("certificate_pollutants", "持证污染物", "pollutants", example="a21026;a21002"),
        Column("certificate_valid_from", "证书有效期起", "date", example="2024-01-01"),
        Column("certificate_valid_until", "证书有效期至", "date", example="2028-12-31"),
    ),
    key=lambda r: f"{r['organisation_credit_code']}|{r['staff_number']}|{r['certificate_number'] or ''}",
    apply=_apply_staff,
    valid_time=_staff_valid,
    check=_check_staff,
    description="Staff of any organisation, one row per certificate (person columns repeat).",
)


def _check_contract(ctx: Ctx, row: Row) -> None:
    provider = ctx.organisation(row["provider_credit_code"], "provider_credit_code")
    if provider.kind == "enterprise":
        raise RowProblem("provider_credit_code", "the provider is an enterprise")
    ctx.enterprise(row["enterprise_credit_code"], "enterprise_credit_code")
    if row["valid_until"] and row["valid_until"] < row["valid_from"]:
        raise RowProblem("valid_until", "before valid_from")


def _apply_contract(ctx: Ctx, row: Row) -> Applied:
    provider = ctx.organisation(row["provider_credit_code"], "provider_credit_code")
    ent = ctx.enterprise(row["enterprise_credit_code"], "enterprise_credit_code")
    ctx.session.flush()
    contract = ctx.session.scalars(
        select(ServiceContract).where(ServiceContract.contract_number == row["contract_number"])
    ).first()
    if contract is None:
        contract = ServiceContract(contract_number=row["contract_number"])
        ctx.session.add(contract)
    _set(
        contract,
        {
            "provider_id": provider.id,
            "enterprise_id": ent.id,
            "service": row["service"],
            "valid_from": _d(row["valid_from"]),
            "valid_until": _d(row["valid_until"]),
        },
    )
    return Applied(contract, ent, ent.jurisdiction_code)


CONTRACTS = Kind(
    "contracts",
    "服务合同",
    (
        Column("contract_number", "合同编号", required=True, example="YW-2026-001"),
        Column("provider_credit_code", "服务机构信用代码", "credit_code", True, example="91310000MA1FL0XK0Y"),
        Column(
            "enterprise_credit_code", "委托企业信用代码", "credit_code", True, example="91310115MA1K4ABC4H"
        ),
        Column("service", "服务内容", "enum", True, rules.SERVICES, example="operation_maintenance"),
        Column("valid_from", "服务期起", "date", True, example="2026-01-01"),
        Column("valid_until", "服务期至（含）", "date", example="2026-12-31"),
    ),
    key=lambda r: r["contract_number"],
    apply=_apply_contract,
    valid_time=_validity("valid_from", "valid_until"),
    check=_check_contract,
    description="Service contracts: which organisation served which enterprise, for what, when.",
)


# --------------------------------------------------------------------------- EIA, supervision, credit


def _check_enterprise_ref(ctx: Ctx, row: Row) -> None:
    ctx.enterprise(row["credit_code"])


def _apply_eia(ctx: Ctx, row: Row) -> Applied:
    ent = ctx.enterprise(row["credit_code"])
    ctx.session.flush()
    eia = ctx.session.scalars(
        select(EiaApproval).where(EiaApproval.approval_number == row["approval_number"])
    ).first()
    if eia is None:
        eia = EiaApproval(approval_number=row["approval_number"])
        ctx.session.add(eia)
    _set(
        eia,
        {
            "enterprise_id": ent.id,
            "project_name": row["project_name"],
            "authority": row["authority"],
            "approval_date": _d(row["approval_date"]),
            "acceptance_date": _d(row["acceptance_date"]),
        },
    )
    return Applied(eia, ent, ent.jurisdiction_code)


EIA = Kind(
    "eia",
    "环评审批",
    (
        Column("approval_number", "批复文号", required=True, example="沪浦环保许评〔2024〕101号"),
        CREDIT,
        Column("project_name", "项目名称", required=True, example="燃煤机组超低排放改造项目"),
        Column("authority", "审批部门", example="上海市浦东新区生态环境局"),
        Column("approval_date", "批复日期", "date", True, example="2024-03-15"),
        Column("acceptance_date", "竣工环保验收日期", "date", example="2025-01-20"),
    ),
    key=lambda r: r["approval_number"],
    apply=_apply_eia,
    valid_time=_validity("approval_date", "__none__"),
    check=_check_enterprise_ref,
    description="EIA approvals and acceptance.",
)


def _apply_supervision(ctx: Ctx, row: Row) -> Applied:
    ent = ctx.enterprise(row["credit_code"])
    ctx.session.flush()
    rec = ctx.session.scalars(
        select(SupervisionRecord).where(SupervisionRecord.record_number == row["record_number"])
    ).first()
    if rec is None:
        rec = SupervisionRecord(record_number=row["record_number"])
        ctx.session.add(rec)
    _set(
        rec,
        {
            "enterprise_id": ent.id,
            "kind": row["kind"],
            "record_date": _d(row["record_date"]),
            "authority": row["authority"],
            "result": row["result"],
            "penalty_amount": row["penalty_amount"],
        },
    )
    return Applied(rec, ent, ent.jurisdiction_code)


SUPERVISION = Kind(
    "supervision",
    "监管记录（检查、处罚）",
    (
        Column("record_number", "记录/文书编号", required=True, example="沪浦环罚〔2025〕12号"),
        CREDIT,
        Column("kind", "类型", "enum", True, rules.SUPERVISION_KINDS, example="penalty"),
        Column("record_date", "日期", "date", True, example="2025-06-01"),
        Column("authority", "实施部门", example="上海市浦东新区生态环境局"),
        Column("result", "结果", example="罚款"),
        Column("penalty_amount", "罚款金额（元）", "float", example="200000"),
    ),
    key=lambda r: r["record_number"],
    apply=_apply_supervision,
    valid_time=_validity("record_date", "__none__"),
    check=_check_enterprise_ref,
    description="Supervision needs and results: inspections, penalties, orders.",
)


def _apply_credit(ctx: Ctx, row: Row) -> Applied:
    ent = ctx.enterprise(row["credit_code"])
    ctx.session.flush()
    grade = ctx.session.scalars(
        select(CreditGrade).where(
            CreditGrade.enterprise_id == ent.id,
            CreditGrade.year == row["year"],
            CreditGrade.source == row["source"],
        )
    ).first()
    if grade is None:
        grade = CreditGrade(enterprise_id=ent.id, year=row["year"], source=row["source"])
        ctx.session.add(grade)
    _set(grade, {"grade": row["grade"], "published_date": _d(row["published_date"])})
    return Applied(grade, ent, ent.jurisdiction_code)


CREDIT_KIND = Kind(
    "credit",
    "企业环境信用评价结果",
    (
        CREDIT,
        Column("year", "评价年度", "int", True, example="2025"),
        Column("grade", "信用等级", "enum", True, rules.CREDIT_GRADES, example="green"),
        Column("source", "发布来源", required=True, example="上海市生态环境局 2025 年度企业环境信用评价结果"),
        Column("published_date", "发布日期", "date", True, example="2026-03-31"),
    ),
    key=lambda r: f"{r['credit_code']}|{r['year']}|{r['source']}",
    apply=_apply_credit,
    valid_time=_validity("published_date", "__none__"),
    check=_check_enterprise_ref,
    description="Official enterprise credit grades as published (the source and date are kept).",
)


# --------------------------------------------------------------------------- enforcement objects


def _check_enforcement(ctx: Ctx, row: Row) -> None:
    ctx.check_jurisdiction(row["jurisdiction_code"])


def _apply_enforcement(ctx: Ctx, row: Row) -> Applied:
    obj = ctx.session.scalars(
        select(EnforcementObject).where(EnforcementObject.object_code == row["object_code"])
    ).first()
    if obj is None:
        obj = EnforcementObject(object_code=row["object_code"], status="unmatched", candidates=[])
        ctx.session.add(obj)
    before = (obj.name, obj.credit_code, obj.address, obj.jurisdiction_code)
    _set(
        obj,
        {
            "name": row["name"],
            "credit_code": row["credit_code"],
            "address": row["address"],
            "jurisdiction_code": row["jurisdiction_code"],
        },
    )
    if (
        before != (obj.name, obj.credit_code, obj.address, obj.jurisdiction_code)
        and obj.status != "unmatched"
    ):
        # Changed identity: decided links stand only if still right, so re-match.
        obj.status = "unmatched"
    return Applied(obj, None, row["jurisdiction_code"])


ENFORCEMENT_OBJECTS = Kind(
    "enforcement-objects",
    "执法对象库",
    (
        Column("object_code", "执法对象编号", required=True, example="ZF310115000123"),
        Column("name", "对象名称", required=True, example="上海某热电有限公司"),
        Column(
            "credit_code",
            "统一社会信用代码（可空，可不规范）",
            example="91310115MA1K4ABC4H",
            note="kept as given; matched only when it is a valid credit code",
        ),
        Column("address", "地址", example="浦东新区高桥镇某路1号"),
        Column("jurisdiction_code", "所属区划代码", "jurisdiction", example="310115"),
        EFFECTIVE,
    ),
    key=lambda r: r["object_code"],
    apply=_apply_enforcement,
    valid_time=_effective,
    open_start=True,
    check=_check_enforcement,
    description="The enforcement object list, matched against the register (see matching).",
)


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        ENTERPRISES,
        PERMITS,
        OUTLETS,
        LOGGERS,
        LIMITS,
        ORGANISATIONS,
        STAFF,
        CONTRACTS,
        EIA,
        SUPERVISION,
        CREDIT_KIND,
        ENFORCEMENT_OBJECTS,
    )
}

#: The natural key of each kind: a row with the same key updates the same object.
KEY_COLUMNS: dict[str, str] = {
    "enterprises": "credit_code",
    "permits": "permit_number",
    "outlets": "credit_code + outlet_code",
    "loggers": "mn + pollutant (one row per device)",
    "limits": "credit_code + outlet_code + pollutant + averaging_period + valid_from",
    "organisations": "credit_code",
    "staff": "organisation_credit_code + staff_number + certificate_number (one row per certificate)",
    "contracts": "contract_number",
    "eia": "approval_number",
    "supervision": "record_number",
    "credit": "credit_code + year + source",
    "enforcement-objects": "object_code",
}
assert set(KEY_COLUMNS) == set(KINDS)
