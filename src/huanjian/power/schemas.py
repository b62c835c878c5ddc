"""API shapes of electricity monitoring."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class MeterIn(BaseModel):
    credit_code: str = Field(description="Unified social credit code of the enterprise.")
    facility_code: str = Field(description="Facility code in the register (TA001, TW001, MF0001…).")
    meter_code: str = Field(min_length=1, max_length=40)
    quantity: str = Field(description="power_kw | current_a | energy_kwh")
    running_threshold: float | None = Field(None, description="At or above this value the facility runs.")
    mn: str | None = Field(None, description="HJ 212 logger that sends this meter's values.")
    item_code: str | None = Field(None, description="The HJ 212 item code carrying the value.")
    subfield: str | None = Field(None, description="rtd | avg | min | max | cou (default rtd).")


class MeterOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    enterprise_id: int
    facility_id: int
    meter_code: str
    quantity: str
    running_threshold: float | None
    mn: str | None
    item_code: str | None
    subfield: str | None
    jurisdiction_code: str | None
    created_at: datetime
    created_by: str


class PointOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    data_time: datetime
    period: str
    value: float | None
    state: str | None
    source: str
    flag: str | None
    conflict: bool


class ImportOut(BaseModel):
    batch_sha: str
    rows: int
    stored: int
    duplicates: int
    conflicts: int
    meters: list[int]
