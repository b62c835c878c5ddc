"""Tables of detection (issue 6): clues and their lifecycle.

* ``detect_clue`` — one clue (异常线索) per logger, category, suspected trick and period,
  with the evidence as data (the findings' statistics and thresholds, sentences, peers,
  the series excerpt with the highlighted indices, the multivariate secondary score), the
  causes that lowered or suppressed it, and its status.  A re-run of a period updates the
  clue it overlaps (same logger, category and trick) instead of adding another; a ``new``
  clue that a re-run no longer finds is ``withdrawn`` (kept, never deleted).
* ``detect_clue_transition`` — every status change, with the reason and who made it.
  Dismissals with their reasons are the labelled data for re-tuning
  (``huanjian detect export --status dismissed``).

The data shapes the detectors work on are in :mod:`huanjian.detect.model`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from huanjian.core.db import Base, JSONType, UTCDateTime

#: Lifecycle of a stored clue.  ``suppressed`` (kept, not raised: honest flags, accepted
#: marks or QA events explain it) and ``withdrawn`` (a re-run no longer finds it) are set
#: by detection runs only.
STATUSES = (
    "new",
    "under_verification",
    "confirmed",
    "dismissed",
    "handed_to_case",
    "suppressed",
    "withdrawn",
)
#: What a person may do, from each status.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "new": ("under_verification", "dismissed"),
    "under_verification": ("confirmed", "dismissed"),
    "confirmed": ("handed_to_case",),
    "dismissed": (),
    "handed_to_case": (),
    "suppressed": (),
    "withdrawn": (),
}
#: Statuses a detection run may still rewrite (nobody has acted on the clue yet).
UNTOUCHED = ("new", "suppressed", "withdrawn")


class DetectClue(Base):
    __tablename__ = "detect_clue"
    __table_args__ = (
        Index("ix_detect_clue_outlet_time", "outlet_id", "start_at"),
        Index("ix_detect_clue_match", "mn", "category", "trick", "start_at"),
        Index("ix_detect_clue_status", "status", "category"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mn: Mapped[str] = mapped_column(String(32), nullable=False)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlet.id"), nullable=False)
    outlet_code: Mapped[str] = mapped_column(String(10), nullable=False)
    enterprise_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    jurisdiction_code: Mapped[str | None] = mapped_column(String(12), index=True)
    pollutants: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    category: Mapped[str] = mapped_column(String(16), nullable=False)  # data_quality | falsification
    detector: Mapped[str] = mapped_column(String(40), nullable=False)  # the strongest finding's
    detectors: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    trick: Mapped[str] = mapped_column(String(30), nullable=False, default="")  # "" for data quality
    severity: Mapped[str] = mapped_column(String(8), nullable=False)
    score: Mapped[float] = mapped_column(Float, nullable=False)  # after lowering and the secondary score
    base_score: Mapped[float] = mapped_column(Float, nullable=False)  # the detectors' score
    secondary_score: Mapped[float | None] = mapped_column(Float)  # isolation forest, 0..1
    statistic_name: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    statistic: Mapped[float | None] = mapped_column(Float)
    threshold: Mapped[float | None] = mapped_column(Float)
    comparison: Mapped[str] = mapped_column(String(2), nullable=False, default="")
    peers: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    causes: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    excused_share: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    explanation_zh: Mapped[str] = mapped_column(Text, nullable=False)
    explanation_en: Mapped[str] = mapped_column(Text, nullable=False)
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False, default=list)
    chart: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    reason: Mapped[str | None] = mapped_column(Text)  # of the last person's transition
    case_id: Mapped[int | None] = mapped_column(Integer)
    found_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    runs: Mapped[int] = mapped_column(Integer, nullable=False, default=1)  # runs that found it


class DetectClueTransition(Base):
    __tablename__ = "detect_clue_transition"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clue_id: Mapped[int] = mapped_column(ForeignKey("detect_clue.id"), nullable=False, index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20), nullable=False)
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    actor_name: Mapped[str] = mapped_column(String(200), nullable=False)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    case_id: Mapped[int | None] = mapped_column(Integer)
    automatic: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
