"""A small credit world through the real services (register imports, credit actions); the
field domain's comparison tests are inserted as rows (its services are still being built)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select

from huanjian.core.tx import Tx
from huanjian.credit import inputs
from huanjian.credit.inputs import DataQuality
from huanjian.field.models import ComparisonTest
from huanjian.register import importer
from huanjian.register.models import Device, Outlet
from tests.factories import People, credit_code, make_organisation, seed_people

MN = "31011500000001A0000001F1"


@dataclass
class CreditWorld:
    people: People
    ent_a: int
    ent_b: int
    contractor: int
    lab: int
    outlet: int
    device: int


def _import(tx: Tx, kind: str, rows: list[dict[str, str]]) -> None:
    report = importer.import_rows(tx, importer.get_kind(kind), list(rows[0]), rows, source="test")
    problems = [r.errors for r in report.rows if r.errors]
    assert not problems, problems


def build(tx: Tx) -> CreditWorld:
    people = seed_people(tx)
    ent_a, ent_b = people.enterprise_a.organisation_id, people.enterprise_b.organisation_id
    contractor = people.contractor.organisation_id
    assert ent_a and ent_b and contractor
    lab = make_organisation(tx, "lab", "上海丁检测有限公司", 302)
    a_code, b_code, c_code = (
        credit_code(101, "310115"),
        credit_code(102, "310112"),
        credit_code(201, "310000"),
    )
    _import(
        tx, "outlets", [{"credit_code": a_code, "outlet_code": "DA001", "kind": "air", "name": "1号锅炉"}]
    )
    _import(
        tx,
        "loggers",
        [
            {
                "mn": MN,
                "credit_code": a_code,
                "outlet_code": "DA001",
                "pollutant": "a21026",
                "contractor_credit_code": c_code,
            }
        ],
    )
    staff = [
        {
            "organisation_credit_code": c_code,
            "staff_number": "C001",
            "name": "孙运维",
            "certificate_number": "JC-201",
            "certificate_valid_from": "2020-01-01",
            "certificate_valid_until": "2099-12-31",
        },
        {
            "organisation_credit_code": c_code,
            "staff_number": "C002",
            "name": "钱过期",
            "certificate_number": "JC-202",
            "certificate_valid_from": "2020-01-01",
            "certificate_valid_until": "2026-06-30",
        },
    ]
    _import(tx, "staff", staff)
    _import(
        tx,
        "supervision",
        [
            {
                "record_number": "沪浦环罚〔2026〕1号",
                "credit_code": a_code,
                "kind": "penalty",
                "record_date": "2026-05-10",
                "authority": "浦东新区生态环境局",
                "result": "罚款",
                "penalty_amount": "50000",
            }
        ],
    )
    _import(
        tx,
        "credit",
        [
            {
                "credit_code": b_code,
                "year": "2025",
                "grade": "green",
                "source": "上海市生态环境局 2025 年度（测试）",
                "published_date": "2026-03-31",
            }
        ],
    )
    outlet = tx.session.scalars(select(Outlet.id).where(Outlet.enterprise_id == ent_a)).one()
    device = tx.session.scalars(select(Device.id).where(Device.contractor_id == contractor)).one()
    return CreditWorld(people, ent_a, ent_b, contractor, lab, outlet, device)


def comparison(tx: Tx, w: CreditWorld, verdict: str, on: date) -> ComparisonTest:
    t = ComparisonTest(
        device_id=w.device,
        enterprise_id=w.ent_a,
        outlet_id=w.outlet,
        jurisdiction_code="310115103",
        contractor_id=w.contractor,
        parameter="a21026",
        unit="mg/m3",
        period_start=datetime(on.year, on.month, on.day, 1, tzinfo=UTC),
        period_end=datetime(on.year, on.month, on.day, 5, tzinfo=UTC),
        verdict=verdict,
        rules_version="test",
        created_by="test",
        created_at=datetime(on.year, on.month, on.day, 6, tzinfo=UTC),
    )
    tx.session.add(t)
    tx.session.flush()
    return t


def fake_quality(rates: Mapping[int, tuple[int, int, int]]) -> inputs.Provider:
    def provider(
        session: object, outlet_ids: Sequence[int], start: date, end: date
    ) -> dict[int, DataQuality]:
        return {o: DataQuality(o, *rates[o], "test") for o in outlet_ids if o in rates}

    return provider  # type: ignore[return-value]
