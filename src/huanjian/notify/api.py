"""/api/v1 routes of the caller's own notification inbox."""

from __future__ import annotations

from fastapi import APIRouter

from huanjian.notify import service
from huanjian.notify.schemas import MessageIn, NotificationOut
from huanjian.web.deps import PrincipalDep, TxDep

router = APIRouter(prefix="/notifications", tags=["notifications"])


@router.get("", response_model=list[NotificationOut])
def inbox(principal: PrincipalDep, tx: TxDep, unread: bool = False) -> list[NotificationOut]:
    return [NotificationOut.model_validate(n) for n in service.inbox(tx, principal, unread_only=unread)]


@router.post("", response_model=NotificationOut, status_code=201)
def send_message(body: MessageIn, principal: PrincipalDep, tx: TxDep) -> NotificationOut:
    row = service.send_as(tx, principal, body.to, title=body.title, body=body.body, due_at=body.due_at)
    return NotificationOut.model_validate(row)


@router.post("/{notification_id}/read", response_model=NotificationOut)
def mark_read(notification_id: int, principal: PrincipalDep, tx: TxDep) -> NotificationOut:
    return NotificationOut.model_validate(service.mark_read(tx, principal, notification_id))


@router.post("/{notification_id}/acknowledge", response_model=NotificationOut)
def acknowledge(notification_id: int, principal: PrincipalDep, tx: TxDep) -> NotificationOut:
    return NotificationOut.model_validate(service.acknowledge(tx, principal, notification_id))
