"""Supervision orders (督办单): issue, answer, accept or return, reminders and escalation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from huanjian.access.policy import Principal, authorize, check_visible
from huanjian.access.roles import OUTSIDE_ROLES
from huanjian.casework import repository, states
from huanjian.casework.models import (
    Case,
    SupervisionOrder,
)
from huanjian.casework.rules import rules
from huanjian.casework.service.common import (
    HANDLER_ROLES,
    _audit,
    _case_for_write,
    _own_attachments,
    today,
)
from huanjian.core.time import CST, ensure_utc, utcnow
from huanjian.core.tx import Tx
from huanjian.errors import NotFound, ValidationError
from huanjian.geo import repository as geo
from huanjian.notify import service as notify

# --------------------------------------------------------------------------- supervision orders


def _recipients(tx: Tx, case: Case, order: SupervisionOrder) -> list[int]:
    return [
        *repository.users_of_organisation(tx.session, order.addressee_id),
        *repository.staff_users_at(tx.session, case.handling_jurisdiction_code, HANDLER_ROLES),
    ]


def _issue_order(tx: Tx, actor: Principal, case: Case, data: dict[str, Any]) -> SupervisionOrder:
    requirement = str(data.get("requirement") or "").strip()
    if not requirement:
        raise ValidationError("a supervision order states what must be done", field="requirement")
    raw = data.get("deadline")
    if not raw:
        raise ValidationError("a supervision order has a deadline", field="deadline")
    try:
        deadline = raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw))
    except ValueError:
        raise ValidationError(f"deadline {raw!r}: an ISO time with offset", field="deadline") from None
    deadline = ensure_utc(deadline if deadline.tzinfo else deadline.replace(tzinfo=CST))
    addressee = int(data.get("addressee_id") or case.enterprise_id)
    org = repository.get_organisation(tx.session, addressee)
    if org is None or org.kind not in ("enterprise", "contractor", "lab"):
        raise ValidationError(
            f"organisation {addressee}: orders go to an enterprise or contractor", field="addressee_id"
        )
    prefix = f"DB-{case.handling_jurisdiction_code}-{today().year}-"
    order = SupervisionOrder(
        case_id=case.id,
        number=f"{prefix}{repository.count_orders(tx.session, prefix) + 1:04d}",
        addressee_id=addressee,
        requirement=requirement,
        deadline=deadline,
        state="issued",
        issued_by=tx.ctx.actor_name,
        issued_at=utcnow(),
        answer_attachment_ids=[],
        escalation_level=0,
    )
    repository.add(tx.session, order)
    _audit(
        tx,
        "case.order.issue",
        "supervision_order",
        order.id,
        case,
        after={
            "number": order.number,
            "addressee": addressee,
            "deadline": deadline.isoformat(),
            "state": "issued",
        },
        organisation_id=addressee,
    )
    notify.send(
        tx,
        repository.users_of_organisation(tx.session, addressee),
        kind="case.order",
        title=f"督办单 {order.number} Supervision order",
        body=requirement,
        link=f"/orders/{order.id}",
        object_type="supervision_order",
        object_id=str(order.id),
        due_at=deadline,
    )
    return order


def get_order(tx: Tx, actor: Principal, order_id: int) -> tuple[SupervisionOrder, Case]:
    order = repository.get_order(tx.session, order_id)
    if order is None:
        raise NotFound(f"order {order_id} not found")
    case = repository.get_case(tx.session, order.case_id)
    assert case is not None
    authorize(actor, "orders.read")
    check_visible(actor, case.jurisdiction_code, order.addressee_id, f"order {order_id}")
    return order, case


def list_orders(tx: Tx, actor: Principal, *, open_only: bool = False) -> Sequence[SupervisionOrder]:
    authorize(actor, "orders.read")
    return repository.orders_scoped(tx.session, actor.scope, open_only=open_only)


def answer_order(
    tx: Tx, actor: Principal, order_id: int, *, text: str, attachment_ids: Sequence[int] = ()
) -> SupervisionOrder:
    """The addressee answers (staff may record an answer received on paper)."""
    order, case = get_order(tx, actor, order_id)
    if actor.role in OUTSIDE_ROLES:
        authorize(actor, "orders.answer")
        if actor.organisation_id != order.addressee_id:
            raise NotFound(f"order {order_id} not found")
    else:
        _case_for_write(tx, actor, case.id)
    if not text.strip():
        raise ValidationError("the answer states what was done", field="text")
    files = _own_attachments(tx, case, attachment_ids)
    before = order.state
    order.state = states.order_next("answer", order.state)
    order.answer_text, order.answer_attachment_ids = text, [a.id for a in files]
    order.answered_at, order.answered_by = utcnow(), tx.ctx.actor_name
    _audit(
        tx,
        "case.order.answer",
        "supervision_order",
        order.id,
        case,
        before={"state": before},
        after={
            "state": order.state,
            "late": order.answered_at > order.deadline,
            "attachments": [{"id": a.id, "name": a.name, "sha256": a.sha256} for a in files],
        },
        organisation_id=order.addressee_id,
    )
    return order


def decide_order(
    tx: Tx, actor: Principal, order_id: int, *, accept: bool, reason: str | None = None
) -> SupervisionOrder:
    order, case = get_order(tx, actor, order_id)
    _case_for_write(tx, actor, case.id)
    if not accept and not (reason or "").strip():
        raise ValidationError("returning an answer needs a reason", field="reason")
    before = order.state
    order.state = states.order_next("accept" if accept else "return", order.state)
    order.decided_at, order.decided_by = utcnow(), tx.ctx.actor_name
    if not accept:
        order.return_reason = reason
    _audit(
        tx,
        "case.order.accept" if accept else "case.order.return",
        "supervision_order",
        order.id,
        case,
        before={"state": before},
        after={"state": order.state},
        reason=reason,
        organisation_id=order.addressee_id,
    )
    if not accept:
        notify.send(
            tx,
            repository.users_of_organisation(tx.session, order.addressee_id),
            kind="case.order.returned",
            title=f"督办单 {order.number} 答复被退回 Answer returned",
            body=reason or "",
            link=f"/orders/{order.id}",
            object_type="supervision_order",
            object_id=str(order.id),
            due_at=order.deadline if order.deadline > utcnow() else None,
        )
    return order


def remind_orders(tx: Tx, now: datetime) -> int:
    """Remind addressees and handlers of open orders due within the reminder window, once."""
    hours = rules()["orders"]["remind_before_hours"]
    sent = 0
    for order in repository.open_orders_due_before(tx.session, now + timedelta(hours=hours)):
        if order.reminded_at is not None or order.deadline <= now:
            continue
        case = repository.get_case(tx.session, order.case_id)
        assert case is not None
        order.reminded_at = now
        notify.send(
            tx,
            _recipients(tx, case, order),
            kind="case.order.reminder",
            title=f"督办单 {order.number} 即将到期 Order due soon",
            body=order.requirement,
            link=f"/orders/{order.id}",
            object_type="supervision_order",
            object_id=str(order.id),
            due_at=order.deadline,
        )
        _audit(
            tx,
            "case.order.remind",
            "supervision_order",
            order.id,
            case,
            after={"deadline": order.deadline.isoformat()},
        )
        sent += 1
    return sent


def escalate_orders(tx: Tx, now: datetime) -> list[int]:
    """Escalate open overdue orders one level up; again after each escalation period while still open."""
    every = timedelta(hours=rules()["orders"]["escalate_every_hours"])
    escalated = []
    for order in repository.open_orders_due_before(tx.session, now):
        if order.escalated_at is not None and now - order.escalated_at < every:
            continue
        case = repository.get_case(tx.session, order.case_id)
        assert case is not None
        current = geo.get(tx.session, order.escalated_to or case.handling_jurisdiction_code)
        parent = current.parent_code if current is not None else None
        if parent is None:
            continue  # the top of the hierarchy already holds it
        before = {"level": order.escalation_level, "to": order.escalated_to}
        order.escalation_level += 1
        order.escalated_to, order.escalated_at = parent, now
        overdue_h = (now - order.deadline).total_seconds() / 3600
        _audit(
            tx,
            "case.order.escalate",
            "supervision_order",
            order.id,
            case,
            before=before,
            after={"level": order.escalation_level, "to": parent, "overdue_hours": round(overdue_h, 1)},
            reason=f"overdue since {order.deadline.isoformat()}",
        )
        notify.send(
            tx,
            [*repository.staff_users_at(tx.session, parent, HANDLER_ROLES), *_recipients(tx, case, order)],
            kind="case.order.escalated",
            title=f"督办单 {order.number} 逾期升级 Overdue order escalated",
            body=f"{case.number}: {order.requirement}",
            link=f"/cases/{case.id}",
            object_type="supervision_order",
            object_id=str(order.id),
        )
        escalated.append(order.id)
    return escalated
