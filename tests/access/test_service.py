"""People and credentials: every change audited, bad input named precisely."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from huanjian.access import service
from huanjian.access.policy import Principal
from huanjian.audit.models import AuditEntry
from huanjian.core.tx import Tx
from huanjian.errors import AuthenticationError, Conflict, PermissionDenied, ValidationError
from tests.factories import PASSWORD, make_user, seed_geo


def _actions(tx: Tx, object_type: str = "user") -> list[str]:
    rows = tx.session.scalars(
        select(AuditEntry).where(AuditEntry.object_type == object_type).order_by(AuditEntry.id)
    ).all()
    return [r.action for r in rows]


def test_create_grant_disable_are_audited(tx: Tx, system: Principal) -> None:
    seed_geo(tx)
    user = make_user(tx, "wang", "station", "310115", permissions=("review.approve",))
    service.set_active(tx, system, "wang", False, "left the station")
    assert _actions(tx) == ["user.create", "user.grant", "user.disable"]
    last = tx.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert last is not None
    assert last.before["active"] is True and last.after["active"] is False
    assert last.reason == "left the station"
    assert last.jurisdiction_code == "310115"
    assert user.permission_names == {"review.approve"}


def test_grant_twice_writes_one_entry(tx: Tx, system: Principal) -> None:
    seed_geo(tx)
    make_user(tx, "li", "bureau", "310000")
    service.grant(tx, system, "li", "draw.run", "duty roster")
    service.grant(tx, system, "li", "draw.run", "duty roster")
    assert _actions(tx).count("user.grant") == 1
    service.grant(tx, system, "li", "draw.run", "rotated", revoke=True)
    assert _actions(tx)[-1] == "user.revoke"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"role": "boss"}, "role"),
        ({"username": "bad name!"}, "username"),
        ({"password": "short"}, "password"),
        ({"role": "bureau", "jurisdiction_code": None}, "jurisdiction_code"),
        ({"role": "enterprise", "jurisdiction_code": None, "organisation_id": None}, "organisation_id"),
        ({"jurisdiction_code": "319999"}, "jurisdiction_code"),
    ],
)
def test_bad_input_names_the_field(tx: Tx, system: Principal, kwargs: dict[str, object], field: str) -> None:
    seed_geo(tx)
    args: dict[str, object] = {
        "username": "zhao",
        "full_name": "Zhao",
        "role": "bureau",
        "password": PASSWORD,
        "jurisdiction_code": "310115",
        "organisation_id": None,
    }
    args.update(kwargs)
    with pytest.raises(ValidationError) as err:
        service.create_user(tx, system, **args)  # type: ignore[arg-type]
    assert err.value.details["field"] == field


def test_username_taken(tx: Tx) -> None:
    seed_geo(tx)
    make_user(tx, "chen", "bureau", "310115")
    with pytest.raises(Conflict):
        make_user(tx, "chen", "bureau", "310112")


def test_district_admin_cannot_manage_another_district(tx: Tx) -> None:
    seed_geo(tx)
    admin = Principal.of(make_user(tx, "pd_admin", "admin", "310115"))
    make_user(tx, "mh", "bureau", "310112")
    with pytest.raises(PermissionDenied):
        service.create_user(
            tx,
            admin,
            username="x1",
            full_name="X",
            role="bureau",
            password=PASSWORD,
            jurisdiction_code="310112",
        )
    bureau = Principal.of(make_user(tx, "pd", "bureau", "310115"))
    with pytest.raises(PermissionDenied):
        service.create_user(
            tx,
            bureau,
            username="x2",
            full_name="X",
            role="bureau",
            password=PASSWORD,
            jurisdiction_code="310115",
        )


def test_authenticate_and_tokens(tx: Tx, system: Principal) -> None:
    seed_geo(tx)
    user = make_user(tx, "sun", "enforcement", "310115")
    assert service.authenticate(tx, "sun", PASSWORD).id == user.id
    with pytest.raises(AuthenticationError, match="wrong username or password"):
        service.authenticate(tx, "sun", "not-the-password")
    with pytest.raises(AuthenticationError, match="wrong username or password"):
        service.authenticate(tx, "nobody", PASSWORD)
    secret, token = service.issue_token(tx, user, "api", name="script")
    assert secret.startswith("hjt_") and token.token_hash not in secret
    assert service.resolve_token(tx, secret, "api").id == user.id
    with pytest.raises(AuthenticationError):
        service.resolve_token(tx, secret, "session")  # an API token is not a browser session
    service.revoke_token(tx, secret)
    with pytest.raises(AuthenticationError, match="revoked"):
        service.resolve_token(tx, secret, "api")


def test_disabling_revokes_every_credential(tx: Tx, system: Principal) -> None:
    seed_geo(tx)
    user = make_user(tx, "zhou", "station", "310000")
    secret, _ = service.issue_token(tx, user, "session", hours=1)
    service.set_active(tx, system, "zhou", False, "account compromised")
    with pytest.raises(AuthenticationError):
        service.resolve_token(tx, secret, "session")
    with pytest.raises(AuthenticationError, match="disabled"):
        service.authenticate(tx, "zhou", PASSWORD)


def test_person_permission_check(tx: Tx) -> None:
    from huanjian.access.policy import require_permission

    seed_geo(tx)
    approver = Principal.of(make_user(tx, "approver", "station", "310000", permissions=("review.approve",)))
    other = Principal.of(make_user(tx, "other", "station", "310000"))
    require_permission(approver, "review.approve")
    with pytest.raises(PermissionDenied, match=r"review\.approve"):
        require_permission(other, "review.approve")
    with pytest.raises(KeyError):
        require_permission(approver, "review.aprove")  # a typo in code is a bug, not a denial
