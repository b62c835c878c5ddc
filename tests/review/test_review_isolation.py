"""Cross-tenant cases for the review routes, merged into tests/access/test_isolation.py
(``CASES.update(REVIEW_CASES)``).

Each case seeds an air outlet of enterprise 甲 (Pudong) and one of 乙 (Minhang),
three hours of readings each, a review of the day and a pending fault declaration on
乙's outlet; then a Pudong user and enterprise 甲 must neither see nor act on 乙's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from huanjian.access.policy import Principal
from huanjian.core.context import ActionContext
from huanjian.core.runtime import Runtime
from huanjian.review import layers, service
from tests.factories import credit_code
from tests.review.world import DAY, T0, make_air_outlet, write_minutes

if TYPE_CHECKING:
    from tests.access.test_isolation import World

Case = Callable[["World"], None]
MN_A, MN_B = "31011500000001A0000001A1", "31011200000001A0000001B1"
H = 3600
BODY_SPAN = {"start": "2024-03-01T10:00:00+08:00", "end": "2024-03-01T11:00:00+08:00", "reason": "t"}


def _seed(w: World) -> dict[str, int]:
    app: Any = w.client.app
    rt: Runtime = app.state.runtime
    with rt.tx(ActionContext.system()) as tx:
        a = make_air_outlet(tx, 101, MN_A)
        b = make_air_outlet(tx, 102, MN_B, jurisdiction="310112102", longitude="121.38", latitude="31.11")
        from datetime import timedelta

        for mn in (MN_A, MN_B):
            write_minutes(
                tx, mn, T0 + timedelta(hours=10), {"a21026": np.full(180, 60.0), "a19001": np.full(180, 8.5)}
            )
        service.run(tx, Principal.system(), DAY, DAY)
        pending = layers.file_mark(
            tx,
            Principal.system(),
            outlet_id=b,
            code="fault",
            start=T0 + timedelta(hours=10),
            end=T0 + timedelta(hours=11),
            reason="故障",
            now=T0 + timedelta(hours=12),
        )
    return {"a": a, "b": b, "pending": pending.id}


def _denied(status: int) -> bool:
    return status in (403, 404)


def _outlet_get(path: str, params: dict[str, str] | None = None) -> Case:
    def case(w: World) -> None:
        ids = _seed(w)
        p = params or {}
        for user in ("pudong", "ent_a"):
            r = w.client.get(path.format(o=ids["b"]), params=p, headers=w.h[user])
            assert r.status_code == 404, (user, r.status_code, r.text)
        assert w.client.get(path.format(o=ids["a"]), params=p, headers=w.h["pudong"]).status_code == 200
        assert w.client.get(path.format(o=ids["b"]), params=p, headers=w.h["minhang"]).status_code == 200

    return case


def _outlet_post(path: str, body: dict[str, Any], *, form: bool = False) -> Case:
    def case(w: World) -> None:
        ids = _seed(w)
        kw: dict[str, Any] = {"data": body} if form else {"json": body}
        r = w.client.post(path.format(o=ids["b"]), headers=w.h["pudong"], follow_redirects=False, **kw)
        assert r.status_code == 404, r.text
        r = w.client.post(path.format(o=ids["b"]), headers=w.h["ent_a"], follow_redirects=False, **kw)
        assert _denied(r.status_code), r.text
        r = w.client.post(path.format(o=ids["a"]), headers=w.h["pudong"], follow_redirects=False, **kw)
        assert r.status_code in (201, 303), r.text

    return case


def _layer_post(path: str, body: dict[str, Any], *, form: bool = False) -> Case:
    def case(w: World) -> None:
        ids = _seed(w)
        kw: dict[str, Any] = {"data": body} if form else {"json": body}
        for user in ("pudong", "ent_a"):
            r = w.client.post(path.format(l=ids["pending"]), headers=w.h[user], follow_redirects=False, **kw)
            assert _denied(r.status_code), (user, r.status_code, r.text)

    return case


def _list(path: str, params: dict[str, str] | None = None, *, needle: str = "b") -> Case:
    def case(w: World) -> None:
        ids = _seed(w)
        r = w.client.get(path, params=params or {}, headers=w.h["pudong"])
        assert r.status_code == 200, r.text
        text = r.text
        assert MN_B not in text and credit_code(102, "310112") not in text and "上海乙化工" not in text
        if path.endswith("queue"):
            assert str(ids["pending"]) not in {str(x.get("id")) for x in r.json()}
        r = w.client.get(path, params=params or {}, headers=w.h["ent_a"])
        assert r.status_code == 200 and "上海乙化工" not in r.text and MN_B not in r.text

    return case


def case_self_monitoring(w: World) -> None:
    _seed(w)
    text = (
        "credit_code,outlet_code,pollutant,sampled_at,value,unit\n"
        f"{credit_code(102, '310112')},DA001,a21026,2024-03-01T10:20:00,60,mg/m3\n"
    )
    files = {"file": ("s.csv", text.encode(), "text/csv")}
    for user in ("pudong", "ent_a"):
        r = w.client.post("/api/v1/review/self-monitoring", files=files, headers=w.h[user])
        assert r.status_code == 200 and r.json()["created"] == 0 and r.json()["errors"], r.text


def case_runs(w: World) -> None:
    ids = _seed(w)
    body = {"from": "2024-03-01", "to": "2024-03-01", "outlet_id": ids["b"]}
    assert w.client.post("/api/v1/review/runs", json=body, headers=w.h["pudong"]).status_code == 404
    assert _denied(w.client.post("/api/v1/review/runs", json=body, headers=w.h["ent_a"]).status_code)
    counts = {}
    for user in ("pudong", "minhang", "city"):
        r = w.client.post(
            "/api/v1/review/runs", json={"from": "2024-03-01", "to": "2024-03-01"}, headers=w.h[user]
        )
        assert r.status_code == 200, r.text
        counts[user] = r.json()["outlets"]
    # A district's run covers its own outlets only: the city's covers both districts' and no more.
    assert counts["pudong"] >= 1 and counts["minhang"] >= 1
    assert counts["city"] == counts["pudong"] + counts["minhang"]


def case_page_queue(w: World) -> None:
    ids = _seed(w)
    page = w.client.get("/review/queue", headers=w.h["pudong"]).text
    assert f"/review/outlets/{ids['b']}" not in page
    assert f"/review/outlets/{ids['b']}" in w.client.get("/review/queue", headers=w.h["minhang"]).text


def _enterprise_get(path: str) -> Case:
    """Amounts of 乙 (Minhang): not found for Pudong and for enterprise 甲, shown to Minhang."""

    def case(w: World) -> None:
        ids = _seed(w)
        app: Any = w.client.app
        rt: Runtime = app.state.runtime
        with rt.tx(ActionContext.system(), readonly=True) as tx:
            from huanjian.core.scope import Scope
            from huanjian.review import repository as repo

            ent = {k: repo.outlet(tx.session, Scope(everything=True), ids[k]) for k in ("a", "b")}
        a, b = (ent[k].enterprise_id for k in ("a", "b"))  # type: ignore[union-attr]
        q = {"year": "2024"}
        for user in ("pudong", "ent_a"):
            r = w.client.get(path.format(e=b), params=q, headers=w.h[user])
            assert r.status_code == 404, (user, r.status_code, r.text)
        assert w.client.get(path.format(e=a), params=q, headers=w.h["pudong"]).status_code == 200
        assert w.client.get(path.format(e=b), params=q, headers=w.h["minhang"]).status_code == 200

    return case


DAYQ = {"from": "2024-03-01", "to": "2024-03-01"}
REVIEW_CASES: dict[tuple[str, str], Case] = {
    ("GET", "/api/v1/review/outlets/{outlet_id}/series"): _outlet_get(
        "/api/v1/review/outlets/{o}/series", DAYQ
    ),
    ("GET", "/api/v1/review/outlets/{outlet_id}/layers"): _outlet_get(
        "/api/v1/review/outlets/{o}/layers",
        {"from": "2024-03-01T00:00:00+08:00", "to": "2024-03-02T00:00:00+08:00"},
    ),
    ("GET", "/api/v1/review/outlets/{outlet_id}/explain"): _outlet_get(
        "/api/v1/review/outlets/{o}/explain",
        {
            "pollutant": "a21026",
            "period_start": "2024-03-01T10:00:00+08:00",
            "earlier": "2024-03-01T00:00:00+08:00",
        },
    ),
    ("POST", "/api/v1/review/outlets/{outlet_id}/marks"): _outlet_post(
        "/api/v1/review/outlets/{o}/marks",
        {
            **BODY_SPAN,
            "code": "startup",
            "end": "2099-01-01T00:00:00+08:00",
            "start": "2098-12-31T00:00:00+08:00",
        },
    ),
    ("POST", "/api/v1/review/outlets/{outlet_id}/actions"): _outlet_post(
        "/api/v1/review/outlets/{o}/actions", {**BODY_SPAN, "kind": "flag"}
    ),
    ("POST", "/api/v1/review/outlets/{outlet_id}/levels"): _outlet_post(
        "/api/v1/review/outlets/{o}/levels", {**BODY_SPAN, "level": "reviewed"}
    ),
    ("POST", "/api/v1/review/outlets/{outlet_id}/suspects"): _outlet_post(
        "/api/v1/review/outlets/{o}/suspects", BODY_SPAN
    ),
    ("POST", "/api/v1/review/layers/{layer_id}/decision"): _layer_post(
        "/api/v1/review/layers/{l}/decision", {"accept": True, "reason": "x"}
    ),
    ("POST", "/api/v1/review/layers/{layer_id}/withdraw"): _layer_post(
        "/api/v1/review/layers/{l}/withdraw", {"reason": "x"}
    ),
    ("POST", "/api/v1/review/layers/{layer_id}/resolve"): _layer_post(
        "/api/v1/review/layers/{l}/resolve", {"reason": "x"}
    ),
    ("GET", "/api/v1/review/queue"): _list("/api/v1/review/queue"),
    ("GET", "/api/v1/review/exceedances"): _list("/api/v1/review/exceedances"),
    ("GET", "/api/v1/review/indicators"): _list("/api/v1/review/indicators", {**DAYQ, "level": "logger"}),
    ("GET", "/api/v1/review/export"): _list("/api/v1/review/export", DAYQ),
    ("POST", "/api/v1/review/self-monitoring"): case_self_monitoring,
    ("POST", "/api/v1/review/runs"): case_runs,
    ("GET", "/review"): _list("/review"),
    ("GET", "/review/outlets/{outlet_id}"): _outlet_get("/review/outlets/{o}", DAYQ),
    ("POST", "/review/outlets/{outlet_id}/action"): _outlet_post(
        "/review/outlets/{o}/action",
        {"kind": "flag", "start": "2024-03-01T10:00", "end": "2024-03-01T11:00", "reason": "t"},
        form=True,
    ),
    ("GET", "/review/queue"): case_page_queue,
    ("POST", "/review/layers/{layer_id}/decision"): _layer_post(
        "/review/layers/{l}/decision", {"accept": "1", "reason": "x"}, form=True
    ),
    ("GET", "/review/exceedances"): _list("/review/exceedances"),
    ("GET", "/api/v1/review/outlets/{outlet_id}/logger-check"): _outlet_get(
        "/api/v1/review/outlets/{o}/logger-check", DAYQ
    ),
    ("GET", "/api/v1/review/outlets/{outlet_id}/enforcement"): _outlet_get(
        "/api/v1/review/outlets/{o}/enforcement", DAYQ
    ),
    ("GET", "/api/v1/review/outlets/{outlet_id}/amounts"): _outlet_get(
        "/api/v1/review/outlets/{o}/amounts", {"year": "2024"}
    ),
    ("GET", "/api/v1/review/enterprises/{enterprise_id}/amounts"): _enterprise_get(
        "/api/v1/review/enterprises/{e}/amounts"
    ),
    ("GET", "/review/enterprises/{enterprise_id}/amounts"): _enterprise_get(
        "/review/enterprises/{e}/amounts"
    ),
    ("GET", "/review/indicators"): _list("/review/indicators", {**DAYQ, "level": "logger"}),
}
