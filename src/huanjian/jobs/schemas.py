from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class JobOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    payload: Any
    status: str
    run_at: datetime
    attempts: int
    max_attempts: int
    created_at: datetime
    created_by: str
    finished_at: datetime | None
    result: Any
    last_error: str | None


class JobRunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    worker: str
    started_at: datetime
    finished_at: datetime | None
    outcome: str | None
    error: str | None


class JobDetail(BaseModel):
    job: JobOut
    runs: list[JobRunOut]


class JobIn(BaseModel):
    kind: str
    payload: dict[str, Any] = Field(default_factory=dict)
    run_at: datetime | None = None
