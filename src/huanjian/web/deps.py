"""Request-scoped dependencies: one transaction per request, the caller's identity.

Every route gets its principal through :func:`principal` (or the public
variant), so authentication and scoping have one entry point.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request

from huanjian.access import service as access
from huanjian.access.policy import Principal
from huanjian.core.context import ActionContext, new_request_id
from huanjian.core.runtime import Runtime
from huanjian.core.tx import Tx
from huanjian.errors import AuthenticationError
from huanjian.settings import Settings

SESSION_COOKIE = "hj_session"


def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


def _settings(request: Request) -> Settings:
    return runtime(request).settings


SettingsDep = Annotated[Settings, Depends(_settings)]


def request_id(request: Request) -> str:
    rid = getattr(request.state, "request_id", None)
    if rid is None:
        rid = request.headers.get("x-request-id") or new_request_id()
        request.state.request_id = rid
    return str(rid)


def _channel(request: Request) -> str:
    return "api" if request.url.path.startswith("/api/") else "web"


def get_tx(request: Request) -> Iterator[Tx]:
    rt = runtime(request)
    ctx = ActionContext(None, "anonymous", _channel(request), request_id(request))
    # Safe methods do not change state (HTTP semantics), so they read without the write lock.
    with rt.tx(ctx, readonly=request.method in ("GET", "HEAD", "OPTIONS")) as tx:
        request.state.tx = tx
        yield tx


# scope="function": commit happens before the response is sent, so a client
# never sees success for a change that then failed to commit.
TxDep = Annotated[Tx, Depends(get_tx, scope="function")]


def _credentials(request: Request) -> tuple[str, str] | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return "api", auth[7:].strip()
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        return "session", cookie
    return None


def optional_principal(request: Request, tx: TxDep) -> Principal | None:
    creds = _credentials(request)
    if creds is None:
        return None
    kind, secret = creds
    try:
        user = access.resolve_token(tx, secret, kind)
    except AuthenticationError:
        if kind == "api":
            raise  # a script sent a bad token: tell it, rather than act anonymously
        return None  # a stale browser cookie: treat as logged out
    principal = Principal.of(user)
    # Rebind the transaction's actor now that we know who is acting.
    tx.ctx = principal.context(_channel(request), request_id(request))
    request.state.principal = principal
    return principal


def principal(p: Annotated[Principal | None, Depends(optional_principal)]) -> Principal:
    if p is None:
        raise AuthenticationError("log in or send a bearer token")
    return p


PrincipalDep = Annotated[Principal, Depends(principal)]
OptionalPrincipalDep = Annotated[Principal | None, Depends(optional_principal)]
