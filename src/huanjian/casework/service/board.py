"""The case board and its KPIs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from huanjian.access.policy import Principal
from huanjian.casework import kpis as kpis_module
from huanjian.casework import repository, states
from huanjian.casework.models import (
    Case,
    SupervisionOrder,
)
from huanjian.casework.service.common import (
    list_cases,
)
from huanjian.core.time import utcnow
from huanjian.core.tx import Tx

# --------------------------------------------------------------------------- board and KPIs


@dataclass
class Board:
    cases: Sequence[Case]
    kpis: kpis_module.Kpis
    overdue: Sequence[SupervisionOrder]


def board(tx: Tx, actor: Principal) -> Board:
    """Cases of the caller's jurisdiction (the latest 500 listed), its KPIs over all of them
    (counted in SQL) and its overdue orders."""
    cases = list_cases(tx, actor)
    now = utcnow()
    result = kpis_module.from_counts(**repository.kpi_counts(tx.session, actor.scope, now))
    orders = repository.orders_scoped(tx.session, actor.scope, open_only=True)
    overdue = [o for o in orders if o.state in states.OPEN_ORDER_STATES and o.deadline < now]
    return Board(cases, result, overdue)


@dataclass
class EnterpriseCase:
    case: Case
    next_deadline: datetime | None  # earliest deadline of its open supervision orders


def enterprise_cases(tx: Tx, actor: Principal, enterprise_id: int) -> list[EnterpriseCase]:
    """The enterprise's cases the caller may see (its jurisdiction), newest first."""
    cases = list_cases(tx, actor, enterprise_id=enterprise_id)
    deadlines = repository.next_deadlines(tx.session, [c.id for c in cases])
    return [EnterpriseCase(c, deadlines.get(c.id)) for c in cases]
