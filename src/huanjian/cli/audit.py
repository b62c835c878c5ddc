"""`huanjian audit …`: verify, show, anchor."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from huanjian.audit import repository, service
from huanjian.cli.common import console, err_console, handle_errors, operator, print_json, runtime
from huanjian.core.time import iso_cst

app = typer.Typer(
    help="Audit trail: verify the chain, show entries, export the signed head.", no_args_is_help=True
)


@app.command()
@handle_errors
def verify(
    anchor: Path | None = typer.Option(None, help="A head exported earlier by `audit anchor`, to pin."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Prove the chain intact, or name the first entry altered, deleted or inserted. Exit 0 only if intact."""
    rt = runtime()
    _, ctx = operator()
    pinned = json.loads(anchor.read_text(encoding="utf-8")) if anchor else None
    with rt.tx(ctx) as tx, console.status("verifying the audit chain…"):
        result = service.verify(tx.session, tx.audit_key, pinned)
    if as_json:
        print_json(
            {
                "ok": result.ok,
                "count": result.count,
                "head_hash": result.head_hash,
                "first_bad_id": result.first_bad_id,
                "problems": result.problems,
            }
        )
    elif result.ok:
        console.print(f"[green]intact[/green]: {result.count} entries, head {result.head_hash[:16]}…")
    else:
        err_console.print(f"[red]NOT intact[/red]: first bad entry {result.first_bad_id}")
        for problem in result.problems:
            err_console.print(f"  {problem}")
    if not result.ok:
        raise typer.Exit(2)


@app.command()
@handle_errors
def show(
    object_type: str | None = typer.Option(None, "--type"),
    object_id: str | None = typer.Option(None, "--id"),
    action: str | None = typer.Option(None),
    limit: int = typer.Option(50),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Show recent entries, optionally of one object."""
    rt = runtime()
    principal, ctx = operator()
    with rt.tx(ctx) as tx:
        rows = repository.search(
            tx.session,
            principal.scope,
            object_type=object_type,
            object_id=object_id,
            action=action,
            limit=limit,
        )
        if as_json:
            for r in rows:
                print_json(
                    {
                        "id": r.id,
                        "at": iso_cst(r.at),
                        "actor": r.actor_name,
                        "action": r.action,
                        "object_type": r.object_type,
                        "object_id": r.object_id,
                        "before": r.before,
                        "after": r.after,
                        "reason": r.reason,
                        "request_id": r.request_id,
                    }
                )
            return
        table = Table("#", "time (CST)", "actor", "action", "object", "reason")
        for r in rows:
            table.add_row(
                str(r.id),
                iso_cst(r.at) or "",
                r.actor_name,
                r.action,
                f"{r.object_type}:{r.object_id}",
                r.reason or "",
            )
        console.print(table)


@app.command()
@handle_errors
def anchor(output: Path | None = typer.Option(None, "-o", help="Write to a file instead of stdout.")) -> None:
    """Export the signed chain head, to keep somewhere the database's administrators cannot write."""
    rt = runtime()
    _, ctx = operator()
    with rt.tx(ctx) as tx:
        head = service.anchor(tx.session)
    text = json.dumps(head, ensure_ascii=False, indent=1)
    if output:
        output.write_text(text + "\n", encoding="utf-8")
        console.print(f"anchor written to {output}: {head['count']} entries")
    else:
        typer.echo(text)
