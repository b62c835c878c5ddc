"""All SQL of the notification inbox."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huanjian.notify.models import Notification


def add_all(session: Session, rows: Sequence[Notification]) -> None:
    session.add_all(rows)
    session.flush()


def inbox(
    session: Session, user_id: int, *, unread_only: bool = False, limit: int = 100
) -> Sequence[Notification]:
    stmt = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return session.scalars(stmt.order_by(Notification.id.desc()).limit(limit)).all()


def unread_count(session: Session, user_id: int) -> int:
    stmt = select(func.count()).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    return int(session.scalar(stmt) or 0)


def get_for_user(session: Session, user_id: int, notification_id: int) -> Notification | None:
    row = session.get(Notification, notification_id)
    return row if row is not None and row.user_id == user_id else None
