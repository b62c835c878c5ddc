"""`audit verify` detects an edited, deleted or inserted entry, a truncated tail and a rewritten chain."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.orm import Session

from huanjian.audit import chain, service
from huanjian.audit.models import AuditEntry, AuditHead
from huanjian.core.tx import Tx

KEY = b"test-audit-key-0123456789abcdef"


def _write(tx: Tx, n: int) -> None:
    for i in range(n):
        tx.audit(
            "thing.update",
            "thing",
            i,
            before={"v": i},
            after={"v": i + 1, "名称": "浦东"},
            reason=f"step {i}",
            jurisdiction_code="310115",
        )
    tx.session.flush()


def _verify(session: Session, anchor: dict[str, Any] | None = None) -> service.Verification:
    session.expire_all()
    return service.verify(session, KEY, anchor)


def test_intact_chain_verifies(tx: Tx) -> None:
    _write(tx, 5)
    result = _verify(tx.session)
    assert result.ok, result.problems
    assert result.count == 5
    assert result.first_bad_id is None


def test_empty_chain_verifies(tx: Tx) -> None:
    result = _verify(tx.session)
    assert result.ok and result.count == 0


def test_edited_entry_is_named(tx: Tx) -> None:
    _write(tx, 5)
    tx.session.execute(update(AuditEntry).where(AuditEntry.id == 3).values(reason="nothing to see"))
    result = _verify(tx.session)
    assert not result.ok
    assert result.first_bad_id == 3
    assert "altered" in result.problems[0]


def test_edited_json_payload_is_detected(tx: Tx) -> None:
    _write(tx, 4)
    tx.session.execute(update(AuditEntry).where(AuditEntry.id == 2).values(after={"v": 999}))
    result = _verify(tx.session)
    assert not result.ok and result.first_bad_id == 2


def test_deleted_entry_is_named(tx: Tx) -> None:
    _write(tx, 5)
    tx.session.execute(delete(AuditEntry).where(AuditEntry.id == 2))
    result = _verify(tx.session)
    assert not result.ok
    assert result.first_bad_id == 2
    assert "missing" in result.problems[0]


def test_inserted_entry_is_named(tx: Tx) -> None:
    """Someone renumbers entries 3..5 to 4..6 and slips a forged entry in at 3, hashing it correctly."""
    _write(tx, 5)
    for entry_id in (5, 4, 3):
        tx.session.execute(update(AuditEntry).where(AuditEntry.id == entry_id).values(id=entry_id + 1))
    prev = tx.session.get(AuditEntry, 2)
    assert prev is not None
    fields: dict[str, Any] = {name: getattr(prev, name) for name in chain.HASHED_FIELDS}
    fields.update(id=3, reason="forged approval", after={"approved": True})
    forged = AuditEntry(prev_hash=prev.hash, hash=chain.entry_hash(prev.hash, fields), **fields)
    tx.session.add(forged)
    tx.session.flush()
    result = _verify(tx.session)
    assert not result.ok
    assert result.first_bad_id == 4  # the first genuine entry no longer links to its predecessor
    assert "predecessor" in result.problems[0]


def test_truncated_tail_is_detected(tx: Tx) -> None:
    _write(tx, 6)
    tx.session.execute(delete(AuditEntry).where(AuditEntry.id >= 5))
    result = _verify(tx.session)
    assert not result.ok
    assert result.first_bad_id == 5
    assert "truncated" in result.problems[0]


def test_rewritten_chain_without_key_is_detected(tx: Tx) -> None:
    """Rewrite from entry 2 on with correct hashes and a fresh head signed by a guessed key."""
    _write(tx, 4)
    entries = list(tx.session.scalars(AuditEntry.__table__.select().order_by(AuditEntry.id)))
    prev_hash = chain.GENESIS
    rows = tx.session.execute(AuditEntry.__table__.select().order_by(AuditEntry.id)).all()
    assert len(rows) == len(entries)
    for row in rows:
        fields = {name: getattr(row, name) for name in chain.HASHED_FIELDS}
        if row.id >= 2:
            fields["reason"] = "rewritten history"
        digest = chain.entry_hash(prev_hash, fields)
        tx.session.execute(
            update(AuditEntry)
            .where(AuditEntry.id == row.id)
            .values(reason=fields["reason"], prev_hash=prev_hash, hash=digest)
        )
        prev_hash = digest
    forged_mac = chain.head_mac(b"attacker-guess-key-000000", len(rows), prev_hash)
    tx.session.execute(update(AuditHead).values(head_hash=prev_hash, mac=forged_mac))
    result = _verify(tx.session)
    assert not result.ok
    assert "signature" in " ".join(result.problems)


def test_anchor_pins_history_against_a_key_holder(tx: Tx) -> None:
    _write(tx, 3)
    pinned = service.anchor(tx.session)
    _write(tx, 2)
    assert _verify(tx.session, pinned).ok
    # A key holder rewrites entry 3 and re-signs the head: only the anchor catches it.
    rows = tx.session.execute(AuditEntry.__table__.select().order_by(AuditEntry.id)).all()
    prev_hash = rows[1].hash
    for row in rows[2:]:
        fields = {name: getattr(row, name) for name in chain.HASHED_FIELDS}
        if row.id == 3:
            fields["reason"] = "quietly changed"
        digest = chain.entry_hash(prev_hash, fields)
        tx.session.execute(
            update(AuditEntry)
            .where(AuditEntry.id == row.id)
            .values(reason=fields["reason"], prev_hash=prev_hash, hash=digest)
        )
        prev_hash = digest
    tx.session.execute(update(AuditHead).values(head_hash=prev_hash, mac=chain.head_mac(KEY, 5, prev_hash)))
    assert _verify(tx.session).ok  # without the anchor, a key holder's rewrite is undetectable
    result = _verify(tx.session, pinned)
    assert not result.ok and result.first_bad_id == 3


def test_unsigned_appended_entry_is_detected(tx: Tx) -> None:
    _write(tx, 2)
    prev = tx.session.get(AuditEntry, 2)
    assert prev is not None
    fields: dict[str, Any] = {name: getattr(prev, name) for name in chain.HASHED_FIELDS}
    fields.update(id=3)
    tx.session.add(AuditEntry(prev_hash=prev.hash, hash=chain.entry_hash(prev.hash, fields), **fields))
    tx.session.flush()
    result = _verify(tx.session)
    assert not result.ok and result.first_bad_id == 3


def test_entry_is_written_in_the_callers_transaction(tx: Tx) -> None:
    savepoint = tx.session.begin_nested()
    tx.audit("thing.create", "thing", 1, after={"v": 1})
    savepoint.rollback()
    assert tx.session.execute(text("SELECT count(*) FROM audit_entry")).scalar() == 0
    assert _verify(tx.session).ok


@pytest.mark.parametrize("value", [{"a": 1.5, "b": [1, 2]}, {"时间": "2026-01-01T00:00:00+08:00"}, None])
def test_payloads_round_trip_through_the_database(tx: Tx, value: Any) -> None:
    tx.audit("thing.update", "thing", 7, before=value, after=value)
    assert _verify(tx.session).ok


def test_two_first_entries_at_once_are_chained_not_collided(fresh_db_url: str) -> None:
    """On PostgreSQL two transactions writing the very first entry at once both found no
    head row to lock and both took id 1 (seen with the gateway's writer processes); the
    second must wait for the first and chain after it."""
    import threading

    from huanjian.core.context import ActionContext
    from huanjian.core.db import Database

    db = Database(fresh_db_url)
    first_written = threading.Event()
    release_first = threading.Event()
    errors: list[BaseException] = []

    def writer(name: str, hold: bool) -> None:
        try:
            with db.unit_of_work() as session:
                tx = Tx(session, ActionContext.system(name, name), KEY)
                tx.audit("thing.create", "thing", name)
                session.flush()
                if hold:
                    first_written.set()
                    release_first.wait(10)
        except BaseException as exc:
            errors.append(exc)

    a = threading.Thread(target=writer, args=("a", True))
    a.start()
    assert first_written.wait(10)
    b = threading.Thread(target=writer, args=("b", False))
    b.start()
    b.join(0.5)  # b waits for a's transaction (on SQLite for the write lock)
    release_first.set()
    a.join(20)
    b.join(20)
    try:
        assert not errors, errors
        with db.unit_of_work() as session:
            result = service.verify(session, KEY)
            assert result.ok and result.count == 2, result.problems
    finally:
        db.dispose()
