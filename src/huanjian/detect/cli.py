"""``huanjian detect``: runs over the store, the export, the evaluation harness, the catalogue."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from huanjian.cli.common import console, cst_day, handle_errors, operator, outlet_progress, runtime
from huanjian.detect import catalogue, service
from huanjian.detect import jobs as _jobs  # noqa: F401 — registers detect.run
from huanjian.detect.evaluate import evaluate, table
from huanjian.errors import ValidationError

app = typer.Typer(help="Detection of abnormal and falsified monitoring data (clues).", no_args_is_help=True)


@app.callback()
def _main() -> None:
    """Detection of abnormal and falsified monitoring data (clues)."""


@app.command("run")
@handle_errors
def run_cmd(
    from_: str = typer.Option(..., "--from", help="First CST day, YYYY-MM-DD."),
    to: str = typer.Option(..., "--to", help="Last CST day (inclusive), YYYY-MM-DD."),
    outlet: int | None = typer.Option(None, "--outlet", help="Only this outlet (id)."),
) -> None:
    """Run every detector over the stored minute data and store the clues (re-runs never duplicate)."""
    rt = runtime()
    principal, ctx = operator()
    with outlet_progress("detect") as tick, rt.tx(ctx) as tx:
        report = service.run(
            tx, principal, cst_day(from_, "from"), cst_day(to, "to"), outlet_id=outlet, progress=tick
        )
    r = report
    console.print(
        f"detected over {r.outlets} outlets ({r.loggers} loggers) in {r.seconds:.1f} s: "
        f"clues {r.created} new, {r.updated} updated, {r.unchanged} unchanged, {r.withdrawn} withdrawn; "
        f"{r.suppressed} suppressed; by category {r.by_category}"
    )


@app.command("export")
@handle_errors
def export_cmd(
    from_: str = typer.Option(..., "--from", help="First CST day, YYYY-MM-DD."),
    to: str = typer.Option(..., "--to", help="Last CST day (inclusive)."),
    category: str | None = typer.Option(None, "--category", help="data_quality | falsification"),
    status: list[str] = typer.Option([], "--status", help="Only these statuses (repeat), e.g. dismissed."),
    fmt: str = typer.Option("json", "--format", help="json"),
    outlet: int | None = typer.Option(None, "--outlet", help="Only this outlet (id)."),
    output: Path | None = typer.Option(None, "--output", "-o", help="File (default: standard output)."),
) -> None:
    """Stored clues overlapping the days: one JSON object per clue (keys: docs/detection.md)."""
    if fmt != "json":
        raise ValidationError("--format must be json", field="format")
    rt = runtime()
    principal, ctx = operator()
    with rt.tx(ctx, readonly=True) as tx:
        rows = service.search(
            tx,
            principal,
            category=category,
            status=status or None,
            outlet_id=outlet,
            start_day=cst_day(from_, "from"),
            end_day=cst_day(to, "to"),
            limit=None,
        )
        items = [service.export_dict(r) for r in reversed(rows)]
    text = json.dumps(items, ensure_ascii=False, indent=1) + "\n"
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


@app.command("evaluate")
def evaluate_cmd(
    seed: list[int] = typer.Option(..., "--seed", help="Benchmark seed (repeat for several)."),
    outlets: int = typer.Option(60, "--outlets", min=4, help="Outlets per seed (half cheat)."),
    months: int = typer.Option(1, "--months", min=1, help="Months per outlet."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Generate a labelled benchmark and report recall, precision and false clues per outlet-month."""
    report = evaluate(list(seed), outlets=outlets, months=months)
    if as_json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=1))
    else:
        typer.echo(table(report))
    unmet = [k for k, ok in report.targets_met().items() if not ok]
    if unmet:
        typer.echo("targets not met: " + "; ".join(unmet))


@app.command("catalogue")
def catalogue_cmd() -> None:
    """List the detectors: code, category, trick, what each looks for."""
    for det in catalogue.DETECTORS:
        typer.echo(f"{det.code:24} {det.category:13} {det.trick or '-':20} {det.title_zh} / {det.title_en}")
