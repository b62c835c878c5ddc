"""Cross-tenant cases for detection routes, merged into tests/access/test_isolation.py.

The world gets one clue on a Minhang outlet of enterprise B (:func:`detect_world`; no
Pudong outlet is added, so other domains' counts of Pudong outlets stay as they are).
Pudong staff neither see nor act on it while Minhang staff do; enterprises and contractors
see no clue at all (clues are for the authorities).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from huanjian.core.tx import Tx
from tests.detect.store import small_clue_world
from tests.factories import People

MH_MN = "31011200000001A0000D00B1"


def detect_world(tx: Tx, people: People) -> dict[str, int]:
    return {"mh_clue": small_clue_world(tx, 102, MH_MN, "310112102", outlet_code="DA901")}


def _denied(status: int) -> bool:
    return status in (403, 404)


def case_api_list(w: Any) -> None:
    ids = {c["id"] for c in w.client.get("/api/v1/clues", headers=w.h["pudong"]).json()}
    assert w.ids["mh_clue"] not in ids
    ids = {c["id"] for c in w.client.get("/api/v1/clues", headers=w.h["minhang"]).json()}
    assert w.ids["mh_clue"] in ids
    ids = {c["id"] for c in w.client.get("/api/v1/clues", headers=w.h["city"]).json()}
    assert w.ids["mh_clue"] in ids
    for who in ("ent_a", "ent_b", "contractor"):
        assert _denied(w.client.get("/api/v1/clues", headers=w.h[who]).status_code)


def case_api_get(w: Any) -> None:
    assert w.client.get(f"/api/v1/clues/{w.ids['mh_clue']}", headers=w.h["pudong"]).status_code == 404
    assert w.client.get(f"/api/v1/clues/{w.ids['mh_clue']}", headers=w.h["minhang"]).status_code == 200
    assert _denied(w.client.get(f"/api/v1/clues/{w.ids['mh_clue']}", headers=w.h["ent_b"]).status_code)


def case_api_transition(w: Any) -> None:
    body = {"status": "dismissed", "reason": "intrusion"}
    r = w.client.post(f"/api/v1/clues/{w.ids['mh_clue']}/transitions", json=body, headers=w.h["pudong"])
    assert r.status_code == 404, r.text
    r = w.client.post(f"/api/v1/clues/{w.ids['mh_clue']}/transitions", json=body, headers=w.h["ent_b"])
    assert _denied(r.status_code)
    assert w.client.get(f"/api/v1/clues/{w.ids['mh_clue']}", headers=w.h["minhang"]).json()["status"] == "new"


def case_api_case(w: Any) -> None:
    r = w.client.post(f"/api/v1/clues/{w.ids['mh_clue']}/case", json={}, headers=w.h["pudong"])
    assert r.status_code == 404, r.text


def case_page_inbox(w: Any) -> None:
    page = w.client.get("/clues?category=data_quality", headers=w.h["pudong"])
    assert page.status_code == 200
    assert f'href="/clues/{w.ids["mh_clue"]}"' not in page.text and MH_MN not in page.text
    page = w.client.get("/clues?category=data_quality", headers=w.h["minhang"])
    assert f'href="/clues/{w.ids["mh_clue"]}"' in page.text
    assert _denied(w.client.get("/clues", headers=w.h["ent_a"]).status_code)


def case_page_clue(w: Any) -> None:
    assert w.client.get(f"/clues/{w.ids['mh_clue']}", headers=w.h["pudong"]).status_code == 404
    assert w.client.get(f"/clues/{w.ids['mh_clue']}", headers=w.h["minhang"]).status_code == 200


def case_page_transition(w: Any) -> None:
    r = w.client.post(
        f"/clues/{w.ids['mh_clue']}/transitions",
        data={"status": "dismissed", "reason": "x"},
        headers=w.h["pudong"],
        follow_redirects=False,
    )
    assert r.status_code == 404


def case_page_case(w: Any) -> None:
    r = w.client.post(f"/clues/{w.ids['mh_clue']}/case", headers=w.h["pudong"], follow_redirects=False)
    assert r.status_code == 404


DETECT_CASES: dict[tuple[str, str], Callable[[Any], None]] = {
    ("GET", "/api/v1/clues"): case_api_list,
    ("GET", "/api/v1/clues/{clue_id}"): case_api_get,
    ("POST", "/api/v1/clues/{clue_id}/transitions"): case_api_transition,
    ("POST", "/api/v1/clues/{clue_id}/case"): case_api_case,
    ("GET", "/clues"): case_page_inbox,
    ("GET", "/clues/{clue_id}"): case_page_clue,
    ("POST", "/clues/{clue_id}/transitions"): case_page_transition,
    ("POST", "/clues/{clue_id}/case"): case_page_case,
}
