"""Assignment checks: every recusal rule and the qualification rules, each with the override path;
assignment draws exclude whoever a check blocks and can be recomputed."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from huanjian.access.policy import Principal
from huanjian.audit.models import AuditEntry
from huanjian.casework import rules as case_rules
from huanjian.casework import service
from huanjian.casework.models import Case
from huanjian.core.tx import Tx
from huanjian.draw import ranking
from huanjian.errors import Conflict, NotFound, PermissionDenied, ValidationError
from tests.casework.builders import METHOD, POLLUTANT, CaseWorld, build
from tests.factories import make_user


def _monitoring_case(tx: Tx, w: CaseWorld) -> Case:
    pudong = Principal.of(w.people.pudong)
    case = service.open_case(tx, pudong, enterprise_id=w.ent_a, source="exceedance", title="超标")
    service.transition(tx, pudong, case.id, "accept")
    service.transition(tx, pudong, case.id, "task_monitoring")
    return case


CASES = [
    ("赵实验", None, POLLUTANT, "recusal.self_monitoring"),
    ("孙运维", None, POLLUTANT, "recusal.operation_maintenance"),
    ("周咨询", None, POLLUTANT, "recusal.consultancy"),
    ("李监测", "equity", POLLUTANT, "recusal.tie.equity"),
    ("李监测", "employment", POLLUTANT, "recusal.tie.employment"),
    ("李监测", "kinship", POLLUTANT, "recusal.tie.kinship"),
    ("陈过期", None, POLLUTANT, "qualification.expired"),
    ("王监测", None, "w01018", "qualification.missing"),
]


@pytest.mark.parametrize(
    ("name", "tie", "pollutant", "rule"), CASES, ids=[c[3] + (c[1] or "") for c in CASES]
)
def test_rule_blocks_and_override_needs_a_second_person(
    tx: Tx, name: str, tie: str | None, pollutant: str, rule: str
) -> None:
    w = build(tx)
    case = _monitoring_case(tx, w)
    pudong, chief, drawer = (Principal.of(u) for u in (w.people.pudong, w.users["chief"], w.users["drawer"]))
    if tie:
        service.declare_tie(tx, pudong, staff_id=w.staff[name], enterprise_id=w.ent_a, kind=tie, note="测试")
    row = service.assign(
        tx, pudong, case.id, kind="monitoring", staff_id=w.staff[name], method=METHOD, pollutant=pollutant
    )
    assert row.status == "blocked" and [f["rule"] for f in row.findings] == [rule]
    with pytest.raises(Conflict):
        service.approve_override(tx, chief, row.id)  # nothing requested yet
    service.request_override(tx, chief, row.id, "唯一具备该项目资质人员，经集体研究")
    with pytest.raises(PermissionDenied):
        service.approve_override(tx, chief, row.id)  # the same person
    with pytest.raises(PermissionDenied):
        service.approve_override(tx, drawer, row.id)  # no assignment.override
    chief2 = Principal.of(
        make_user(tx, "pd_chief2", "bureau", "310115", permissions=("assignment.override",))
    )
    assert service.approve_override(tx, chief2, row.id).status == "overridden"
    actions = [
        (e.action, e.reason)
        for e in tx.session.scalars(
            select(AuditEntry).where(
                AuditEntry.object_type == "case_assignment", AuditEntry.object_id == str(row.id)
            )
        )
    ]
    assert actions == [
        ("case.assignment.blocked", None),
        ("case.assignment.override_request", "唯一具备该项目资质人员，经集体研究"),
        ("case.assignment.override_approve", "唯一具备该项目资质人员，经集体研究"),
    ]


def test_qualified_and_unconflicted_is_assigned(tx: Tx) -> None:
    w = build(tx)
    case = _monitoring_case(tx, w)
    row = service.assign(
        tx,
        Principal.of(w.people.pudong),
        case.id,
        kind="monitoring",
        staff_id=w.staff["王监测"],
        method=METHOD,
    )
    assert row.status == "assigned" and row.findings == []


def test_look_back_is_configurable(tx: Tx, monkeypatch: pytest.MonkeyPatch) -> None:
    """The consultancy contract ended 200 days ago: inside a 365-day look-back, outside a 100-day one."""
    w = build(tx)
    case = _monitoring_case(tx, w)
    pudong = Principal.of(w.people.pudong)
    assert (
        service.assign(tx, pudong, case.id, kind="monitoring", staff_id=w.staff["周咨询"]).status == "blocked"
    )
    monkeypatch.setitem(case_rules.rules()["recusal"]["contracts"]["consultancy"], "look_back_days", 100)
    assert (
        service.assign(tx, pudong, case.id, kind="monitoring", staff_id=w.staff["周咨询"]).status
        == "assigned"
    )


def test_draw_never_picks_a_blocked_person_and_can_be_recomputed(tx: Tx) -> None:
    w = build(tx)
    pudong = Principal.of(w.people.pudong)
    service.declare_tie(tx, pudong, staff_id=w.staff["李监测"], enterprise_id=w.ent_a, kind="kinship")
    picked = set()
    for _ in range(8):  # a fresh seed each time; the blocked never come up
        case = _monitoring_case(tx, w)
        service.commit_assignment_draw(
            tx, pudong, case.id, kind="monitoring", method=METHOD, pollutant=POLLUTANT
        )
        (row,) = service.draw_assignment(
            tx, pudong, case.id, kind="monitoring", method=METHOD, pollutant=POLLUTANT
        )
        assert service.verify_assignment_draw(row.via_draw or {}) == []
        picked.add(row.staff_id)
    assert picked == {w.staff["王监测"]}
    tampered = {**(row.via_draw or {}), "picked": [f"staff:{w.staff['李监测']}"]}
    assert service.verify_assignment_draw(tampered)


def test_assigning_monitoring_outside_the_monitoring_task_is_refused(tx: Tx) -> None:
    w = build(tx)
    pudong = Principal.of(w.people.pudong)
    case = service.open_case(tx, pudong, enterprise_id=w.ent_a, source="complaint", title="t")
    with pytest.raises(Conflict):
        service.assign(tx, pudong, case.id, kind="monitoring", staff_id=w.staff["王监测"])


def test_case_from_a_random_draw_pick(tx: Tx) -> None:
    from huanjian.draw import service as draws

    w = build(tx)
    drawer = Principal.of(w.users["chief"])
    draw = draws.plan(tx, drawer, title="浦东双随机", jurisdiction_code="310115", period="2026Q4")
    draws.commit(tx, drawer, draw.id)
    with pytest.raises(Conflict):  # not drawn yet
        service.open_case(tx, drawer, enterprise_id=w.ent_a, source="random_draw", title="t", draw_id=draw.id)
    draws.run(tx, drawer, draw.id)
    case = service.open_case(
        tx, drawer, enterprise_id=w.ent_a, source="random_draw", title="抽查", draw_id=draw.id
    )
    assert case.draw_id == draw.id and case.state == "intake"
    with pytest.raises(NotFound):  # another district's enterprise was never in this draw, nor visible
        service.open_case(tx, drawer, enterprise_id=w.ent_b, source="random_draw", title="t", draw_id=draw.id)


def test_assignment_draw_uses_the_seed_committed_before_it(tx: Tx) -> None:
    w = build(tx)
    pudong = Principal.of(w.people.pudong)
    case = _monitoring_case(tx, w)
    args = {"kind": "monitoring", "method": METHOD, "pollutant": POLLUTANT}
    with pytest.raises(Conflict, match="commit"):  # no published commitment: no draw
        service.draw_assignment(tx, pudong, case.id, **args)
    committed = service.commit_assignment_draw(tx, pudong, case.id, **args)
    [listed] = service.case_draws(tx, pudong, case.id)
    assert listed["commitment"] == committed.commitment and listed["seed"] is None  # secret until drawn
    assert hashlib.sha256(bytes.fromhex(committed.seed)).hexdigest() == committed.commitment
    with pytest.raises(Conflict, match="not drawn yet"):  # one open commitment per kind
        service.commit_assignment_draw(tx, pudong, case.id, **args)
    with pytest.raises(Conflict, match="parameters"):  # the draw cannot change what was committed
        service.draw_assignment(tx, pudong, case.id, **{**args, "count": 2})
    (row,) = service.draw_assignment(tx, pudong, case.id, **args)
    record = row.via_draw or {}
    assert record["commitment_id"] == committed.id and record["seed"] == committed.seed
    [listed] = service.case_draws(tx, pudong, case.id)
    assert listed["ok"] and listed["seed"] == committed.seed and listed["assignments"] == [row.id]
    with pytest.raises(Conflict, match="commit"):  # the commitment served its one draw
        service.draw_assignment(tx, pudong, case.id, **args)
    with pytest.raises(ValidationError, match="why"):  # drawing the same kind again states why
        service.commit_assignment_draw(tx, pudong, case.id, **args)
    service.commit_assignment_draw(tx, pudong, case.id, **args, reason="被抽中人员病假")
    # A draw record that does not use its committed seed fails verification.
    row.via_draw = {**record, "seed": ranking.new_seed()}
    [first, _second] = service.case_draws(tx, pudong, case.id)
    assert not first["ok"] and "the seed does not match its commitment" in first["problems"]
