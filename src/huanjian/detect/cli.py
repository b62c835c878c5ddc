"""``huanjian detect``: the evaluation harness and the detector catalogue on the command line."""

from __future__ import annotations

import json

import typer

from huanjian.detect import catalogue
from huanjian.detect.evaluate import evaluate, table

app = typer.Typer(help="Detection of abnormal and falsified monitoring data (clues).", no_args_is_help=True)


@app.callback()
def _main() -> None:
    """Detection of abnormal and falsified monitoring data (clues)."""


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
