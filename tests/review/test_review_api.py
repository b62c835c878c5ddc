"""Review API and pages through the app: every write leaves its audit entry (per X-Request-ID),
the outlet page carries the chart data, the home page the map points."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from huanjian.access.policy import Principal
from huanjian.audit.models import AuditEntry
from huanjian.core.runtime import Runtime
from huanjian.core.tx import Tx
from huanjian.review import layers, service
from huanjian.web.app import create_app
from tests.factories import bearer, credit_code, make_user, seed_people
from tests.review.world import DAY, T0, day_profile, make_air_outlet, write_minutes

MN = "31011500000001A0000001F1"
SPAN = {"start": "2024-03-01T10:00:00+08:00", "end": "2024-03-01T11:00:00+08:00", "reason": "t"}


@pytest.fixture
def api(runtime: Runtime, tx: Tx) -> tuple[TestClient, dict[str, dict[str, str]], dict[str, int]]:
    people = seed_people(tx)
    approver = make_user(tx, "approver", "station", "310000", permissions=("review.approve",))
    outlet = make_air_outlet(tx, 101, MN)
    write_minutes(tx, MN, T0, day_profile(high_hours=(10, 11)))
    service.run(tx, Principal.system(), DAY, DAY)
    ent = Principal.of(people.enterprise_a)
    pending = layers.file_mark(
        tx,
        ent,
        outlet_id=outlet,
        code="fault",
        start=T0 + timedelta(hours=3),
        end=T0 + timedelta(hours=4),
        reason="故障",
        attachments=[{"name": "a.pdf"}],
        now=T0 + timedelta(hours=5),
    )
    pending2 = layers.file_mark(
        tx,
        ent,
        outlet_id=outlet,
        code="fault",
        start=T0 + timedelta(hours=5),
        end=T0 + timedelta(hours=6),
        reason="故障",
        attachments=[{"name": "b.pdf"}],
        now=T0 + timedelta(hours=7),
    )
    suspect = layers.mark_suspect(
        tx, Principal.system(), outlet_id=outlet, start=T0, end=T0 + timedelta(hours=1), reason="比对不合格"
    )
    flag = layers.reviewer_action(
        tx,
        Principal.system(),
        outlet_id=outlet,
        kind="flag",
        start=T0,
        end=T0 + timedelta(hours=1),
        reason="存疑",
    )
    tx.session.commit()
    headers = {
        u.username: bearer(tx, u) for u in (people.admin, people.pudong, people.enterprise_a, approver)
    }
    ids = {
        "outlet": outlet,
        "pending": pending.id,
        "pending2": pending2.id,
        "suspect": suspect.id,
        "flag": flag.id,
    }
    return TestClient(create_app(runtime)), headers, ids


def _audited(tx: Tx, rid: str, prefix: str) -> None:
    tx.session.expire_all()
    actions = list(tx.session.scalars(select(AuditEntry.action).where(AuditEntry.request_id == rid)))
    assert any(a.startswith(prefix) for a in actions), (rid, actions)


def test_api_writes_are_audited(api: Any, tx: Tx) -> None:
    client, h, ids = api
    o = ids["outlet"]
    code = credit_code(101, "310115")
    csv = (
        "credit_code,outlet_code,pollutant,sampled_at,value,unit\n"
        + f"{code},DA001,a21026,2024-03-01T10:20,60,mg/m3\n"
    )
    writes: list[tuple[str, str, dict[str, Any], str]] = [
        (
            "ent_a",
            f"/api/v1/review/outlets/{o}/marks",
            {
                "json": {
                    **SPAN,
                    "code": "startup",
                    "start": "2099-01-01T00:00:00+08:00",
                    "end": "2099-01-01T01:00:00+08:00",
                }
            },
            "review.mark.create",
        ),
        (
            "pudong",
            f"/api/v1/review/outlets/{o}/actions",
            {"json": {**SPAN, "kind": "exclude"}},
            "review.exclude.create",
        ),
        (
            "pudong",
            f"/api/v1/review/outlets/{o}/levels",
            {"json": {**SPAN, "level": "reviewed"}},
            "review.level.create",
        ),
        ("pudong", f"/api/v1/review/outlets/{o}/suspects", {"json": SPAN}, "review.suspect.create"),
        (
            "pudong",
            f"/api/v1/review/layers/{ids['pending']}/decision",
            {"json": {"accept": True, "reason": "ok"}},
            "review.mark.accept",
        ),
        (
            "pudong",
            f"/api/v1/review/layers/{ids['flag']}/withdraw",
            {"json": {"reason": "x"}},
            "review.flag.withdraw",
        ),
        (
            "pudong",
            f"/api/v1/review/layers/{ids['suspect']}/resolve",
            {"json": {"reason": "x"}},
            "review.suspect.resolve",
        ),
        (
            "ent_a",
            "/api/v1/review/self-monitoring",
            {"files": {"file": ("s.csv", csv.encode(), "text/csv")}},
            "review.selfmon.import",
        ),
        ("pudong", "/api/v1/review/runs", {"json": {"from": "2024-03-01", "to": "2024-03-01"}}, "review.run"),
        (
            "pudong",
            f"/review/outlets/{o}/action",
            {
                "data": {
                    "kind": "flag",
                    "start": "2024-03-01T12:00",
                    "end": "2024-03-01T13:00",
                    "reason": "t",
                    "pollutant": "a21026",
                }
            },
            "review.flag.create",
        ),
        (
            "pudong",
            f"/review/layers/{ids['pending2']}/decision",
            {"data": {"accept": "0", "reason": "no"}},
            "review.mark.reject",
        ),
    ]
    for n, (user, path, kwargs, action) in enumerate(writes):
        rid = f"review-write-{n}"
        r = client.post(path, headers={**h[user], "X-Request-ID": rid}, follow_redirects=False, **kwargs)
        assert r.status_code < 400, (path, r.status_code, r.text)
        _audited(tx, rid, action)


def test_approval_needs_the_person_permission(api: Any) -> None:
    client, h, ids = api
    body = {
        "start": "2024-03-01T02:00:00+08:00",
        "end": "2024-03-01T03:00:00+08:00",
        "reason": "终审",
        "level": "approved",
    }
    assert (
        client.post(
            f"/api/v1/review/outlets/{ids['outlet']}/levels", json=body, headers=h["pudong"]
        ).status_code
        == 403
    )
    r = client.post(f"/api/v1/review/outlets/{ids['outlet']}/levels", json=body, headers=h["approver"])
    assert r.status_code == 201, r.text


def test_pages_render_chart_and_map(api: Any) -> None:
    client, h, ids = api
    page = client.get(
        f"/review/outlets/{ids['outlet']}",
        params={"from": "2024-03-01", "to": "2024-03-01"},
        headers=h["pudong"],
    )
    assert page.status_code == 200 and "echarts.min.js" in page.text and "data-series" in page.text
    assert "maintenance" not in page.text and "a21026" in page.text
    home = client.get("/review", headers=h["pudong"])
    assert home.status_code == 200 and "data-points" in home.text and "121.55" in home.text
    for path in ("/review/queue", "/review/exceedances", "/review/indicators?from=2024-03-01&to=2024-03-01"):
        assert client.get(path, headers=h["pudong"]).status_code == 200
    rows = client.get(
        "/api/v1/review/indicators",
        params={"from": "2024-03-01", "to": "2024-03-01", "level": "enterprise"},
        headers=h["pudong"],
    ).json()
    (row,) = rows
    assert row["transmission_rate"] == 1.0 and row["online_rate"] == 1.0 and row["connection_rate"] == 1.0
    assert row["exceeding"] == 2 and row["judged"] == 24  # SO2 only (O2 has no limit); the fault is pending


def test_cross_check_routes_and_outlet_page_sections(api: Any) -> None:
    client, h, ids = api
    o = ids["outlet"]
    day = {"from": "2024-03-01", "to": "2024-03-01"}
    check = client.get(f"/api/v1/review/outlets/{o}/logger-check", params=day, headers=h["pudong"]).json()
    assert check["compared"] and check["logger_reports"] is False and check["rows"] == []
    assert client.get(f"/api/v1/review/outlets/{o}/enforcement", params=day, headers=h["pudong"]).json() == []
    got = client.get(f"/api/v1/review/outlets/{o}/amounts", params={"year": 2024}, headers=h["pudong"]).json()
    # no flue-gas flow in this world: the SO2 amount is zero, its hours not valid for an amount
    assert [(p["pollutant"], p["amount_t"], p["valid_hours"]) for p in got["pollutants"]] == [
        ("a21026", 0.0, 0)
    ]
    ent = client.get(
        f"/api/v1/review/enterprises/{got['enterprise_id']}/amounts",
        params={"year": 2024},
        headers=h["pudong"],
    )
    assert ent.status_code == 200 and ent.json()["outlets"] == [{"outlet_id": o, "outlet_code": "DA001"}]
    page = client.get(f"/review/outlets/{o}", params=day, headers=h["pudong"]).text
    for heading in ("执法监测结果", "数采仪上报值与平台计算值比对", "排放量", "质控事件"):
        assert heading in page, heading
    amounts_page = client.get(
        f"/review/enterprises/{got['enterprise_id']}/amounts?year=2024", headers=h["pudong"]
    )
    assert amounts_page.status_code == 200 and "a21026" in amounts_page.text
