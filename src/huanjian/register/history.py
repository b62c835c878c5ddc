"""Bitemporal history of register objects (see ``register.models.RegisterVersion``).

Writing (``record``): a new state of object ``key`` valid over ``[F, U]`` and
learned at record time ``T`` supersedes every currently known version that is
still valid on or after ``F`` (``superseded_at = T``); a superseded version that
began before ``F`` is re-recorded, unchanged but ending the day before ``F``.
New information therefore replaces what was believed from ``F`` on and keeps
what was believed before it. Nothing is updated in place but ``superseded_at``.

Reading: ``known_at`` picks the versions that were current knowledge at that
instant (``recorded_at <= K < superseded_at``); ``as_of`` keeps those valid on
that date (``valid_from <= A <= valid_until``). Without ``as_of`` the newest
valid state of each object is returned (the register as it was known).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.orm import Session

from huanjian.register.models import RegisterVersion


@dataclass(slots=True)
class Known:
    """A currently known version (superseded_at is null), as loaded for a batch."""

    id: int
    valid_from: date
    valid_until: date | None
    data: dict[str, Any]
    entity_id: int | None
    enterprise_id: int | None
    jurisdiction_code: str | None


@dataclass(slots=True)
class PendingVersion:
    kind: str
    key: str
    data: dict[str, Any]
    valid_from: date
    valid_until: date | None
    entity: Any = None  # ORM object whose id becomes entity_id at flush time
    entity_id: int | None = None
    enterprise: Any = None
    enterprise_id: int | None = None
    jurisdiction_code: str | None = None


@dataclass
class VersionWriter:
    """Collects the versions of one batch and writes them in bulk at the end."""

    session: Session
    kind: str
    recorded_at: datetime
    batch_id: int | None
    actor_name: str
    known: dict[str, list[Known]] = field(default_factory=dict)
    _supersede: list[int] = field(default_factory=list)
    _pending: list[PendingVersion] = field(default_factory=list)

    def load(self, keys: Iterable[str] | None = None) -> None:
        """Load the current knowledge of this kind (all keys, or the given ones)."""
        stmt = select(RegisterVersion).where(
            RegisterVersion.kind == self.kind, RegisterVersion.superseded_at.is_(None)
        )
        wanted = None if keys is None else list(keys)
        if wanted is not None and len(wanted) < 500:
            stmt = stmt.where(RegisterVersion.key.in_(wanted))
        found: dict[str, list[Known]] = defaultdict(list)
        for v in self.session.scalars(stmt):
            found[v.key].append(
                Known(
                    v.id,
                    v.valid_from,
                    v.valid_until,
                    v.data,
                    v.entity_id,
                    v.enterprise_id,
                    v.jurisdiction_code,
                )
            )
        for versions in found.values():
            versions.sort(key=lambda k: k.valid_from)
        self.known = dict(found)

    def latest(self, key: str) -> Known | None:
        versions = self.known.get(key)
        return versions[-1] if versions else None

    def record(self, pending: PendingVersion) -> None:
        start = pending.valid_from
        kept: list[Known] = []
        for v in self.known.get(pending.key, []):
            if v.valid_until is not None and v.valid_until < start:
                kept.append(v)
                continue
            if v.id < 0:
                continue  # recorded earlier in this batch (the importer rejects duplicate keys)
            self._supersede.append(v.id)
            if v.valid_from < start:
                self._pending.append(
                    PendingVersion(
                        self.kind,
                        pending.key,
                        v.data,
                        v.valid_from,
                        start - timedelta(days=1),
                        entity_id=v.entity_id,
                        enterprise_id=v.enterprise_id,
                        jurisdiction_code=v.jurisdiction_code,
                    )
                )
        self.known[pending.key] = [
            *kept,
            Known(-1, start, pending.valid_until, pending.data, None, None, pending.jurisdiction_code),
        ]
        self._pending.append(pending)

    def flush(self) -> int:
        """Write the collected versions (after the ORM flush has assigned ids)."""
        self.session.flush()
        if self._supersede:
            for chunk in _chunks(self._supersede, 500):
                self.session.execute(
                    update(RegisterVersion)
                    .where(RegisterVersion.id.in_(chunk))
                    .values(superseded_at=self.recorded_at)
                )
        rows = []
        for p in self._pending:
            rows.append(
                {
                    "kind": p.kind,
                    "key": p.key,
                    "entity_id": p.entity.id if p.entity is not None else p.entity_id,
                    "enterprise_id": p.enterprise.id if p.enterprise is not None else p.enterprise_id,
                    "jurisdiction_code": p.jurisdiction_code,
                    "data": p.data,
                    "valid_from": p.valid_from,
                    "valid_until": p.valid_until,
                    "recorded_at": self.recorded_at,
                    "superseded_at": None,
                    "batch_id": self.batch_id,
                    "actor_name": self.actor_name,
                }
            )
        for chunk in _chunks(rows, 2000):
            self.session.execute(insert(RegisterVersion), chunk)
        written = len(rows)
        self._pending.clear()
        self._supersede.clear()
        return written


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def query(
    session: Session,
    kind: str,
    *,
    as_of: date | None = None,
    known_at: datetime | None = None,
    keys: Sequence[str] | None = None,
    enterprise_ids: Sequence[int] | None = None,
) -> list[RegisterVersion]:
    """One version per object: valid on ``as_of`` (or the newest valid state),
    as it was known at ``known_at`` (or now)."""
    stmt = select(RegisterVersion).where(RegisterVersion.kind == kind)
    if known_at is None:
        stmt = stmt.where(RegisterVersion.superseded_at.is_(None))
    else:
        stmt = stmt.where(
            RegisterVersion.recorded_at <= known_at,
            or_(RegisterVersion.superseded_at.is_(None), RegisterVersion.superseded_at > known_at),
        )
    if as_of is not None:
        stmt = stmt.where(
            RegisterVersion.valid_from <= as_of,
            or_(RegisterVersion.valid_until.is_(None), RegisterVersion.valid_until >= as_of),
        )
    if keys is not None:
        stmt = stmt.where(RegisterVersion.key.in_(list(keys)))
    if enterprise_ids is not None:
        stmt = stmt.where(RegisterVersion.enterprise_id.in_(list(enterprise_ids)))
    newest: dict[str, RegisterVersion] = {}
    for v in session.scalars(stmt.order_by(RegisterVersion.key, RegisterVersion.valid_from)):
        newest[v.key] = v
    return [newest[k] for k in sorted(newest)]


def of_enterprise(session: Session, enterprise_id: int, limit: int = 500) -> Sequence[RegisterVersion]:
    """Every version recorded about an enterprise's objects, newest record first."""
    stmt = (
        select(RegisterVersion)
        .where(RegisterVersion.enterprise_id == enterprise_id)
        .order_by(RegisterVersion.recorded_at.desc(), RegisterVersion.id.desc())
        .limit(limit)
    )
    return session.scalars(stmt).all()


def changes(versions: Sequence[RegisterVersion]) -> list[dict[str, Any]]:
    """Field-level changes between successive recorded versions of each object."""
    by_key: dict[tuple[str, str], list[RegisterVersion]] = defaultdict(list)
    for v in sorted(versions, key=lambda v: (v.recorded_at, v.id)):
        by_key[(v.kind, v.key)].append(v)
    out: list[dict[str, Any]] = []
    for (kind, key), vs in by_key.items():
        previous: dict[str, Any] = {}
        for v in vs:
            if v.valid_until is not None and previous and v.data == previous:
                continue  # a re-recorded earlier state (closed at a new version's start)
            diff = {
                name: {"before": previous.get(name), "after": value}
                for name, value in v.data.items()
                if previous.get(name) != value
            }
            if diff:
                out.append(
                    {
                        "kind": kind,
                        "key": key,
                        "fields": diff,
                        "valid_from": v.valid_from,
                        "valid_until": v.valid_until,
                        "recorded_at": v.recorded_at,
                        "superseded_at": v.superseded_at,
                        "batch_id": v.batch_id,
                        "actor_name": v.actor_name,
                        "created": not previous,
                    }
                )
            previous = v.data
    out.sort(key=lambda c: c["recorded_at"], reverse=True)
    return out
