"""`huanjian power …`: electricity meters, the feed, a meter's readings."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.table import Table

from huanjian.cli.common import console, handle_errors, operator, print_json, runtime
from huanjian.core.time import parse_local
from huanjian.errors import ValidationError
from huanjian.power import service
from huanjian.power.feed import template_csv
from huanjian.power.schemas import MeterOut, PointOut

app = typer.Typer(
    help="Electricity monitoring of facilities (用电监控): meters and readings.", no_args_is_help=True
)
meter_app = typer.Typer(help="Electricity meters on register facilities.", no_args_is_help=True)
app.add_typer(meter_app, name="meter")


@meter_app.command("add")
@handle_errors
def meter_add(
    credit_code: str = typer.Option(..., "--credit-code"),
    facility_code: str = typer.Option(..., "--facility", help="Facility code in the register (TA001…)."),
    meter_code: str = typer.Option(..., "--meter"),
    quantity: str = typer.Option(..., "--quantity", help="power_kw | current_a | energy_kwh"),
    running_threshold: float | None = typer.Option(
        None, "--running-at", help="Running at or above this value."
    ),
    mn: str | None = typer.Option(None, "--mn", help="HJ 212 logger sending this meter's values."),
    item_code: str | None = typer.Option(None, "--item", help="HJ 212 item code carrying the value."),
    subfield: str | None = typer.Option(None, "--subfield", help="rtd | avg | min | max | cou"),
) -> None:
    """Register a meter (or update how its data arrive)."""
    rt = runtime()
    principal, ctx = operator()
    with rt.tx(ctx) as tx:
        m = service.register_meter(
            tx,
            principal,
            credit_code=credit_code,
            facility_code=facility_code,
            meter_code=meter_code,
            quantity=quantity,
            running_threshold=running_threshold,
            mn=mn,
            item_code=item_code,
            subfield=subfield,
        )
        console.print(
            f"meter {m.id}: {m.meter_code} on facility {facility_code} ({m.quantity})", highlight=False
        )


@meter_app.command("list")
@handle_errors
def meter_list(as_json: bool = typer.Option(False, "--json")) -> None:
    """Registered meters."""
    rt = runtime()
    principal, ctx = operator()
    with rt.tx(ctx, readonly=True) as tx:
        meters = service.list_meters(tx, principal)
        rows = [MeterOut.model_validate(m).model_dump(mode="json") for m in meters]
    if as_json:
        print_json(rows)
        return
    table = Table("id", "enterprise", "facility", "meter", "quantity", "running at", "HJ 212")
    for r in rows:
        hj = f"{r['mn']} {r['item_code']}" if r["mn"] else ""
        threshold = "" if r["running_threshold"] is None else str(r["running_threshold"])
        cells = (r["id"], r["enterprise_id"], r["facility_id"], r["meter_code"], r["quantity"])
        table.add_row(*(str(c) for c in cells), threshold, hj)
    console.print(table)


@app.command("import")
@handle_errors
def import_feed(path: Path = typer.Argument(..., exists=True, dir_okay=False)) -> None:
    """Store an electricity feed file (CSV or XLSX); all rows or, on any error, none."""
    rt = runtime()
    principal, ctx = operator()
    with rt.tx(ctx) as tx:
        report = service.import_feed(tx, principal, path.read_bytes(), path.name)
    print_json(report.as_dict())


@app.command("template")
def template() -> None:
    """Print the feed template (CSV with one example row)."""
    sys.stdout.buffer.write(template_csv())


@app.command("readings")
@handle_errors
def readings(
    meter_id: int = typer.Argument(...),
    start: str = typer.Option(..., "--from", help="Start (CST unless a zone is given)."),
    end: str = typer.Option(..., "--to", help="End, exclusive."),
    period: str | None = typer.Option(None, "--period"),
) -> None:
    """A meter's readings from the feed and from HJ 212, one JSON object per line."""
    try:
        t0, t1 = parse_local(start), parse_local(end)
    except ValueError as exc:
        raise ValidationError(f"--from/--to: {exc}", field="from") from None
    rt = runtime()
    principal, ctx = operator()
    with rt.tx(ctx, readonly=True) as tx:
        for p in service.series(tx, principal, meter_id, t0, t1, period):
            print_json(PointOut.model_validate(p).model_dump(mode="json"))
