"""What a principal may see, as data, and its translation to SQL.

Staff of a bureau, station or brigade see a jurisdiction subtree. Outside
parties (enterprise, contractor, lab) see only objects tied to their own
organisation. Every repository that lists tenant data filters through
:func:`jurisdiction_filter`, so the rule lives in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, or_, true
from sqlalchemy.orm import InstrumentedAttribute


def subtree_prefix(code: str) -> str:
    """Prefix shared by every code in the subtree of ``code`` (GB/T 2260).

    Six-digit codes pad with ``00`` pairs below their level (310000 → "31",
    320500 → "3205"); nine- and twelve-digit town codes are taken whole.
    """
    if len(code) == 6:
        prefix = code
        while prefix.endswith("00") and len(prefix) > 2:
            prefix = prefix[:-2]
        return prefix
    return code


def in_subtree(code: str | None, root: str) -> bool:
    return code is not None and code.startswith(subtree_prefix(root))


@dataclass(frozen=True, slots=True)
class Scope:
    everything: bool = False
    jurisdiction_roots: tuple[str, ...] = ()
    organisation_ids: tuple[int, ...] = ()

    def sees_jurisdiction(self, code: str | None) -> bool:
        if self.everything:
            return True
        return any(in_subtree(code, root) for root in self.jurisdiction_roots)

    def sees(self, jurisdiction_code: str | None, organisation_id: int | None = None) -> bool:
        if self.sees_jurisdiction(jurisdiction_code):
            return True
        return organisation_id is not None and organisation_id in self.organisation_ids


def jurisdiction_filter(
    scope: Scope,
    jurisdiction_col: InstrumentedAttribute[str | None] | InstrumentedAttribute[str],
    organisation_col: InstrumentedAttribute[int | None] | InstrumentedAttribute[int] | None = None,
) -> ColumnElement[bool]:
    if scope.everything:
        return true()
    clauses: list[ColumnElement[bool]] = [
        jurisdiction_col.startswith(subtree_prefix(root), autoescape=True)
        for root in scope.jurisdiction_roots
    ]
    if organisation_col is not None and scope.organisation_ids:
        clauses.append(organisation_col.in_(scope.organisation_ids))
    return or_(*clauses) if clauses else false()
