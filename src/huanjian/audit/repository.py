"""All SQL of the audit trail."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Table, bindparam, func, insert, or_, select, text, update
from sqlalchemy.orm import Session

from huanjian.audit.models import AuditEntry, AuditHead
from huanjian.core.scope import Scope, jurisdiction_filter

#: Advisory lock key serialising the very first audit entry on PostgreSQL (no head row to lock yet).
_FIRST_ENTRY_LOCK = 0x6A6A_0001


def lock_head(session: Session) -> tuple[int, str] | None:
    """(count, head hash) of the chain, its row locked until the transaction ends; None
    before the first entry.  Plain columns and prepared statements: with the ORM row loaded
    and flushed back an entry took 3.4-3.7 ms here, now 2.1-2.8 ms (docs/benchmarks.md, the
    audit benchmark), which every audited write pays."""
    stmt = select(AuditHead.count, AuditHead.head_hash).where(AuditHead.id == 1)
    if session.get_bind().dialect.name != "postgresql":
        row = session.execute(stmt).one_or_none()  # SQLite: the write lock serialises writers
        return None if row is None else (int(row[0]), str(row[1]))
    row = session.execute(stmt.with_for_update()).one_or_none()
    if row is None:
        # Two transactions writing the first entry at once would both see no head and both
        # take id 1 (seen with concurrent ingest writers): the first one in holds this lock
        # until it commits; the other then finds (and locks) the head it wrote.
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _FIRST_ENTRY_LOCK})
        row = session.execute(stmt.with_for_update()).one_or_none()
    return None if row is None else (int(row[0]), str(row[1]))


def append(session: Session, entry: dict[str, Any], head: dict[str, Any], *, first: bool) -> None:
    """Insert the entry and move the head onto it (``first``: create the head row)."""
    if first:
        session.execute(_INSERT_ENTRY, entry)
        session.execute(insert(_HEAD), {"id": 1, **head})
        return
    moved = {f"head_{k}": v for k, v in head.items()}
    if session.get_bind().dialect.name == "postgresql":
        fields = {f"entry_{k}": v for k, v in entry.items()}
        session.execute(_MOVE_HEAD_WITH_ENTRY, {**fields, **moved})  # one round trip
    else:
        session.execute(_INSERT_ENTRY, entry)
        session.execute(_MOVE_HEAD, moved)
    held = session.identity_map.get(session.identity_key(AuditHead, 1))
    if held is not None:  # a head this session loaded earlier is stale now
        session.expire(held)


# Built once: constructing the statements per entry cost more than executing them.
_ENTRY: Table = AuditEntry.__table__  # type: ignore[assignment]
_HEAD: Table = AuditHead.__table__  # type: ignore[assignment]
_INSERT_ENTRY = insert(_ENTRY)
_MOVE_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.id == 1)
    .values({c: bindparam(f"head_{c}") for c in ("count", "head_hash", "mac", "updated_at")})
)
_MOVE_HEAD_WITH_ENTRY = _MOVE_HEAD.add_cte(
    insert(_ENTRY)
    .values({c.name: bindparam(f"entry_{c.name}", type_=c.type) for c in _ENTRY.columns})
    .cte("entry")
)


def get_head(session: Session) -> AuditHead | None:
    return session.get(AuditHead, 1)


def iter_chain(session: Session, batch: int = 5000) -> Iterator[Row[Any]]:
    """Entries in id order as plain rows (no identity map), streamed in batches
    so that verifying a long chain stays flat in memory."""
    table = AuditEntry.__table__
    last = 0
    while True:
        rows = session.execute(select(table).where(table.c.id > last).order_by(table.c.id).limit(batch)).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].id


def count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def search(
    session: Session,
    scope: Scope,
    *,
    object_type: str | None = None,
    object_id: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    text: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    request_id: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Sequence[AuditEntry]:
    stmt = select(AuditEntry)
    stmt = stmt.where(jurisdiction_filter(scope, AuditEntry.jurisdiction_code, AuditEntry.organisation_id))
    if object_type:
        stmt = stmt.where(AuditEntry.object_type == object_type)
    if object_id:
        stmt = stmt.where(AuditEntry.object_id == object_id)
    if actor:
        stmt = stmt.where(AuditEntry.actor_name.contains(actor))
    if action:
        stmt = stmt.where(AuditEntry.action.startswith(action))
    if request_id:
        stmt = stmt.where(AuditEntry.request_id == request_id)
    if text:
        like = f"%{text}%"
        stmt = stmt.where(or_(AuditEntry.reason.like(like), AuditEntry.object_id.like(like)))
    if since:
        stmt = stmt.where(AuditEntry.at >= since)
    if until:
        stmt = stmt.where(AuditEntry.at < until)
    return session.scalars(stmt.order_by(AuditEntry.id.desc()).limit(limit).offset(offset)).all()


def get(session: Session, entry_id: int) -> AuditEntry | None:
    return session.get(AuditEntry, entry_id)
