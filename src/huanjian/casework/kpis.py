"""Case KPIs, computed from the stored trail (no counters kept on the side).

Definitions (no official formula was found; these are ours and shown on the board):

* **verification rate** = cases whose off-site verification is finished (a step
  left ``verification``, or the case was rejected at intake) ÷ cases opened;
* **handling rate** = closed cases ÷ cases opened;
* **response rate** = order notifications (orders, reminders) acknowledged ÷ those sent;
* **late-response rate** = of the notifications with a deadline that were
  acknowledged or are past it, the share acknowledged late or not at all;
* **time to closure** = opening to closure, in days (median and mean);
* **overdue orders** = open orders past their deadline.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from huanjian.casework.models import Case, CaseStep, SupervisionOrder
from huanjian.notify.models import Notification


@dataclass
class Kpis:
    opened: int = 0
    open: int = 0
    closed: int = 0
    by_state: dict[str, int] = field(default_factory=dict)
    by_handler: dict[str, int] = field(default_factory=dict)
    verification_rate: float | None = None
    handling_rate: float | None = None
    response_rate: float | None = None
    late_response_rate: float | None = None
    median_days_to_closure: float | None = None
    mean_days_to_closure: float | None = None
    overdue_orders: int = 0
    open_orders: int = 0


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def compute(
    cases: Sequence[Case],
    steps: Sequence[CaseStep],
    orders: Sequence[SupervisionOrder],
    notifications: Sequence[Notification],
    now: datetime,
) -> Kpis:
    k = Kpis(opened=len(cases))
    k.by_state = dict(Counter(c.state for c in cases))
    k.by_handler = dict(Counter(c.handling_jurisdiction_code for c in cases))
    k.closed = sum(1 for c in cases if c.state == "closed")
    k.open = k.opened - k.closed
    verified = {s.case_id for s in steps if s.from_state == "verification"}
    verified |= {c.id for c in cases if c.outcome == "rejected"}
    k.verification_rate = _ratio(len(verified & {c.id for c in cases}), k.opened)
    k.handling_rate = _ratio(k.closed, k.opened)
    days = [(c.closed_at - c.opened_at).total_seconds() / 86400 for c in cases if c.closed_at is not None]
    if days:
        k.median_days_to_closure = round(statistics.median(days), 2)
        k.mean_days_to_closure = round(statistics.fmean(days), 2)
    open_orders = [o for o in orders if o.state in ("issued", "returned")]
    k.open_orders = len(open_orders)
    k.overdue_orders = sum(1 for o in open_orders if o.deadline < now)
    k.response_rate = _ratio(
        sum(1 for n in notifications if n.acknowledged_at is not None), len(notifications)
    )
    with_deadline = [
        n for n in notifications if n.due_at is not None and (n.acknowledged_at or n.due_at < now)
    ]
    late = sum(
        1
        for n in with_deadline
        if n.due_at is not None and (n.acknowledged_at is None or n.acknowledged_at > n.due_at)
    )
    k.late_response_rate = _ratio(late, len(with_deadline))
    return k
