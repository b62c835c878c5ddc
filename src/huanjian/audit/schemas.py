from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor_id: int | None
    actor_name: str
    channel: str
    request_id: str
    action: str
    object_type: str
    object_id: str
    jurisdiction_code: str | None
    before: Any
    after: Any
    reason: str | None
    hash: str


class VerificationOut(BaseModel):
    ok: bool
    count: int
    head_hash: str
    first_bad_id: int | None
    problems: list[str]
