"""Builders for test data, through the real services (never raw inserts)."""

from __future__ import annotations

from dataclasses import dataclass

from huanjian.access import service as access
from huanjian.access.models import User
from huanjian.access.policy import Principal
from huanjian.core.tx import Tx
from huanjian.geo import service as geo
from huanjian.geo.divisions import Division
from huanjian.register import importer
from huanjian.register import service as register
from huanjian.register.identifiers import credit_check_char, org_check_char

PASSWORD = "correct-horse-battery"

SHANGHAI = [
    Division("310000", "上海市", "city", None),
    Division("310115", "浦东新区", "district", "310000"),
    Division("310112", "闵行区", "district", "310000"),
    Division("310115005", "潍坊新村街道", "town", "310115"),
    Division("310115103", "高桥镇", "town", "310115"),
    Division("310112102", "七宝镇", "town", "310112"),
]


def seed_geo(tx: Tx) -> None:
    geo.load(tx, SHANGHAI, "test fixture")


@dataclass
class People:
    admin: User
    city: User
    pudong: User
    minhang: User
    pudong_town: User
    enterprise_a: User
    enterprise_b: User
    contractor: User


def make_user(
    tx: Tx,
    username: str,
    role: str,
    jurisdiction: str | None = None,
    organisation: int | None = None,
    permissions: tuple[str, ...] = (),
) -> User:
    system = Principal.system()
    user = access.create_user(
        tx,
        system,
        username=username,
        full_name=username.title(),
        role=role,
        password=PASSWORD,
        jurisdiction_code=jurisdiction,
        organisation_id=organisation,
    )
    for perm in permissions:
        access.grant(tx, system, username, perm, "test")
    return user


def credit_code(n: int, authority: str = "310115") -> str:
    """A valid unified social credit code (GB 32100 and GB 11714 checks) numbered ``n``."""
    body = f"MA{n:06d}"
    org = body + org_check_char(body)
    first17 = "91" + authority + org
    return first17 + credit_check_char(first17)


def make_enterprise(tx: Tx, n: int, name: str, jurisdiction: str, **columns: str) -> int:
    """An enterprise through the register importer (one row); returns its id."""
    code = credit_code(n, jurisdiction[:6])
    row = {"credit_code": code, "name": name, "jurisdiction_code": jurisdiction, **columns}
    report = importer.import_rows(tx, importer.get_kind("enterprises"), list(row), [row], source="test")
    assert not report.rows[0].errors, report.rows[0].errors
    org = register.repository.organisation_by_code(tx.session, code)
    assert org is not None
    return org.id


def make_organisation(tx: Tx, kind: str, name: str, n: int | None = None) -> int:
    code = credit_code(n, "310000") if n is not None else None
    return register.create_organisation(tx, Principal.system(), kind=kind, name=name, credit_code=code).id


def seed_people(tx: Tx) -> People:
    seed_geo(tx)
    ent_a = make_enterprise(tx, 101, "上海甲热电有限公司", "310115103")
    ent_b = make_enterprise(tx, 102, "上海乙化工有限公司", "310112102")
    contractor = make_organisation(tx, "contractor", "上海丙运维有限公司", 201)
    return People(
        admin=make_user(tx, "admin", "admin"),
        city=make_user(tx, "city", "bureau", "310000"),
        pudong=make_user(tx, "pudong", "bureau", "310115"),
        minhang=make_user(tx, "minhang", "bureau", "310112"),
        pudong_town=make_user(tx, "gaoqiao", "bureau", "310115103"),
        enterprise_a=make_user(tx, "ent_a", "enterprise", organisation=ent_a),
        enterprise_b=make_user(tx, "ent_b", "enterprise", organisation=ent_b),
        contractor=make_user(tx, "contractor", "contractor", organisation=contractor),
    )


def bearer(tx: Tx, user: User) -> dict[str, str]:
    secret, _ = access.issue_token(tx, user, "api", name="test")
    return {"Authorization": f"Bearer {secret}"}
