"""`huanjian users …`: people, roles and person permissions."""

from __future__ import annotations

import typer
from rich.table import Table

from huanjian.access import service
from huanjian.access.roles import PERSON_PERMISSIONS, ROLES
from huanjian.cli.common import console, handle_errors, operator, print_json, runtime

app = typer.Typer(help="Users: create, list, disable, grant.", no_args_is_help=True)


@app.command()
@handle_errors
def create(
    username: str,
    role: str = typer.Option(..., help=f"One of: {', '.join(ROLES)}."),
    full_name: str = typer.Option(..., "--name", help="Full name, shown in audit entries."),
    jurisdiction: str | None = typer.Option(None, help="Jurisdiction code (staff roles)."),
    organisation: int | None = typer.Option(None, help="Organisation id (enterprise, contractor, lab)."),
    password: str = typer.Option(
        ..., prompt=True, hide_input=True, confirmation_prompt=True, envvar="HUANJIAN_NEW_PASSWORD"
    ),
) -> None:
    """Create a user."""
    rt = runtime()
    principal, ctx = operator()
    with rt.tx(ctx) as tx:
        user = service.create_user(
            tx,
            principal,
            username=username,
            full_name=full_name,
            role=role,
            password=password,
            jurisdiction_code=jurisdiction,
            organisation_id=organisation,
            min_password_length=rt.settings.password_min_length,
        )
        console.print(f"created user {user.username} (id {user.id}, {user.role})")


@app.command("list")
@handle_errors
def list_(as_json: bool = typer.Option(False, "--json", help="One JSON object per line.")) -> None:
    """List users."""
    rt = runtime()
    principal, ctx = operator()
    with rt.tx(ctx) as tx:
        users = service.list_users(tx, principal)
        if as_json:
            for u in users:
                print_json(service.snapshot(u))
            return
        table = Table("username", "name", "role", "jurisdiction", "org", "active", "permissions")
        for u in users:
            table.add_row(
                u.username,
                u.full_name,
                u.role,
                u.jurisdiction_code or "",
                str(u.organisation_id or ""),
                "yes" if u.active else "no",
                " ".join(sorted(u.permission_names)),
            )
        console.print(table)


@app.command()
@handle_errors
def disable(username: str, reason: str = typer.Option(..., help="Why; kept in the audit trail.")) -> None:
    """Disable a user and revoke all their sessions and tokens."""
    rt = runtime()
    principal, ctx = operator()
    with rt.tx(ctx) as tx:
        service.set_active(tx, principal, username, False, reason)
    console.print(f"disabled {username}")


@app.command()
@handle_errors
def enable(username: str, reason: str = typer.Option(..., help="Why; kept in the audit trail.")) -> None:
    """Re-enable a disabled user."""
    rt = runtime()
    principal, ctx = operator()
    with rt.tx(ctx) as tx:
        service.set_active(tx, principal, username, True, reason)
    console.print(f"enabled {username}")


@app.command()
@handle_errors
def grant(
    username: str,
    permission: str = typer.Argument(..., help=f"One of: {', '.join(PERSON_PERMISSIONS)}."),
    reason: str = typer.Option(..., help="Why; kept in the audit trail."),
    revoke: bool = typer.Option(False, "--revoke", help="Take the permission away instead."),
) -> None:
    """Grant (or revoke) a person permission."""
    rt = runtime()
    principal, ctx = operator()
    with rt.tx(ctx) as tx:
        service.grant(tx, principal, username, permission, reason, revoke=revoke)
    console.print(
        f"{'revoked' if revoke else 'granted'} {permission} {'from' if revoke else 'to'} {username}"
    )


@app.command()
@handle_errors
def token(username: str, name: str = typer.Option("cli", help="A label for the token.")) -> None:
    """Issue an API bearer token for USERNAME (printed once)."""
    rt = runtime()
    principal, ctx = operator()
    with rt.tx(ctx) as tx:
        user = service.get_user(tx, principal, username)
        secret, _ = service.issue_token(tx, user, "api", name=name)
    typer.echo(secret)
