"""The case lifecycle and the supervision order's states, each as one transition table.

A case moves from intake (受理) through off-site verification (非现场核实), a
monitoring task (监测任务) and its report (监测报告), on-site inspection (现场
检查), an enforcement case (立案调查, 处罚决定), a supervision order with
rectification (督办整改), re-check (复查) to closure (结案), with rejections and
returns. Every row names who may take it (roles), the person permission the
law ties to it, and whether a reason is required; the service adds the
preconditions that need data (an attachment, an accepted order, approved data).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from huanjian.errors import Conflict, PermissionDenied

#: Sources of work (GLOSSARY: clue, exceedance, comparison_test, complaint, random_draw, campaign, referral).
SOURCES: Final = ("clue", "exceedance", "comparison_test", "complaint", "random_draw", "campaign", "referral")

STATES: Final = (
    "intake",
    "verification",
    "monitoring_task",
    "monitoring_report",
    "inspection",
    "investigation",
    "decided",
    "rectification",
    "recheck",
    "closed",
)

#: How a closed case ended.
OUTCOMES: Final = ("rejected", "unfounded", "decided", "rectified")

_ALL_STAFF = frozenset({"admin", "bureau", "station", "enforcement"})
_SUPERVISION = frozenset({"admin", "bureau", "enforcement"})
_MONITORING = frozenset({"admin", "station"})
_TASKING = frozenset({"admin", "bureau", "enforcement", "station"})


@dataclass(frozen=True, slots=True)
class Transition:
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    permission: str | None = None
    reason_required: bool = False
    outcome: str | None = None  # set on the case when the transition closes it


def _t(
    sources: set[str],
    target: str,
    roles: frozenset[str],
    *,
    permission: str | None = None,
    reason: bool = False,
    outcome: str | None = None,
) -> Transition:
    return Transition(frozenset(sources), target, roles, permission, reason, outcome)


# action: transition
TRANSITIONS: Final[dict[str, Transition]] = {
    # intake
    "accept": _t({"intake"}, "verification", _SUPERVISION),
    "reject": _t({"intake"}, "closed", _SUPERVISION, reason=True, outcome="rejected"),
    # monitoring
    "task_monitoring": _t({"verification", "inspection", "investigation"}, "monitoring_task", _TASKING),
    "submit_report": _t({"monitoring_task"}, "monitoring_report", _MONITORING),
    "return_report": _t({"monitoring_report"}, "monitoring_task", _ALL_STAFF, reason=True),
    # on-site inspection
    "inspect": _t({"verification", "monitoring_report"}, "inspection", _SUPERVISION),
    # enforcement case
    "open_investigation": _t(
        {"verification", "monitoring_report", "inspection"}, "investigation", _SUPERVISION
    ),
    "return_to_verification": _t({"investigation"}, "verification", _SUPERVISION, reason=True),
    "decide": _t({"investigation"}, "decided", _SUPERVISION, permission="case.decide"),
    # supervision order and rectification; from recheck when the re-check found it not done
    "order_rectification": _t(
        {"verification", "inspection", "decided", "recheck"}, "rectification", _SUPERVISION
    ),
    "start_recheck": _t({"rectification"}, "recheck", _SUPERVISION),
    # closure
    "close": _t({"recheck"}, "closed", _SUPERVISION, outcome="rectified"),
    "close_decided": _t({"decided"}, "closed", _SUPERVISION, reason=True, outcome="decided"),
    "close_unfounded": _t(
        {"verification", "monitoring_report", "inspection", "investigation"},
        "closed",
        _SUPERVISION,
        reason=True,
        outcome="unfounded",
    ),
}

#: Supervision order (督办单): issued → answered → accepted, or returned and answered again.
ORDER_STATES: Final = ("issued", "answered", "accepted", "returned")
ORDER_TRANSITIONS: Final[dict[str, tuple[frozenset[str], str]]] = {
    "answer": (frozenset({"issued", "returned"}), "answered"),
    "accept": (frozenset({"answered"}), "accepted"),
    "return": (frozenset({"answered"}), "returned"),
}
OPEN_ORDER_STATES: Final = frozenset({"issued", "returned"})

#: Assignment (监测/检查任务指派) statuses.
ASSIGNMENT_STATUSES: Final = ("assigned", "blocked", "override_requested", "overridden")


def transition(action: str, current: str, role: str, permissions: frozenset[str]) -> Transition:
    """The transition for ``action`` from ``current``; refuses what the table does not allow."""
    t = TRANSITIONS.get(action)
    if t is None:
        raise Conflict(f"unknown case action {action!r}; one of {', '.join(TRANSITIONS)}", action=action)
    if current not in t.sources:
        raise Conflict(
            f"cannot {action.replace('_', ' ')} a case that is in {current}", state=current, action=action
        )
    if role not in t.roles:
        raise PermissionDenied(f"role {role!r} may not {action.replace('_', ' ')} a case", action=action)
    if t.permission is not None and t.permission not in permissions:
        raise PermissionDenied(
            f"{action} needs the person permission {t.permission!r}", permission=t.permission
        )
    return t


def order_next(action: str, current: str) -> str:
    allowed, target = ORDER_TRANSITIONS[action]
    if current not in allowed:
        raise Conflict(f"cannot {action} an order that is {current}", state=current, action=action)
    return target
