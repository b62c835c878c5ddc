"""Actions on people and credentials; each writes its audit entry."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from huanjian.access import repository
from huanjian.access.models import AuthToken, User, UserPermission
from huanjian.access.passwords import hash_password, verify_password
from huanjian.access.policy import Principal, authorize, check_visible
from huanjian.access.roles import OUTSIDE_ROLES, PERSON_PERMISSIONS, ROLES, STAFF_ROLES
from huanjian.core.time import utcnow
from huanjian.core.tx import Tx
from huanjian.errors import AuthenticationError, Conflict, NotFound, PermissionDenied, ValidationError
from huanjian.geo import repository as geo_repository


def snapshot(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role,
        "jurisdiction_code": user.jurisdiction_code,
        "organisation_id": user.organisation_id,
        "active": user.active,
        "permissions": sorted(user.permission_names),
    }


def _audit(tx: Tx, action: str, user: User, before: Any, reason: str | None = None) -> None:
    tx.audit(
        action,
        "user",
        user.id,
        before=before,
        after=snapshot(user),
        reason=reason,
        jurisdiction_code=user.jurisdiction_code,
        organisation_id=user.organisation_id,
    )


def _check_manages(actor: Principal, jurisdiction_code: str | None, organisation_id: int | None) -> None:
    authorize(actor, "users.write")
    if not actor.scope.sees(jurisdiction_code, organisation_id):
        raise PermissionDenied("you may only manage users inside your own jurisdiction")


def create_user(
    tx: Tx,
    actor: Principal,
    *,
    username: str,
    full_name: str,
    role: str,
    password: str,
    jurisdiction_code: str | None = None,
    organisation_id: int | None = None,
    min_password_length: int = 10,
) -> User:
    if role not in ROLES:
        raise ValidationError(f"role {role!r} is not one of {', '.join(ROLES)}", field="role")
    if not username or not username.replace("_", "").replace(".", "").replace("-", "").isalnum():
        raise ValidationError(
            f"username {username!r}: use letters, digits, '.', '_' or '-'", field="username"
        )
    if len(password) < min_password_length:
        raise ValidationError(f"password shorter than {min_password_length} characters", field="password")
    if role in STAFF_ROLES and role != "admin" and not jurisdiction_code:
        raise ValidationError(f"a {role} user needs a jurisdiction", field="jurisdiction_code")
    if role in OUTSIDE_ROLES and organisation_id is None:
        raise ValidationError(f"a {role} user needs an organisation", field="organisation_id")
    if jurisdiction_code and geo_repository.get(tx.session, jurisdiction_code) is None:
        raise ValidationError(f"jurisdiction {jurisdiction_code} does not exist", field="jurisdiction_code")
    _check_manages(actor, jurisdiction_code, organisation_id)
    if repository.by_username(tx.session, username) is not None:
        raise Conflict(f"username {username!r} is taken", field="username")
    user = User(
        username=username,
        full_name=full_name,
        role=role,
        jurisdiction_code=jurisdiction_code,
        organisation_id=organisation_id,
        password_hash=hash_password(password),
        active=True,
        created_at=utcnow(),
        permissions=[],
    )
    repository.add(tx.session, user)
    _audit(tx, "user.create", user, None)
    return user


def get_user(tx: Tx, actor: Principal, username: str) -> User:
    authorize(actor, "users.read")
    user = repository.by_username(tx.session, username)
    if user is None:
        raise NotFound(f"user {username!r} not found")
    check_visible(actor, user.jurisdiction_code, user.organisation_id, f"user {username!r}")
    return user


def list_users(tx: Tx, actor: Principal) -> Sequence[User]:
    authorize(actor, "users.read")
    return repository.list_scoped(tx.session, actor.scope)


def set_active(tx: Tx, actor: Principal, username: str, active: bool, reason: str) -> User:
    user = get_user(tx, actor, username)
    _check_manages(actor, user.jurisdiction_code, user.organisation_id)
    if user.active == active:
        return user
    before = snapshot(user)
    user.active = active
    user.disabled_at = None if active else utcnow()
    if not active:
        for token in repository.tokens_of(tx.session, user.id):
            token.revoked_at = token.revoked_at or utcnow()
    _audit(tx, "user.enable" if active else "user.disable", user, before, reason)
    return user


def grant(
    tx: Tx, actor: Principal, username: str, permission: str, reason: str, *, revoke: bool = False
) -> User:
    if permission not in PERSON_PERMISSIONS:
        raise ValidationError(
            f"permission {permission!r} is not one of {', '.join(PERSON_PERMISSIONS)}", field="permission"
        )
    user = get_user(tx, actor, username)
    _check_manages(actor, user.jurisdiction_code, user.organisation_id)
    before = snapshot(user)
    existing = [p for p in user.permissions if p.permission == permission]
    if revoke:
        for p in existing:
            user.permissions.remove(p)
    elif not existing:
        user.permissions.append(
            UserPermission(permission=permission, granted_by=tx.ctx.actor_name, granted_at=utcnow())
        )
    tx.session.flush()
    if snapshot(user) != before:
        _audit(tx, "user.revoke" if revoke else "user.grant", user, before, reason)
    return user


def change_password(tx: Tx, actor: Principal, username: str, password: str, min_length: int = 10) -> None:
    user = (
        get_user(tx, actor, username)
        if actor.username != username
        else repository.by_username(tx.session, username)
    )
    if user is None:
        raise NotFound(f"user {username!r} not found")
    if actor.username != username:
        _check_manages(actor, user.jurisdiction_code, user.organisation_id)
    if len(password) < min_length:
        raise ValidationError(f"password shorter than {min_length} characters", field="password")
    user.password_hash = hash_password(password)
    _audit(tx, "user.password", user, None)


# Credentials ---------------------------------------------------------------


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def authenticate(tx: Tx, username: str, password: str) -> User:
    user = repository.by_username(tx.session, username)
    # Same message for unknown user and wrong password: no user enumeration.
    if user is None or not verify_password(user.password_hash, password):
        raise AuthenticationError("wrong username or password")
    if not user.active:
        raise AuthenticationError("this account is disabled")
    return user


def issue_token(
    tx: Tx, user: User, kind: str, *, name: str = "", hours: int | None = None
) -> tuple[str, AuthToken]:
    """Create a session or API token; the secret is returned once and never stored."""
    secret = ("hjs_" if kind == "session" else "hjt_") + secrets.token_urlsafe(32)
    token = AuthToken(
        user_id=user.id,
        kind=kind,
        name=name,
        token_hash=_digest(secret),
        prefix=secret[:12],
        created_at=utcnow(),
        expires_at=utcnow() + timedelta(hours=hours) if hours else None,
    )
    repository.add(tx.session, token)
    tx.audit(
        f"token.issue.{kind}",
        "auth_token",
        token.id,
        after={"user": user.username, "name": name, "prefix": token.prefix},
        jurisdiction_code=user.jurisdiction_code,
        organisation_id=user.organisation_id,
    )
    return secret, token


def resolve_token(tx: Tx, secret: str, kind: str) -> User:
    token = repository.token_by_hash(tx.session, _digest(secret))
    now = utcnow()
    if token is None or token.kind != kind or token.revoked_at is not None:
        raise AuthenticationError("invalid or revoked credentials")
    if token.expires_at is not None and token.expires_at <= now:
        raise AuthenticationError("credentials expired")
    if not token.user.active:
        raise AuthenticationError("this account is disabled")
    return token.user


def _revoke(tx: Tx, token: AuthToken) -> None:
    if token.revoked_at is not None:
        return
    token.revoked_at = utcnow()
    tx.audit(
        f"token.revoke.{token.kind}",
        "auth_token",
        token.id,
        after={"prefix": token.prefix},
        jurisdiction_code=token.user.jurisdiction_code,
        organisation_id=token.user.organisation_id,
    )


def revoke_token(tx: Tx, secret: str) -> None:
    token = repository.token_by_hash(tx.session, _digest(secret))
    if token is not None:
        _revoke(tx, token)


def revoke_token_by_id(tx: Tx, actor: Principal, token_id: int) -> None:
    """The caller's own token only: another person's id is reported as not found."""
    token = next((t for t in repository.tokens_of(tx.session, actor.user_id or -1) if t.id == token_id), None)
    if token is None:
        raise NotFound(f"token {token_id} not found")
    _revoke(tx, token)
