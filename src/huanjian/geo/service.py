"""Loading and reading the jurisdiction hierarchy."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from huanjian.access.policy import Principal, authorize, check_visible
from huanjian.core.scope import subtree_prefix
from huanjian.core.tx import Tx
from huanjian.errors import NotFound, ValidationError
from huanjian.geo import repository
from huanjian.geo.models import Jurisdiction

LEVELS = ("province", "city", "district", "town")


class DivisionLike(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def level(self) -> str: ...
    @property
    def parent_code(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class LoadReport:
    created: int
    changed: int
    unchanged: int


def load(tx: Tx, divisions: Iterable[DivisionLike], source: str) -> LoadReport:
    """Insert or update divisions, parents before children; audited as one batch."""
    items = sorted(divisions, key=lambda d: (LEVELS.index(d.level), d.code))
    for item in items:
        if item.level not in LEVELS:
            raise ValidationError(f"division {item.code}: level {item.level!r} is not one of {LEVELS}")
    known = repository.existing_codes(tx.session, [d.code for d in items])
    created: list[Jurisdiction] = []
    changed: list[dict[str, str | None]] = []
    for item in items:
        row = known.get(item.code)
        if row is None:
            created.append(
                Jurisdiction(
                    code=item.code,
                    name=item.name,
                    level=item.level,
                    parent_code=item.parent_code,
                    source=source,
                )
            )
        elif (row.name, row.level, row.parent_code) != (item.name, item.level, item.parent_code):
            changed.append({"code": row.code, "name_before": row.name, "name_after": item.name})
            row.name, row.level, row.parent_code, row.source = item.name, item.level, item.parent_code, source
    repository.add_all(tx.session, created)
    report = LoadReport(len(created), len(changed), len(items) - len(created) - len(changed))
    if created or changed:
        tx.audit(
            "jurisdiction.load",
            "jurisdiction_batch",
            tx.ctx.request_id,
            after={
                "source": source,
                "created": report.created,
                "changed": changed[:200],
                "first": items[0].code if items else None,
            },
        )
    return report


def get_visible(tx: Tx, principal: Principal, code: str) -> Jurisdiction:
    authorize(principal, "jurisdictions.read")
    row = repository.get(tx.session, code)
    if row is None:
        raise NotFound(f"jurisdiction {code} not found")
    if not _visible(principal, row):
        raise NotFound(f"jurisdiction {code} not found")
    return row


def _visible(principal: Principal, row: Jurisdiction) -> bool:
    # Staff also see the ancestors of their root, to navigate up to it.
    scope = principal.scope
    if scope.sees_jurisdiction(row.code):
        return True
    return any(root.startswith(subtree_prefix(row.code)) for root in scope.jurisdiction_roots)


def list_visible(
    tx: Tx, principal: Principal, parent: str | None = None, level: str | None = None
) -> Sequence[Jurisdiction]:
    authorize(principal, "jurisdictions.read")
    if parent is not None:
        get_visible(tx, principal, parent)
    return repository.list_scoped(tx.session, principal.scope, parent=parent, level=level)


__all__ = ["LoadReport", "check_visible", "get_visible", "list_visible", "load"]
