"""API shapes of the ingestion domain."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class LoggerOut(BaseModel):
    mn: str
    online: bool
    quarantined: bool
    first_seen_at: datetime
    last_seen_at: datetime
    last_data_time: datetime | None
    last_peer: str
    last_cn: str | None
    last_verdict: str
    version: str | None
    frames: int
    records: int
    jurisdiction_code: str | None


class FrameOut(BaseModel):
    id: int
    received_at: datetime
    source: str
    peer: str
    verdict: str
    mn: str | None
    cn: str | None
    qn: str | None
    version: str | None
    data_time: datetime | None
    record_id: int | None
    warnings: list[dict[str, Any]] | None
    detail: str | None
    raw: str


class LoggerDetail(BaseModel):
    logger: LoggerOut
    frames: list[FrameOut]


class ReadingsPage(BaseModel):
    rows: list[dict[str, Any]]
    next_cursor: str | None


class CommandIn(BaseModel):
    """A remote command (kind: set-time | request | set-interval | query-3020)."""

    kind: str
    cn: str | None = None
    begin: datetime | None = None
    end: datetime | None = None
    interval: int | None = None
    pol_id: str | None = None
    info_id: str | None = None


class CommandOut(BaseModel):
    id: int
    mn: str
    cn: str
    kind: str
    params: dict[str, Any] | None
    qn: str
    status: str
    source: str
    created_at: datetime
    created_by: str
    sent_at: datetime | None
    qn_rtn: int | None
    accepted_at: datetime | None
    exe_rtn: int | None
    finished_at: datetime | None
    replies: list[dict[str, Any]] | None
