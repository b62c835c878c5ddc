"""`huanjian db …`: schema migrations."""

from __future__ import annotations

import typer

from huanjian.cli.common import console, err_console, handle_errors, runtime
from huanjian.core import migrate

app = typer.Typer(help="Database schema: upgrade and check.", no_args_is_help=True)


@app.command()
@handle_errors
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    rt = runtime()
    before = migrate.current_revision(rt.db.engine)
    migrate.upgrade(rt.db.engine, revision)
    after = migrate.current_revision(rt.db.engine)
    console.print(f"database {rt.db.backend}: {before or 'empty'} → {after}")


@app.command()
@handle_errors
def check() -> None:
    """Exit 0 when the schema is at the newest revision and matches the models; 1 otherwise."""
    rt = runtime()
    current, head = migrate.current_revision(rt.db.engine), migrate.head_revision()
    if current != head:
        err_console.print(f"database at {current or 'empty'}, newest is {head}: run `huanjian db upgrade`")
        raise typer.Exit(1)
    diffs = migrate.pending_differences(rt.db.engine)
    if diffs:
        err_console.print(f"schema differs from the models in {len(diffs)} places:")
        for diff in diffs[:20]:
            err_console.print(f"  {diff}")
        raise typer.Exit(1)
    console.print(f"database {rt.db.backend} at {current}: up to date")


@app.command()
@handle_errors
def downgrade(revision: str = typer.Argument(..., help="Target revision, e.g. base.")) -> None:
    """Revert migrations down to REVISION."""
    rt = runtime()
    migrate.downgrade(rt.db.engine, revision)
    console.print(f"database now at {migrate.current_revision(rt.db.engine) or 'base'}")
