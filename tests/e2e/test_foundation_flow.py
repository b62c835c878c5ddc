"""Scenario across access, notify, jobs and audit, as the people involved would do it.

The operator creates a district officer from the CLI's service layer; the
officer logs in through the API and sends an enforcement officer a task with
a deadline; the enforcement officer acknowledges it on the web page; the
nightly worker verifies the audit trail; and the trail tells the whole story,
request by request, with times shown in China Standard Time.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from huanjian.audit.models import AuditEntry
from huanjian.core.context import ActionContext
from huanjian.core.runtime import Runtime
from huanjian.core.time import utcnow
from huanjian.jobs import builtin  # noqa: F401
from huanjian.jobs import service as jobs
from huanjian.jobs.models import Job
from huanjian.jobs.worker import Worker
from huanjian.notify.models import Notification
from huanjian.web.app import create_app
from tests.factories import PASSWORD, make_user, seed_geo


def test_task_message_acknowledged_and_traceable(runtime: Runtime) -> None:
    with runtime.tx(ActionContext(None, "cli:operator", "cli")) as tx:
        seed_geo(tx)
        make_user(tx, "li", "bureau", "310115")
        make_user(tx, "zhao", "enforcement", "310115")
        make_user(tx, "root", "admin")
    client = TestClient(create_app(runtime))

    token = client.post("/api/v1/auth/tokens", json={"username": "li", "password": PASSWORD}).json()["token"]
    due = (utcnow() + timedelta(hours=4)).isoformat()
    r = client.post(
        "/api/v1/notifications",
        json={"to": "zhao", "title": "核查浦东某企业 DA001 超标", "due_at": due},
        headers={"Authorization": f"Bearer {token}", "X-Request-ID": "send-1"},
    )
    assert r.status_code == 201, r.text
    note_id = r.json()["id"]

    r = client.post("/login", data={"username": "zhao", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 303
    inbox = client.get("/notifications")
    assert "核查浦东某企业" in inbox.text
    r = client.post(f"/notifications/{note_id}/acknowledge", headers={"X-Request-ID": "ack-1"})
    assert r.status_code == 200
    assert "hx-post" not in r.text  # the row comes back without the acknowledge button

    with runtime.tx(ActionContext.system()) as tx:
        jobs.enqueue(tx, "audit.verify", {})
    Worker(runtime.db, runtime.audit_key, run_schedules=False).drain()

    with runtime.db.unit_of_work() as s:
        note = s.get(Notification, note_id)
        assert note is not None and note.acknowledged_at is not None and note.due_at is not None
        assert note.acknowledged_at <= note.due_at  # answered in time
        trail = s.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        by_request = {e.request_id: e for e in trail}
        assert by_request["send-1"].action == "notification.send"
        assert by_request["send-1"].actor_name.startswith("Li")
        assert by_request["ack-1"].action == "notification.acknowledge"
        assert by_request["ack-1"].actor_name.startswith("Zhao")
        assert by_request["ack-1"].after["late"] is False
        creators = [e.actor_name for e in trail if e.action == "user.create"]
        assert creators == ["cli:operator"] * 3
        done = s.scalars(select(Job).order_by(Job.id)).all()
        assert done[-1].status == "done" and done[-1].result["ok"] is True

    # Tampering is caught by the next verification, and the admins are told.
    with runtime.db.unit_of_work() as s:
        s.execute(update(AuditEntry).where(AuditEntry.request_id == "ack-1").values(reason="edited later"))
    with runtime.tx(ActionContext.system()) as tx:
        jobs.enqueue(tx, "audit.verify", {})
    Worker(runtime.db, runtime.audit_key, run_schedules=False).drain()
    with runtime.db.unit_of_work() as s:
        alerts = s.scalars(select(Notification).where(Notification.kind == "audit.broken")).all()
        assert len(alerts) == 1 and "altered" in alerts[0].body
