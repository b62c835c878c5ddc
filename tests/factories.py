"""Builders for test data, through the real services (never raw inserts)."""

from __future__ import annotations

from dataclasses import dataclass

from huanjian.access import service as access
from huanjian.access.models import User
from huanjian.access.policy import Principal
from huanjian.core.tx import Tx
from huanjian.geo import service as geo
from huanjian.geo.divisions import Division

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


def seed_people(tx: Tx) -> People:
    seed_geo(tx)
    return People(
        admin=make_user(tx, "admin", "admin"),
        city=make_user(tx, "city", "bureau", "310000"),
        pudong=make_user(tx, "pudong", "bureau", "310115"),
        minhang=make_user(tx, "minhang", "bureau", "310112"),
        pudong_town=make_user(tx, "gaoqiao", "bureau", "310115103"),
        enterprise_a=make_user(tx, "ent_a", "enterprise", organisation=101),
        enterprise_b=make_user(tx, "ent_b", "enterprise", organisation=102),
        contractor=make_user(tx, "contractor", "contractor", organisation=201),
    )


def bearer(tx: Tx, user: User) -> dict[str, str]:
    secret, _ = access.issue_token(tx, user, "api", name="test")
    return {"Authorization": f"Bearer {secret}"}
