"""The case state table: every allowed transition, a sample of forbidden ones, the service's preconditions."""

from __future__ import annotations

import pytest

from huanjian.access.policy import Principal
from huanjian.casework import repository as cw_repository
from huanjian.casework import service, states
from huanjian.core.tx import Tx
from huanjian.errors import Conflict, NotFound, PermissionDenied, ValidationError
from tests.casework.builders import build

ALLOWED = sorted((action, source) for action, t in states.TRANSITIONS.items() for source in t.sources)


@pytest.mark.parametrize(("action", "source"), ALLOWED, ids=lambda v: str(v))
def test_every_allowed_transition(action: str, source: str) -> None:
    t = states.TRANSITIONS[action]
    perms = frozenset({t.permission} if t.permission else ())
    for role in t.roles:
        assert states.transition(action, source, role, perms).target == t.target


FORBIDDEN = [
    ("accept", "verification"),
    ("decide", "intake"),
    ("decide", "monitoring_report"),
    ("close", "rectification"),
    ("close", "decided"),
    ("start_recheck", "decided"),
    ("submit_report", "verification"),
    ("order_rectification", "intake"),
    ("order_rectification", "closed"),
    ("reject", "closed"),
    ("inspect", "closed"),
]


@pytest.mark.parametrize(("action", "source"), FORBIDDEN, ids=lambda v: str(v))
def test_forbidden_transitions(action: str, source: str) -> None:
    with pytest.raises(Conflict):
        states.transition(action, source, "admin", frozenset({"case.decide"}))


def test_closed_is_final_and_every_state_is_reachable() -> None:
    assert not [a for a, t in states.TRANSITIONS.items() if "closed" in t.sources]
    reached, frontier = {"intake"}, ["intake"]
    while frontier:
        here = frontier.pop()
        for t in states.TRANSITIONS.values():
            if here in t.sources and t.target not in reached:
                reached.add(t.target)
                frontier.append(t.target)
    assert reached == set(states.STATES)
    assert {t.outcome for t in states.TRANSITIONS.values() if t.outcome} == set(states.OUTCOMES)


def test_roles_and_person_permission() -> None:
    with pytest.raises(PermissionDenied):
        states.transition("submit_report", "monitoring_task", "bureau", frozenset())
    with pytest.raises(PermissionDenied):
        states.transition("decide", "investigation", "enforcement", frozenset())
    with pytest.raises(PermissionDenied):
        states.transition("accept", "intake", "enterprise", frozenset())
    with pytest.raises(Conflict):
        states.transition("teleport", "intake", "admin", frozenset())


def test_order_table() -> None:
    assert states.order_next("answer", "issued") == "answered"
    assert states.order_next("answer", "returned") == "answered"
    assert states.order_next("accept", "answered") == "accepted"
    assert states.order_next("return", "answered") == "returned"
    for action, current in (("accept", "issued"), ("answer", "accepted"), ("return", "returned")):
        with pytest.raises(Conflict):
            states.order_next(action, current)


def test_service_preconditions(tx: Tx) -> None:
    w = build(tx)
    pudong = Principal.of(w.people.pudong)
    station = Principal.of(w.users["station"])
    mh = Principal.of(w.users["mh_enf"])
    case = service.open_case(tx, pudong, enterprise_id=w.ent_a, source="clue", title="线索")
    assert case.handling_jurisdiction_code == "310115" and "default duty split" in case.routing_rule
    with pytest.raises(ValidationError):
        service.transition(tx, pudong, case.id, "reject")  # a reason is required
    with pytest.raises(NotFound):
        service.transition(tx, mh, case.id, "accept")  # other district: not even visible
    service.transition(tx, pudong, case.id, "accept")
    service.transition(tx, pudong, case.id, "task_monitoring")
    with pytest.raises(ValidationError):
        service.transition(tx, station, case.id, "submit_report")  # no report attached
    steps = cw_repository.steps_of(tx.session, case.id)
    assert [(s.action, s.from_state, s.to_state) for s in steps] == [
        ("open", None, "intake"),
        ("accept", "intake", "verification"),
        ("task_monitoring", "verification", "monitoring_task"),
    ]


def test_duty_rule_routes_town_enterprises_to_the_district(tx: Tx) -> None:
    w = build(tx)
    system = Principal.system()
    from huanjian.register.models import Enterprise

    ent = tx.session.get(Enterprise, w.ent_a)
    assert ent is not None
    ent.supervising_level = "town"
    case = service.open_case(tx, system, enterprise_id=w.ent_a, source="complaint", title="t")
    assert case.handling_jurisdiction_code == "310115103"
    service.set_duty_rule(
        tx, system, jurisdiction_code="310115", supervising_level="town", handling_level="district"
    )
    case = service.open_case(tx, system, enterprise_id=w.ent_a, source="complaint", title="t")
    assert case.handling_jurisdiction_code == "310115" and "duty rule of 310115" in case.routing_rule
    town = Principal.of(w.people.pudong_town)
    with pytest.raises(PermissionDenied):
        service.transition(tx, town, case.id, "accept")  # sees it, but the district handles it
