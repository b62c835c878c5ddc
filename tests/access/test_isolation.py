"""Cross-tenant isolation, route by route.

`test_every_route_has_a_cross_tenant_case` walks the app's routes and fails
for any route that is neither public nor covered by a case in ``CASES``. A
domain that adds a route adds its case here (or in a module imported here):
a user of district A cannot read or change district B's objects, an
enterprise cannot see another enterprise, a contractor or lab sees only what
it serves.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Route

from huanjian.access.policy import Principal
from huanjian.core.context import ActionContext
from huanjian.core.db import make_engine
from huanjian.core.runtime import Runtime
from huanjian.core.tx import Tx
from huanjian.draw import service as draws
from huanjian.jobs import builtin  # noqa: F401 — registers job kinds used below
from huanjian.jobs import service as jobs
from huanjian.notify import service as notify
from huanjian.settings import Settings
from huanjian.web.app import create_app
from huanjian.web.routes import API_ROUTERS, PAGE_ROUTERS, PUBLIC_ROUTES
from tests.casework.test_casework_isolation import CASEWORK_CASES, casework_world
from tests.conftest import AUDIT_KEY, RolledBackDatabase
from tests.credit.test_credit_isolation import CREDIT_CASES, credit_world
from tests.detect.test_detect_isolation import DETECT_CASES, detect_world
from tests.draw.test_draw_isolation import DRAW_CASES
from tests.factories import bearer, make_user, seed_people
from tests.field.test_field_isolation import FIELD_CASES, field_world
from tests.ingest.test_ingest_isolation import INGEST_CASES
from tests.power.test_power_isolation import POWER_CASES
from tests.register.test_register_isolation import REGISTER_CASES
from tests.review.test_review_isolation import REVIEW_CASES


@dataclass
class World:
    client: TestClient
    h: dict[str, dict[str, str]]  # headers per username
    ids: dict[str, int]


Case = Callable[[World], None]


@pytest.fixture(scope="module")
def _world(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The world is built once per backend and module: building it takes seconds, and
    every case runs inside a savepoint of its own that is rolled back (see ``world``)."""
    engine = make_engine(database_url)
    connection = engine.connect()
    outer = connection.begin()
    db = RolledBackDatabase(database_url, connection)
    settings = Settings(data_dir=tmp_path_factory.mktemp("world"), audit_key=AUDIT_KEY, divisions_dir=None)
    runtime = Runtime(settings=settings, db=db)
    try:
        with db.unit_of_work() as session:
            yield _build_world(
                runtime, Tx(session, ActionContext(None, "test", "system"), AUDIT_KEY.encode())
            )
    finally:
        outer.rollback()
        connection.close()
        db.dispose()
        engine.dispose()


@pytest.fixture
def world(_world: World) -> Iterator[World]:
    db = _world.client.app.state.runtime.db  # type: ignore[attr-defined]
    savepoint = db.connection.begin_nested()
    try:
        yield _world
    finally:
        savepoint.rollback()


def _build_world(runtime: Runtime, tx: Tx) -> World:
    people = seed_people(tx)
    pudong_admin = make_user(tx, "pudong_admin", "admin", "310115")
    pudong_drawer = make_user(tx, "pudong_drawer", "bureau", "310115", permissions=("draw.run",))
    minhang_drawer = Principal.of(make_user(tx, "mh_drawer", "bureau", "310112", permissions=("draw.run",)))
    mh_draw = draws.plan(tx, minhang_drawer, title="闵行抽查", jurisdiction_code="310112", period="2026Q4")
    users = {
        u.username: u
        for u in (
            people.admin,
            people.city,
            people.pudong,
            people.minhang,
            people.pudong_town,
            people.enterprise_a,
            people.enterprise_b,
            people.contractor,
            pudong_admin,
            pudong_drawer,
        )
    }
    headers = {name: bearer(tx, u) for name, u in users.items()}
    n_minhang = notify.send(tx, [people.minhang.id], kind="t", title="for minhang only")[0]
    n_ent_b = notify.send(tx, [people.enterprise_b.id], kind="t", title="for enterprise b only")[0]
    tx.audit("thing.update", "thing", "mh-1", after={"secret": "minhang"}, jurisdiction_code="310112")
    mh_entry = tx.audit(
        "thing.update", "thing", "mh-2", after={"secret": "minhang"}, jurisdiction_code="310112102"
    )
    job = jobs.enqueue(tx, "audit.verify", {})
    from huanjian.access import repository as users_repo

    minhang_token = users_repo.tokens_of(tx.session, people.minhang.id, "api")[0]
    casework_ids = casework_world(tx, runtime, people)
    detect_ids = detect_world(tx, people)
    field_ids = field_world(tx, runtime, people)
    credit_ids = credit_world(tx, people)
    tx.session.commit()
    client = TestClient(create_app(runtime))
    return World(
        client,
        headers,
        {
            "n_minhang": n_minhang.id,
            "n_ent_b": n_ent_b.id,
            "mh_entry": mh_entry.id,
            "job": job.id,
            "minhang_token": minhang_token.id,
            "mh_draw": mh_draw.id,
            **casework_ids,
            **detect_ids,
            **field_ids,
            **credit_ids,
        },
    )


def _denied(status: int) -> bool:
    return status in (403, 404)


# --- access ----------------------------------------------------------------


def case_users_list(w: World) -> None:
    names = {u["username"] for u in w.client.get("/api/v1/users", headers=w.h["pudong"]).json()}
    assert "pudong" in names and "gaoqiao" in names
    assert not names & {"minhang", "city", "ent_a", "ent_b"}
    assert _denied(w.client.get("/api/v1/users", headers=w.h["ent_a"]).status_code)


def case_users_create(w: World) -> None:
    body = {
        "username": "intruder",
        "full_name": "X",
        "role": "bureau",
        "password": "long-enough-pw",
        "jurisdiction_code": "310112",
    }
    assert _denied(w.client.post("/api/v1/users", json=body, headers=w.h["pudong_admin"]).status_code)
    assert _denied(w.client.post("/api/v1/users", json=body, headers=w.h["pudong"]).status_code)
    body["jurisdiction_code"] = "310115"
    assert w.client.post("/api/v1/users", json=body, headers=w.h["pudong_admin"]).status_code == 201


def case_user_get(w: World) -> None:
    assert w.client.get("/api/v1/users/minhang", headers=w.h["pudong"]).status_code == 404
    assert w.client.get("/api/v1/users/gaoqiao", headers=w.h["pudong"]).status_code == 200
    assert w.client.get("/api/v1/users/pudong", headers=w.h["gaoqiao"]).status_code == 404


def _user_write_case(path: str, method: str = "POST", body: dict[str, str] | None = None) -> Case:
    def case(w: World) -> None:
        req = {"json": body} if body else {}
        r = w.client.request(method, path.format(u="minhang"), headers=w.h["pudong_admin"], **req)
        assert r.status_code == 404, r.text
        r = w.client.request(method, path.format(u="gaoqiao"), headers=w.h["pudong_admin"], **req)
        assert r.status_code == 200, r.text

    return case


def case_me(w: World) -> None:
    assert w.client.get("/api/v1/me", headers=w.h["pudong"]).json()["username"] == "pudong"


def case_my_tokens(w: World) -> None:
    ids = {t["id"] for t in w.client.get("/api/v1/me/tokens", headers=w.h["pudong"]).json()}
    assert w.ids["minhang_token"] not in ids


def case_revoke_token(w: World) -> None:
    r = w.client.delete(f"/api/v1/me/tokens/{w.ids['minhang_token']}", headers=w.h["pudong"])
    assert r.status_code == 404
    assert w.client.get("/api/v1/me", headers=w.h["minhang"]).status_code == 200


# --- jurisdictions ----------------------------------------------------------


def case_jurisdictions(w: World) -> None:
    codes = {j["code"] for j in w.client.get("/api/v1/jurisdictions", headers=w.h["pudong"]).json()}
    assert "310115103" in codes and not any(c.startswith("310112") for c in codes)


def case_jurisdiction(w: World) -> None:
    for code in ("310112", "310112102"):
        assert w.client.get(f"/api/v1/jurisdictions/{code}", headers=w.h["pudong"]).status_code == 404
    assert w.client.get("/api/v1/jurisdictions/310115103", headers=w.h["pudong"]).status_code == 200


# --- audit ------------------------------------------------------------------


def case_audit_search(w: World) -> None:
    rows = w.client.get("/api/v1/audit", headers=w.h["pudong"]).json()
    assert rows and not any((r["jurisdiction_code"] or "").startswith("310112") for r in rows)
    assert _denied(w.client.get("/api/v1/audit", headers=w.h["ent_a"]).status_code)


def case_audit_entry(w: World) -> None:
    assert w.client.get(f"/api/v1/audit/{w.ids['mh_entry']}", headers=w.h["pudong"]).status_code == 404
    assert w.client.get(f"/api/v1/audit/{w.ids['mh_entry']}", headers=w.h["minhang"]).status_code == 200


def case_audit_verify(w: World) -> None:
    assert w.client.get("/api/v1/audit/verify", headers=w.h["pudong"]).status_code == 403
    assert w.client.get("/api/v1/audit/verify", headers=w.h["pudong_admin"]).status_code == 403
    assert w.client.get("/api/v1/audit/verify", headers=w.h["admin"]).json()["ok"] is True


# --- jobs (administrators of the whole platform only) ------------------------


def case_jobs_list(w: World) -> None:
    assert w.client.get("/api/v1/jobs", headers=w.h["pudong"]).status_code == 403
    assert w.client.get("/api/v1/jobs", headers=w.h["admin"]).status_code == 200


def case_jobs_enqueue(w: World) -> None:
    r = w.client.post("/api/v1/jobs", json={"kind": "audit.verify"}, headers=w.h["minhang"])
    assert r.status_code == 403


def case_job_detail(w: World) -> None:
    assert w.client.get(f"/api/v1/jobs/{w.ids['job']}", headers=w.h["ent_a"]).status_code == 403


# --- notifications ----------------------------------------------------------


def case_inbox(w: World) -> None:
    titles = {n["title"] for n in w.client.get("/api/v1/notifications", headers=w.h["pudong"]).json()}
    assert "for minhang only" not in titles
    titles = {n["title"] for n in w.client.get("/api/v1/notifications", headers=w.h["ent_a"]).json()}
    assert "for enterprise b only" not in titles


def case_send(w: World) -> None:
    body = {"to": "minhang", "title": "hello"}
    assert w.client.post("/api/v1/notifications", json=body, headers=w.h["pudong"]).status_code == 404
    assert (
        w.client.post(
            "/api/v1/notifications", json={"to": "ent_b", "title": "x"}, headers=w.h["ent_a"]
        ).status_code
        == 403
    )


def _notification_case(action: str) -> Case:
    def case(w: World) -> None:
        r = w.client.post(f"/api/v1/notifications/{w.ids['n_minhang']}/{action}", headers=w.h["pudong"])
        assert r.status_code == 404
        r = w.client.post(f"/api/v1/notifications/{w.ids['n_ent_b']}/{action}", headers=w.h["ent_a"])
        assert r.status_code == 404

    return case


# --- pages ------------------------------------------------------------------


def case_page_home(w: World) -> None:
    page = w.client.get("/", headers=w.h["pudong"]).text
    assert "Minhang" not in page


def case_page_users(w: World) -> None:
    page = w.client.get("/users", headers=w.h["pudong"]).text
    assert "gaoqiao" in page and "minhang" not in page
    assert _denied(w.client.get("/users", headers=w.h["ent_a"]).status_code)


def case_page_audit(w: World) -> None:
    page = w.client.get("/audit", headers=w.h["pudong"]).text
    assert "mh-1" not in page and "mh-2" not in page


def case_page_jobs(w: World) -> None:
    assert w.client.get("/jobs", headers=w.h["pudong"]).status_code == 403


def case_page_inbox(w: World) -> None:
    assert "for minhang only" not in w.client.get("/notifications", headers=w.h["pudong"]).text


def case_page_ack(w: World) -> None:
    r = w.client.post(f"/notifications/{w.ids['n_minhang']}/acknowledge", headers=w.h["pudong"])
    assert r.status_code == 404


CASES: dict[tuple[str, str], Case] = {
    ("GET", "/api/v1/users"): case_users_list,
    ("POST", "/api/v1/users"): case_users_create,
    ("GET", "/api/v1/users/{username}"): case_user_get,
    ("POST", "/api/v1/users/{username}/disable"): _user_write_case(
        "/api/v1/users/{u}/disable", body={"reason": "t"}
    ),
    ("POST", "/api/v1/users/{username}/enable"): _user_write_case(
        "/api/v1/users/{u}/enable", body={"reason": "t"}
    ),
    ("POST", "/api/v1/users/{username}/permissions"): _user_write_case(
        "/api/v1/users/{u}/permissions", body={"permission": "draw.run", "reason": "t"}
    ),
    ("DELETE", "/api/v1/users/{username}/permissions/{permission}"): _user_write_case(
        "/api/v1/users/{u}/permissions/draw.run", method="DELETE"
    ),
    ("GET", "/api/v1/me"): case_me,
    ("GET", "/api/v1/me/tokens"): case_my_tokens,
    ("DELETE", "/api/v1/me/tokens/{token_id}"): case_revoke_token,
    ("GET", "/api/v1/jurisdictions"): case_jurisdictions,
    ("GET", "/api/v1/jurisdictions/{code}"): case_jurisdiction,
    ("GET", "/api/v1/audit"): case_audit_search,
    ("GET", "/api/v1/audit/verify"): case_audit_verify,
    ("GET", "/api/v1/audit/{entry_id}"): case_audit_entry,
    ("GET", "/api/v1/jobs"): case_jobs_list,
    ("POST", "/api/v1/jobs"): case_jobs_enqueue,
    ("GET", "/api/v1/jobs/{job_id}"): case_job_detail,
    ("GET", "/api/v1/notifications"): case_inbox,
    ("POST", "/api/v1/notifications"): case_send,
    ("POST", "/api/v1/notifications/{notification_id}/read"): _notification_case("read"),
    ("POST", "/api/v1/notifications/{notification_id}/acknowledge"): _notification_case("acknowledge"),
    ("GET", "/"): case_page_home,
    ("GET", "/users"): case_page_users,
    ("GET", "/audit"): case_page_audit,
    ("GET", "/jobs"): case_page_jobs,
    ("GET", "/notifications"): case_page_inbox,
    ("POST", "/notifications/{notification_id}/acknowledge"): case_page_ack,
}


CASES.update(REGISTER_CASES)
CASES.update(DRAW_CASES)

CASES.update(INGEST_CASES)  # tests/ingest/test_ingest_isolation.py
CASES.update(REVIEW_CASES)  # tests/review/test_review_isolation.py
CASES.update(CASEWORK_CASES)  # tests/casework/test_casework_isolation.py
CASES.update(DETECT_CASES)  # tests/detect/test_detect_isolation.py
CASES.update(FIELD_CASES)  # tests/field/test_field_isolation.py
CASES.update(CREDIT_CASES)  # tests/credit/test_credit_isolation.py
CASES.update(POWER_CASES)  # tests/power/test_power_isolation.py


def _methods(route: APIRoute | Route, prefix: str) -> set[tuple[str, str]]:
    return {(m, prefix + route.path) for m in route.methods or () if m != "HEAD"}


def app_routes() -> set[tuple[str, str]]:
    """Every (method, path) the app serves: its own routes and every registered router's.

    FastAPI includes routers lazily, so walk the registry in web/routes.py; the
    OpenAPI cross-check below catches a router mounted some other way.
    """
    from huanjian.core.db import Database
    from huanjian.settings import Settings

    app = create_app(Runtime(Settings(), Database("sqlite://")))
    found: set[tuple[str, str]] = set()
    for route in app.routes:
        if isinstance(route, APIRoute | Route):
            found |= _methods(route, "")
    for routers, prefix in ((API_ROUTERS, "/api/v1"), (PAGE_ROUTERS, "")):
        for router in routers:
            for route in router.routes:
                assert isinstance(route, APIRoute | Route), f"unexpected route type {type(route)}"
                found |= _methods(route, prefix)
    in_schema = {(m.upper(), path) for path, ops in app.openapi()["paths"].items() for m in ops}
    assert in_schema <= found, f"routes not registered through web/routes.py: {in_schema - found}"
    return found


def test_every_route_has_a_cross_tenant_case() -> None:
    missing = sorted(app_routes() - PUBLIC_ROUTES - set(CASES))
    assert not missing, f"routes without a cross-tenant case in tests/access/test_isolation.py: {missing}"
    stale = sorted(set(CASES) - app_routes())
    assert not stale, f"cases for routes that no longer exist: {stale}"


@pytest.mark.parametrize("route", sorted(CASES), ids=lambda r: f"{r[0]} {r[1]}")
def test_cross_tenant(route: tuple[str, str], world: World) -> None:
    CASES[route](world)


@pytest.mark.parametrize("route", sorted(CASES), ids=lambda r: f"{r[0]} {r[1]}")
def test_anonymous_is_refused(route: tuple[str, str], world: World) -> None:
    method, path = route
    concrete = path.replace("{username}", "x").replace("{permission}", "draw.run")
    concrete = re.sub(r"\{[a-z_]+\}", "1", concrete)  # every other path parameter
    client = TestClient(world.client.app)  # a fresh cookie jar: nobody logged in
    r = client.request(method, concrete, follow_redirects=False, json={} if method != "GET" else None)
    if path.startswith("/api/"):
        assert r.status_code == 401, (route, r.status_code, r.text)
    else:
        assert r.status_code in (303, 401), (route, r.status_code)
