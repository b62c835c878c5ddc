"""A small casework world built through the real services: enterprises, a station,
a lab, a contractor and a consultancy with certified staff and service contracts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from huanjian.access.models import User
from huanjian.casework.service import today
from huanjian.core.tx import Tx
from huanjian.register import importer
from tests.factories import People, credit_code, make_organisation, make_user, seed_people

METHOD = "HJ 75-2017"
POLLUTANT = "a21026"


@dataclass
class CaseWorld:
    people: People
    ent_a: int
    ent_b: int
    station: int
    lab: int
    contractor: int
    consultancy: int
    bureau_org: int
    staff: dict[str, int]
    users: dict[str, User]


def _import(tx: Tx, kind: str, rows: list[dict[str, str]]) -> None:
    report = importer.import_rows(tx, importer.get_kind(kind), list(rows[0]), rows, source="test")
    problems = [r.errors for r in report.rows if r.errors]
    assert not problems, problems


def _staff_row(
    org_n: int, number: str, name: str, cert: str, valid_until: str = "2099-12-31"
) -> dict[str, str]:
    return {
        "organisation_credit_code": credit_code(org_n, "310000"),
        "staff_number": number,
        "name": name,
        "position": "",
        "certificate_number": cert,
        "certificate_method": f"{METHOD} CEMS 比对 / 执法检查",
        "certificate_pollutants": f"{POLLUTANT};a21002",
        "certificate_valid_from": "2020-01-01",
        "certificate_valid_until": valid_until,
    }


def build(tx: Tx) -> CaseWorld:
    people = seed_people(tx)
    ent_a = people.enterprise_a.organisation_id
    ent_b = people.enterprise_b.organisation_id
    assert ent_a is not None and ent_b is not None
    contractor = people.contractor.organisation_id
    assert contractor is not None
    station = make_organisation(tx, "station", "浦东新区环境监测站", 301)
    lab = make_organisation(tx, "lab", "上海丁检测有限公司", 302)
    consultancy = make_organisation(tx, "consultancy", "上海戊咨询有限公司", 303)
    bureau_org = make_organisation(tx, "bureau", "浦东新区生态环境执法大队", 304)
    d = today()
    _import(
        tx,
        "staff",
        [
            _staff_row(301, "M001", "王监测", "JC-001"),
            _staff_row(301, "M002", "李监测", "JC-002"),
            _staff_row(301, "M003", "陈过期", "JC-003", valid_until=(d - timedelta(days=1)).isoformat()),
            _staff_row(302, "L001", "赵实验", "JC-101"),
            _staff_row(201, "C001", "孙运维", "JC-201"),
            _staff_row(303, "Z001", "周咨询", "JC-301"),
            _staff_row(304, "E001", "吴执法", "ZF-001"),
            _staff_row(304, "E002", "郑执法", "ZF-002"),
        ],
    )
    codes = {n: credit_code(n, "310000") for n in (201, 302, 303)}
    ent_a_code = credit_code(101, "310115")
    _import(
        tx,
        "contracts",
        [
            {
                "contract_number": "ZX-1",
                "provider_credit_code": codes[302],
                "enterprise_credit_code": ent_a_code,
                "service": "self_monitoring",
                "valid_from": (d - timedelta(days=300)).isoformat(),
                "valid_until": (d - timedelta(days=30)).isoformat(),
            },
            {
                "contract_number": "YW-1",
                "provider_credit_code": codes[201],
                "enterprise_credit_code": ent_a_code,
                "service": "operation_maintenance",
                "valid_from": (d - timedelta(days=100)).isoformat(),
                "valid_until": "",
            },
            {
                "contract_number": "ZXUN-1",
                "provider_credit_code": codes[303],
                "enterprise_credit_code": ent_a_code,
                "service": "consultancy",
                "valid_from": (d - timedelta(days=600)).isoformat(),
                "valid_until": (d - timedelta(days=200)).isoformat(),
            },
        ],
    )
    from sqlalchemy import select

    from huanjian.register.models import Staff

    staff = {s.name: s.id for s in tx.session.scalars(select(Staff))}
    users = {
        "enf": make_user(tx, "pd_enf", "enforcement", "310115", permissions=("case.decide",)),
        "station": make_user(tx, "pd_station", "station", "310115"),
        "chief": make_user(
            tx, "pd_chief", "bureau", "310115", permissions=("assignment.override", "draw.run")
        ),
        "drawer": make_user(tx, "pd_drawer", "bureau", "310115", permissions=("draw.run",)),
        "mh_enf": make_user(tx, "mh_enf", "enforcement", "310112", permissions=("case.decide",)),
    }
    return CaseWorld(people, ent_a, ent_b, station, lab, contractor, consultancy, bureau_org, staff, users)
