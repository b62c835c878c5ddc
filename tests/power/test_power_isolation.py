"""Cross-tenant cases for the electricity routes, merged into tests/access/test_isolation.py.

Each case seeds facilities and meters for enterprise A (Pudong) and B (Minhang)
and checks that Pudong's bureau, enterprise A and the contractor (no contract)
see only what is theirs, and that nobody writes across the boundary.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from huanjian.core.context import ActionContext
from huanjian.core.runtime import Runtime
from tests.power.world import A_CODE, B_CODE, PowerWorld, feed, row, seed_power

if TYPE_CHECKING:
    from tests.access.test_isolation import World

SPAN = {"from": "2026-11-01T00:00:00+08:00", "to": "2026-11-02T00:00:00+08:00"}


def _seed(w: World) -> PowerWorld:
    app: Any = w.client.app
    rt: Runtime = app.state.runtime
    with rt.tx(ActionContext(None, "test", "system")) as tx:
        return seed_power(tx)


def _meters(w: World, user: str) -> set[int]:
    r = w.client.get("/api/v1/power/meters", headers=w.h[user])
    assert r.status_code == 200, r.text
    return {m["id"] for m in r.json()}


def case_meters(w: World) -> None:
    p = _seed(w)
    assert _meters(w, "pudong") == {p.meter_a, p.meter_a_hj}
    assert _meters(w, "minhang") == {p.meter_b}
    assert _meters(w, "ent_a") == {p.meter_a, p.meter_a_hj}
    assert _meters(w, "contractor") == set()


def case_meter(w: World) -> None:
    p = _seed(w)
    for user in ("pudong", "ent_a", "contractor"):
        assert w.client.get(f"/api/v1/power/meters/{p.meter_b}", headers=w.h[user]).status_code == 404
    assert w.client.get(f"/api/v1/power/meters/{p.meter_a}", headers=w.h["ent_a"]).status_code == 200


def case_meter_readings(w: World) -> None:
    p = _seed(w)
    path = f"/api/v1/power/meters/{p.meter_b}/readings"
    for user in ("pudong", "ent_a"):
        assert w.client.get(path, params=SPAN, headers=w.h[user]).status_code == 404
    assert w.client.get(path, params=SPAN, headers=w.h["minhang"]).status_code == 200


def case_register_meter(w: World) -> None:
    _seed(w)
    body = {"credit_code": B_CODE, "facility_code": "TA001", "meter_code": "X1", "quantity": "power_kw"}
    assert w.client.post("/api/v1/power/meters", json=body, headers=w.h["pudong"]).status_code == 404
    assert w.client.post("/api/v1/power/meters", json=body, headers=w.h["ent_b"]).status_code == 403
    assert w.client.post("/api/v1/power/meters", json=body, headers=w.h["minhang"]).status_code == 201


def _upload(w: World, path: str, user: str, code: str) -> int:
    files = {"file": ("f.csv", feed(row(code=code)), "text/csv")}
    return w.client.post(path, files=files, headers=w.h[user]).status_code


def case_feed(w: World) -> None:
    _seed(w)
    assert _upload(w, "/api/v1/power/feed", "ent_a", B_CODE) == 422  # B's facility is not A's to feed
    assert _upload(w, "/api/v1/power/feed", "pudong", B_CODE) == 422
    assert _upload(w, "/api/v1/power/feed", "contractor", A_CODE) == 422  # no contract with A
    assert _upload(w, "/api/v1/power/feed", "ent_a", A_CODE) == 200


def case_feed_page(w: World) -> None:
    _seed(w)
    assert _upload(w, "/power/feed", "ent_b", A_CODE) == 422
    assert _upload(w, "/power/feed", "ent_b", B_CODE) == 200


def case_template(w: World) -> None:
    r = w.client.get("/api/v1/power/feed/template.csv", headers=w.h["ent_a"])
    assert r.status_code == 200 and "credit_code" in r.text  # a blank template: nothing tenant-specific


def case_page_meters(w: World) -> None:
    p = _seed(w)
    r = w.client.get("/power", headers=w.h["ent_b"])
    assert r.status_code == 200 and f"/power/{p.meter_b}" in r.text and f'/power/{p.meter_a}"' not in r.text


def case_page_meter(w: World) -> None:
    p = _seed(w)
    assert w.client.get(f"/power/{p.meter_a}", headers=w.h["minhang"]).status_code == 404
    assert w.client.get(f"/power/{p.meter_a}", headers=w.h["pudong"]).status_code == 200


POWER_CASES = {
    ("GET", "/api/v1/power/meters"): case_meters,
    ("POST", "/api/v1/power/meters"): case_register_meter,
    ("GET", "/api/v1/power/meters/{meter_id}"): case_meter,
    ("GET", "/api/v1/power/meters/{meter_id}/readings"): case_meter_readings,
    ("POST", "/api/v1/power/feed"): case_feed,
    ("GET", "/api/v1/power/feed/template.csv"): case_template,
    ("GET", "/power"): case_page_meters,
    ("POST", "/power/feed"): case_feed_page,
    ("GET", "/power/{meter_id}"): case_page_meter,
}
