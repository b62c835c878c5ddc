"""Two enterprises with a production and a treatment facility each, and a meter per facility."""

from __future__ import annotations

from dataclasses import dataclass

from huanjian.access.policy import Principal
from huanjian.core.tx import Tx
from huanjian.power import service
from huanjian.register import importer
from tests.factories import credit_code

A_CODE, B_CODE = credit_code(101, "310115"), credit_code(102, "310112")
MN_A = "POWERA00000000000000000A"


@dataclass(frozen=True)
class PowerWorld:
    meter_a: int  # enterprise A (Pudong), treatment facility TA001, feed
    meter_a_hj: int  # enterprise A, production facility MF0001, over HJ 212
    meter_b: int  # enterprise B (Minhang), treatment facility TA001, feed


def seed_facilities(tx: Tx) -> None:
    """Outlets with facilities for the enterprises of ``seed_people`` (101 in Pudong, 102 in Minhang)."""
    header = ["credit_code", "outlet_code", "treatment_facilities", "production_facilities"]
    rows = [
        {"credit_code": c, "outlet_code": "DA001", "treatment_facilities": "TA001 布袋除尘",
         "production_facilities": "MF0001 1号锅炉"}
        for c in (A_CODE, B_CODE)
    ]  # fmt: skip
    report = importer.import_rows(tx, importer.get_kind("outlets"), header, rows, source="test")
    assert all(not r.errors for r in report.rows), [r.errors for r in report.rows]


def seed_power(tx: Tx) -> PowerWorld:
    seed_facilities(tx)
    system = Principal.system()
    a = service.register_meter(
        tx, system, credit_code=A_CODE, facility_code="TA001", meter_code="M1", quantity="power_kw",
        running_threshold=5.0,
    )  # fmt: skip
    a_hj = service.register_meter(
        tx, system, credit_code=A_CODE, facility_code="MF0001", meter_code="M2", quantity="current_a",
        running_threshold=10.0, mn=MN_A, item_code="e10001",
    )  # fmt: skip
    b = service.register_meter(
        tx, system, credit_code=B_CODE, facility_code="TA001", meter_code="M1", quantity="power_kw"
    )
    return PowerWorld(a.id, a_hj.id, b.id)


def feed(
    *rows: str, header: str = "credit_code,facility_code,meter_code,quantity,period,data_time,value,state"
) -> bytes:
    return ("\n".join((header, *rows)) + "\n").encode("utf-8")


def row(
    code: str = A_CODE,
    facility: str = "TA001",
    meter: str = "M1",
    quantity: str = "power_kw",
    period: str = "minute",
    when: str = "2026-11-01T08:00:00+08:00",
    value: str = "12.5",
    state: str = "",
) -> str:
    return ",".join((code, facility, meter, quantity, period, when, value, state))
