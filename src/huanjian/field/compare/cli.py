"""``huanjian compare evaluate FILE``: evaluate a comparison test (比对监测) from JSON or CSV.

Exit codes: 0 the test passes; 1 it fails (the verdict and its reasons are printed);
65 the input is invalid (the message names the pair and the field); 66 the file cannot be
read; 78 the acceptance rules are invalid.  See docs/compare.md.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from huanjian.errors import HuanjianError
from huanjian.field.compare.evaluate import KIND_NAMES, Evaluation, evaluate, fmt
from huanjian.field.compare.inputs import parse_input
from huanjian.field.compare.rules import UNIT_DISPLAY, load_rules

app = typer.Typer(help="Comparison tests (比对监测): evaluate reference vs CEMS pairs.", no_args_is_help=True)


@app.callback()
def compare() -> None:
    """Comparison tests (比对监测): evaluate reference-method vs CEMS pairs by the acceptance tables."""


EXIT_FAIL = 1
EXIT_NOINPUT = 66


class OutputFormat(StrEnum):
    json = "json"
    text = "text"


class InputFormat(StrEnum):
    json = "json"
    csv = "csv"


def render_text(ev: Evaluation) -> str:
    rule = ev.rule
    unit = UNIT_DISPLAY.get(ev.unit, ev.unit)
    band = ev.band
    kind = band.criterion.kind
    limit_unit = "%" if kind != "absolute_error" else unit
    mp = rule.min_pairs
    lines = [
        f"比对监测 comparison test — {rule.code} {rule.name} ({rule.name_zh}), unit {unit}, "
        f"rules {ev.rules_version}",
        f"pairs               {ev.n_pairs} (minimum {mp.value}: {mp.source}, {mp.confidence})",
        f"mean reference RM̄   {fmt(ev.mean_reference, 6)} {unit}",
        f"mean CEMS           {fmt(ev.mean_cems, 6)} {unit}",
        f"d̄ = RM̄ − C̄_CEMS     {fmt(ev.mean_difference, 6)} {unit}",
        f"S_d                 {fmt(ev.sd, 6)} {unit}",
        f"t(0.95, n−1)        {fmt(ev.t, 3)} (two-sided 95 %, f = {ev.n_pairs - 1})",
        f"cc = t·S_d/√n       {fmt(ev.cc, 6)} {unit}",
        f"relative accuracy   {fmt(ev.relative_accuracy, 4)} %",
        f"relative error      {fmt(ev.relative_error, 4)} %",
        f"absolute error      {fmt(ev.absolute_error, 6)} {unit}",
        f"band                {band.id}: {band.label(ev.unit, ev.factor)}"
        + (f"  (table: {band.label(rule.band_unit)}, × {ev.factor})" if ev.factor != 1 else ""),
        f"                    {band.source} — {band.clause} [{band.confidence}]",
        f"criterion           {KIND_NAMES[kind]} "
        + ("≤ " if kind == "relative_accuracy" else "within ±")
        + f"{fmt(ev.criterion_limit)} {limit_unit}: {fmt(ev.criterion_value)} "
        + ("met" if ev.criterion_met else "not met")
        + (" (on the means; each pair judged below)" if rule.judged_on == "each_pair" else ""),
        f"verdict             {ev.verdict.upper()}",
        "reasons:",
        *(f"  - {reason}" for reason in ev.reasons),
    ]
    return "\n".join(lines)


def _read(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    try:
        return Path(source).read_text(encoding="utf-8-sig")
    except OSError as exc:
        typer.echo(f"error (no_input): cannot read {source}: {exc.strerror}", err=True)
        raise typer.Exit(EXIT_NOINPUT) from exc
    except UnicodeDecodeError as exc:
        typer.echo(f"error (compare_input): {source} is not UTF-8 text", err=True)
        raise typer.Exit(65) from exc


@app.command("evaluate")
def evaluate_command(
    file: Annotated[str, typer.Argument(help="JSON or CSV file with the pairs, or '-' for stdin.")],
    output_format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output: json (one object) or text.")
    ] = OutputFormat.text,
    input_format: Annotated[
        InputFormat | None,
        typer.Option("--input-format", help="Input format (default: by suffix, else JSON if '{' first)."),
    ] = None,
    parameter: Annotated[
        str | None, typer.Option("--parameter", help="HJ 212-2017 code, e.g. a21026 (if not in the file).")
    ] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="Unit of the values (if not in the file).")] = (
        None
    ),
    rules_version: Annotated[
        str | None, typer.Option("--rules-version", help="Acceptance rules version (default: latest).")
    ] = None,
) -> None:
    """Evaluate a comparison test and print the verdict with every intermediate figure."""
    text = _read(file)
    try:
        inp = parse_input(
            text,
            input_format=input_format.value if input_format else None,
            filename=None if file == "-" else file,
            parameter=parameter,
            unit=unit,
        )
        result = evaluate(inp, load_rules(rules_version))
    except HuanjianError as exc:
        typer.echo(f"error ({exc.code}): {exc.message}", err=True)
        raise typer.Exit(exc.exit_code) from exc
    if output_format is OutputFormat.json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        typer.echo(render_text(result))
    if result.verdict != "pass":
        raise typer.Exit(EXIT_FAIL)


@app.command("plan")
def plan_command(
    year: Annotated[int, typer.Option("--year", help="Year to plan, e.g. 2027.")],
    jurisdiction: Annotated[
        str, typer.Option("--jurisdiction", help="Jurisdiction code (default: the city, 310000).")
    ] = "310000",
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
) -> None:
    """Plan the year's spot comparison tests: every O&M contractor, weighted by grade and risk."""
    # The database-backed commands import lazily: `compare evaluate` needs no database.
    from huanjian.cli.common import console, handle_errors, operator, print_json, runtime
    from huanjian.field import planning

    @handle_errors
    def go() -> None:
        principal, ctx = operator()
        with runtime().tx(ctx) as tx:
            plan = planning.create(tx, principal, year=year, jurisdiction_code=jurisdiction)
            items = [
                {"contractor_id": i.contractor_id, "device": i.device_ref, "quarter": i.quarter}
                for i in planning.items(tx, plan)
            ]
            head = {"plan": plan.id, "year": plan.year, "jurisdiction": plan.jurisdiction_code}
            lib = plan.library
            commitment = plan.commitment
        if as_json:
            print_json({**head, "commitment": commitment, "contractors": lib, "items": items})
            return
        console.print(f"spot-test plan {head['plan']} for {year} in {jurisdiction}; commitment {commitment}")
        table = Table("contractor", "grade", "risk", "tests", "devices (quarter)")
        for entry in lib:
            cid = entry["contractor_id"]
            mine = [f"{i['device']} (Q{i['quarter']})" for i in items if i["contractor_id"] == cid]
            table.add_row(
                entry["name"],
                entry["level"],
                entry["risk"],
                str(entry["tests"] if entry["devices"] else 0),
                "\n".join(mine) or "no device in the jurisdiction",
            )
        console.print(table)

    go()
