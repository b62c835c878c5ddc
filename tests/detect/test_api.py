"""Detection over HTTP: the inbox and clue pages, the API, and every write audited per request."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from huanjian.audit.models import AuditEntry
from huanjian.core.runtime import Runtime
from huanjian.core.tx import Tx
from huanjian.web.app import create_app
from tests.detect.store import small_clue_world
from tests.factories import bearer, seed_people

MN1 = "31011500000001A0000D00C1"
MN2 = "31011500000001A0000D00C2"


def _world(runtime: Runtime, tx: Tx) -> tuple[TestClient, dict[str, str], int, int]:
    people = seed_people(tx)
    one = small_clue_world(tx, 101, MN1, "310115103", outlet_code="DA801")
    two = small_clue_world(tx, 101, MN2, "310115103", outlet_code="DA802")
    h = bearer(tx, people.pudong)
    tx.session.commit()
    return TestClient(create_app(runtime)), h, one, two


def _actions(tx: Tx, rid: str) -> list[str]:
    tx.session.expire_all()
    return list(tx.session.scalars(select(AuditEntry.action).where(AuditEntry.request_id == rid)))


def test_api_writes_are_audited(runtime: Runtime, tx: Tx) -> None:
    client, h, one, two = _world(runtime, tx)

    def post(path: str, rid: str, body: Any = None, form: Any = None) -> Any:
        kw: dict[str, Any] = {"json": body} if body is not None else {"data": form or {}}
        r = client.post(path, headers={**h, "X-Request-ID": rid}, follow_redirects=False, **kw)
        assert r.status_code < 400, (path, r.status_code, r.text)
        return r

    post(f"/api/v1/clues/{one}/transitions", "d-verify", {"status": "under_verification", "reason": ""})
    assert _actions(tx, "d-verify") == ["clue.under_verification"]
    post(f"/api/v1/clues/{one}/transitions", "d-confirm", {"status": "confirmed", "reason": "核实"})
    out = post(f"/api/v1/clues/{one}/case", "d-case", {}).json()
    assert out["status"] == "handed_to_case" and out["case_id"]
    assert [t["to_status"] for t in out["transitions"]] == [
        "new",
        "under_verification",
        "confirmed",
        "handed_to_case",
    ]
    assert set(_actions(tx, "d-case")) >= {"case.open", "clue.handed_to_case"}
    # The page forms.
    r = post(f"/clues/{two}/transitions", "p-verify", form={"status": "under_verification"})
    assert r.headers["location"] == f"/clues/{two}"
    assert _actions(tx, "p-verify") == ["clue.under_verification"]
    post(f"/clues/{two}/transitions", "p-confirm", form={"status": "confirmed", "reason": "r"})
    r = post(f"/clues/{two}/case", "p-case", form={})
    assert r.headers["location"].startswith("/cases/")
    assert "clue.handed_to_case" in _actions(tx, "p-case")


def test_api_refuses_a_dismissal_without_reason_and_bad_moves(runtime: Runtime, tx: Tx) -> None:
    client, h, one, _ = _world(runtime, tx)
    r = client.post(f"/api/v1/clues/{one}/transitions", json={"status": "dismissed"}, headers=h)
    assert r.status_code == 422, r.text
    r = client.post(f"/api/v1/clues/{one}/transitions", json={"status": "confirmed"}, headers=h)
    assert r.status_code == 409, r.text
    r = client.post(f"/api/v1/clues/{one}/case", json={}, headers=h)
    assert r.status_code == 409, r.text
    r = client.post(
        f"/api/v1/clues/{one}/transitions", json={"status": "dismissed", "reason": "校准"}, headers=h
    )
    assert r.json()["status"] == "dismissed" and r.json()["reason"] == "校准"
    listed = client.get("/api/v1/clues", params={"status": "dismissed"}, headers=h).json()
    assert [c["id"] for c in listed] == [one]


def test_inbox_and_clue_page(runtime: Runtime, tx: Tx) -> None:
    client, h, one, _ = _world(runtime, tx)
    page = client.get("/clues?category=data_quality&status=new", headers=h)
    assert page.status_code == 200 and f'href="/clues/{one}"' in page.text
    assert "数据质量" in page.text and "新线索" in page.text
    assert client.get("/clues?category=falsification", headers=h).text.count('href="/clues/') == 0
    page = client.get(f"/clues/{one}", headers=h)
    assert page.status_code == 200
    assert "/static/vendor/echarts.min.js" in page.text and 'id="chart"' in page.text
    assert 'data-testid="to-under_verification"' in page.text and 'data-testid="to-dismissed"' in page.text
    assert "dq_constant" in page.text and "mv_isolation_forest" in page.text
    detail = client.get(f"/api/v1/clues/{one}", headers=h).json()
    assert detail["start"].endswith("+08:00") and detail["chart"]["highlight"]
    assert "from 01-05 10:00" in detail["explanation"]["en"]  # times of day in CST, as the chart
    assert detail["evidence"][-1]["detector"] == "mv_isolation_forest"
