"""`huanjian register …`: templates, imports, exports, search and matching of the source register."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from huanjian.cli.common import console, err_console, handle_errors, operator, print_json, runtime
from huanjian.errors import ValidationError
from huanjian.register import importer, matching
from huanjian.register import service as register
from huanjian.register.kinds import KINDS

app = typer.Typer(
    help="Source register: templates, imports, exports, search, matching.", no_args_is_help=True
)

KIND_HELP = f"One of: {', '.join(KINDS)}."


def _dates(as_of: str | None, known_at: str | None) -> dict[str, Any]:
    day, known = register.parse_dates(as_of, known_at)
    return {"as_of": day, "known_at": known}


@app.command()
@handle_errors
def template(
    kind: str = typer.Argument(..., help=KIND_HELP),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write to FILE (.xlsx: Excel form)."),
) -> None:
    """Print the CSV template of KIND (header, one example row), or write it to FILE."""
    spec = importer.get_kind(kind)
    if output is None:
        typer.echo(importer.template_csv(spec), nl=False)
        return
    if output.suffix.lower() == ".xlsx":
        output.write_bytes(importer.template_xlsx(spec))
    else:
        output.write_text(importer.template_csv(spec), encoding="utf-8-sig")
    err_console.print(f"wrote {output}")


@app.command("import")
@handle_errors
def import_(
    kind: str = typer.Argument(..., help=KIND_HELP),
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV or XLSX file."),
    strict: bool = typer.Option(False, "--strict", help="Apply nothing if any row is rejected."),
    fmt: str = typer.Option("text", "--format", help="text or json (the row report)."),
) -> None:
    """Import FILE as KIND in one transaction and print the row report."""
    importer.get_kind(kind)
    rt = runtime()
    principal, ctx = operator()
    data = file.read_bytes()
    with (
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed} rows"),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
            disable=fmt == "json" or not sys.stderr.isatty(),
        ) as bar,
        rt.tx(ctx) as tx,
    ):
        task = bar.add_task(f"importing {kind}", total=None)
        report = register.import_file(
            tx,
            principal,
            kind,
            data,
            file.name,
            strict=strict,
            progress=lambda n: bar.update(task, completed=n),
        )
    result = report.to_dict()
    if fmt == "json":
        typer.echo(json.dumps(result, ensure_ascii=False))
    else:
        for row in report.rows:
            for e in row.errors:
                console.print(
                    f"row {row.row} [red]rejected[/red] {row.key or ''} {e['field']}: {e['message']}"
                )
            for w in row.warnings:
                console.print(f"row {row.row} [yellow]warning[/yellow] {row.key or ''} {w}")
        console.print(
            f"{kind}: {result['created']} created, {result['changed']} changed, "
            f"{result['unchanged']} unchanged, {result['rejected']} rejected"
            + ("" if report.applied else " — nothing applied (--strict)")
        )
    if result["rejected"]:
        raise typer.Exit(65 if not report.applied else 2)


@app.command()
@handle_errors
def export(
    kind: str = typer.Argument(..., help=KIND_HELP),
    fmt: str = typer.Option("csv", "--format", help="csv or json (one object per line)."),
    as_of: str | None = typer.Option(None, "--as-of", help="What applied on DATE (YYYY-MM-DD)."),
    known_at: str | None = typer.Option(None, "--known-at", help="What the register knew at TIME."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write to FILE instead of stdout."),
) -> None:
    """Write the register of KIND in the template's columns."""
    spec = importer.get_kind(kind)
    if fmt not in ("csv", "json"):
        raise ValidationError(f"--format {fmt!r}: csv or json", field="format")
    rt = runtime()
    principal, ctx = operator()
    with rt.tx(ctx) as tx:
        records = register.export(tx, principal, kind, **_dates(as_of, known_at))
    text = (
        importer.export_csv(spec, records)
        if fmt == "csv"
        else "".join(line + "\n" for line in importer.export_json(records))
    )
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        err_console.print(f"wrote {len(records)} records to {output}")


@app.command()
@handle_errors
def search(
    q: str = typer.Argument("", help="Name (partial), former name, credit code or MN."),
    district: str | None = typer.Option(None, help="Jurisdiction code (district or town)."),
    limit: int = typer.Option(50),
) -> None:
    """Search enterprises."""
    rt = runtime()
    principal, ctx = operator()
    with rt.tx(ctx) as tx:
        total, rows = register.search(tx, principal, q=q, district=district, limit=limit)
        table = Table("id", "credit code", "name", "jurisdiction", "class", "level")
        for e in rows:
            table.add_row(
                str(e.id),
                e.credit_code or "",
                e.name,
                e.jurisdiction_code or "",
                e.supervision_class,
                e.supervising_level,
            )
    console.print(table)
    console.print(f"{total} found")


@app.command()
@handle_errors
def profile(
    enterprise_id: int,
    as_of: str | None = typer.Option(None, "--as-of"),
    known_at: str | None = typer.Option(None, "--known-at"),
) -> None:
    """Print the enterprise profile (一企一档) as JSON."""
    rt = runtime()
    principal, ctx = operator()
    with rt.tx(ctx) as tx:
        result = register.profile(tx, principal, enterprise_id, **_dates(as_of, known_at))
    print_json(result)


@app.command()
@handle_errors
def match() -> None:
    """Match enforcement objects not yet decided against the register."""
    rt = runtime()
    _, ctx = operator()
    with rt.tx(ctx) as tx:
        counts = matching.match_pending(tx)
    console.print(", ".join(f"{k}: {v}" for k, v in counts.items()))
