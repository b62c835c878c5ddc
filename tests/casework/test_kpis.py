"""KPIs counted in SQL equal the definitions applied case by case (the reference below),
for each jurisdiction, on both databases."""

from __future__ import annotations

import statistics
from datetime import timedelta

from sqlalchemy import select, update

from huanjian.access.policy import Principal
from huanjian.casework import kpis, repository
from huanjian.casework import service as cases
from huanjian.casework.models import Case, CaseStep, SupervisionOrder
from huanjian.core.time import ensure_utc, utcnow
from huanjian.core.tx import Tx
from huanjian.notify.models import Notification
from tests.casework.builders import build


def reference(tx: Tx, actor: Principal) -> kpis.Kpis:
    """The definitions of casework/kpis.py, applied to every visible case in Python."""
    now = utcnow()
    scope = actor.scope
    rows = [c for c in tx.session.scalars(select(Case)) if scope.sees_jurisdiction(c.jurisdiction_code)]
    ids = {c.id for c in rows}
    steps = [s for s in tx.session.scalars(select(CaseStep)) if s.case_id in ids]
    orders = [o for o in tx.session.scalars(select(SupervisionOrder)) if o.case_id in ids]
    notes = [
        n
        for n in tx.session.scalars(select(Notification))
        if n.object_type == "supervision_order" and int(n.object_id) in {o.id for o in orders}
    ]
    k = kpis.Kpis(opened=len(rows))
    k.by_state, k.by_handler = {}, {}
    for c in rows:
        k.by_state[c.state] = k.by_state.get(c.state, 0) + 1
        k.by_handler[c.handling_jurisdiction_code] = k.by_handler.get(c.handling_jurisdiction_code, 0) + 1
    k.closed = k.by_state.get("closed", 0)
    k.open = k.opened - k.closed
    verified = {s.case_id for s in steps if s.from_state == "verification"} | {
        c.id for c in rows if c.outcome == "rejected"
    }
    k.verification_rate = round(len(verified) / k.opened, 4) if k.opened else None
    k.handling_rate = round(k.closed / k.opened, 4) if k.opened else None
    days = [
        (ensure_utc(c.closed_at) - ensure_utc(c.opened_at)).total_seconds() / 86400
        for c in rows
        if c.closed_at is not None
    ]
    if days:
        k.median_days_to_closure = round(statistics.median(days), 2)
        k.mean_days_to_closure = round(statistics.fmean(days), 2)
    open_orders = [o for o in orders if o.state in ("issued", "returned")]
    k.open_orders = len(open_orders)
    k.overdue_orders = sum(1 for o in open_orders if ensure_utc(o.deadline) < now)
    acked = [n for n in notes if n.acknowledged_at is not None]
    k.response_rate = round(len(acked) / len(notes), 4) if notes else None
    due = [n for n in notes if n.due_at is not None and (n.acknowledged_at or ensure_utc(n.due_at) < now)]
    late = [
        n for n in due if n.due_at is not None and (n.acknowledged_at is None or n.acknowledged_at > n.due_at)
    ]
    k.late_response_rate = round(len(late) / len(due), 4) if due else None
    return k


def test_sql_kpis_match_the_definitions(tx: Tx) -> None:
    w = build(tx)
    pudong, minhang = Principal.of(w.people.pudong), Principal.of(w.people.minhang)
    opened = [
        cases.open_case(tx, pudong, enterprise_id=w.ent_a, source="complaint", title=f"投诉 {i}")
        for i in range(5)
    ]
    cases.open_case(tx, minhang, enterprise_id=w.ent_b, source="complaint", title="闵行 投诉")
    cases.transition(tx, pudong, opened[1].id, "accept")
    cases.transition(tx, pudong, opened[2].id, "reject", reason="不属实")
    for c, days in ((opened[3], -2), (opened[4], 4)):
        cases.transition(tx, pudong, c.id, "accept")
        deadline = (utcnow() + timedelta(days=days)).isoformat()
        cases.transition(
            tx, pudong, c.id, "order_rectification", data={"requirement": "整改", "deadline": deadline}
        )
    # one notification answered late, one on time
    notes = tx.session.scalars(
        select(Notification).where(Notification.object_type == "supervision_order")
    ).all()
    assert len(notes) >= 2
    for n, late in zip(notes, (True, False), strict=False):
        if n.due_at is not None:
            n.acknowledged_at = n.due_at + (timedelta(hours=1) if late else -timedelta(hours=1))
    tx.session.execute(
        update(Case).where(Case.id == opened[2].id).values(opened_at=utcnow() - timedelta(days=3))
    )
    tx.session.flush()
    tx.session.expire_all()

    for actor in (pudong, minhang, Principal.of(w.people.city), Principal.of(w.people.admin)):
        got = kpis.from_counts(**repository.kpi_counts(tx.session, actor.scope, utcnow()))
        assert got == reference(tx, actor), actor.username
    pudong_kpis = cases.board(tx, pudong).kpis
    assert (pudong_kpis.opened, pudong_kpis.closed, pudong_kpis.open_orders) == (5, 1, 2)
    assert (
        pudong_kpis.overdue_orders == 1 and pudong_kpis.verification_rate == 0.6
    )  # rejected, and two ordered
    assert pudong_kpis.median_days_to_closure is not None and pudong_kpis.median_days_to_closure >= 2.99
