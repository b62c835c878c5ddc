"""Electricity monitoring through the services, the API and the pages, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from huanjian.access.policy import Principal
from huanjian.audit.models import AuditEntry
from huanjian.core.runtime import Runtime
from huanjian.core.tx import Tx
from huanjian.errors import NotFound, PermissionDenied, ValidationError
from huanjian.ingest.service import store_for
from huanjian.power import service
from huanjian.power.models import PowerReading
from huanjian.web.app import create_app
from tests.factories import People, bearer, seed_people
from tests.ingest.helpers import incoming, minute_frame
from tests.power.world import A_CODE, B_CODE, MN_A, PowerWorld, feed, row, seed_power

T0 = datetime(2026, 11, 1, 0, 0, tzinfo=UTC)
T1 = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)


@pytest.fixture
def world(tx: Tx) -> tuple[People, PowerWorld]:
    people = seed_people(tx)
    return people, seed_power(tx)


def _count(tx: Tx) -> int:
    return int(tx.session.scalar(select(func.count()).select_from(PowerReading)) or 0)


def test_feed_is_stored_and_reimport_stores_nothing_new(tx: Tx, world: tuple[People, PowerWorld]) -> None:
    people, w = world
    ent = Principal.of(people.enterprise_a)
    data = feed(row(), row(when="2026-11-01T08:01:00+08:00", value="0.5", state="stopped"))
    report = service.import_feed(tx, ent, data, "a.csv")
    assert (report.rows, report.stored, report.duplicates, report.conflicts) == (2, 2, 0, 0)
    again = service.import_feed(tx, ent, data, "a.csv")
    assert (again.stored, again.duplicates) == (0, 2)
    points = service.series(tx, ent, w.meter_a, T0, T1)
    # 12.5 kW ≥ 5 kW threshold → running; the feed's own "stopped" wins over the threshold.
    assert [(p.value, p.state, p.source) for p in points] == [
        (12.5, "running", "feed"),
        (0.5, "stopped", "feed"),
    ]
    audit = tx.session.scalars(select(AuditEntry).where(AuditEntry.action == "power.feed.import")).all()
    assert len(audit) == 2 and audit[0].after["stored"] == 2 and audit[1].after["stored"] == 0


def test_a_resend_with_another_value_keeps_both_and_the_latest_is_current(
    tx: Tx, world: tuple[People, PowerWorld]
) -> None:
    _people, w = world
    system = Principal.system()
    service.import_feed(tx, system, feed(row()), "a.csv")
    report = service.import_feed(tx, system, feed(row(value="13.0")), "b.csv")
    assert (report.stored, report.conflicts) == (1, 1)
    versions = tx.session.scalars(select(PowerReading).order_by(PowerReading.id)).all()
    assert [(v.value, v.current, v.conflict) for v in versions] == [(12.5, False, True), (13.0, True, True)]
    [p] = service.series(tx, system, w.meter_a, T0, T1)
    assert p.value == 13.0 and p.conflict


def test_one_bad_row_rejects_the_file_and_stores_nothing(tx: Tx, world: tuple[People, PowerWorld]) -> None:
    _people, _w = world
    data = feed(row(), row(value="x"), row(meter="M9"), row(quantity="current_a"))
    with pytest.raises(ValidationError) as exc:
        service.import_feed(tx, Principal.system(), data, "bad.csv")
    errors = exc.value.details["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [(3, "value"), (4, "meter_code"), (5, "quantity")]
    assert "bad.csv: 3 error(s), nothing stored" in exc.value.message
    assert _count(tx) == 0


def test_an_enterprise_cannot_feed_another_enterprise_meter(tx: Tx, world: tuple[People, PowerWorld]) -> None:
    people, _w = world
    with pytest.raises(ValidationError) as exc:
        service.import_feed(tx, Principal.of(people.enterprise_a), feed(row(code=B_CODE)), "b.csv")
    assert exc.value.details["errors"][0]["column"] == "facility_code"
    assert _count(tx) == 0


def test_scope_of_meters(tx: Tx, world: tuple[People, PowerWorld]) -> None:
    people, w = world
    assert {m.id for m in service.list_meters(tx, Principal.of(people.pudong))} == {w.meter_a, w.meter_a_hj}
    assert {m.id for m in service.list_meters(tx, Principal.of(people.minhang))} == {w.meter_b}
    assert {m.id for m in service.list_meters(tx, Principal.of(people.enterprise_b))} == {w.meter_b}
    with pytest.raises(NotFound):
        service.get_meter(tx, Principal.of(people.minhang), w.meter_a)


def test_registering_a_meter_is_audited_and_checked(tx: Tx, world: tuple[People, PowerWorld]) -> None:
    people, w = world
    with pytest.raises(PermissionDenied):
        service.register_meter(
            tx, Principal.of(people.enterprise_a), credit_code=A_CODE, facility_code="TA001",
            meter_code="M3", quantity="power_kw",
        )  # fmt: skip
    with pytest.raises(NotFound):  # Minhang's bureau does not see Pudong's facility
        service.register_meter(
            tx, Principal.of(people.minhang), credit_code=A_CODE, facility_code="TA001",
            meter_code="M3", quantity="power_kw",
        )  # fmt: skip
    with pytest.raises(ValidationError):
        service.register_meter(
            tx, Principal.system(), credit_code=A_CODE, facility_code="TA001", meter_code="M3", quantity="kw"
        )
    with pytest.raises(ValidationError):
        service.register_meter(
            tx, Principal.system(), credit_code=A_CODE, facility_code="TA001", meter_code="M3",
            quantity="power_kw", mn=MN_A,
        )  # fmt: skip
    m = service.register_meter(
        tx, Principal.of(people.pudong), credit_code=A_CODE, facility_code="TA001", meter_code="M1",
        quantity="power_kw", running_threshold=8.0,
    )  # fmt: skip
    assert m.id == w.meter_a and m.running_threshold == 8.0
    entry = tx.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "power.meter.update").order_by(AuditEntry.id.desc())
    ).first()
    assert (
        entry is not None
        and entry.before["running_threshold"] == 5.0
        and entry.after["running_threshold"] == 8.0
    )


def test_hj212_2025_values_reach_the_meter_series(
    runtime: Runtime, tx: Tx, world: tuple[People, PowerWorld]
) -> None:
    people, w = world
    tx.session.commit()
    items = {"e10001": {"Rtd": Decimal("15.2"), "Flag": "N"}, "a21026": {"Rtd": Decimal("3"), "Flag": "N"}}
    raw = minute_frame("20261101080000", mn=MN_A, cn="2011", version="2025", items=items)
    store_for(runtime).write([incoming(raw, at=T0)], now=T0)
    [p] = service.series(tx, Principal.of(people.pudong), w.meter_a_hj, T0, T1)
    assert (p.value, p.state, p.source, p.period, p.flag) == (15.2, "running", "hj212", "realtime", "N")
    assert p.data_time == datetime(2026, 11, 1, 0, 0, tzinfo=UTC)
    # The meters page's last reading is what the series ends with, for both channels.
    service.import_feed(
        tx, Principal.system(), feed(row(value="3"), row(when="2026-11-01T09:00:00+08:00")), "f.csv"
    )
    pudong = Principal.of(people.pudong)
    meters = service.list_meters(tx, pudong)
    last = service.latest(tx, meters, T0, T1)
    for m in meters:
        points = service.series(tx, pudong, m.id, T0, T1)
        assert last.get(m.id) == (points[-1] if points else None), m.meter_code
    assert last[w.meter_a].value == 12.5 and last[w.meter_a_hj].source == "hj212"


@pytest.fixture
def client(
    runtime: Runtime, tx: Tx, world: tuple[People, PowerWorld]
) -> tuple[TestClient, dict[str, dict[str, str]]]:
    people, _ = world
    headers = {u.username: bearer(tx, u) for u in (people.pudong, people.enterprise_a, people.minhang)}
    tx.session.commit()
    return TestClient(create_app(runtime)), headers


def test_api_feed_and_series(
    client: tuple[TestClient, dict[str, dict[str, str]]], world: tuple[People, PowerWorld]
) -> None:
    c, h = client
    _, w = world
    r = c.post("/api/v1/power/feed", files={"file": ("a.csv", feed(row()), "text/csv")}, headers=h["ent_a"])
    assert r.status_code == 200 and r.json()["stored"] == 1, r.text
    r = c.post(
        "/api/v1/power/feed", files={"file": ("a.csv", feed(row(value="y")), "text/csv")}, headers=h["ent_a"]
    )
    assert r.status_code == 422 and r.json()["error"]["details"]["errors"] == [
        {"row": 2, "column": "value", "message": "'y' is not a number"}
    ]
    params = {"from": "2026-11-01T00:00:00+08:00", "to": "2026-11-02T00:00:00+08:00"}
    r = c.get(f"/api/v1/power/meters/{w.meter_a}/readings", params=params, headers=h["pudong"])
    assert r.status_code == 200 and [p["value"] for p in r.json()] == [12.5]
    assert (
        c.get(f"/api/v1/power/meters/{w.meter_a}/readings", params=params, headers=h["minhang"]).status_code
        == 404
    )
    naive = {"from": "2026-11-01T00:00:00", "to": "2026-11-02T00:00:00"}
    assert (
        c.get(f"/api/v1/power/meters/{w.meter_a}/readings", params=naive, headers=h["pudong"]).status_code
        == 422
    )


def test_pages_list_meters_and_show_feed_errors_by_row(
    client: tuple[TestClient, dict[str, dict[str, str]]], world: tuple[People, PowerWorld]
) -> None:
    c, h = client
    _, w = world
    page = c.get("/power", headers=h["pudong"])
    assert (
        page.status_code == 200
        and f'href="/power/{w.meter_a}"' in page.text
        and "/power/" + str(w.meter_b) not in page.text
    )
    bad = c.post(
        "/power/feed", files={"file": ("a.csv", feed(row(period="week")), "text/csv")}, headers=h["ent_a"]
    )
    assert bad.status_code == 422 and "<code>period</code>" in bad.text
    ok = c.post("/power/feed", files={"file": ("a.csv", feed(row()), "text/csv")}, headers=h["ent_a"])
    assert ok.status_code == 200
    detail = c.get(f"/power/{w.meter_a}", params={"days": 62}, headers=h["pudong"])
    assert detail.status_code == 200 and "M1" in detail.text


POWER_WRITES = (
    ("POST", "/api/v1/power/meters"),
    ("POST", "/api/v1/power/feed"),
    ("POST", "/power/feed"),
)


def test_api_writes_are_audited(
    client: tuple[TestClient, dict[str, dict[str, str]]], tx: Tx, world: tuple[People, PowerWorld]
) -> None:
    c, h = client
    meter = {"credit_code": A_CODE, "facility_code": "MF0001", "meter_code": "M7", "quantity": "energy_kwh"}
    calls = {
        ("POST", "/api/v1/power/meters"): lambda hh: c.post("/api/v1/power/meters", json=meter, headers=hh),
        ("POST", "/api/v1/power/feed"): lambda hh: c.post(
            "/api/v1/power/feed", files={"file": ("a.csv", feed(row()), "text/csv")}, headers=hh
        ),
        ("POST", "/power/feed"): lambda hh: c.post(
            "/power/feed", files={"file": ("b.csv", feed(row(value="9")), "text/csv")}, headers=hh
        ),
    }
    assert set(calls) == set(POWER_WRITES)
    for route, call in calls.items():
        rid = f"power-{route[1]}"
        r = call({**h["pudong"], "X-Request-ID": rid})
        assert r.status_code < 400, (route, r.text)
        tx.session.expire_all()
        actions = tx.session.scalars(select(AuditEntry.action).where(AuditEntry.request_id == rid)).all()
        assert actions and all(a.startswith("power.") for a in actions), (route, actions)
