"""The worker: durable jobs, retries with history, lease expiry after a crash, schedules."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from huanjian.core.runtime import Runtime
from huanjian.core.time import utcnow
from huanjian.core.tx import Tx
from huanjian.jobs import (
    builtin,  # noqa: F401
    repository,
    service,
)
from huanjian.jobs.models import Job, JobRun
from huanjian.jobs.registry import HANDLERS, SCHEDULES, job
from huanjian.jobs.worker import Worker

CALLS: list[dict[str, Any]] = []


@job("test.ok")
def _ok(tx: Tx, payload: dict[str, Any]) -> dict[str, Any]:
    CALLS.append(payload)
    tx.audit("test.did", "thing", payload.get("n", 0), after=payload)
    return {"echo": payload.get("n")}


@job("test.boom")
def _boom(tx: Tx, payload: dict[str, Any]) -> None:
    tx.audit("test.half_done", "thing", 1)  # must be rolled back with the failure
    raise RuntimeError("analyser offline")


@pytest.fixture
def worker(runtime: Runtime) -> Worker:
    CALLS.clear()
    return Worker(runtime.db, runtime.audit_key, name="w1", lease_seconds=60, run_schedules=False)


def test_job_runs_once_and_records_history(runtime: Runtime, worker: Worker) -> None:
    from huanjian.core.context import ActionContext

    with runtime.tx(ActionContext.system()) as tx:
        job_id = service.enqueue(tx, "test.ok", {"n": 7}).id
    assert worker.drain() >= 1
    assert worker.drain() == 0
    with runtime.db.unit_of_work() as s:
        j = repository.get(s, job_id)
        assert j is not None and j.status == "done" and j.result == {"echo": 7} and j.attempts == 1
        runs = repository.runs_of(s, job_id)
        assert [r.outcome for r in runs] == ["done"]
    assert CALLS == [{"n": 7}]


def test_failure_is_retried_then_failed_and_rolled_back(runtime: Runtime, worker: Worker) -> None:
    from huanjian.audit.models import AuditEntry
    from huanjian.core.context import ActionContext

    with runtime.tx(ActionContext.system()) as tx:
        job_id = service.enqueue(tx, "test.boom", {}, max_attempts=2).id
    worker.drain()
    with runtime.db.unit_of_work() as s:
        j = repository.get(s, job_id)
        assert j is not None and j.status == "queued" and j.run_at > utcnow()  # backed off
        s.execute(update(Job).where(Job.id == job_id).values(run_at=utcnow() - timedelta(seconds=1)))
    worker.drain()
    with runtime.db.unit_of_work() as s:
        j = repository.get(s, job_id)
        assert j is not None and j.status == "failed" and "analyser offline" in (j.last_error or "")
        assert [r.outcome for r in repository.runs_of(s, job_id)] == ["retry", "failed"]
        assert not s.scalars(select(AuditEntry).where(AuditEntry.action == "test.half_done")).all()


def test_job_of_a_dead_worker_is_taken_over_after_its_lease(runtime: Runtime, worker: Worker) -> None:
    from huanjian.core.context import ActionContext

    with runtime.tx(ActionContext.system()) as tx:
        job_id = service.enqueue(tx, "test.ok", {"n": 1}).id
    now = utcnow()
    with runtime.db.unit_of_work() as s:  # a worker claims it, then dies (no finish)
        claimed = repository.claim_next(s, "dead-worker", now, now + timedelta(seconds=60))
        assert claimed is not None and claimed.id == job_id
        s.add(JobRun(job_id=job_id, worker="dead-worker", started_at=now))
    assert worker.drain() == 0  # lease still running: nobody else takes it
    with runtime.db.unit_of_work() as s:
        s.execute(update(Job).where(Job.id == job_id).values(lease_until=utcnow() - timedelta(seconds=1)))
    assert worker.drain() == 1
    with runtime.db.unit_of_work() as s:
        j = repository.get(s, job_id)
        assert j is not None and j.status == "done" and j.attempts == 2
        assert [r.outcome for r in repository.runs_of(s, job_id)] == ["lost", "done"]


def test_schedules_enqueue_once_per_period(runtime: Runtime, worker: Worker) -> None:
    from huanjian.core.context import ActionContext

    assert any(s.kind == "audit.verify" for s in SCHEDULES)
    now = utcnow()
    with runtime.tx(ActionContext.system()) as tx:
        first = service.enqueue_due_schedules(tx, now)
        again = service.enqueue_due_schedules(tx, now + timedelta(seconds=1))
    assert {j.kind for j in first} >= {"audit.verify"}
    assert again == []
    Worker(runtime.db, runtime.audit_key, run_schedules=True).drain()
    with runtime.db.unit_of_work() as s:
        done = s.scalars(select(Job).where(Job.kind == "audit.verify")).all()
        assert len(done) == 1 and done[0].status == "done" and done[0].result["ok"] is True


def test_unknown_kind_is_rejected(tx: Tx) -> None:
    from huanjian.errors import ValidationError

    with pytest.raises(ValidationError, match="unknown job kind"):
        service.enqueue(tx, "no.such.job", {})
    assert "test.ok" in HANDLERS


def test_broken_audit_chain_notifies_administrators(runtime: Runtime, worker: Worker) -> None:
    from huanjian.audit.models import AuditEntry
    from huanjian.core.context import ActionContext
    from huanjian.notify.models import Notification
    from tests.factories import make_user

    with runtime.tx(ActionContext.system()) as tx:
        admin = make_user(tx, "root", "admin")
        tx.session.execute(update(AuditEntry).where(AuditEntry.id == 1).values(reason="tampered"))
        service.enqueue(tx, "audit.verify", {})
    worker.drain()
    with runtime.db.unit_of_work() as s:
        notes = s.scalars(select(Notification).where(Notification.user_id == admin.id)).all()
        assert [n.kind for n in notes] == ["audit.broken"]
