"""Issue 5 "Done when": the demo shows, for seeded outlets, an exceedance, a marked maintenance
period, a self-monitoring disagreement and the indicators, and the off-site home shows the map.
Also what the later items added to it: calibration QA events and a logger hourly value that
disagrees with the platform's."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from huanjian.access import repository as users
from huanjian.access.policy import Principal
from huanjian.core.runtime import Runtime
from huanjian.core.scope import Scope
from huanjian.core.tx import Tx
from huanjian.demo import register_seed, review_seed, seed
from huanjian.review import amounts, crosscheck, views
from huanjian.review import repository as repo
from huanjian.review.models import ExceedanceEvent, QaEvent, ReviewLayer, SelfMonitoringResult
from huanjian.web.app import create_app
from tests.factories import bearer

TODAY = date(2026, 3, 10)  # the demo register's permits are for 2026
FIRST = TODAY - timedelta(days=review_seed.DAYS)


def test_demo_shows_the_review_story(runtime: Runtime, tx: Tx, database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("the demo runs on SQLite (make run); seeding the register takes a minute")
    seed.seed_jurisdictions(tx, "31", None)
    register_seed.seed_register(tx)
    seed.seed_users(tx)
    report = review_seed.seed_review(tx, today=TODAY)
    assert report.outlets == review_seed.OUTLETS
    outlets = review_seed._outlets(tx)
    # an exceedance on the first seeded outlet (SO2 40 at 8.5 % O2 → 48 at 6 % > 35)
    events = tx.session.scalars(select(ExceedanceEvent).where(ExceedanceEvent.outlet_id == outlets[0])).all()
    assert [(e.pollutant, e.periods) for e in events] == [("a21026", 3)]
    # a marked maintenance period in force on the second
    (mark,) = tx.session.scalars(
        select(ReviewLayer).where(ReviewLayer.outlet_id == outlets[1], ReviewLayer.kind == "mark")
    ).all()
    assert mark.code == "maintenance" and mark.status == "effective"
    # a self-monitoring disagreement (55 against ≈ 24) and an agreement
    sm = tx.session.scalars(
        select(SelfMonitoringResult).where(SelfMonitoringResult.outlet_id == outlets[0])
    ).all()
    assert sorted(bool(s.disagrees) for s in sm) == [False, True]
    # the indicators of the city, per jurisdiction
    city = users.by_username(tx.session, "city")
    assert city is not None
    rows = views.indicators(tx, Principal.of(city), level="jurisdiction", period="day", start_day=FIRST,
                            end_day=TODAY)  # fmt: skip
    assert rows and all(r["transmission_rate"] == 1.0 for r in rows)
    # the loggers' calibrations at 02:00 as QA events, one per parameter and day
    calibrations = tx.session.scalars(select(QaEvent).where(QaEvent.outlet_id == outlets[0])).all()
    assert calibrations and {q.kind for q in calibrations} == {"calibration"}
    assert {q.start_at.hour for q in calibrations} == {18}  # 02:00 CST
    # the first outlet's logger got its 03:00 SO2 hour wrong: the only difference reported
    info = repo.outlet(tx.session, Scope(everything=True), outlets[0])
    assert info is not None
    check = crosscheck.logger_check(tx.session, info, "hour", FIRST, FIRST)
    assert [(r["pollutant"], r["period_start"][11:16], r["issues"]) for r in check["rows"]] == [
        ("a21026", f"0{review_seed.OFF_HOUR}:00", ["value_differs"])
    ]
    assert amounts.outlet_amounts(tx.session, info, 2026)["pollutants"][0]["amount_t"] > 0
    # the off-site home: the map with every seeded outlet placed and the district cells
    tx.session.commit()
    client = TestClient(create_app(runtime))
    page = client.get("/review", headers=bearer(tx, city))
    assert page.status_code == 200 and 'id="map"' in page.text
    points = json.loads(_attr(page.text, "data-points"))
    placed = {p["id"] for p in points if p["lon"] is not None and p["lat"] is not None}
    assert set(outlets) <= placed
    assert {p["status"] for p in points} <= {"online", "offline", "exceeding", "clue"}
    assert json.loads(_attr(page.text, "data-districts"))


def _attr(html: str, name: str) -> str:
    match = re.search(name + r"='([^']*)'", html)
    assert match, name
    return match.group(1).replace("&#39;", "'").replace("&quot;", '"').replace("&amp;", "&")
