"""Cross-tenant cases for draw routes, merged into tests/access/test_isolation.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _draw_id(w: Any) -> int:
    return int(w.ids["mh_draw"])


def case_list(w: Any) -> None:
    ids = {d["id"] for d in w.client.get("/api/v1/draws", headers=w.h["pudong"]).json()}
    assert _draw_id(w) not in ids
    assert w.client.get("/api/v1/draws", headers=w.h["ent_a"]).status_code == 403


def case_plan(w: Any) -> None:
    body = {"title": "x", "jurisdiction_code": "310112", "period": "2026Q4"}
    assert w.client.post("/api/v1/draws", json=body, headers=w.h["pudong_drawer"]).status_code == 403


def case_get(w: Any) -> None:
    assert w.client.get(f"/api/v1/draws/{_draw_id(w)}", headers=w.h["pudong_drawer"]).status_code == 404
    assert w.client.get(f"/api/v1/draws/{_draw_id(w)}", headers=w.h["minhang"]).status_code == 200


def _action(name: str) -> Callable[[Any], None]:
    def case(w: Any) -> None:
        kwargs: dict[str, Any] = {"json": {"reason": "r"}} if name == "redraw-request" else {}
        r = w.client.post(f"/api/v1/draws/{_draw_id(w)}/{name}", headers=w.h["pudong_drawer"], **kwargs)
        assert r.status_code == 404, r.text

    return case


def case_page_list(w: Any) -> None:
    page = w.client.get("/draws", headers=w.h["pudong"]).text
    assert "闵行抽查" not in page


def case_page_get(w: Any) -> None:
    assert w.client.get(f"/draws/{_draw_id(w)}", headers=w.h["pudong"]).status_code == 404


DRAW_CASES: dict[tuple[str, str], Callable[[Any], None]] = {
    ("GET", "/api/v1/draws"): case_list,
    ("POST", "/api/v1/draws"): case_plan,
    ("GET", "/api/v1/draws/{draw_id}"): case_get,
    ("POST", "/api/v1/draws/{draw_id}/commit"): _action("commit"),
    ("POST", "/api/v1/draws/{draw_id}/run"): _action("run"),
    ("POST", "/api/v1/draws/{draw_id}/publish"): _action("publish"),
    ("POST", "/api/v1/draws/{draw_id}/redraw-request"): _action("redraw-request"),
    ("POST", "/api/v1/draws/{draw_id}/redraw-approve"): _action("redraw-approve"),
    ("GET", "/draws"): case_page_list,
    ("GET", "/draws/{draw_id}"): case_page_get,
}
