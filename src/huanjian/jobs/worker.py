"""The worker: claims due jobs, runs each in its own transaction, records every attempt.

Durable across restarts: state lives only in the database. A job whose
worker died keeps its lease until it runs out, then another worker retries it
and the lost attempt is recorded as ``lost``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import traceback
from datetime import timedelta

from sqlalchemy.orm import Session

from huanjian.core.context import ActionContext
from huanjian.core.db import Database
from huanjian.core.time import utcnow
from huanjian.core.tx import Tx
from huanjian.jobs import repository, service
from huanjian.jobs.models import JobRun
from huanjian.jobs.registry import HANDLERS

log = logging.getLogger("huanjian.worker")


class Worker:
    def __init__(
        self,
        db: Database,
        audit_key: bytes,
        *,
        poll_seconds: float = 1.0,
        lease_seconds: int = 300,
        name: str | None = None,
        run_schedules: bool = True,
    ) -> None:
        self.db = db
        self.audit_key = audit_key
        self.poll_seconds = poll_seconds
        self.lease = timedelta(seconds=lease_seconds)
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        # Several workers may share a database; any of them may enqueue schedules
        # (deduplicated), but a worker dedicated to one queue can leave it to others.
        self.run_schedules = run_schedules

    def _tx(self, session: Session, request_id: str) -> Tx:
        ctx = ActionContext(None, f"worker {self.name}", "worker", request_id)
        return Tx(session, ctx, self.audit_key)

    def run_once(self) -> bool:
        """Run at most one job; True when one was run (so the caller loops without sleeping)."""
        now = utcnow()
        if self.run_schedules:
            with self.db.unit_of_work() as session:
                service.enqueue_due_schedules(self._tx(session, "schedule"), now)
        with self.db.unit_of_work() as session:
            job = repository.claim_next(session, self.name, now, now + self.lease)
            if job is None:
                return False
            for lost in repository.open_runs(session, job.id):
                lost.finished_at, lost.outcome = now, "lost"
            run = JobRun(job_id=job.id, worker=self.name, started_at=now)
            repository.add_run(session, run)
            job_id, run_id, kind, payload = job.id, run.id, job.kind, dict(job.payload or {})
        handler = HANDLERS.get(kind)
        error: str | None = None
        result = None
        try:
            if handler is None:
                raise LookupError(f"no handler registered for job kind {kind!r}")
            with self.db.unit_of_work() as session:
                result = handler(self._tx(session, f"job-{job_id}"), payload)
        except Exception:
            error = traceback.format_exc(limit=20)
            log.exception("job %s (%s) failed", job_id, kind)
        self._finish(job_id, run_id, result, error)
        return True

    def _finish(self, job_id: int, run_id: int, result: object, error: str | None) -> None:
        now = utcnow()
        with self.db.unit_of_work() as session:
            job = repository.get(session, job_id)
            run = session.get(JobRun, run_id)
            assert job is not None and run is not None
            run.finished_at = now
            job.locked_by, job.lease_until = None, None
            if error is None:
                job.status, job.finished_at, job.result = "done", now, result
                run.outcome = "done"
            elif job.attempts < job.max_attempts:
                # Exponential back-off: 30 s, 2 min, 8 min…
                job.status, job.run_at, job.last_error = (
                    "queued",
                    now + timedelta(seconds=30 * 4 ** (job.attempts - 1)),
                    error,
                )
                run.outcome, run.error = "retry", error
            else:
                job.status, job.finished_at, job.last_error = "failed", now, error
                run.outcome, run.error = "failed", error

    def drain(self, limit: int = 1000) -> int:
        """Run due jobs until none is left (tests and `huanjian worker --once`)."""
        done = 0
        while done < limit and self.run_once():
            done += 1
        return done

    async def run_forever(self, stop: asyncio.Event) -> None:
        log.info("worker %s started", self.name)
        while not stop.is_set():
            try:
                worked = await asyncio.to_thread(self.run_once)
            except Exception:
                log.exception("worker loop error; retrying")
                worked = False
            if not worked:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self.poll_seconds)
        log.info("worker %s stopped", self.name)
