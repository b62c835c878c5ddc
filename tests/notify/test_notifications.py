"""Inbox: sent, read and acknowledged times; response time for KPIs."""

from __future__ import annotations

from datetime import timedelta

from huanjian.access.policy import Principal
from huanjian.core.time import utcnow
from huanjian.core.tx import Tx
from huanjian.notify import service
from tests.factories import make_user, seed_geo


def test_read_and_acknowledge_times(tx: Tx) -> None:
    seed_geo(tx)
    sender = Principal.of(make_user(tx, "sender", "bureau", "310115"))
    user = make_user(tx, "receiver", "enforcement", "310115")
    receiver = Principal.of(user)
    due = utcnow() + timedelta(hours=2)
    n = service.send_as(tx, sender, "receiver", title="请核实线索", body="DA001 SO2", due_at=due)
    assert n.sent_at and n.read_at is None and n.acknowledged_at is None
    assert service.response_seconds(n) is None
    service.mark_read(tx, receiver, n.id)
    assert n.read_at is not None and n.acknowledged_at is None
    first_read = n.read_at
    service.mark_read(tx, receiver, n.id)
    assert n.read_at == first_read  # the first read is what counts
    service.acknowledge(tx, receiver, n.id)
    assert n.acknowledged_at is not None and n.acknowledged_at >= n.read_at
    seconds = service.response_seconds(n)
    assert seconds is not None and seconds >= 0
    assert [x.id for x in service.inbox(tx, receiver)] == [n.id]
    assert service.inbox(tx, receiver, unread_only=True) == []
