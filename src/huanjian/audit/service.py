"""The one way to write an audit entry, and the proof that the trail is intact."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from huanjian.audit import chain, repository
from huanjian.audit.models import AuditEntry
from huanjian.core.context import ActionContext
from huanjian.core.time import utcnow


def _as_stored(value: Any) -> Any:
    return None if value is None else json.loads(json.dumps(value, ensure_ascii=False, default=str))


def record(
    session: Session,
    ctx: ActionContext,
    *,
    key: bytes,
    action: str,
    object_type: str,
    object_id: str | int,
    before: Any = None,
    after: Any = None,
    reason: str | None = None,
    jurisdiction_code: str | None = None,
    organisation_id: int | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction; commits or rolls back with it."""
    session.flush()  # the caller's pending changes go first, as they did when this flushed last
    head = repository.lock_head(session)
    count, prev_hash = head if head is not None else (0, chain.GENESIS)
    fields: dict[str, Any] = {
        "id": count + 1,
        "at": utcnow(),
        "actor_id": ctx.actor_id,
        "actor_name": ctx.actor_name,
        "channel": ctx.channel,
        "request_id": ctx.request_id,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "jurisdiction_code": jurisdiction_code,
        "organisation_id": organisation_id,
        # Round-trip through JSON now so the hash covers exactly what is stored.
        "before": _as_stored(before),
        "after": _as_stored(after),
        "reason": reason,
    }
    digest = chain.entry_hash(prev_hash, fields)
    stored = {**fields, "prev_hash": prev_hash, "hash": digest}
    mac = chain.head_mac(key, count + 1, digest)
    repository.append(
        session,
        stored,
        {"count": count + 1, "head_hash": digest, "mac": mac, "updated_at": fields["at"]},
        first=head is None,
    )
    # What was stored, as a value (the row was written by statement, not by the session).
    return AuditEntry(**stored)


@dataclass
class Verification:
    ok: bool
    count: int
    head_hash: str
    problems: list[str] = field(default_factory=list)
    first_bad_id: int | None = None

    def fail(self, entry_id: int | None, message: str) -> None:
        self.ok = False
        if self.first_bad_id is None:
            self.first_bad_id = entry_id
        self.problems.append(message)


def verify(session: Session, key: bytes, anchor: dict[str, Any] | None = None) -> Verification:
    """Walk the chain; name the first entry altered, deleted or inserted.

    Then check the signed head: a truncated tail leaves the head pointing
    past the end, and a rewritten chain carries a head its author could not
    sign without the key. An exported ``anchor`` additionally pins an
    earlier head, against a rewrite by someone who does hold the key.
    """
    result = Verification(ok=True, count=0, head_hash=chain.GENESIS)
    prev_hash = chain.GENESIS
    expected_id = 1
    anchor_seen = anchor is None
    for entry in repository.iter_chain(session):
        if entry.id != expected_id and result.ok:
            what = "deleted" if entry.id > expected_id else "inserted or renumbered"
            result.fail(expected_id, f"entry {expected_id}: missing from the sequence (entries {what})")
        if entry.prev_hash != prev_hash and result.ok:
            result.fail(
                entry.id,
                f"entry {entry.id}: does not link to its predecessor (deleted or inserted before it)",
            )
        fields = {name: getattr(entry, name) for name in chain.HASHED_FIELDS}
        actual = chain.entry_hash(entry.prev_hash, fields)
        if actual != entry.hash and result.ok:
            result.fail(entry.id, f"entry {entry.id}: content altered (hash does not match its fields)")
        if anchor is not None and entry.id == anchor.get("count"):
            anchor_seen = True
            if entry.hash != anchor.get("head_hash") and result.ok:
                result.fail(entry.id, f"entry {entry.id}: differs from the exported anchor (chain rewritten)")
        prev_hash = entry.hash
        expected_id = entry.id + 1
        result.count += 1
    result.head_hash = prev_hash
    if not anchor_seen and result.ok:
        result.fail(
            result.count + 1,
            f"chain has {result.count} entries, the anchor pins {anchor and anchor.get('count')}",
        )

    head = repository.get_head(session)
    if head is None:
        if result.count and result.ok:
            result.fail(None, "the signed head is missing")
        return result
    if not chain.mac_ok(key, head.count, head.head_hash, head.mac):
        result.fail(
            None, "head signature invalid: the chain head was rewritten without the key (or the key is wrong)"
        )
    elif head.count > result.count:
        result.fail(
            result.count + 1,
            f"tail truncated: the signed head counts {head.count} entries, {result.count} found",
        )
    elif head.count != result.count or head.head_hash != result.head_hash:
        result.fail(
            head.count + 1, f"entries after the signed head ({head.count}) were added without signing"
        )
    return result


def anchor(session: Session) -> dict[str, Any]:
    head = repository.get_head(session)
    if head is None:
        return {"count": 0, "head_hash": chain.GENESIS, "mac": None, "at": None}
    return {
        "count": head.count,
        "head_hash": head.head_hash,
        "mac": head.mac,
        "at": head.updated_at.isoformat(),
    }
