"""The one authorization check every route and CLI command uses."""

from __future__ import annotations

from dataclasses import dataclass

from huanjian.access.models import User
from huanjian.access.roles import CAPABILITIES, OUTSIDE_ROLES, PERSON_PERMISSIONS
from huanjian.core.context import ActionContext
from huanjian.core.scope import Scope
from huanjian.errors import NotFound, PermissionDenied


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: int | None
    username: str
    full_name: str
    role: str
    jurisdiction_code: str | None
    organisation_id: int | None
    permissions: frozenset[str]

    @classmethod
    def of(cls, user: User) -> Principal:
        return cls(
            user_id=user.id,
            username=user.username,
            full_name=user.full_name,
            role=user.role,
            jurisdiction_code=user.jurisdiction_code,
            organisation_id=user.organisation_id,
            permissions=frozenset(user.permission_names),
        )

    @classmethod
    def system(cls) -> Principal:
        """The platform itself (CLI run by the operator, worker): sees everything."""
        return cls(None, "system", "system", "admin", None, None, frozenset(PERSON_PERMISSIONS))

    @property
    def scope(self) -> Scope:
        if self.role == "admin" and self.jurisdiction_code is None:
            return Scope(everything=True)
        if self.role in OUTSIDE_ROLES:
            ids = (self.organisation_id,) if self.organisation_id is not None else ()
            return Scope(organisation_ids=ids)
        roots = (self.jurisdiction_code,) if self.jurisdiction_code else ()
        return Scope(jurisdiction_roots=roots)

    def context(self, channel: str, request_id: str | None = None) -> ActionContext:
        name = f"{self.full_name} ({self.username})" if self.user_id is not None else self.username
        if request_id is None:
            return ActionContext(self.user_id, name, channel)
        return ActionContext(self.user_id, name, channel, request_id)

    def can(self, capability: str) -> bool:
        roles = CAPABILITIES.get(capability)
        if roles is None:
            raise KeyError(f"unknown capability {capability!r}: add it to access.roles.CAPABILITIES")
        return self.role in roles

    def has_permission(self, permission: str) -> bool:
        if permission not in PERSON_PERMISSIONS:
            raise KeyError(f"unknown person permission {permission!r}")
        return permission in self.permissions


def authorize(principal: Principal, capability: str) -> None:
    if not principal.can(capability):
        raise PermissionDenied(
            f"role {principal.role!r} may not {capability}", capability=capability, role=principal.role
        )


def require_permission(principal: Principal, permission: str) -> None:
    if not principal.has_permission(permission):
        raise PermissionDenied(
            f"{principal.username} does not hold the person permission {permission!r}", permission=permission
        )


def check_visible(
    principal: Principal, jurisdiction_code: str | None, organisation_id: int | None, what: str
) -> None:
    """Objects outside the scope are reported as not found, never as forbidden:
    a 403 would confirm to another tenant that the object exists."""
    if not principal.scope.sees(jurisdiction_code, organisation_id):
        raise NotFound(f"{what} not found")
