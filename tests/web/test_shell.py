"""Login, logout, sessions by cookie, API tokens, health and metrics."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from huanjian.audit.models import AuditEntry
from huanjian.core.tx import Tx
from tests.factories import PASSWORD, bearer, make_user, seed_geo


def test_login_sets_session_cookie_and_logout_revokes_it(client: TestClient, tx: Tx) -> None:
    seed_geo(tx)
    make_user(tx, "wu", "bureau", "310115")
    tx.session.commit()
    r = client.post(
        "/login", data={"username": "wu", "password": PASSWORD, "next": "/users"}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == "/users"
    cookie = r.cookies.get("hj_session")
    assert cookie and "httponly" in r.headers["set-cookie"].lower()
    assert "samesite=lax" in r.headers["set-cookie"].lower()
    assert client.get("/").status_code == 200
    client.post("/logout", follow_redirects=False)
    client.cookies.set("hj_session", cookie)  # replay the old cookie after logout
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_wrong_password_shows_the_form_again(client: TestClient, tx: Tx) -> None:
    seed_geo(tx)
    make_user(tx, "wu", "bureau", "310115")
    tx.session.commit()
    r = client.post("/login?lang=en", data={"username": "wu", "password": "nope-nope-nope"})
    assert r.status_code == 401
    assert "Wrong username or password" in r.text
    r = client.post("/login?lang=zh_CN", data={"username": "wu", "password": "nope-nope-nope"})
    assert "用户名或密码错误" in r.text


def test_open_redirect_is_refused(client: TestClient, tx: Tx) -> None:
    seed_geo(tx)
    make_user(tx, "wu", "bureau", "310115")
    tx.session.commit()
    r = client.post(
        "/login",
        data={"username": "wu", "password": PASSWORD, "next": "//evil.example/x"},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/"


def test_api_token_flow(client: TestClient, tx: Tx) -> None:
    seed_geo(tx)
    make_user(tx, "qian", "station", "310000")
    tx.session.commit()
    r = client.post(
        "/api/v1/auth/tokens", json={"username": "qian", "password": PASSWORD, "token_name": "etl"}
    )
    assert r.status_code == 201
    token = r.json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).json()["username"] == "qian"
    token_id = r.json()["info"]["id"]
    assert client.delete(f"/api/v1/me/tokens/{token_id}", headers=headers).status_code == 204
    r = client.get("/api/v1/me", headers=headers)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthenticated"


def test_bad_token_is_an_error_not_anonymous(client: TestClient) -> None:
    r = client.get("/api/v1/me", headers={"Authorization": "Bearer hjt_forged"})
    assert r.status_code == 401


def test_write_through_api_leaves_audit_entry_with_request_id(client: TestClient, tx: Tx) -> None:
    seed_geo(tx)
    admin = make_user(tx, "root", "admin")
    headers = {**bearer(tx, admin), "X-Request-ID": "req-123"}
    tx.session.commit()
    body = {
        "username": "new1",
        "full_name": "New One",
        "role": "bureau",
        "password": PASSWORD,
        "jurisdiction_code": "310112",
    }
    r = client.post("/api/v1/users", json=body, headers=headers)
    assert r.status_code == 201, r.text
    assert r.headers["x-request-id"] == "req-123"
    tx.session.expire_all()
    entry = tx.session.scalars(select(AuditEntry).where(AuditEntry.request_id == "req-123")).one()
    assert entry.action == "user.create" and entry.actor_id == admin.id and entry.channel == "api"
    assert entry.after["username"] == "new1" and "password" not in str(entry.after)


def test_validation_errors_name_the_field(client: TestClient, tx: Tx) -> None:
    seed_geo(tx)
    admin = make_user(tx, "root", "admin")
    headers = bearer(tx, admin)
    tx.session.commit()
    r = client.post("/api/v1/users", json={"username": "x"}, headers=headers)
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["error"]["details"]["errors"]}
    assert {"body.full_name", "body.role", "body.password"} <= fields
    r = client.post(
        "/api/v1/users",
        json={
            "username": "xy",
            "full_name": "X",
            "role": "bureau",
            "password": PASSWORD,
            "jurisdiction_code": "319999",
        },
        headers=headers,
    )
    assert r.status_code == 422
    assert r.json()["error"]["details"]["field"] == "jurisdiction_code"


def test_healthz_and_metrics(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json()["status"] == "ok"
    client.get("/login")
    text = client.get("/metrics").text
    assert "huanjian_http_requests_total" in text
    assert 'route="/login"' in text


def test_times_are_shown_in_china_standard_time(client: TestClient, tx: Tx) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import update

    seed_geo(tx)
    admin = make_user(tx, "root", "admin")
    headers = bearer(tx, admin)
    tx.audit("thing.update", "thing", "t1", after={})
    tx.session.execute(
        update(AuditEntry)
        .where(AuditEntry.object_id == "t1")
        .values(at=datetime(2026, 3, 1, 16, 0, 30, tzinfo=UTC))
    )
    tx.session.commit()
    page = client.get("/audit?object_id=t1", headers=headers).text
    assert "2026-03-02 00:00:30" in page  # 16:00:30 UTC is 00:00:30 the next day in Shanghai
