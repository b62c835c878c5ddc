from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from huanjian.register.models import EnforcementObject, Enterprise


class EnterpriseOut(BaseModel):
    id: int
    credit_code: str | None
    name: str
    former_names: list[str]
    jurisdiction_code: str | None
    address: str | None
    industry_code: str | None
    supervision_class: str
    supervising_level: str
    status: str


def enterprise_out(e: Enterprise) -> EnterpriseOut:
    o = e.organisation
    return EnterpriseOut(
        id=e.id,
        credit_code=o.credit_code,
        name=o.name,
        former_names=list(o.former_names or []),
        jurisdiction_code=o.jurisdiction_code,
        address=o.address,
        industry_code=e.industry_code,
        supervision_class=e.supervision_class,
        supervising_level=e.supervising_level,
        status=o.status,
    )


class EnterprisePage(BaseModel):
    total: int
    items: list[EnterpriseOut]


class OrganisationOut(BaseModel):
    id: int
    kind: str
    name: str
    credit_code: str | None
    jurisdiction_code: str | None
    certification: str | None
    certification_valid_until: Any = None


class EnterpriseEdit(BaseModel):
    changes: dict[str, Any] = Field(description="Enterprise template columns to change (not credit_code).")
    reason: str = Field(min_length=1, max_length=2000)


class RowError(BaseModel):
    field: str
    message: str


class RowOut(BaseModel):
    row: int
    status: Literal["created", "changed", "unchanged", "rejected"]
    key: str | None
    errors: list[RowError]
    warnings: list[str] = Field(default_factory=list)


class ReportOut(BaseModel):
    applied: bool
    created: int
    changed: int
    unchanged: int
    rejected: int
    rows: list[RowOut]


class CandidateOut(BaseModel):
    enterprise_id: int
    rank: int
    confidence: float
    method: str
    explanation: str


class ObjectOut(BaseModel):
    id: int
    object_code: str
    name: str
    credit_code: str | None
    address: str | None
    jurisdiction_code: str | None
    status: str
    enterprise_id: int | None
    confidence: float | None
    candidates: list[CandidateOut]


def object_out(o: EnforcementObject) -> ObjectOut:
    return ObjectOut(
        id=o.id,
        object_code=o.object_code,
        name=o.name,
        credit_code=o.credit_code,
        address=o.address,
        jurisdiction_code=o.jurisdiction_code,
        status=o.status,
        enterprise_id=o.enterprise_id,
        confidence=o.confidence,
        candidates=[
            CandidateOut(
                enterprise_id=c.enterprise_id,
                rank=c.rank,
                confidence=c.confidence,
                method=c.method,
                explanation=c.explanation,
            )
            for c in o.candidates
        ],
    )


class DecisionIn(BaseModel):
    decision: Literal["accept", "reject"]
    enterprise_id: int | None = None
    reason: str = Field(default="", max_length=2000)
