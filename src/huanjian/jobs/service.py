"""Enqueueing jobs and reading their history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from huanjian.access.policy import Principal, authorize
from huanjian.core.time import utcnow
from huanjian.core.tx import Tx
from huanjian.errors import NotFound, ValidationError
from huanjian.jobs import repository
from huanjian.jobs.models import Job, JobRun
from huanjian.jobs.registry import HANDLERS, SCHEDULES


def enqueue(
    tx: Tx,
    kind: str,
    payload: dict[str, Any] | None = None,
    *,
    run_at: datetime | None = None,
    dedupe_key: str | None = None,
    max_attempts: int = 3,
    audit: bool = True,
) -> Job:
    if kind not in HANDLERS:
        raise ValidationError(
            f"unknown job kind {kind!r}; known: {', '.join(sorted(HANDLERS))}", field="kind"
        )
    if dedupe_key is not None:
        existing = repository.by_dedupe(tx.session, kind, dedupe_key)
        if existing is not None:
            return existing
    job = Job(
        kind=kind,
        payload=payload or {},
        dedupe_key=dedupe_key,
        status="queued",
        run_at=run_at or utcnow(),
        attempts=0,
        max_attempts=max_attempts,
        created_at=utcnow(),
        created_by=tx.ctx.actor_name,
    )
    repository.add(tx.session, job)
    if audit:
        tx.audit(
            "job.enqueue",
            "job",
            job.id,
            after={"kind": kind, "payload": job.payload, "run_at": job.run_at.isoformat()},
        )
    return job


def enqueue_due_schedules(tx: Tx, now: datetime) -> list[Job]:
    """Create this period's job of every schedule once, whichever worker gets there first."""
    created = []
    for sched in SCHEDULES:
        seconds = int(sched.every.total_seconds())
        period = int(now.timestamp()) // seconds
        key = f"every{seconds}s:{period}"
        if repository.by_dedupe(tx.session, sched.kind, key) is not None:
            continue
        try:
            with tx.session.begin_nested():
                created.append(
                    enqueue(tx, sched.kind, dict(sched.payload), run_at=now, dedupe_key=key, audit=False)
                )
        except IntegrityError:
            continue  # another worker enqueued it
    return created


def history(tx: Tx, actor: Principal, *, status: str | None = None, limit: int = 100) -> Sequence[Job]:
    authorize(actor, "jobs.read")
    return repository.recent(tx.session, limit=limit, status=status)


def detail(tx: Tx, actor: Principal, job_id: int) -> tuple[Job, Sequence[JobRun]]:
    authorize(actor, "jobs.read")
    job = repository.get(tx.session, job_id)
    if job is None:
        raise NotFound(f"job {job_id} not found")
    return job, repository.runs_of(tx.session, job_id)
