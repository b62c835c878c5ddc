"""/api/v1 routes of background jobs (administrators)."""

from __future__ import annotations

from fastapi import APIRouter, Query

from huanjian.access.policy import authorize
from huanjian.jobs import service
from huanjian.jobs.schemas import JobDetail, JobIn, JobOut, JobRunOut
from huanjian.web.deps import PrincipalDep, TxDep

router = APIRouter(prefix="/jobs", tags=["jobs"])


@router.get("", response_model=list[JobOut])
def list_jobs(
    principal: PrincipalDep, tx: TxDep, status: str | None = None, limit: int = Query(100, ge=1, le=1000)
) -> list[JobOut]:
    return [JobOut.model_validate(j) for j in service.history(tx, principal, status=status, limit=limit)]


@router.post("", response_model=JobOut, status_code=201)
def enqueue(body: JobIn, principal: PrincipalDep, tx: TxDep) -> JobOut:
    authorize(principal, "jobs.write")
    return JobOut.model_validate(service.enqueue(tx, body.kind, body.payload, run_at=body.run_at))


@router.get("/{job_id}", response_model=JobDetail)
def job_detail(job_id: int, principal: PrincipalDep, tx: TxDep) -> JobDetail:
    job, runs = service.detail(tx, principal, job_id)
    return JobDetail(job=JobOut.model_validate(job), runs=[JobRunOut.model_validate(r) for r in runs])
