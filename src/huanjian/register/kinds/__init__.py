"""The import kinds: their columns, natural keys, reference checks and how a
parsed row is applied to the current tables (one module per family of kinds)."""

from __future__ import annotations

from huanjian.register.kinds.base import EARLIEST, Applied, Ctx, Kind, Row, RowProblem
from huanjian.register.kinds.feeds import CREDIT_KIND, EIA, ENFORCEMENT_OBJECTS, SUPERVISION
from huanjian.register.kinds.parties import CONTRACTS, ORGANISATIONS, STAFF
from huanjian.register.kinds.sources import ENTERPRISES, LIMITS, LOGGERS, OUTLETS, PERMITS

__all__ = ["EARLIEST", "KEY_COLUMNS", "KINDS", "Applied", "Ctx", "Kind", "Row", "RowProblem"]


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        ENTERPRISES,
        PERMITS,
        OUTLETS,
        LOGGERS,
        LIMITS,
        ORGANISATIONS,
        STAFF,
        CONTRACTS,
        EIA,
        SUPERVISION,
        CREDIT_KIND,
        ENFORCEMENT_OBJECTS,
    )
}

#: The natural key of each kind: a row with the same key updates the same object.
KEY_COLUMNS: dict[str, str] = {
    "enterprises": "credit_code",
    "permits": "permit_number",
    "outlets": "credit_code + outlet_code",
    "loggers": "mn + pollutant (one row per device)",
    "limits": "credit_code + outlet_code + pollutant + averaging_period + valid_from",
    "organisations": "credit_code",
    "staff": "organisation_credit_code + staff_number + certificate_number (one row per certificate)",
    "contracts": "contract_number",
    "eia": "approval_number",
    "supervision": "record_number",
    "credit": "credit_code + year + source",
    "enforcement-objects": "object_code",
}
assert set(KEY_COLUMNS) == set(KINDS)
