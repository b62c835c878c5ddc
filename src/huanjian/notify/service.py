"""Sending, reading and acknowledging notifications; response times for KPIs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from huanjian.access import repository as users
from huanjian.access.policy import Principal, authorize, check_visible
from huanjian.core.time import utcnow
from huanjian.core.tx import Tx
from huanjian.errors import NotFound, ValidationError
from huanjian.notify import repository
from huanjian.notify.models import Notification


def send(
    tx: Tx,
    user_ids: Sequence[int],
    *,
    kind: str,
    title: str,
    body: str = "",
    link: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    due_at: datetime | None = None,
) -> list[Notification]:
    """Deliver to each recipient; the platform calls this from services and jobs."""
    if not title.strip():
        raise ValidationError("a notification needs a title", field="title")
    now = utcnow()
    rows = [
        Notification(
            user_id=uid,
            kind=kind,
            title=title,
            body=body,
            link=link,
            object_type=object_type,
            object_id=object_id,
            due_at=due_at,
            sent_at=now,
            sender=tx.ctx.actor_name,
        )
        for uid in sorted(set(user_ids))
    ]
    repository.add_all(tx.session, rows)
    for row in rows:
        tx.audit(
            "notification.send",
            "notification",
            row.id,
            after={"to": row.user_id, "kind": kind, "title": title, "object": f"{object_type}:{object_id}"},
        )
    return rows


def send_as(
    tx: Tx, actor: Principal, username: str, *, title: str, body: str = "", due_at: datetime | None = None
) -> Notification:
    """A person sends a message to another person inside their scope."""
    authorize(actor, "notifications.send")
    user = users.by_username(tx.session, username)
    if user is None:
        raise NotFound(f"user {username!r} not found")
    check_visible(actor, user.jurisdiction_code, user.organisation_id, f"user {username!r}")
    return send(tx, [user.id], kind="message", title=title, body=body, due_at=due_at)[0]


def inbox(tx: Tx, actor: Principal, *, unread_only: bool = False) -> Sequence[Notification]:
    if actor.user_id is None:
        return []
    return repository.inbox(tx.session, actor.user_id, unread_only=unread_only)


def _own(tx: Tx, actor: Principal, notification_id: int) -> Notification:
    row = repository.get_for_user(tx.session, actor.user_id or -1, notification_id)
    if row is None:
        raise NotFound(f"notification {notification_id} not found")
    return row


def mark_read(tx: Tx, actor: Principal, notification_id: int) -> Notification:
    row = _own(tx, actor, notification_id)
    if row.read_at is None:
        row.read_at = utcnow()
        tx.audit("notification.read", "notification", row.id, after={"read_at": row.read_at.isoformat()})
    return row


def acknowledge(tx: Tx, actor: Principal, notification_id: int) -> Notification:
    row = _own(tx, actor, notification_id)
    if row.acknowledged_at is None:
        now = utcnow()
        row.read_at = row.read_at or now
        row.acknowledged_at = now
        tx.audit(
            "notification.acknowledge",
            "notification",
            row.id,
            after={"acknowledged_at": now.isoformat(), "late": bool(row.due_at and now > row.due_at)},
        )
    return row


def response_seconds(row: Notification) -> float | None:
    """Time from sending to acknowledgement: the basis of response-time KPIs."""
    if row.acknowledged_at is None:
        return None
    return (row.acknowledged_at - row.sent_at).total_seconds()
