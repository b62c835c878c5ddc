"""Register API and pages: imports with the row report, profile with both times,
and every register write route leaves an audit entry tied to its request."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from huanjian.audit.models import AuditEntry
from huanjian.core.runtime import Runtime
from huanjian.core.tx import Tx
from huanjian.web.app import create_app
from tests.factories import bearer, credit_code, seed_people

A = credit_code(101, "310115")


@pytest.fixture
def api(runtime: Runtime, tx: Tx) -> tuple[TestClient, dict[str, dict[str, str]], Tx]:
    people = seed_people(tx)
    headers = {u.username: bearer(tx, u) for u in (people.admin, people.pudong, people.enterprise_a)}
    tx.session.commit()
    return TestClient(create_app(runtime)), headers, tx


def _file(kind: str, text: str) -> dict[str, Any]:
    return {"file": (f"{kind}.csv", text.encode("utf-8"), "text/csv")}


def _audited(tx: Tx, rid: str, prefix: str) -> None:
    tx.session.expire_all()
    actions = [e.action for e in tx.session.scalars(select(AuditEntry).where(AuditEntry.request_id == rid))]
    assert any(a.startswith(prefix) for a in actions), actions


def test_api_writes_are_audited(api: tuple[TestClient, dict[str, dict[str, str]], Tx]) -> None:
    client, h, tx = api
    outlets = f"credit_code,outlet_code,name\n{A},DA001,1号烟囱\n"
    rid = "req-register-import"
    r = client.post(
        "/api/v1/register/imports/outlets",
        files=_file("outlets", outlets),
        headers={**h["pudong"], "X-Request-ID": rid},
    )
    assert r.status_code == 200 and r.json()["created"] == 1, r.text
    _audited(tx, rid, "register.import.outlets")

    ent = client.get("/api/v1/register/enterprises", params={"q": A}, headers=h["pudong"]).json()["items"][0]
    rid = "req-register-patch"
    r = client.patch(
        f"/api/v1/register/enterprises/{ent['id']}",
        json={"changes": {"supervision_class": "simple"}, "reason": "re-graded"},
        headers={**h["pudong"], "X-Request-ID": rid},
    )
    assert r.status_code == 200 and r.json()["supervision_class"] == "simple", r.text
    _audited(tx, rid, "register.import.enterprises")

    objects = "object_code,name,jurisdiction_code\nZF1,上海甲热电公司,310115\nZF2,甲热电,310115\n"
    assert (
        client.post(
            "/api/v1/register/imports/enforcement-objects", files=_file("o", objects), headers=h["admin"]
        ).status_code
        == 200
    )
    queue = client.get("/api/v1/register/matches", params={"status": ""}, headers=h["pudong"]).json()
    ids = {o["object_code"]: o["id"] for o in queue}
    rid = "req-register-decide"
    r = client.post(
        f"/api/v1/register/matches/{ids['ZF1']}",
        json={"decision": "accept", "enterprise_id": ent["id"], "reason": "same site"},
        headers={**h["pudong"], "X-Request-ID": rid},
    )
    assert r.status_code == 200 and r.json()["status"] == "linked"
    _audited(tx, rid, "register.match.accept")

    rid = "req-register-page-decide"
    r = client.post(
        f"/register/matches/{ids['ZF2']}",
        data={"decision": "reject", "reason": "not the same"},
        headers={**h["pudong"], "X-Request-ID": rid},
        follow_redirects=False,
    )
    assert r.status_code == 303
    _audited(tx, rid, "register.match.reject")

    rid = "req-register-page-import"
    limits = (
        "credit_code,outlet_code,pollutant,averaging_period,value,unit,standard,valid_from\n"
        f"{A},DA001,a21026,hour,35,mg/m3,GB 13223-2011,2024-01-01\n"
        f"{A},DA009,a21026,hour,35,mg/m3,GB 13223-2011,2024-01-01\n"
    )
    r = client.post(
        "/register/import",
        data={"kind": "limits"},
        files=_file("limits", limits),
        headers={**h["pudong"], "X-Request-ID": rid},
    )
    assert r.status_code == 200
    assert "DA009" in r.text and "outlet_code" in r.text  # the rejected row, its field and problem
    _audited(tx, rid, "register.import.limits")


def test_profile_api_and_page(api: tuple[TestClient, dict[str, dict[str, str]], Tx]) -> None:
    client, h, _tx = api
    ent = client.get("/api/v1/register/enterprises", params={"q": "甲热电"}, headers=h["ent_a"]).json()[
        "items"
    ][0]
    profile = client.get(f"/api/v1/register/enterprises/{ent['id']}", headers=h["ent_a"]).json()
    assert profile["identity"]["credit_code"] == A and profile["history"][0]["created"] is True
    before = client.get(
        f"/api/v1/register/enterprises/{ent['id']}",
        params={"known_at": "2000-01-01T00:00:00"},
        headers=h["ent_a"],
    ).json()
    assert before["identity"] is None  # the register knew nothing then
    bad = client.get(
        f"/api/v1/register/enterprises/{ent['id']}", params={"as_of": "yesterday"}, headers=h["ent_a"]
    )
    assert bad.status_code == 422 and bad.json()["error"]["details"]["field"] == "as_of"
    page = client.get(f"/register/enterprises/{ent['id']}", headers=h["ent_a"])
    assert page.status_code == 200 and "一企一档" in page.text and A in page.text
    search = client.get("/register", params={"q": "甲"}, headers=h["pudong"])
    assert "上海甲热电有限公司" in search.text


def test_template_and_export_api(api: tuple[TestClient, dict[str, dict[str, str]], Tx]) -> None:
    client, h, _tx = api
    csv_template = client.get("/api/v1/register/templates/limits", headers=h["pudong"])
    assert csv_template.text.lstrip("\ufeff").startswith("credit_code,outlet_code,pollutant")
    xlsx = client.get("/api/v1/register/templates/limits", params={"format": "xlsx"}, headers=h["pudong"])
    assert xlsx.content[:2] == b"PK"
    assert client.get("/api/v1/register/templates/nonsense", headers=h["pudong"]).status_code == 422
    rows = client.get(
        "/api/v1/register/exports/enterprises", params={"as_of": "2020-01-01"}, headers=h["pudong"]
    ).json()
    assert [r["credit_code"] for r in rows] == [A]
