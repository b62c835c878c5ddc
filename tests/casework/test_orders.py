"""Supervision orders: reminders once, escalation one level per period while open, none once answered."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from huanjian.access.policy import Principal
from huanjian.casework import repository as cw_repository
from huanjian.casework import service
from huanjian.core.time import utcnow
from huanjian.core.tx import Tx
from huanjian.notify.models import Notification
from tests.casework.builders import build


def _order(tx: Tx, hours: float) -> tuple[int, int, Principal]:
    w = build(tx)
    enf = Principal.of(w.users["enf"])
    case = service.open_case(tx, enf, enterprise_id=w.ent_a, source="complaint", title="投诉")
    service.transition(tx, enf, case.id, "accept")
    deadline = utcnow() + timedelta(hours=hours)
    service.transition(
        tx,
        enf,
        case.id,
        "order_rectification",
        data={"requirement": "整改", "deadline": deadline.isoformat()},
    )
    order = cw_repository.orders_of(tx.session, case.id)[0]
    return order.id, w.people.city.id, enf


def test_reminder_is_sent_once_inside_the_window(tx: Tx) -> None:
    order_id, _, _ = _order(tx, hours=10)
    now = utcnow()
    assert service.remind_orders(tx, now) == 1
    assert service.remind_orders(tx, now) == 0
    kinds = tx.session.scalars(select(Notification.kind).where(Notification.object_id == str(order_id))).all()
    assert kinds.count("case.order") == 1  # the order itself, to the enterprise
    assert kinds.count("case.order.reminder") == 6  # the enterprise user and the five Pudong staff


def test_escalation_one_level_per_period_until_the_top(tx: Tx) -> None:
    order_id, city_user, _ = _order(tx, hours=-1)
    now = utcnow()
    assert service.escalate_orders(tx, now) == [order_id]
    order = cw_repository.get_order(tx.session, order_id)
    assert order is not None and (order.escalation_level, order.escalated_to) == (1, "310000")
    assert service.escalate_orders(tx, now + timedelta(hours=1)) == []  # within the period
    assert service.escalate_orders(tx, now + timedelta(hours=80)) == []  # the city has no parent here
    notes = tx.session.scalars(select(Notification.kind).where(Notification.user_id == city_user)).all()
    assert notes == ["case.order.escalated"]


def test_answered_orders_are_not_escalated(tx: Tx) -> None:
    order_id, _, enf = _order(tx, hours=-1)
    service.answer_order(tx, enf, order_id, text="纸质答复已收到")
    assert service.escalate_orders(tx, utcnow()) == []
