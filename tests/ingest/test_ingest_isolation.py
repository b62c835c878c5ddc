"""Cross-tenant cases for the ingestion routes, merged into tests/access/test_isolation.py.

Each case seeds three loggers through the real store: one in Pudong (enterprise A),
one in Minhang (enterprise B) and one the register does not know (quarantined),
then checks that a Pudong user, an enterprise and an administrator each see only
their own.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from huanjian.access.models import User
from huanjian.core.runtime import Runtime
from huanjian.core.time import utcnow
from huanjian.ingest.models import IngestLogger
from huanjian.ingest.service import store_for
from tests.ingest.helpers import incoming, minute_frame

if TYPE_CHECKING:
    from tests.access.test_isolation import World

PUDONG, MINHANG, UNKNOWN = "MNPUDONG000000000000000A", "MNMINHANG00000000000000B", "MNUNKNOWN00000000000000C"
FROM, TO = "2024-03-01T00:00:00+08:00", "2024-03-02T00:00:00+08:00"


def _seed(w: World) -> None:
    app: Any = w.client.app
    rt: Runtime = app.state.runtime
    store = store_for(rt)
    at = utcnow()
    store.write(
        [incoming(minute_frame(mn=mn), at=at) for mn in (PUDONG, MINHANG, UNKNOWN)],
        now=datetime(2024, 3, 1, 4, 30, tzinfo=UTC) + timedelta(minutes=1),
    )
    with rt.db.unit_of_work() as s:
        who = select(User.username, User.organisation_id).where(User.username.like("ent_%"))
        orgs = dict(s.execute(who).all())
        for mn, code, org in ((PUDONG, "310115103", orgs["ent_a"]), (MINHANG, "310112102", orgs["ent_b"])):
            s.execute(
                update(IngestLogger)
                .where(IngestLogger.mn == mn)
                .values(quarantined=False, jurisdiction_code=code, organisation_id=org)
            )


def _mns(w: World, user: str) -> set[str]:
    r = w.client.get("/api/v1/loggers", headers=w.h[user])
    assert r.status_code == 200, r.text
    return {lg["mn"] for lg in r.json()}


def case_loggers(w: World) -> None:
    _seed(w)
    assert _mns(w, "pudong") == {PUDONG}
    assert _mns(w, "minhang") == {MINHANG}
    assert _mns(w, "ent_a") == {PUDONG}
    assert _mns(w, "contractor") == set()
    assert _mns(w, "admin") == {PUDONG, MINHANG, UNKNOWN}


def case_logger(w: World) -> None:
    _seed(w)
    for mn in (MINHANG, UNKNOWN):
        assert w.client.get(f"/api/v1/loggers/{mn}", headers=w.h["pudong"]).status_code == 404
        assert w.client.get(f"/api/v1/loggers/{mn}", headers=w.h["ent_a"]).status_code == 404
    r = w.client.get(f"/api/v1/loggers/{PUDONG}", headers=w.h["pudong"])
    assert r.status_code == 200 and {f["mn"] for f in r.json()["frames"]} == {PUDONG}


def case_readings(w: World) -> None:
    _seed(w)
    for fmt in ("json", "jsonl", "csv"):
        r = w.client.get(
            "/api/v1/readings", params={"from": FROM, "to": TO, "format": fmt}, headers=w.h["pudong"]
        )
        assert r.status_code == 200, r.text
        assert PUDONG in r.text and MINHANG not in r.text and UNKNOWN not in r.text
    r = w.client.get("/api/v1/readings", params={"from": FROM, "to": TO, "mn": MINHANG}, headers=w.h["ent_a"])
    assert r.status_code == 200 and r.json()["rows"] == []
    r = w.client.get("/api/v1/readings", params={"from": FROM, "to": TO}, headers=w.h["admin"])
    assert {row["mn"] for row in r.json()["rows"]} == {PUDONG, MINHANG, UNKNOWN}


def case_page_loggers(w: World) -> None:
    _seed(w)
    page = w.client.get("/loggers", headers=w.h["pudong"]).text
    assert PUDONG in page and MINHANG not in page and UNKNOWN not in page
    assert UNKNOWN in w.client.get("/loggers", headers=w.h["admin"]).text


def case_page_logger(w: World) -> None:
    _seed(w)
    assert w.client.get(f"/loggers/{MINHANG}", headers=w.h["pudong"]).status_code == 404
    assert w.client.get(f"/loggers/{UNKNOWN}", headers=w.h["ent_a"]).status_code == 404
    assert w.client.get(f"/loggers/{PUDONG}", headers=w.h["ent_a"]).status_code == 200


def _queue(w: World, user: str, mn: str) -> Any:
    body = {"kind": "request", "cn": "2051", "begin": FROM, "end": TO}
    return w.client.post(f"/api/v1/loggers/{mn}/commands", json=body, headers=w.h[user])


def case_queue_command(w: World) -> None:
    _seed(w)
    for mn in (MINHANG, UNKNOWN):  # out of scope: as if it did not exist
        assert _queue(w, "pudong_admin", mn).status_code == 404
    assert _queue(w, "pudong", PUDONG).status_code == 403  # may see, may not command
    assert _queue(w, "ent_a", PUDONG).status_code == 403
    r = _queue(w, "pudong_admin", PUDONG)
    assert r.status_code == 201, r.text
    assert r.json()["mn"] == PUDONG and r.json()["status"] == "queued"
    assert _queue(w, "admin", UNKNOWN).status_code == 201  # quarantined: platform administrators only


def case_list_commands(w: World) -> None:
    _seed(w)
    assert _queue(w, "admin", PUDONG).status_code == 201
    assert _queue(w, "admin", MINHANG).status_code == 201
    for user, mn in (("pudong", MINHANG), ("ent_a", MINHANG), ("pudong", UNKNOWN)):
        assert w.client.get(f"/api/v1/loggers/{mn}/commands", headers=w.h[user]).status_code == 404
    r = w.client.get(f"/api/v1/loggers/{PUDONG}/commands", headers=w.h["pudong"])
    assert r.status_code == 200 and [c["mn"] for c in r.json()] == [PUDONG]


def case_cancel_command(w: World) -> None:
    _seed(w)
    minhang_cmd = _queue(w, "admin", MINHANG).json()["id"]
    pudong_cmd = _queue(w, "admin", PUDONG).json()["id"]
    r = w.client.post(f"/api/v1/commands/{minhang_cmd}/cancel", headers=w.h["pudong_admin"])
    assert r.status_code == 404
    assert w.client.post(f"/api/v1/commands/{pudong_cmd}/cancel", headers=w.h["pudong"]).status_code == 403
    r = w.client.post(f"/api/v1/commands/{pudong_cmd}/cancel", headers=w.h["pudong_admin"])
    assert r.status_code == 200 and r.json()["status"] == "cancelled"


INGEST_CASES: dict[tuple[str, str], Any] = {
    ("GET", "/api/v1/loggers/{mn}/commands"): case_list_commands,
    ("POST", "/api/v1/loggers/{mn}/commands"): case_queue_command,
    ("POST", "/api/v1/commands/{command_id}/cancel"): case_cancel_command,
    ("GET", "/api/v1/loggers"): case_loggers,
    ("GET", "/api/v1/loggers/{mn}"): case_logger,
    ("GET", "/api/v1/readings"): case_readings,
    ("GET", "/loggers"): case_page_loggers,
    ("GET", "/loggers/{mn}"): case_page_logger,
}
