from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class NotificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    title: str
    body: str
    link: str | None
    object_type: str | None
    object_id: str | None
    sender: str
    due_at: datetime | None
    sent_at: datetime
    read_at: datetime | None
    acknowledged_at: datetime | None


class MessageIn(BaseModel):
    to: str = Field(description="username of the recipient")
    title: str = Field(min_length=1, max_length=300)
    body: str = ""
    due_at: datetime | None = None
