"""/api/v1 routes for people and credentials."""

from __future__ import annotations

from fastapi import APIRouter

from huanjian.access import repository, service
from huanjian.access.policy import Principal
from huanjian.access.schemas import (
    GrantIn,
    LoginIn,
    NewToken,
    ReasonIn,
    TokenOut,
    UserCreate,
    UserOut,
    user_out,
)
from huanjian.errors import NotFound
from huanjian.web.deps import PrincipalDep, SettingsDep, TxDep

router = APIRouter(tags=["access"])


@router.post("/auth/tokens", response_model=NewToken, status_code=201)
def login_for_token(body: LoginIn, tx: TxDep) -> NewToken:
    """Exchange username and password for a revocable API bearer token."""
    user = service.authenticate(tx, body.username, body.password)
    tx.ctx = Principal.of(user).context("api", tx.ctx.request_id)
    secret, token = service.issue_token(tx, user, "api", name=body.token_name)
    return NewToken(token=secret, info=TokenOut.model_validate(token))


@router.get("/me", response_model=UserOut)
def me(principal: PrincipalDep, tx: TxDep) -> UserOut:
    user = repository.get(tx.session, principal.user_id or -1)
    if user is None:
        raise NotFound("user not found")
    return user_out(user)


@router.get("/me/tokens", response_model=list[TokenOut])
def my_tokens(principal: PrincipalDep, tx: TxDep) -> list[TokenOut]:
    return [
        TokenOut.model_validate(t) for t in repository.tokens_of(tx.session, principal.user_id or -1, "api")
    ]


@router.delete("/me/tokens/{token_id}", status_code=204)
def revoke_my_token(token_id: int, principal: PrincipalDep, tx: TxDep) -> None:
    service.revoke_token_by_id(tx, principal, token_id)


@router.get("/users", response_model=list[UserOut])
def list_users(principal: PrincipalDep, tx: TxDep) -> list[UserOut]:
    return [user_out(u) for u in service.list_users(tx, principal)]


@router.post("/users", response_model=UserOut, status_code=201)
def create_user(body: UserCreate, principal: PrincipalDep, tx: TxDep, settings: SettingsDep) -> UserOut:
    user = service.create_user(
        tx, principal, min_password_length=settings.password_min_length, **body.model_dump()
    )
    return user_out(user)


@router.get("/users/{username}", response_model=UserOut)
def get_user(username: str, principal: PrincipalDep, tx: TxDep) -> UserOut:
    return user_out(service.get_user(tx, principal, username))


@router.post("/users/{username}/disable", response_model=UserOut)
def disable_user(username: str, body: ReasonIn, principal: PrincipalDep, tx: TxDep) -> UserOut:
    return user_out(service.set_active(tx, principal, username, False, body.reason))


@router.post("/users/{username}/enable", response_model=UserOut)
def enable_user(username: str, body: ReasonIn, principal: PrincipalDep, tx: TxDep) -> UserOut:
    return user_out(service.set_active(tx, principal, username, True, body.reason))


@router.post("/users/{username}/permissions", response_model=UserOut)
def grant_permission(username: str, body: GrantIn, principal: PrincipalDep, tx: TxDep) -> UserOut:
    return user_out(service.grant(tx, principal, username, body.permission, body.reason))


@router.delete("/users/{username}/permissions/{permission}", response_model=UserOut)
def revoke_permission(
    username: str, permission: str, principal: PrincipalDep, tx: TxDep, reason: str = "revoked"
) -> UserOut:
    return user_out(service.grant(tx, principal, username, permission, reason, revoke=True))
