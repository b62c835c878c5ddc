"""Draw lifecycle: plan → commit (hash published) → run → publish; verify; redraw needs two people."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from huanjian.access.policy import Principal
from huanjian.audit.models import AuditEntry
from huanjian.core.runtime import Runtime
from huanjian.core.tx import Tx
from huanjian.draw import ranking, service
from huanjian.draw.models import RandomDraw
from huanjian.errors import Conflict, PermissionDenied, ValidationError
from huanjian.web.app import create_app
from tests.factories import make_enterprise, make_user, seed_geo


def _library(tx: Tx) -> None:
    seed_geo(tx)
    for n in range(12):
        make_enterprise(
            tx,
            300 + n,
            f"浦东测试企业{n}号有限公司",
            "310115103",
            supervision_class="key" if n < 4 else "general",
        )
    make_enterprise(tx, 399, "闵行测试企业有限公司", "310112102", supervision_class="key")


def _officers(tx: Tx) -> tuple[Principal, Principal, Principal]:
    a = Principal.of(make_user(tx, "drawer", "bureau", "310115", permissions=("draw.run",)))
    b = Principal.of(make_user(tx, "second", "bureau", "310115", permissions=("draw.run",)))
    plain = Principal.of(make_user(tx, "plain", "bureau", "310115"))
    return a, b, plain


def test_lifecycle_and_verification(tx: Tx) -> None:
    _library(tx)
    a, _, plain = _officers(tx)
    with pytest.raises(PermissionDenied, match=r"draw\.run"):
        service.plan(tx, plain, title="Q4", jurisdiction_code="310115", period="2026Q4")
    draw = service.plan(tx, a, title="2026年第四季度双随机", jurisdiction_code="310115", period="2026Q4")
    assert len(draw.library) == 12  # Minhang's enterprise is not in Pudong's library
    with pytest.raises(Conflict, match="cannot run"):
        service.run(tx, a, draw.id)
    service.commit(tx, a, draw.id)
    assert draw.commitment == ranking.commitment(draw.seed or "")
    service.run(tx, a, draw.id)
    assert draw.status == "drawn" and draw.result
    drawn = {p["id"] for p in draw.result}
    assert len(drawn) == 1 + 2  # ceil(25 % of 4 key) + ceil(15 % of 8 general)
    service.publish(tx, a, draw.id)
    assert service.verify(draw) == []
    actions = [
        e.action
        for e in tx.session.scalars(
            select(AuditEntry).where(AuditEntry.object_type == "random_draw").order_by(AuditEntry.id)
        )
    ]
    assert actions == ["draw.plan", "draw.commit", "draw.run", "draw.publish"]


def test_tampered_result_or_library_fails_verification(tx: Tx) -> None:
    _library(tx)
    a, _, _ = _officers(tx)
    draw = service.plan(tx, a, title="t", jurisdiction_code="310115", period="2026Q4")
    service.commit(tx, a, draw.id)
    service.run(tx, a, draw.id)
    result = list(draw.result)
    outsider = next(c["id"] for c in draw.library if c["id"] not in {p["id"] for p in result})
    tx.session.execute(
        update(RandomDraw)
        .where(RandomDraw.id == draw.id)
        .values(result=[{**result[0], "id": outsider}, *result[1:]])
    )
    tx.session.expire_all()
    assert service.verify(tx.session.get(RandomDraw, draw.id))  # type: ignore[arg-type]


def test_redraw_needs_a_reason_and_a_second_person(tx: Tx) -> None:
    _library(tx)
    a, b, _ = _officers(tx)
    draw = service.plan(tx, a, title="t", jurisdiction_code="310115", period="2026Q4")
    service.commit(tx, a, draw.id)
    service.run(tx, a, draw.id)
    with pytest.raises(Conflict, match="no redraw was requested"):
        service.approve_redraw(tx, b, draw.id)
    with pytest.raises(ValidationError, match="reason"):
        service.request_redraw(tx, a, draw.id, "  ")
    service.request_redraw(tx, a, draw.id, "抽中企业已注销，名录未及时更新")
    with pytest.raises(PermissionDenied, match="second person"):
        service.approve_redraw(tx, a, draw.id)
    new = service.approve_redraw(tx, b, draw.id)
    assert draw.status == "superseded"
    assert new.status == "planned" and new.redraw_of_id == draw.id and new.library == draw.library
    entries = tx.session.scalars(select(AuditEntry).where(AuditEntry.action.like("draw.%redraw"))).all()
    assert [e.action for e in entries] == ["draw.request_redraw", "draw.approve_redraw"]
    assert entries[1].reason == "抽中企业已注销，名录未及时更新"


def test_public_pages_show_commitment_first_and_seed_only_when_published(runtime: Runtime, tx: Tx) -> None:
    _library(tx)
    a, _, _ = _officers(tx)
    draw = service.plan(tx, a, title="公开测试", jurisdiction_code="310115", period="2026Q4")
    draw_id = draw.id
    client = TestClient(create_app(runtime))
    tx.session.commit()
    assert client.get(f"/api/v1/public/draws/{draw_id}").status_code == 404  # not committed yet
    service.commit(tx, a, draw_id)
    service.run(tx, a, draw_id)
    tx.session.commit()
    body = client.get(f"/api/v1/public/draws/{draw_id}").json()
    assert body["commitment"] and body["seed"] is None and body["result"] is None
    service.publish(tx, a, draw_id)
    tx.session.commit()
    body = client.get(f"/api/v1/public/draws/{draw_id}").json()
    assert body["seed"] and ranking.commitment(body["seed"]) == body["commitment"] and body["result"]
    assert client.get(f"/api/v1/public/draws/{draw_id}/verify").json() == {"ok": True, "problems": []}
    page = client.get(f"/public/draws/{draw_id}")
    assert page.status_code == 200 and body["seed"] in page.text and "公开测试" in page.text


def test_api_writes_are_audited(runtime: Runtime, tx: Tx) -> None:
    """Every draw write route leaves its audit entry under the request's id (see test_audit_every_write)."""
    from tests.factories import bearer

    _library(tx)
    a = make_user(tx, "drawer", "bureau", "310115", permissions=("draw.run",))
    b = make_user(tx, "second", "bureau", "310115", permissions=("draw.run",))
    ha, hb = bearer(tx, a), bearer(tx, b)
    tx.session.commit()
    client = TestClient(create_app(runtime))

    def call(path: str, rid: str, headers: dict[str, str], body: dict[str, str] | None = None) -> int:
        r = client.post(path, json=body, headers={**headers, "X-Request-ID": rid})
        assert r.status_code < 400, r.text
        return int(r.json()["id"])

    draw_id = call(
        "/api/v1/draws", "d-plan", ha, {"title": "t", "jurisdiction_code": "310115", "period": "2026Q4"}
    )
    call(f"/api/v1/draws/{draw_id}/commit", "d-commit", ha)
    call(f"/api/v1/draws/{draw_id}/run", "d-run", ha)
    call(f"/api/v1/draws/{draw_id}/publish", "d-publish", ha)
    call(f"/api/v1/draws/{draw_id}/redraw-request", "d-req", ha, {"reason": "名录有误"})
    call(f"/api/v1/draws/{draw_id}/redraw-approve", "d-approve", hb)
    tx.session.expire_all()
    by_request: dict[str, list[str]] = {}
    for e in tx.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "random_draw")):
        by_request.setdefault(e.request_id, []).append(e.action)
    assert by_request == {
        "d-plan": ["draw.plan"],
        "d-commit": ["draw.commit"],
        "d-run": ["draw.run"],
        "d-publish": ["draw.publish"],
        "d-req": ["draw.request_redraw"],
        "d-approve": ["draw.approve_redraw", "draw.plan"],
    }
