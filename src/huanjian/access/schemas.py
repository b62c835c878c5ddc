from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from huanjian.access.models import User


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    full_name: str
    role: str
    jurisdiction_code: str | None
    organisation_id: int | None
    active: bool
    created_at: datetime
    permissions: list[str] = Field(default_factory=list)


class UserCreate(BaseModel):
    username: str = Field(min_length=2, max_length=80)
    full_name: str = Field(min_length=1, max_length=200)
    role: str
    password: str
    jurisdiction_code: str | None = None
    organisation_id: int | None = None


class ReasonIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class GrantIn(BaseModel):
    permission: str
    reason: str = Field(min_length=1, max_length=2000)


class LoginIn(BaseModel):
    username: str
    password: str
    token_name: str = "api"  # noqa: S105 — a label, not a secret


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


class NewToken(BaseModel):
    token: str
    info: TokenOut


def user_out(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        role=user.role,
        jurisdiction_code=user.jurisdiction_code,
        organisation_id=user.organisation_id,
        active=user.active,
        created_at=user.created_at,
        permissions=sorted(user.permission_names),
    )
