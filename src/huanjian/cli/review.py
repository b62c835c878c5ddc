"""`huanjian review run|export|import-self-monitoring|logger-check|amounts`."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from huanjian.cli.common import (
    console,
    cst_day,
    handle_errors,
    operator,
    outlet_progress,
    print_json,
    runtime,
)
from huanjian.errors import ValidationError
from huanjian.review import amounts, crosscheck, selfmon, service
from huanjian.review import export as review_export
from huanjian.review import jobs as _jobs  # noqa: F401 — registers review.recompute
from huanjian.review import repository as review_repo

app = typer.Typer(
    help="Data review (数据审核): review runs, exports, self-monitoring results.", no_args_is_help=True
)


@app.command("run")
@handle_errors
def run(
    from_: str = typer.Option(..., "--from", help="First CST day, YYYY-MM-DD."),
    to: str = typer.Option(..., "--to", help="Last CST day (inclusive), YYYY-MM-DD."),
    outlet: int | None = typer.Option(None, "--outlet", help="Only this outlet (id)."),
) -> None:
    """Review the readings of whole CST days and store the figures (idempotent)."""
    rt = runtime()
    principal, ctx = operator()
    start, end = cst_day(from_, "from"), cst_day(to, "to")
    with outlet_progress("review") as tick, rt.tx(ctx) as tx:
        report = service.run(tx, principal, start, end, outlet_id=outlet, progress=tick)
    console.print(
        f"reviewed {report.outlets} outlets, {report.days} outlet-days; exceedance events: "
        f"{report.events_created} new, {report.events_updated} updated, {report.events_withdrawn} withdrawn"
    )


@app.command("export")
@handle_errors
def export(
    period: str = typer.Option("hour", "--period", help="hour | day | month"),
    from_: str = typer.Option(..., "--from", help="First CST day, YYYY-MM-DD."),
    to: str = typer.Option(..., "--to", help="Last CST day (inclusive)."),
    fmt: str = typer.Option("csv", "--format", help="csv | json"),
    outlet: int | None = typer.Option(None, "--outlet", help="Only this outlet (id)."),
    output: Path | None = typer.Option(None, "--output", "-o", help="File (default: standard output)."),
) -> None:
    """Stored figures, one row per outlet, pollutant and period (keys: see docs/review.md)."""
    if fmt not in ("csv", "json"):
        raise ValidationError("--format must be csv or json", field="format")
    rt = runtime()
    principal, ctx = operator()
    with rt.tx(ctx, readonly=True) as tx:
        items = review_export.rows(
            tx, principal, period, cst_day(from_, "from"), cst_day(to, "to"), outlet_id=outlet
        )
        chunks = review_export.to_csv(items) if fmt == "csv" else review_export.to_json(items)
        handle = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
        try:
            for chunk in chunks:
                handle.write(chunk)
        finally:
            if output:
                handle.close()


@app.command("import-self-monitoring")
@handle_errors
def import_self_monitoring(path: Path = typer.Argument(..., exists=True, dir_okay=False)) -> None:
    """Import self-monitoring results (CSV/XLSX; columns in docs/review.md)."""
    rt = runtime()
    principal, ctx = operator()
    with rt.tx(ctx) as tx:
        report = selfmon.import_file(tx, principal, path.read_bytes(), path.name)
    print_json({"created": report.created, "updated": report.updated, "errors": report.errors})
    if report.errors:
        raise typer.Exit(65)


LOGGER_CHECK_KEYS = ("outlet_id", "mn", "pollutant", "period", "period_start", "logger_value", "logger_flag",
                     "platform_value", "platform_valid", "difference", "tolerance", "issues")  # fmt: skip


@app.command("logger-check")
@handle_errors
def logger_check(
    from_: str = typer.Option(..., "--from", help="First CST day, YYYY-MM-DD."),
    to: str = typer.Option(..., "--to", help="Last CST day (inclusive)."),
    period: str = typer.Option("hour", "--period", help="hour | day"),
    fmt: str = typer.Option("csv", "--format", help="csv | json"),
    outlet: int | None = typer.Option(None, "--outlet", help="Only this outlet (id)."),
) -> None:
    """The loggers' own hourly/daily values against the computed ones: one row per differing period."""
    if fmt not in ("csv", "json"):
        raise ValidationError("--format must be csv or json", field="format")
    rt = runtime()
    principal, ctx = operator()
    start, end = cst_day(from_, "from"), cst_day(to, "to")
    out: list[dict[str, object]] = []
    with rt.tx(ctx, readonly=True) as tx:
        scope = service._scope(tx, principal)
        ids = [outlet] if outlet is not None else review_repo.outlet_ids(tx.session, scope)
        for oid in ids:
            check = crosscheck.logger_check_for(tx, principal, oid, period, start, end)
            out += [{"outlet_id": oid, "period": period, **row} for row in check["rows"]]
    if fmt == "json":
        print_json(out)
        return
    import csv

    writer = csv.DictWriter(sys.stdout, fieldnames=LOGGER_CHECK_KEYS)
    writer.writeheader()
    for row in out:
        writer.writerow({**row, "issues": ";".join(row["issues"])})  # type: ignore[arg-type]


@app.command("amounts")
@handle_errors
def amounts_cmd(
    year: int = typer.Option(..., "--year", help="CST calendar year."),
    enterprise: int | None = typer.Option(None, "--enterprise", help="Enterprise id (sum of its outlets)."),
    outlet: int | None = typer.Option(None, "--outlet", help="Outlet id."),
) -> None:
    """Emission amounts per month against the permitted annual amounts (JSON)."""
    if (enterprise is None) == (outlet is None):
        raise ValidationError("give --enterprise or --outlet", field="enterprise")
    rt = runtime()
    principal, ctx = operator()
    with rt.tx(ctx, readonly=True) as tx:
        if outlet is not None:
            print_json(amounts.for_outlet(tx, principal, outlet, year))
        else:
            assert enterprise is not None
            print_json(amounts.for_enterprise(tx, principal, enterprise, year))
