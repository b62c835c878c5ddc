"""Import kinds of the other feeds: EIA approvals, supervision results, credit grades, enforcement objects."""

from __future__ import annotations

from sqlalchemy import select

from huanjian.register import rules
from huanjian.register.columns import Column
from huanjian.register.kinds.base import (
    CREDIT,
    EFFECTIVE,
    Applied,
    Ctx,
    Kind,
    Row,
    _by_key,
    _d,
    _effective,
    _set,
    _validity,
)
from huanjian.register.models import (
    CreditGrade,
    EiaApproval,
    EnforcementObject,
    SupervisionRecord,
)

# --------------------------------------------------------------------------- EIA, supervision, credit


def _check_enterprise_ref(ctx: Ctx, row: Row) -> None:
    ctx.enterprise(row["credit_code"])


def _apply_eia(ctx: Ctx, row: Row) -> Applied:
    ent = ctx.enterprise(row["credit_code"])
    ctx.session.flush()
    eia = _by_key(ctx.session, EiaApproval, {"approval_number": row["approval_number"]})
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
    rec = _by_key(ctx.session, SupervisionRecord, {"record_number": row["record_number"]})
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
    obj = _by_key(
        ctx.session, EnforcementObject, {"object_code": row["object_code"]}, status="unmatched", candidates=[]
    )
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
