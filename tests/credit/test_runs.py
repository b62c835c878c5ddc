"""Runs against a small world: traces to stored events, one changed event moves exactly the
scores it should, provisional versus official grades, objections and repair, filing, uploads,
scheme versions, the flow into supervision class and draw rates, the worker jobs."""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import select

from huanjian.access.policy import Principal
from huanjian.audit.models import AuditEntry
from huanjian.core.tx import Tx
from huanjian.credit import consequences, filing, inputs, jobs, repository, schemes, service
from huanjian.credit.models import CreditEvaluation, CreditRun
from huanjian.errors import Conflict, PermissionDenied, ValidationError
from huanjian.register.models import Enterprise
from tests.credit.builders import CreditWorld, build, comparison, fake_quality
from tests.factories import make_user

SYSTEM = Principal.system()


@pytest.fixture
def world(tx: Tx) -> Iterator[CreditWorld]:
    w = build(tx)
    inputs.use_provider(fake_quality({w.outlet: (100, 95, 90)}))
    yield w
    inputs.use_provider(None)


def _scores(tx: Tx, run: CreditRun) -> dict[int, tuple[float, str]]:
    return {e.organisation_id: (e.score, e.grade) for e in repository.evaluations(tx.session, run.id)}


def _eval(tx: Tx, run: CreditRun, org: int) -> CreditEvaluation:
    return next(e for e in repository.evaluations(tx.session, run.id) if e.organisation_id == org)


TABLES = {
    "supervision_record": "huanjian.register.models:SupervisionRecord",
    "credit_finding": "huanjian.credit.models:CreditFinding",
    "field_comparison_test": "huanjian.field.models:ComparisonTest",
    "staff": "huanjian.register.models:Staff",
    "outlet": "huanjian.register.models:Outlet",
    "organisation": "huanjian.register.models:Organisation",
    "service_record": "huanjian.credit.models:ServiceRecord",
}


def _exists(tx: Tx, object_type: str, object_id: str) -> bool:
    import importlib

    module, name = TABLES[object_type].split(":")
    return tx.session.get(getattr(importlib.import_module(module), name), int(object_id)) is not None


def test_annual_run_every_point_traces_to_a_stored_event(tx: Tx, world: CreditWorld) -> None:
    comparison(tx, world, "pass", date(2026, 4, 1))
    for scheme in schemes.SCHEMES:
        run = service.run(tx, SYSTEM, scheme, "2026")
        assert run.kind == "final" and run.scheme_version == 1
        for ev in repository.evaluations(tx.session, run.id):
            items = repository.items(tx.session, ev.id)
            assert sum(i.points for i in items if not i.excluded_reason) == pytest.approx(ev.score)
            for i in items:
                if i.rule in ("base",) or i.rule.startswith(("adjust:", "pool:")):
                    continue
                assert i.object_type and i.object_id, i
                assert _exists(tx, i.object_type, i.object_id), i
    ent = service.find_run(tx, "enterprise", "2026")
    a = _eval(tx, ent, world.ent_a)
    assert (a.score, a.grade) == (70, "yellow")  # fine of 50,000 yuan: −30
    fine = next(i for i in repository.items(tx.session, a.id) if i.rule == "fine")
    assert fine.object_type == "supervision_record" and "50,000" in fine.explanation
    contractor = _eval(tx, service.find_run(tx, "contractor", "2026"), world.contractor)
    # effective 95/100 × 90/95 = 90 %, validity 90/95, the one test passed, pools untouched,
    # one of two staff certified on 31 December
    assert contractor.score == pytest.approx(25 * 0.9 + 20 * 90 / 95 + 20 + 15 + 10 + 5, abs=1e-3)
    stations = contractor.details["stations"]
    assert [s["health_code"] for s in stations] == ["green"]  # 90 % is the yellow edge, not below it


def test_one_failed_comparison_changes_exactly_the_contractor(tx: Tx, world: CreditWorld) -> None:
    comparison(tx, world, "pass", date(2026, 4, 1))
    before = {s: _scores(tx, service.run(tx, SYSTEM, s, "2026")) for s in schemes.SCHEMES}
    failed = comparison(tx, world, "fail", date(2026, 9, 1))
    after = {s: _scores(tx, service.run(tx, SYSTEM, s, "2026")) for s in schemes.SCHEMES}
    changed = {(s, org) for s in schemes.SCHEMES for org in before[s] if before[s][org] != after[s][org]}
    assert changed == {("contractor", world.contractor)}
    assert before["contractor"][world.contractor][0] - after["contractor"][world.contractor][
        0
    ] == pytest.approx(10)
    ev = _eval(tx, service.find_run(tx, "contractor", "2026"), world.contractor)
    line = next(
        i
        for i in repository.items(tx.session, ev.id)
        if (i.object_type, i.object_id) == ("field_comparison_test", str(failed.id))
    )
    assert line.points == 0 and line.object_type == "field_comparison_test"
    station = ev.details["stations"][0]
    assert station["health_code"] == "red" and station["failed_comparisons"] == [failed.id]


def test_provisional_until_published_official_stays_authoritative(tx: Tx, world: CreditWorld) -> None:
    run = service.run(tx, SYSTEM, "enterprise", "2026")
    assert consequences.effective_grade(tx.session, "enterprise", world.ent_a) is None
    prov = consequences.provisional_grade(tx.session, "enterprise", world.ent_a)
    assert prov is not None and (prov.grade, prov.source) == ("yellow", "provisional")
    official = consequences.effective_grade(tx.session, "enterprise", world.ent_b)
    assert official is not None and (official.grade, official.source) == ("green", "official")
    service.publish(tx, SYSTEM, run.id)
    published = consequences.effective_grade(tx.session, "enterprise", world.ent_a)
    assert published is not None and (published.grade, published.source) == ("yellow", "published")
    assert f"run {run.id}" in published.provenance
    assert consequences.effective_grade(tx.session, "enterprise", world.ent_b).source == "official"  # type: ignore[union-attr]
    lists = consequences.public_lists(tx.session)
    assert {r["name"] for r in lists["published"]} >= {"上海甲热电有限公司"} and lists["red"] == []


def test_monthly_run_is_provisional(tx: Tx, world: CreditWorld) -> None:
    run = service.run(tx, SYSTEM, "enterprise", "2026-05")
    assert (
        run.kind == "provisional"
        and run.inputs["start"] == "2026-05-01"
        and run.inputs["end"] == "2026-05-31"
    )
    assert _eval(tx, run, world.ent_a).score == 70
    assert _eval(tx, service.run(tx, SYSTEM, "enterprise", "2026-06"), world.ent_a).score == 100
    with pytest.raises(ValidationError):
        service.parse_period("2026-13")


def test_grades_flow_into_supervision_class_and_draw_rates(tx: Tx, world: CreditWorld) -> None:
    rate, _ = consequences.draw_rate(tx.session, world.ent_b)
    assert rate == pytest.approx(0.15 * 0.5)  # general, official green
    filing.record_finding(
        tx,
        SYSTEM,
        organisation_id=world.ent_a,
        kind="environmental_crime",
        occurred_on=date(2026, 7, 1),
        description="移送公安：非法排放",
        evidence_type="case_file",
        evidence_id="1",
    )
    run = service.run(tx, SYSTEM, "enterprise", "2026")
    a = _eval(tx, run, world.ent_a)
    assert a.grade == "red" and a.veto == "environmental_crime" and a.score == 70
    decision = consequences.classify(tx, SYSTEM, world.ent_a)
    assert decision.computed_class == "simple"  # the provisional red has no consequence yet
    service.publish(tx, SYSTEM, run.id)
    decision = consequences.classify(tx, SYSTEM, world.ent_a)
    assert decision.computed_class == "key" and "rule 1" in decision.rule
    tx.session.expire_all()
    assert tx.session.get(Enterprise, world.ent_a).supervision_class == "key"  # type: ignore[union-attr]
    rate, why = consequences.draw_rate(tx.session, world.ent_a)
    assert rate == pytest.approx(0.25 * 2.0) and "credit red" in why
    lib = consequences.draw_library(
        tx.session,
        [
            {
                "id": "x",
                "enterprise_id": str(world.ent_a),
                "stratum": "general",
                "credit": None,
                "risk": "normal",
            }
        ],
    )
    assert lib[0]["stratum"] == "key" and lib[0]["credit"] == "red"
    consequences.override(tx, SYSTEM, world.ent_a, "general", "整改完成，专家评估")
    tx.session.expire_all()
    assert tx.session.get(Enterprise, world.ent_a).supervision_class == "general"  # type: ignore[union-attr]
    assert consequences.public_lists(tx.session)["red"][0]["name"] == "上海甲热电有限公司"


@pytest.mark.parametrize(
    ("facts", "klass"),
    [
        ({"permit_class": "registered", "emissions_t": 1, "risk": "normal", "credit": "red"}, "key"),
        ({"permit_class": "key", "emissions_t": 1, "risk": "normal", "credit": "green"}, "key"),
        ({"permit_class": "simplified", "emissions_t": 1, "risk": "high", "credit": "green"}, "key"),
        ({"permit_class": "simplified", "emissions_t": 100, "risk": "normal", "credit": "green"}, "key"),
        ({"permit_class": "simplified", "emissions_t": 99.9, "risk": "normal", "credit": "green"}, "simple"),
        ({"permit_class": "simplified", "emissions_t": 1, "risk": "normal", "credit": "blue"}, "general"),
        ({"permit_class": "registered", "emissions_t": 1, "risk": "normal", "credit": "yellow"}, "general"),
        ({"permit_class": "registered", "emissions_t": 1, "risk": "normal", "credit": None}, "simple"),
        ({"permit_class": None, "emissions_t": 0, "risk": "low", "credit": "blue"}, "simple"),
    ],
)
def test_supervision_class_rule(facts: dict[str, object], klass: str) -> None:
    assert consequences.class_for(facts)[0] == klass


def test_objection_blocks_publication_until_decided_and_repair_after(tx: Tx, world: CreditWorld) -> None:
    lab_user = Principal.of(make_user(tx, "lab1", "lab", organisation=world.lab))
    other = Principal.of(make_user(tx, "ctr1", "contractor", organisation=world.contractor))
    warning = filing.record_finding(
        tx,
        SYSTEM,
        organisation_id=world.lab,
        kind="warning",
        occurred_on=date(2026, 3, 1),
        description="警告：报告缺页",
    )
    filing.record_finding(
        tx,
        SYSTEM,
        organisation_id=world.lab,
        kind="cma_revoked",
        occurred_on=date(2026, 8, 1),
        description="撤销CMA",
    )
    run = service.run(tx, SYSTEM, "lab", "2026")
    ev = _eval(tx, run, world.lab)
    assert ev.score == 100 - 5 - 30 - 10  # not filed: −10
    items = {i.rule: i for i in repository.items(tx.session, ev.id)}
    assert items["warning"].object_id == str(warning.id)
    with pytest.raises(Exception):  # noqa: B017 — another organisation does not see it
        service.object_to(tx, other, ev.id, "不是我们", items["warning"].id)
    service.self_assess(tx, lab_user, ev.id, 90, "自评")
    obj = service.object_to(tx, lab_user, ev.id, "该警告已撤销", items["not_filed"].id)
    with pytest.raises(Conflict):
        service.publish(tx, SYSTEM, run.id)
    with pytest.raises(PermissionDenied):
        service.decide(tx, lab_user, obj.id, True, "x")
    service.decide(tx, SYSTEM, obj.id, True, "备案材料在途，予以采纳")
    assert ev.score == 65 and ev.grade == "poor"
    service.publish(tx, SYSTEM, run.id)
    with pytest.raises(ValidationError):
        service.request_repair(tx, lab_user, ev.id, items["cma_revoked"].id, "已整改")
    repair = service.request_repair(tx, lab_user, ev.id, items["warning"].id, "已整改并培训")
    service.decide(tx, SYSTEM, repair.id, True, "整改到位")
    assert ev.score == 70 and ev.grade == "poor" and ev.repaired_grade == "good"
    g = consequences.effective_grade(tx.session, "lab", world.lab)
    assert g is not None and g.grade == "good" and "repaired" in g.provenance
    actions = set(tx.session.scalars(select(AuditEntry.action)))
    assert {
        "credit.objection",
        "credit.objection.decide",
        "credit.repair",
        "credit.repair.decide",
        "credit.publish",
    } <= actions


def test_filing_change_deadline_and_suspension(tx: Tx, world: CreditWorld) -> None:
    f = filing.register_filing(
        tx,
        SYSTEM,
        world.lab,
        jurisdiction_code="310000",
        certification={"kind": "CMA", "number": "CMA-1", "scope": "废气", "valid_until": "2026-12-31"},
        staff=[{"name": "赵实验"}],
        equipment=[{"name": "烟气分析仪"}],
    )
    assert consequences.intensity(tx.session, world.lab)["level"] == "ungraded"
    today = service.today()
    late = filing.report_change(
        tx, SYSTEM, f.id, date(today.year - 1, 1, 1), {"equipment": [{"name": "新分析仪"}]}
    )
    on_time = filing.report_change(tx, SYSTEM, f.id, today, {"staff": []})
    assert late.late and not on_time.late
    assert filing.check_filings(tx, date(2026, 12, 31)) == []
    suspended = filing.check_filings(tx, date(2027, 1, 1))
    assert suspended and "lapsed" in suspended[0]["reason"] and f.status == "suspended"
    assert consequences.intensity(tx.session, world.lab)["level"] == "unfiled"
    assert {u["organisation"].id for u in filing.unfiled(tx, SYSTEM)} >= {world.lab, world.contractor}


def test_no_business_for_two_periods_suspends() -> None:
    assert filing._periods_back(date(2026, 11, 28), 2) == date(2026, 4, 1)
    assert filing._periods_back(date(2026, 2, 1), 2) == date(2025, 7, 1)


def test_service_record_upload_is_evidence_and_feeds_check_in(tx: Tx, world: CreditWorld) -> None:

    from huanjian.register import importer
    from tests.factories import credit_code

    rows = [
        {
            "contract_number": "YW-9",
            "provider_credit_code": credit_code(201, "310000"),
            "enterprise_credit_code": credit_code(101, "310115"),
            "service": "operation_maintenance",
            "valid_from": "2026-01-01",
            "valid_until": "",
        }
    ]
    importer.import_rows(tx, importer.get_kind("contracts"), list(rows[0]), rows, source="test")
    ctr = Principal.of(make_user(tx, "ctr2", "contractor", organisation=world.contractor))
    content = "签到 GPS 偏离 3 km".encode()
    rec = filing.upload(
        tx,
        ctr,
        kind="check_in",
        enterprise_id=world.ent_a,
        performed_on=date(2026, 10, 8),
        content=content,
        file_name="checkin.json",
        summary="GPS 偏离",
        result="anomaly",
        outlet_id=world.outlet,
    )
    assert rec.sha256 == hashlib.sha256(content).hexdigest() and rec.uploaded_by_id == ctr.user_id
    with pytest.raises(Exception):  # noqa: B017 — not served
        filing.upload(
            tx,
            ctr,
            kind="om_log",
            enterprise_id=world.ent_b,
            performed_on=date(2026, 10, 8),
            content=b"x",
            file_name=None,
        )
    ev = _eval(tx, service.run(tx, SYSTEM, "contractor", "2026-10"), world.contractor)
    line = next(i for i in repository.items(tx.session, ev.id) if i.rule == "check_in_anomaly@check_in")
    assert line.points == -2 and line.object_id == str(rec.id)
    assert ev.details["stations"][0]["health_code"] == "yellow"


def test_scheme_edit_is_a_new_audited_version(tx: Tx, world: CreditWorld) -> None:
    body = copy.deepcopy(schemes.builtin("lab"))
    next(r for r in body["deductions"] if r["id"] == "warning")["points"] = -6
    with pytest.raises(PermissionDenied):
        service.edit_scheme(tx, Principal.of(make_user(tx, "b1", "bureau", "310000")), "lab", body, "r")
    row = service.edit_scheme(tx, SYSTEM, "lab", body, "市局通知调整")
    assert row.version == 2
    with pytest.raises(Conflict):
        service.edit_scheme(tx, SYSTEM, "lab", body, "again")
    filing.record_finding(
        tx, SYSTEM, organisation_id=world.lab, kind="warning", occurred_on=date(2026, 3, 1), description="w"
    )
    run = service.run(tx, SYSTEM, "lab", "2026")
    assert run.scheme_version == 2 and _eval(tx, run, world.lab).score == 100 - 6 - 10
    assert [v["version"] for v in service.scheme_versions(tx, SYSTEM, "lab")] == [2, 1]
    entry = tx.session.scalars(select(AuditEntry).where(AuditEntry.action == "credit.scheme.edit")).one()
    assert entry.reason == "市局通知调整"


def test_worker_jobs_run_closed_periods_once(tx: Tx, world: CreditWorld) -> None:
    assert jobs.closed_periods(date(2027, 1, 5)) == ["2026-12", "2026"]
    first = jobs.periodic(tx, {"on": "2027-01-05"})
    assert len(first["runs"]) == 6
    assert jobs.periodic(tx, {"on": "2027-01-06"})["runs"] == []
    assert jobs.evaluate(tx, {"scheme": "lab", "period": "2026"})["period"] == "2026"
    district = jobs.evaluate(tx, {"scheme": "enterprise", "period": "2025-12", "jurisdiction": "310115"})
    assert district["jurisdiction"] == "310115"
    # a district's run does not stand for the city's: all six city-wide runs of 2025-12 and 2025 start
    assert len(jobs.periodic(tx, {"on": "2026-01-05"})["runs"]) == 6
