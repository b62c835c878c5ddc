"""The platform's own job kinds: audit self-check, housekeeping, notification digest."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from huanjian.access.models import User
from huanjian.audit import service as audit_service
from huanjian.core.tx import Tx
from huanjian.jobs.registry import job, schedule
from huanjian.notify import service as notify


@job("audit.verify")
def verify_audit_chain(tx: Tx, payload: dict[str, Any]) -> dict[str, Any]:
    """Verify the chain; tell every administrator at once if it is broken."""
    result = audit_service.verify(tx.session, tx.audit_key)
    if not result.ok:
        admins = tx.session.scalars(select(User.id).where(User.role == "admin", User.active.is_(True))).all()
        notify.send(
            tx,
            list(admins),
            kind="audit.broken",
            title="审计链校验失败 Audit chain verification failed",
            body="; ".join(result.problems[:5]),
            link="/audit",
        )
    return {"ok": result.ok, "count": result.count, "first_bad_id": result.first_bad_id}


@job("notify.message")
def send_message(tx: Tx, payload: dict[str, Any]) -> dict[str, Any]:
    """Deliver a notification later (reminders queued with run_at)."""
    rows = notify.send(
        tx,
        [int(u) for u in payload["user_ids"]],
        kind=str(payload.get("kind", "reminder")),
        title=str(payload["title"]),
        body=str(payload.get("body", "")),
        link=payload.get("link"),
    )
    return {"sent": len(rows)}


schedule("audit.verify", every=timedelta(hours=24))
