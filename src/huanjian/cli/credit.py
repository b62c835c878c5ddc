"""`huanjian credit …`: run, show and publish credit evaluations."""

from __future__ import annotations

import typer
from rich.table import Table

from huanjian.cli.common import console, handle_errors, operator, print_json, runtime
from huanjian.credit import consequences, repository, service, views
from huanjian.credit.schemas import ItemOut
from huanjian.errors import NotFound

app = typer.Typer(help="Credit evaluation: run, show, publish.", no_args_is_help=True)

SCHEME = typer.Option(..., "--scheme", help="enterprise | lab | contractor")
PERIOD = typer.Option(
    ..., "--period", help="A year (final run, e.g. 2026) or a month (provisional, e.g. 2026-10)."
)
JURISDICTION = typer.Option(
    None, "--jurisdiction", help="A district (or town) code: rate only its subjects. Default: the whole city."
)


@app.command()
@handle_errors
def run(scheme: str = SCHEME, period: str = PERIOD, jurisdiction: str | None = JURISDICTION) -> None:
    """Evaluate every subject of the scheme for the period (a draft run until published)."""
    rt = runtime()
    principal, ctx = operator()
    with rt.tx(ctx) as tx:
        r = service.run(tx, principal, scheme, period, jurisdiction=jurisdiction)
        rows = repository.evaluations(tx.session, r.id)
        grades: dict[str, int] = {}
        for e in rows:
            grades[e.grade] = grades.get(e.grade, 0) + 1
        area = jurisdiction or "city-wide"
        console.print(
            f"run {r.id}: {scheme} {r.period} ({r.kind}, {area}), scheme v{r.scheme_version}, "
            f"{len(rows)} evaluated"
        )
    table = Table("grade", "count")
    for g, n in sorted(grades.items()):
        table.add_row(g, str(n))
    console.print(table)


@app.command()
@handle_errors
def show(credit_code: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """An organisation's grades with provenance, its history and the items of its latest evaluation."""
    rt = runtime()
    principal, ctx = operator()
    with rt.tx(ctx, readonly=True) as tx:
        org = repository.organisation_by_code(tx.session, credit_code)
        if org is None:
            raise NotFound(f"no organisation with credit code {credit_code}")
        data = views.organisation(tx, principal, org.id)
        items = []
        if data["history"]:
            latest = data["history"][0]["evaluation_id"]
            items = [ItemOut.of(i).model_dump(mode="json") for i in repository.items(tx.session, latest)]
    if as_json:
        print_json({**data, "items": items})
        return
    console.print(f"[bold]{data['organisation']['name']}[/bold] {credit_code}")
    for key in ("effective", "provisional"):
        g = data[key]
        console.print(f"{key}: {g['grade']} ({g['source']}: {g['provenance']})" if g else f"{key}: —")
    if inc := data["incomplete"]:
        console.print(
            f"[yellow]incomplete[/yellow] {inc['period']} (evaluation {inc['evaluation_id']}): "
            f"data cover {inc['coverage']:.0%} of the weight, {inc['min_share']:.0%} needed; "
            f"no data for {', '.join(inc['missing'])} — not graded, no consequences"
        )
    table = Table("period", "run", "status", "score", "grade")
    for h in data["history"]:
        table.add_row(
            h["period"], str(h["run_id"]), h["status"], f"{h['score']:.2f}", h["repaired_grade"] or h["grade"]
        )
    console.print(table)
    lines = Table("rule", "points", "explanation", "source record")
    for i in items:
        lines.add_row(
            i["rule"],
            f"{i['points']:+.2f}",
            i["explanation"],
            f"{i['object_type'] or ''} {i['object_id'] or ''}",
        )
    console.print(lines)


@app.command()
@handle_errors
def publish(scheme: str = SCHEME, period: str = PERIOD, jurisdiction: str | None = JURISDICTION) -> None:
    """Publish the draft run of the scheme, period and area (refused while objections are open)."""
    rt = runtime()
    principal, ctx = operator()
    with rt.tx(ctx) as tx:
        r = service.find_run(tx, scheme, period, jurisdiction)
        service.publish(tx, principal, r.id)
        console.print(f"run {r.id} published: {scheme} {r.period}")
        if scheme == "enterprise":
            lists = consequences.public_lists(tx.session)
            console.print(f"red list: {len(lists['red'])} enterprise(s)")
