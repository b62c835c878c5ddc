"""All SQL of people, permissions and tokens."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from huanjian.access.models import AuthToken, User
from huanjian.core.scope import Scope, jurisdiction_filter


def get(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def by_username(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username)).one_or_none()


def list_scoped(session: Session, scope: Scope, *, include_disabled: bool = True) -> Sequence[User]:
    stmt = select(User).where(jurisdiction_filter(scope, User.jurisdiction_code, User.organisation_id))
    if not include_disabled:
        stmt = stmt.where(User.active.is_(True))
    return session.scalars(stmt.order_by(User.username)).all()


def add(session: Session, obj: User | AuthToken) -> None:
    session.add(obj)
    session.flush()


def token_by_hash(session: Session, token_hash: str) -> AuthToken | None:
    return session.scalars(select(AuthToken).where(AuthToken.token_hash == token_hash)).one_or_none()


def tokens_of(session: Session, user_id: int, kind: str | None = None) -> Sequence[AuthToken]:
    stmt = select(AuthToken).where(AuthToken.user_id == user_id)
    if kind:
        stmt = stmt.where(AuthToken.kind == kind)
    return session.scalars(stmt.order_by(AuthToken.id)).all()
