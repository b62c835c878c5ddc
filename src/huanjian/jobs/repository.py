"""All SQL of the job queue.

Claiming is race-free on both backends: PostgreSQL uses ``FOR UPDATE SKIP
LOCKED``; SQLite serialises writers (BEGIN IMMEDIATE), so a plain
conditional UPDATE suffices there.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from huanjian.jobs.models import Job, JobRun


def add(session: Session, job: Job) -> None:
    session.add(job)
    session.flush()


def by_dedupe(session: Session, kind: str, dedupe_key: str) -> Job | None:
    return session.scalars(select(Job).where(Job.kind == kind, Job.dedupe_key == dedupe_key)).one_or_none()


def claim_next(session: Session, worker: str, now: datetime, lease_until: datetime) -> Job | None:
    due = or_(
        (Job.status == "queued") & (Job.run_at <= now),
        # A worker died holding it: its lease ran out.
        (Job.status == "running") & (Job.lease_until < now),
    )
    stmt = select(Job).where(due).order_by(Job.run_at, Job.id).limit(1)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    job = session.scalars(stmt).first()
    if job is None:
        return None
    claimed = session.execute(
        update(Job)
        .where(Job.id == job.id, Job.status == job.status)
        .values(status="running", locked_by=worker, lease_until=lease_until, attempts=Job.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    session.refresh(job)
    return job


def add_run(session: Session, run: JobRun) -> None:
    session.add(run)
    session.flush()


def open_runs(session: Session, job_id: int) -> Sequence[JobRun]:
    return session.scalars(select(JobRun).where(JobRun.job_id == job_id, JobRun.finished_at.is_(None))).all()


def recent(session: Session, limit: int = 100, status: str | None = None) -> Sequence[Job]:
    stmt = select(Job)
    if status:
        stmt = stmt.where(Job.status == status)
    return session.scalars(stmt.order_by(Job.id.desc()).limit(limit)).all()


def runs_of(session: Session, job_id: int) -> Sequence[JobRun]:
    return session.scalars(select(JobRun).where(JobRun.job_id == job_id).order_by(JobRun.id)).all()


def get(session: Session, job_id: int) -> Job | None:
    return session.get(Job, job_id)
