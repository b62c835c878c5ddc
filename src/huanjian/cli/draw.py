"""`huanjian draw …`: plan, run, publish and verify random draws (双随机一公开)."""

from __future__ import annotations

import typer
from rich.table import Table

from huanjian.cli.common import console, err_console, handle_errors, operator, print_json, runtime
from huanjian.draw import repository, service
from huanjian.draw.schemas import draw_out
from huanjian.errors import NotFound

app = typer.Typer(help="Random draws: plan, run, publish, verify.", no_args_is_help=True)


@app.command()
@handle_errors
def plan(
    title: str = typer.Option(..., help="e.g. '2026年第四季度浦东新区双随机检查'."),
    jurisdiction: str = typer.Option(..., help="Jurisdiction code whose enterprises form the library."),
    period: str = typer.Option(..., help="e.g. 2026Q4."),
) -> None:
    """Freeze the object library and rules; prints the draw id."""
    rt = runtime()
    principal, ctx = operator()
    with rt.tx(ctx) as tx:
        draw = service.plan(tx, principal, title=title, jurisdiction_code=jurisdiction, period=period)
        console.print(f"draw {draw.id} planned: {len(draw.library)} enterprises in the library")


@app.command()
@handle_errors
def run(draw_id: int, publish: bool = typer.Option(False, "--publish", help="Publish right after.")) -> None:
    """Commit the seed (publishing its hash), then draw."""
    rt = runtime()
    principal, ctx = operator()
    with rt.tx(ctx) as tx:
        draw = service.get(tx, principal, draw_id)
        if draw.status == "planned":
            service.commit(tx, principal, draw_id)
    with rt.tx(ctx) as tx:
        draw = service.run(tx, principal, draw_id)
        if publish:
            service.publish(tx, principal, draw_id)
        out = draw_out(draw, public=False)
    console.print(f"commitment {out.commitment}")
    table = Table("rank", "enterprise", "credit code", "bucket")
    for p in out.result or []:
        table.add_row(str(p["rank"]), str(p["name"]), str(p["id"]), str(p["stratum"]))
    console.print(table)


@app.command()
@handle_errors
def publish(draw_id: int) -> None:
    """Publish seed and result on the public pages."""
    rt = runtime()
    principal, ctx = operator()
    with rt.tx(ctx) as tx:
        service.publish(tx, principal, draw_id)
    console.print(f"draw {draw_id} published")


@app.command()
@handle_errors
def verify(draw_id: int, as_json: bool = typer.Option(False, "--json")) -> None:
    """Re-run a draw from its seed and its frozen libraries; exit 0 only when the result matches."""
    rt = runtime()
    _, ctx = operator()
    with rt.tx(ctx, readonly=True) as tx:
        draw = repository.get(tx.session, draw_id)
        if draw is None:
            raise NotFound(f"draw {draw_id} not found")
        problems = service.verify(draw)
    if as_json:
        print_json({"draw": draw_id, "ok": not problems, "problems": problems})
    elif problems:
        for p in problems:
            err_console.print(f"[red]{p}[/red]")
    else:
        console.print(f"[green]draw {draw_id} verified[/green]: the seed reproduces the published result")
    if problems:
        raise typer.Exit(2)
