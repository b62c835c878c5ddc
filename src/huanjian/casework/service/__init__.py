"""Case actions. Every state change is a row of ``case_step`` (for cases) and an
audit entry in the same transaction, with actor, reason and attachments.

One module per family of actions; this package exports them all, so callers
keep writing ``service.open_case(...)``.
"""

from __future__ import annotations

from huanjian.casework.service.assignments import (
    approve_override,
    assign,
    case_draws,
    commit_assignment_draw,
    declare_tie,
    draw_assignment,
    request_override,
    verify_assignment_draw,
)
from huanjian.casework.service.attachments import (
    add_attachment,
    read_attachment,
)
from huanjian.casework.service.board import (
    Board,
    EnterpriseCase,
    board,
    enterprise_cases,
)
from huanjian.casework.service.campaigns import (
    create_campaign,
    get_campaign,
    list_campaigns,
    open_campaign_cases,
)
from huanjian.casework.service.cases import (
    open_case,
    route,
    set_duty_rule,
    transition,
)
from huanjian.casework.service.common import (
    ASSIGNMENT_KINDS,
    HANDLER_ROLES,
    SIGNER_ROLES,
    CaseFile,
    canonical_hash,
    case_file,
    get_case,
    list_cases,
    today,
    trail,
)
from huanjian.casework.service.inspections import (
    record_inspection,
    sign_inspection,
    signature_hash,
)
from huanjian.casework.service.orders import (
    answer_order,
    decide_order,
    escalate_orders,
    get_order,
    list_orders,
    remind_orders,
)

__all__ = [
    "ASSIGNMENT_KINDS",
    "HANDLER_ROLES",
    "SIGNER_ROLES",
    "Board",
    "CaseFile",
    "EnterpriseCase",
    "add_attachment",
    "answer_order",
    "approve_override",
    "assign",
    "board",
    "canonical_hash",
    "case_draws",
    "case_file",
    "commit_assignment_draw",
    "create_campaign",
    "decide_order",
    "declare_tie",
    "draw_assignment",
    "enterprise_cases",
    "escalate_orders",
    "get_campaign",
    "get_case",
    "get_order",
    "list_campaigns",
    "list_cases",
    "list_orders",
    "open_campaign_cases",
    "open_case",
    "read_attachment",
    "record_inspection",
    "remind_orders",
    "request_override",
    "route",
    "set_duty_rule",
    "sign_inspection",
    "signature_hash",
    "today",
    "trail",
    "transition",
    "verify_assignment_draw",
]
