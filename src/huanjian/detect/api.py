"""/api/v1 routes of detection: the clue inbox, one clue with its evidence, lifecycle actions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from huanjian.detect import jobs as _jobs  # noqa: F401 — registers detect.run
from huanjian.detect import service
from huanjian.detect.models import DetectClue
from huanjian.web.deps import PrincipalDep, TxDep

router = APIRouter(tags=["clues"])


class ClueOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    mn: str
    outlet_id: int
    outlet_code: str
    enterprise_id: int
    jurisdiction_code: str | None
    pollutants: list[str]
    start: str
    end: str
    category: str
    detector: str
    detectors: list[str]
    trick: str | None
    severity: str
    score: float
    base_score: float
    secondary_score: float | None
    status: str
    reason: str | None
    case_id: int | None
    causes: list[str]
    explanation: dict[str, str]


class TransitionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    from_status: str | None
    to_status: str
    reason: str | None
    at: datetime
    actor_name: str
    automatic: bool
    case_id: int | None


class ClueDetailOut(ClueOut):
    evidence: list[dict[str, Any]]
    chart: dict[str, Any]
    peers: list[str]
    transitions: list[TransitionOut]


class TransitionIn(BaseModel):
    status: str = Field(description="under_verification | confirmed | dismissed")
    reason: str = ""


class CaseIn(BaseModel):
    title: str | None = None
    reason: str = ""


def _out(row: DetectClue) -> dict[str, Any]:
    return {
        **{k: getattr(row, k) for k in ClueOut.model_fields if hasattr(row, k)},
        "start": service.iso(row.start_at),
        "end": service.iso(row.end_at),
        "trick": row.trick or None,
        "explanation": {"zh": row.explanation_zh, "en": row.explanation_en},
    }


@router.get("/clues", response_model=list[ClueOut])
def list_clues(
    principal: PrincipalDep,
    tx: TxDep,
    category: str | None = None,
    status: list[str] = Query(default=[]),
    detector: str | None = None,
    trick: str | None = None,
    outlet_id: int | None = None,
    start: date | None = Query(None, alias="from"),
    end: date | None = Query(None, alias="to"),
    limit: int = Query(200, ge=1, le=2000),
    offset: int = Query(0, ge=0),
) -> list[ClueOut]:
    """Clues of your jurisdiction overlapping the CST days, newest first."""
    rows = service.search(
        tx,
        principal,
        category=category,
        status=status or None,
        detector=detector,
        trick=trick,
        outlet_id=outlet_id,
        start_day=start,
        end_day=end,
        limit=limit,
        offset=offset,
    )
    return [ClueOut(**_out(r)) for r in rows]


def _detail(tx: TxDep, principal: PrincipalDep, row: DetectClue) -> ClueDetailOut:
    steps = service.history(tx, principal, row.id)
    return ClueDetailOut(
        **_out(row),
        evidence=row.evidence,
        chart=row.chart,
        peers=row.peers,
        transitions=[TransitionOut.model_validate(t) for t in steps],
    )


@router.get("/clues/{clue_id}", response_model=ClueDetailOut)
def get_clue(clue_id: int, principal: PrincipalDep, tx: TxDep) -> ClueDetailOut:
    """One clue with its evidence (statistics, thresholds, sentences, secondary score), chart, steps."""
    return _detail(tx, principal, service.get(tx, principal, clue_id))


@router.post("/clues/{clue_id}/transitions", response_model=ClueDetailOut)
def transition(clue_id: int, body: TransitionIn, principal: PrincipalDep, tx: TxDep) -> ClueDetailOut:
    """Move the clue: new → under_verification → confirmed / dismissed (a dismissal needs a reason)."""
    row = service.transition(tx, principal, clue_id, body.status, body.reason)
    return _detail(tx, principal, row)


@router.post("/clues/{clue_id}/case", response_model=ClueDetailOut)
def hand_to_case(clue_id: int, body: CaseIn, principal: PrincipalDep, tx: TxDep) -> ClueDetailOut:
    """Hand a confirmed clue to the linkage workflow: opens a case (source ``clue``)."""
    row = service.hand_to_case(tx, principal, clue_id, title=body.title, reason=body.reason)
    return _detail(tx, principal, row)
