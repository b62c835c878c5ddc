from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from huanjian.casework.kpis import Kpis
from huanjian.casework.service import CaseFile


class CaseOpenIn(BaseModel):
    enterprise_id: int
    source: str = Field(examples=["exceedance"])
    title: str = Field(min_length=1, max_length=300)
    source_ref: str | None = Field(None, max_length=200, examples=["exceedance:DA001:a21026:2026-11-20T08"])
    description: str = ""
    draw_id: int | None = None
    campaign_id: int | None = None


class TransitionIn(BaseModel):
    action: str = Field(examples=["accept"])
    reason: str | None = Field(None, max_length=4000)
    attachment_ids: list[int] = Field(default_factory=list)
    data: dict[str, Any] = Field(
        default_factory=dict,
        description="decide: legal_basis, penalty_amount_yuan, decision_text, rests_on_automatic_data, "
        "data_review_level, data_reference; order_rectification: requirement, deadline, addressee_id",
    )


class AssignIn(BaseModel):
    kind: str = Field(examples=["monitoring"])
    staff_id: int
    method: str | None = None
    pollutant: str | None = None


class DrawAssignIn(BaseModel):
    kind: str = Field(examples=["monitoring"])
    method: str | None = None
    pollutant: str | None = None
    count: int = 1
    organisation_ids: list[int] | None = None


class DrawCommitIn(DrawAssignIn):
    reason: str | None = Field(
        None, max_length=4000, description="required for another draw of a kind already drawn"
    )


class DrawCommitmentOut(BaseModel):
    """An assignment draw's published commitment; ``seed`` is null until the draw reveals it."""

    id: int
    kind: str
    method: str | None
    pollutant: str | None
    count: int
    organisation_ids: list[int] | None
    commitment: str
    committed_by: str
    committed_at: datetime
    reason: str | None
    drawn_at: datetime | None
    drawn_by: str | None
    seed: str | None
    picked: list[str]
    assignments: list[int]
    problems: list[str]
    ok: bool


class ReasonIn(BaseModel):
    reason: str = Field(min_length=1, max_length=4000)


class AnswerIn(BaseModel):
    text: str = Field(min_length=1, max_length=8000)
    attachment_ids: list[int] = Field(default_factory=list)


class InspectionIn(BaseModel):
    inspected_at: datetime
    place: str = Field(min_length=1, max_length=300)
    inspectors: list[str]
    items: list[str] = Field(default_factory=list)
    findings: str = Field(min_length=1)
    enterprise_statement: str = ""
    photo_ids: list[int] = Field(default_factory=list)


class SignatureIn(BaseModel):
    role: str = Field(examples=["inspector"])
    signer_name: str = Field(min_length=1, max_length=100)
    image_id: int
    device_time: datetime


class TieIn(BaseModel):
    staff_id: int
    enterprise_id: int
    kind: str = Field(examples=["kinship"])
    note: str = ""


class CampaignIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    jurisdiction_code: str
    period_start: date
    period_end: date
    enterprise_ids: list[int]
    description: str = ""


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class CaseOut(Out):
    id: int
    number: str
    title: str
    source: str
    source_ref: str | None
    draw_id: int | None
    campaign_id: int | None
    enterprise_id: int
    jurisdiction_code: str
    handling_jurisdiction_code: str
    supervising_level: str
    routing_rule: str
    state: str
    outcome: str | None
    legal_basis: dict[str, Any] | None
    penalty_amount_yuan: float | None
    rests_on_automatic_data: bool
    data_review_level: str | None
    opened_at: datetime
    opened_by: str
    closed_at: datetime | None


class StepOut(Out):
    seq: int
    action: str
    from_state: str | None
    to_state: str
    actor_name: str
    reason: str | None
    data: dict[str, Any]
    attachment_ids: list[int]
    at: datetime


class AttachmentOut(Out):
    id: int
    case_id: int
    name: str
    content_type: str
    size: int
    sha256: str
    purpose: str
    uploaded_by: str
    uploaded_at: datetime


class AssignmentOut(Out):
    id: int
    case_id: int
    kind: str
    staff_id: int
    organisation_id: int
    method: str | None
    pollutant: str | None
    status: str
    findings: list[dict[str, Any]]
    via_draw: dict[str, Any] | None
    assigned_by: str
    override_reason: str | None


class OrderOut(Out):
    id: int
    case_id: int
    number: str
    addressee_id: int
    requirement: str
    deadline: datetime
    state: str
    issued_at: datetime
    answer_text: str | None
    answer_attachment_ids: list[int]
    answered_at: datetime | None
    return_reason: str | None
    escalation_level: int
    escalated_to: str | None
    escalated_at: datetime | None


class InspectionOut(Out):
    id: int
    case_id: int
    inspected_at: datetime
    place: str
    inspectors: list[str]
    items: list[str]
    findings: str
    enterprise_statement: str
    photo_ids: list[int]
    content_hash: str


class SignatureOut(Out):
    id: int
    record_id: int
    role: str
    signer_name: str
    image_sha256: str
    device_time: datetime
    server_time: datetime
    hash: str


class CaseFileOut(BaseModel):
    case: CaseOut
    steps: list[StepOut]
    attachments: list[AttachmentOut]
    assignments: list[AssignmentOut]
    orders: list[OrderOut]
    inspections: list[InspectionOut]
    signatures: list[SignatureOut]


class TieOut(Out):
    id: int
    staff_id: int
    enterprise_id: int
    kind: str
    note: str


class CampaignOut(Out):
    id: int
    name: str
    jurisdiction_code: str
    period_start: date
    period_end: date
    description: str
    targets: list[int] = Field(default_factory=list)


class KpisOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    opened: int
    open: int
    closed: int
    by_state: dict[str, int]
    by_handler: dict[str, int]
    verification_rate: float | None
    handling_rate: float | None
    response_rate: float | None
    late_response_rate: float | None
    median_days_to_closure: float | None
    mean_days_to_closure: float | None
    overdue_orders: int
    open_orders: int


class BoardOut(BaseModel):
    kpis: KpisOut
    overdue: list[OrderOut]
    cases: list[CaseOut]


def case_file_out(cf: CaseFile) -> CaseFileOut:
    return CaseFileOut(
        case=CaseOut.model_validate(cf.case),
        steps=[StepOut.model_validate(s) for s in cf.steps],
        attachments=[AttachmentOut.model_validate(a) for a in cf.attachments],
        assignments=[AssignmentOut.model_validate(a) for a in cf.assignments],
        orders=[OrderOut.model_validate(o) for o in cf.orders],
        inspections=[InspectionOut.model_validate(r) for r in cf.inspections],
        signatures=[SignatureOut.model_validate(s) for s in cf.signatures],
    )


def kpis_out(k: Kpis) -> KpisOut:
    return KpisOut.model_validate(k)
