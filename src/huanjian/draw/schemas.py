from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from huanjian.draw.models import RandomDraw


class DrawPlanIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    jurisdiction_code: str
    period: str = Field(min_length=4, max_length=20, examples=["2026Q4"])


class ReasonIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class DrawOut(BaseModel):
    id: int
    title: str
    jurisdiction_code: str
    period: str
    status: str
    library_size: int
    commitment: str | None
    seed: str | None = Field(description="shown once the draw is published")
    result: list[dict[str, Any]] | None = Field(description="shown once drawn (staff) or published (public)")
    summary: list[dict[str, Any]] | None
    committed_at: datetime | None
    drawn_at: datetime | None
    published_at: datetime | None
    redraw_of_id: int | None
    redraw_reason: str | None


class VerifyOut(BaseModel):
    ok: bool
    problems: list[str]


def draw_out(draw: RandomDraw, *, public: bool) -> DrawOut:
    published = draw.published_at is not None
    names = {str(c["id"]): c.get("name") for c in draw.library}
    show_result = published or (not public and draw.result is not None)
    result = [{**p, "name": names.get(p["id"])} for p in draw.result] if show_result and draw.result else None
    return DrawOut(
        id=draw.id,
        title=draw.title,
        jurisdiction_code=draw.jurisdiction_code,
        period=draw.period,
        status=draw.status,
        library_size=len(draw.library),
        commitment=draw.commitment,
        seed=draw.seed if published else None,
        result=result,
        summary=draw.summary if show_result else None,
        committed_at=draw.committed_at,
        drawn_at=draw.drawn_at,
        published_at=draw.published_at,
        redraw_of_id=draw.redraw_of_id,
        redraw_reason=draw.redraw_reason,
    )
