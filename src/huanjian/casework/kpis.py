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

Counted in SQL over every case of the caller's jurisdiction (``repository.kpi_counts``:
grouped counts, an EXISTS on the steps, conditional sums over orders and their
notifications); only the closed cases' durations come back as rows, for the median.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field


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


def from_counts(
    by_state: dict[str, int],
    by_handler: dict[str, int],
    verified: int,
    closure_days: Sequence[float],
    open_orders: int,
    overdue_orders: int,
    notifications: int,
    acknowledged: int,
    with_deadline: int,
    late: int,
) -> Kpis:
    """The KPIs from the aggregates :func:`huanjian.casework.repository.kpi_counts` computes in SQL."""
    k = Kpis(opened=sum(by_state.values()), by_state=dict(by_state), by_handler=dict(by_handler))
    k.closed = by_state.get("closed", 0)
    k.open = k.opened - k.closed
    k.verification_rate = _ratio(verified, k.opened)
    k.handling_rate = _ratio(k.closed, k.opened)
    if closure_days:
        k.median_days_to_closure = round(statistics.median(closure_days), 2)
        k.mean_days_to_closure = round(statistics.fmean(closure_days), 2)
    k.open_orders, k.overdue_orders = open_orders, overdue_orders
    k.response_rate = _ratio(acknowledged, notifications)
    k.late_response_rate = _ratio(late, with_deadline)
    return k
