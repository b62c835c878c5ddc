"""Request and response bodies of the field API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class RecordIn(BaseModel):
    case_id: int
    outlet_id: int
    method: str = Field(examples=["hj57_so2"])
    assignee: str = Field(description="username of the person who carries the phone", examples=["station"])
    pollutants: list[str] = Field(default_factory=list)


class RecordOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    number: str
    case_id: int
    enterprise_id: int
    outlet_id: int
    jurisdiction_code: str
    method: str
    pollutants: list[str]
    assignee_id: int
    assignee_name: str
    status: str
    last_seq: int
    created_at: datetime


class ReassignIn(BaseModel):
    assignee: str
    reason: str = Field(min_length=1, max_length=2000)


class ReasonIn(BaseModel):
    reason: str = Field(min_length=1, max_length=4000)


class EventIn(BaseModel):
    uuid: str = Field(description="generated on the device; resending the same uuid never adds a row")
    kind: str = Field(examples=["reading"])
    payload: dict[str, Any] = Field(default_factory=dict)
    device_time: datetime | None = None
    base_seq: int = Field(0, description="the last server seq the device had seen")
    supersedes: str | None = Field(None, description="correction: the uuid of the event it corrects")


class EventsIn(BaseModel):
    events: list[EventIn] = Field(max_length=500)


class UploadOut(BaseModel):
    uuid: str
    status: str
    duplicate: bool
    differs: bool
    seq: int | None
    reason: str | None


class SyncOut(BaseModel):
    results: list[UploadOut]
    last_seq: int
    status: str
    assignee_name: str
    conflicts: int


class ResolveIn(BaseModel):
    decision: str = Field(examples=["discard"], description="apply | discard")
    reason: str = Field(min_length=1, max_length=2000)


class ComparisonIn(BaseModel):
    device_id: int
    unit: str = Field(examples=["mg/m3"])
    pairs: list[dict[str, Any]] = Field(description="{start, end, reference, cems} per period")
    om_follows_standard: bool | None = None
    om_note: str = ""


class ComparisonOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    device_id: int
    enterprise_id: int
    outlet_id: int
    parameter: str
    unit: str
    period_start: datetime
    period_end: datetime
    verdict: str
    evaluation: dict[str, Any]
    rules_version: str
    om_follows_standard: bool | None
    om_note: str
    case_id: int | None
    qa_event_id: int | None
    suspect_layer_id: int | None
    suspect_from: datetime | None


class ReportIn(BaseModel):
    record_id: int
    lab_results: list[dict[str, Any]] = Field(
        description="the lab's original records: sample_code, pollutant, value, unit (method, lab)"
    )
    results: list[dict[str, Any]] | None = Field(
        None, description="what the report states, if not the lab's results with the register's limits"
    )
    conclusion: str | None = None


class CorrectIn(BaseModel):
    reason: str = Field(min_length=1, max_length=4000)
    lab_results: list[dict[str, Any]] | None = None
    results: list[dict[str, Any]] | None = None
    conclusion: str | None = None


class ReportOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    number: str
    version: int
    previous_id: int | None
    record_id: int
    case_id: int
    enterprise_id: int
    outlet_id: int
    sampled_on: date
    state: str
    content: dict[str, Any]
    content_sha256: str
    checks: list[dict[str, Any]]
    checks_ok: bool | None
    drafted_by: str
    checked_by: str | None
    signed_by: str | None
    signed_at: datetime | None
    pdf_sha256: str | None
    fields_sha256: str | None


class LabReportIn(BaseModel):
    report_number: str = Field(min_length=1, max_length=60)
    outlet_id: int
    sampled_on: date
    content: dict[str, Any] = Field(description="medium, results, original_records, qc (sampled_at)")


class LabReportOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    lab_id: int
    enterprise_id: int
    outlet_id: int
    report_number: str
    sampled_on: date
    content_sha256: str
    file_sha256: str | None = None
    file_name: str | None = None
    file_type: str | None = None
    file_size: int | None = None
    selected: bool
    selection: dict[str, Any]
    uploaded_by: str
    uploaded_at: datetime


class RecheckIn(BaseModel):
    findings: list[str] = Field(default_factory=list)
    note: str = ""
    out_of_plan_reason: str | None = None


class RecheckOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    lab_report_id: int
    lab_id: int
    conclusion: str
    checks: list[dict[str, Any]]
    note: str
    reviewer: str
    created_at: datetime
    findings: list[dict[str, Any]] = Field(default_factory=list)


class SpotPlanIn(BaseModel):
    year: int = Field(ge=2000, le=2100, examples=[2027])
    jurisdiction_code: str = Field(examples=["310000"])


class SpotItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    contractor_id: int
    position: int
    device_id: int
    device_ref: str
    score: str
    quarter: int
    jurisdiction_code: str
    comparison_id: int | None
    done_at: datetime | None


class SpotPlanOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    year: int
    jurisdiction_code: str
    seed: str
    commitment: str
    weights: dict[str, Any]
    library: list[dict[str, Any]]
    created_by: str
    created_at: datetime
    items: list[SpotItemOut] = Field(default_factory=list)
    problems: list[str] | None = Field(default=None, description="verify: empty when it checks out")
