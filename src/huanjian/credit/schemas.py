"""Pydantic models of the credit API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from huanjian.credit.models import (
    CreditEvaluation,
    CreditItem,
    CreditObjection,
    CreditRun,
    Filing,
    ServiceRecord,
)

Scheme = Literal["enterprise", "lab", "contractor"]


class RunIn(BaseModel):
    scheme: Scheme
    period: str = Field(examples=["2026", "2026-10"])
    jurisdiction_code: str | None = Field(
        None, description="Rate only this district's (or town's) subjects; empty: the whole city."
    )


class SchemeIn(BaseModel):
    body: dict[str, Any]
    reason: str


class SelfAssessmentIn(BaseModel):
    score: float = Field(ge=0, le=200)
    note: str = ""


class ObjectionIn(BaseModel):
    kind: Literal["objection", "repair"] = "objection"
    text: str
    item_id: int | None = None


class DecisionIn(BaseModel):
    uphold: bool
    reason: str


class FindingIn(BaseModel):
    organisation_id: int
    kind: str
    occurred_on: date
    description: str
    amount: float | None = None
    evidence_type: str | None = None
    evidence_id: str | None = None


class FilingIn(BaseModel):
    organisation_id: int
    jurisdiction_code: str
    certification: dict[str, Any]
    staff: list[dict[str, Any]] = []
    equipment: list[dict[str, Any]] = []


class FilingChangeIn(BaseModel):
    changed_on: date
    changes: dict[str, Any]


class ClassIn(BaseModel):
    action: Literal["compute", "override"] = "compute"
    risk: Literal["high", "normal", "low"] | None = None
    supervision_class: Literal["key", "general", "simple"] | None = None
    reason: str = ""


class RunOut(BaseModel):
    id: int
    scheme: str
    period: str
    kind: str
    jurisdiction_code: str | None
    scheme_version: int
    status: str
    started_at: datetime
    started_by: str
    published_at: datetime | None

    @classmethod
    def of(cls, r: CreditRun) -> RunOut:
        return cls.model_validate(r, from_attributes=True)


class EvaluationOut(BaseModel):
    id: int
    run_id: int
    organisation_id: int
    jurisdiction_code: str | None
    score: float
    grade: str
    repaired_grade: str | None
    veto: str | None
    self_score: float | None
    details: dict[str, Any]

    @classmethod
    def of(cls, e: CreditEvaluation) -> EvaluationOut:
        return cls.model_validate(e, from_attributes=True)


class ItemOut(BaseModel):
    id: int
    rule: str
    group: str
    points: float
    explanation: str
    object_type: str | None
    object_id: str | None
    occurred_on: date | None
    excluded_reason: str | None

    @classmethod
    def of(cls, i: CreditItem) -> ItemOut:
        return cls.model_validate(i, from_attributes=True)


class ObjectionOut(BaseModel):
    id: int
    evaluation_id: int
    item_id: int | None
    kind: str
    text: str
    state: str
    filed_by: str
    decided_by: str | None
    decision_reason: str | None

    @classmethod
    def of(cls, o: CreditObjection) -> ObjectionOut:
        return cls.model_validate(o, from_attributes=True)


class ExplainedOut(BaseModel):
    evaluation: EvaluationOut
    run: RunOut
    status: str
    items: list[ItemOut]
    objections: list[ObjectionOut]


class FilingOut(BaseModel):
    id: int
    organisation_id: int
    jurisdiction_code: str
    status: str
    certification: dict[str, Any]
    staff: list[dict[str, Any]]
    equipment: list[dict[str, Any]]
    filed_at: datetime
    suspended_reason: str | None

    @classmethod
    def of(cls, f: Filing) -> FilingOut:
        return cls.model_validate(f, from_attributes=True)


class ServiceRecordOut(BaseModel):
    id: int
    organisation_id: int
    enterprise_id: int
    kind: str
    performed_on: date
    result: str | None
    file_name: str | None
    size: int
    sha256: str
    uploaded_at: datetime
    uploaded_by: str

    @classmethod
    def of(cls, s: ServiceRecord) -> ServiceRecordOut:
        return cls.model_validate(s, from_attributes=True)
