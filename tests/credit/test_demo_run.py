"""The issue's "Done when" on the demo data: an annual run of every scheme gives scores whose every
line is a stored record (or a scheme constant), and one more event — a failed comparison test —
changes exactly the one contractor's score, by what the scheme says."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from huanjian.access.policy import Principal
from huanjian.core.time import CST, utcnow
from huanjian.core.tx import Tx
from huanjian.credit import repository, schemes, scoring, service
from huanjian.credit.models import CreditRun
from huanjian.demo import credit_seed, register_seed, review_seed, seed
from huanjian.field import demo as field_demo
from huanjian.field.models import ComparisonTest
from huanjian.register.models import Device, Logger, Outlet

SYSTEM = Principal.system()

#: Every kind of record an item may name, and its table.
TABLES = {
    "supervision_record": "huanjian.register.models:SupervisionRecord",
    "supervision_order": "huanjian.casework.models:SupervisionOrder",
    "notification": "huanjian.notify.models:Notification",
    "credit_finding": "huanjian.credit.models:CreditFinding",
    "field_comparison_test": "huanjian.field.models:ComparisonTest",
    "field_lab_finding": "huanjian.field.models:LabFinding",
    "filing_change": "huanjian.credit.models:FilingChange",
    "service_record": "huanjian.credit.models:ServiceRecord",
    "staff": "huanjian.register.models:Staff",
    "outlet": "huanjian.register.models:Outlet",
    "organisation": "huanjian.register.models:Organisation",
}
#: Lines that are scheme constants or arithmetic over the other lines, not events.
CONSTANT = ("base", "pool:", "adjust:")


def _model(object_type: str) -> type:
    module, name = TABLES[object_type].split(":")
    model: type = getattr(importlib.import_module(module), name)
    return model


def _scores(tx: Tx, run: CreditRun) -> dict[int, tuple[float, str]]:
    return {e.organisation_id: (e.score, e.grade) for e in repository.evaluations(tx.session, run.id)}


@pytest.mark.slow  # the whole demo: about 30 s on SQLite, 45 s on PostgreSQL (loaded machine)
def test_annual_run_on_the_demo_traces_every_point_and_one_event_moves_one_score(tx: Tx) -> None:
    seed.seed_jurisdictions(tx, "31", None)
    register_seed.seed_register(tx)
    seed.seed_users(tx)
    field_demo.seed_field(tx)
    review_seed.seed_review(tx)
    report = credit_seed.seed_credit(tx)
    assert (report.findings, report.supervision, report.service_records) == (3, 3, 1), report.summary()
    year = str(utcnow().astimezone(CST).year)
    runs = {s: service.run(tx, SYSTEM, s, year) for s in schemes.SCHEMES}
    linked: dict[str, int] = {}
    for scheme, run in runs.items():
        assert run.kind == "final"
        evaluations = repository.evaluations(tx.session, run.id)
        assert evaluations, scheme
        for ev in evaluations:
            items = repository.items(tx.session, ev.id)
            assert sum(i.points for i in items if not i.excluded_reason) == pytest.approx(ev.score)
            for i in items:
                if i.rule.startswith(CONSTANT):
                    continue
                assert i.object_type in TABLES and i.object_id, (scheme, i.rule, i.explanation)
                assert tx.session.get(_model(i.object_type), int(i.object_id)) is not None, i.explanation
                if i.points < 0:
                    linked[i.object_type] = linked.get(i.object_type, 0) + 1
    # the demo's deductions come from the register feed, credit findings, filing and uploads
    assert {"supervision_record", "credit_finding", "organisation", "service_record"} <= set(linked), linked
    grades = {s: {g for _, g in _scores(tx, r).values()} for s, r in runs.items()}
    assert "yellow" in grades["enterprise"] and "good" in grades["lab"]
    assert grades["contractor"] & {"excellent", "good", "poor"}  # some contractors graded …
    assert scoring.INCOMPLETE in grades["contractor"]  # … and those without reviewed data are not

    before = {s: _scores(tx, r) for s, r in runs.items()}
    graded = [
        e
        for e in repository.evaluations(tx.session, runs["contractor"].id)
        if e.grade != scoring.INCOMPLETE and e.details["stations"]
    ]
    target = graded[0]
    outlet_id = target.details["stations"][0]["outlet_id"]
    row = tx.session.execute(
        select(Device.id, Outlet.enterprise_id)
        .join(Logger, Logger.id == Device.logger_id)
        .join(Outlet, Outlet.id == Logger.outlet_id)
        .where(Logger.outlet_id == outlet_id)
        .order_by(Device.id)
    ).first()
    assert row is not None
    device, enterprise_id = row
    day = datetime.now(UTC).replace(hour=1, minute=0, second=0, microsecond=0) - timedelta(days=2)
    if day.astimezone(CST).year != int(year):
        day = datetime(int(year), 1, 2, 1, tzinfo=UTC)
    failed = ComparisonTest(
        device_id=device,
        enterprise_id=enterprise_id,
        outlet_id=outlet_id,
        jurisdiction_code="310000",
        contractor_id=target.organisation_id,
        parameter="a21026",
        unit="mg/m3",
        period_start=day,
        period_end=day + timedelta(hours=4),
        verdict="fail",
        rules_version="test",
        created_by="test",
        created_at=day + timedelta(hours=5),
    )
    tx.session.add(failed)
    tx.session.flush()
    after = {s: _scores(tx, service.run(tx, SYSTEM, s, year)) for s in schemes.SCHEMES}
    changed = {(s, org) for s in schemes.SCHEMES for org in before[s] if before[s][org] != after[s][org]}
    assert changed == {("contractor", target.organisation_id)}
    weight = next(
        i["weight"] for i in schemes.builtin("contractor")["indicators"] if i["id"] == "comparison_pass"
    )
    # it was the contractor's only test: comparison_pass goes from "no data" (scaled) to 0 of its weight
    ev = next(
        e
        for e in repository.evaluations(tx.session, service.find_run(tx, "contractor", year).id)
        if e.organisation_id == target.organisation_id
    )
    line = next(
        i
        for i in repository.items(tx.session, ev.id)
        if (i.object_type, i.object_id) == ("field_comparison_test", str(failed.id))
    )
    assert line.points == 0 and f"× {weight}" in line.explanation
    assert ev.details["stations"][0]["health_code"] == "red"
