"""Evaluations with too little data: stored and shown with what lacked data, never a grade,
never a consequence (public lists, draw, intensity), on the service, the API, the page and the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient

from huanjian.access.policy import Principal
from huanjian.core.runtime import Runtime
from huanjian.core.tx import Tx
from huanjian.credit import consequences, filing, inputs, repository, scoring, service, views
from huanjian.web.app import create_app
from tests.credit.builders import CreditWorld, build, comparison, fake_quality
from tests.factories import bearer, make_user

SYSTEM = Principal.system()
NO_DATA = ["effective_transmission", "validity", "comparison_pass"]


@pytest.fixture
def world(tx: Tx) -> Iterator[CreditWorld]:
    w = build(tx)
    inputs.use_provider(fake_quality({}))  # the review domain has no counts for the outlet
    yield w
    inputs.use_provider(None)


def _file(tx: Tx, w: CreditWorld) -> None:
    filing.register_filing(
        tx,
        SYSTEM,
        w.contractor,
        jurisdiction_code="310000",
        certification={"kind": "运维资质", "number": "YW-1", "valid_until": "2099-12-31"},
        staff=[{"name": "孙运维"}],
        equipment=[],
    )


def test_no_data_quality_makes_the_contractor_incomplete_and_publication_keeps_it_out(
    tx: Tx, world: CreditWorld
) -> None:
    _file(tx, world)
    run = service.run(tx, SYSTEM, "contractor", "2026")
    ev = next(e for e in repository.evaluations(tx.session, run.id) if e.organisation_id == world.contractor)
    # pools 25 + capability 10 (one of two staff certified: 5) = 35 % of the weight, 30 points
    assert ev.grade == scoring.INCOMPLETE and ev.score == pytest.approx(30)
    assert ev.details["coverage"] == pytest.approx(0.35) and ev.details["min_share"] == 0.75
    assert ev.details["missing"] == NO_DATA
    items = repository.items(tx.session, ev.id)
    assert sum(i.points for i in items) == pytest.approx(ev.score)
    assert not any(i.rule == "adjust:no_data" for i in items)
    assert consequences.provisional_grade(tx.session, "contractor", world.contractor) is None
    service.publish(tx, SYSTEM, run.id)
    assert consequences.effective_grade(tx.session, "contractor", world.contractor) is None
    assert consequences.intensity(tx.session, world.contractor)["level"] == "ungraded"
    lists = consequences.public_lists(tx.session)
    assert not any(r["scheme"] == "contractor" for r in lists["published"])
    page = views.organisation(tx, SYSTEM, world.contractor)
    assert page["effective"] is None and page["incomplete"]["evaluation_id"] == ev.id
    assert page["incomplete"]["missing"] == NO_DATA


def test_data_arriving_makes_the_next_run_graded(tx: Tx, world: CreditWorld) -> None:
    _file(tx, world)
    service.publish(tx, SYSTEM, service.run(tx, SYSTEM, "contractor", "2026").id)
    inputs.use_provider(fake_quality({world.outlet: (100, 100, 100)}))
    comparison(tx, world, "pass", date(2026, 4, 1))
    run = service.run(tx, SYSTEM, "contractor", "2026")
    ev = next(e for e in repository.evaluations(tx.session, run.id) if e.organisation_id == world.contractor)
    assert ev.grade == "excellent" and ev.details["coverage"] == 1.0 and ev.details["missing"] == []
    assert consequences.incompleteness(tx.session, "contractor", world.contractor) is None
    service.publish(tx, SYSTEM, run.id)
    g = consequences.effective_grade(tx.session, "contractor", world.contractor)
    assert g is not None and g.grade == "excellent"
    assert consequences.intensity(tx.session, world.contractor)["level"] == "excellent"


def test_incomplete_is_shown_on_the_api_and_the_pages(runtime: Runtime, tx: Tx, world: CreditWorld) -> None:
    run = service.run(tx, SYSTEM, "contractor", "2026")
    ev = next(e for e in repository.evaluations(tx.session, run.id) if e.organisation_id == world.contractor)
    h = bearer(tx, make_user(tx, "chief9", "admin"))
    tx.session.commit()
    client = TestClient(create_app(runtime))
    body = client.get(f"/api/v1/credit/evaluations/{ev.id}", headers=h).json()
    assert body["evaluation"]["grade"] == "incomplete"
    assert body["evaluation"]["details"]["missing"] == NO_DATA
    org = client.get(f"/api/v1/credit/organisations/{world.contractor}", headers=h).json()
    assert org["incomplete"]["coverage"] == pytest.approx(0.35)
    html = client.get(f"/credit/evaluations/{ev.id}?lang=en", headers=h).text
    assert 'data-testid="incomplete"' in html and "comparison_pass" in html and "35%" in html
    html = client.get(f"/credit/organisations/{world.contractor}?lang=zh_CN", headers=h).text
    assert 'data-testid="incomplete"' in html and "无数据的指标" in html
    ranking = client.get("/credit?scheme=contractor", headers=h).text
    assert "数据不全，不评级" in ranking
