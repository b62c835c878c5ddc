"""Import kinds for organisations, their staff and certificates, and service contracts."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

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
    Certificate,
    Organisation,
    ServiceContract,
    Staff,
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
    contract = _by_key(ctx.session, ServiceContract, {"contract_number": row["contract_number"]})
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
