"""Shared machinery of the import kinds: the row context, the :class:`Kind` record,
validity helpers. Each kind is data: the template, the docs, import validation
and export all read the same column list."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from huanjian.geo.models import Jurisdiction
from huanjian.register.columns import Column
from huanjian.register.models import (
    Enterprise,
    Logger,
    Organisation,
    Outlet,
)

Row = dict[str, Any]


class RowProblem(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


_M = TypeVar("_M")


def _d(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(value)


@dataclass
class Applied:
    entity: Any
    enterprise: Enterprise | None
    jurisdiction_code: str | None


@dataclass
class Ctx:
    """Caches of one batch: everything a row may refer to, loaded once."""

    session: Session
    today: date
    _jurisdictions: set[str] | None = None
    _orgs: dict[str, Organisation] | None = None
    _outlets: dict[tuple[int, str], Outlet] | None = None
    _loggers: dict[str, Logger] | None = None
    touched_enterprises: set[int] = field(default_factory=set)
    new_enterprises: list[Enterprise] = field(default_factory=list)
    logger_rows: dict[str, tuple[int, Row]] = field(default_factory=dict)

    @property
    def jurisdictions(self) -> set[str]:
        if self._jurisdictions is None:
            self._jurisdictions = set(self.session.scalars(select(Jurisdiction.code)))
        return self._jurisdictions

    @property
    def orgs(self) -> dict[str, Organisation]:
        if self._orgs is None:
            stmt = select(Organisation).where(Organisation.credit_code.is_not(None))
            self._orgs = {o.credit_code: o for o in self.session.scalars(stmt) if o.credit_code}
            # Load the enterprise rows in one query too (identity map keeps them).
            list(self.session.scalars(select(Enterprise)))
        return self._orgs

    def enterprise(self, credit_code: str, column: str = "credit_code") -> Enterprise:
        org = self.orgs.get(credit_code)
        if org is None or org.kind != "enterprise":
            raise RowProblem(column, f"no enterprise with credit code {credit_code} in the register")
        ent = org.enterprise
        assert ent is not None
        if ent.id is None:
            self.session.flush()  # created earlier in this batch
        return ent

    def organisation(self, credit_code: str, column: str) -> Organisation:
        org = self.orgs.get(credit_code)
        if org is None:
            raise RowProblem(column, f"no organisation with credit code {credit_code} in the register")
        return org

    @property
    def outlets(self) -> dict[tuple[int, str], Outlet]:
        if self._outlets is None:
            self._outlets = {
                (o.enterprise_id, o.outlet_code): o for o in self.session.scalars(select(Outlet))
            }
        return self._outlets

    def outlet(self, ent: Enterprise, code: str) -> Outlet:
        outlet = self.outlets.get((ent.id, code)) if ent.id is not None else None
        if outlet is None:
            raise RowProblem("outlet_code", f"enterprise {ent.credit_code} has no outlet {code}")
        return outlet

    @property
    def loggers(self) -> dict[str, Logger]:
        if self._loggers is None:
            self._loggers = {lg.mn: lg for lg in self.session.scalars(select(Logger))}
        return self._loggers

    def check_jurisdiction(self, code: str | None, column: str = "jurisdiction_code") -> None:
        if code is not None and code not in self.jurisdictions:
            raise RowProblem(column, f"jurisdiction {code} is not in the register's jurisdiction list")


@dataclass(frozen=True)
class Kind:
    name: str
    zh: str
    columns: tuple[Column, ...]
    key: Callable[[Row], str]
    apply: Callable[[Ctx, Row], Applied]
    valid_time: Callable[[Row, date], tuple[date, date | None]]
    check: Callable[[Ctx, Row], None] = lambda ctx, row: None
    description: str = ""
    #: Effective-dated kinds: a first version without an effective date is taken
    #: to have always been true (valid from EARLIEST), later ones from the import date.
    open_start: bool = False

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def data_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if not c.meta)


EARLIEST = date(1900, 1, 1)


def _effective(row: Row, today: date) -> tuple[date, date | None]:
    return (_d(row.get("effective_date")) or today, None)


def _validity(start: str, end: str) -> Callable[[Row, date], tuple[date, date | None]]:
    def valid(row: Row, today: date) -> tuple[date, date | None]:
        return (_d(row.get(start)) or today, _d(row.get(end)))

    return valid


EFFECTIVE = Column(
    "effective_date",
    "生效日期",
    "date",
    example="2026-01-01",
    note="the date from which this row is true; empty: always (new object) or the import date (change)",
    meta=True,
)
CREDIT = Column("credit_code", "统一社会信用代码", "credit_code", True, example="91310115MA1K4ABC4H")


def _by_key(session: Session, model: type[_M], key: Mapping[str, Any], **new: Any) -> _M:
    """The row whose natural key (e.g. an approval or contract number) is ``key``, or a new
    one with ``key`` and the defaults ``new``, added to the session."""
    found = session.scalars(select(model).filter_by(**key)).first()
    if found is None:
        found = model(**key, **new)
        session.add(found)
    return found


def _set(obj: Any, values: Mapping[str, Any]) -> None:
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
