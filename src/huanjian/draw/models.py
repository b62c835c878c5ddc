from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from huanjian.core.db import Base, UTCDateTime


class RandomDraw(Base):
    """One draw: its library and rules frozen at planning, its seed committed before it runs.

    The library and rules snapshots are what `verify` re-runs against; the seed
    is kept from commitment on but shown only once the draw is published.
    """

    __tablename__ = "random_draw"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    jurisdiction_code: Mapped[str] = mapped_column(
        ForeignKey("jurisdiction.code"), nullable=False, index=True
    )
    period: Mapped[str] = mapped_column(String(20), nullable=False)  # e.g. 2026Q4
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    library: Mapped[Any] = mapped_column(
        JSON, nullable=False
    )  # [{"id", "name", "stratum", "credit", "risk"}]
    rules: Mapped[Any] = mapped_column(JSON, nullable=False)
    commitment: Mapped[str | None] = mapped_column(String(64))
    seed: Mapped[str | None] = mapped_column(String(64))
    result: Mapped[Any] = mapped_column(JSON, nullable=True)  # [{"id", "stratum", "rank", "score"}]
    summary: Mapped[Any] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    committed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    drawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    drawn_by: Mapped[str | None] = mapped_column(String(200))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Redraws: asked by one person with a reason, approved by a second.
    redraw_of_id: Mapped[int | None] = mapped_column(ForeignKey("random_draw.id"))
    redraw_reason: Mapped[str | None] = mapped_column(Text)
    redraw_requested_by: Mapped[int | None] = mapped_column(Integer)
    redraw_approved_by: Mapped[int | None] = mapped_column(Integer)
