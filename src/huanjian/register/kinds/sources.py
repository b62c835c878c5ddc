"""Import kinds for sources: enterprises, permits, outlets, loggers and devices, limits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from huanjian.core.time import utcnow
from huanjian.register import rules
from huanjian.register.columns import Column
from huanjian.register.kinds.base import (
    CREDIT,
    EFFECTIVE,
    Applied,
    Ctx,
    Kind,
    Row,
    RowProblem,
    _by_key,
    _d,
    _effective,
    _set,
    _validity,
)
from huanjian.register.models import (
    Device,
    EmissionAllowance,
    Enterprise,
    Facility,
    FiledParameter,
    Limit,
    Logger,
    MonitoringPoint,
    Organisation,
    Outlet,
    Permit,
)

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
            "environmental_risk": row.get("environmental_risk"),
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
            "environmental_risk",
            "突发环境事件风险等级",
            "enum",
            values=rules.ENVIRONMENTAL_RISK_LEVELS,
            example="general",
            note="HJ 941-2018 level of the enterprise's risk assessment; empty: not assessed",
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
    description="Enterprises (discharging units): identity, location, supervision class, environmental risk.",
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
    permit = _by_key(
        ctx.session, Permit, {"permit_number": row["permit_number"]}, enterprise_id=ent.id, allowances=[]
    )
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
