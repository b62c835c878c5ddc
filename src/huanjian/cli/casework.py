"""`huanjian case …` and `huanjian campaign …`: cases, their steps, duty split, ties, evidence, campaigns."""

from __future__ import annotations

import json
import mimetypes
from datetime import date
from pathlib import Path

import typer
from rich.table import Table

from huanjian.casework import evidence, service
from huanjian.casework.files import FileStore
from huanjian.casework.rules import legal_bases
from huanjian.cli.common import console, handle_errors, operator, print_json, runtime
from huanjian.core.time import iso_cst

case_app = typer.Typer(help="Cases (三监联动): open, act, show, evidence, duty split.", no_args_is_help=True)
campaign_app = typer.Typer(help="Special enforcement campaigns (专项执法检查).", no_args_is_help=True)


@case_app.command("list")
@handle_errors
def list_cases(
    state: str | None = typer.Option(None, help="Only cases in this state."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Cases, newest first."""
    principal, ctx = operator()
    with runtime().tx(ctx, readonly=True) as tx:
        cases = service.list_cases(tx, principal, state=state)
        rows = [
            {
                "id": c.id,
                "number": c.number,
                "title": c.title,
                "source": c.source,
                "state": c.state,
                "handling": c.handling_jurisdiction_code,
                "opened_time": iso_cst(c.opened_at),
            }
            for c in cases
        ]
    if as_json:
        print_json(rows)
        return
    table = Table("id", "number", "title", "source", "state", "handled by", "opened")
    for r in rows:
        table.add_row(
            *(str(r[k]) for k in ("id", "number", "title", "source", "state", "handling", "opened_time"))
        )
    console.print(table)


@case_app.command("open")
@handle_errors
def open_case(
    enterprise: int = typer.Option(..., help="Enterprise id (register)."),
    source: str = typer.Option(
        ..., help="clue|exceedance|comparison_test|complaint|random_draw|campaign|referral"
    ),
    title: str = typer.Option(...),
    source_ref: str | None = typer.Option(None),
    draw: int | None = typer.Option(None, help="Draw id, for source random_draw."),
) -> None:
    """Open a case; prints its number and who handles it."""
    principal, ctx = operator()
    with runtime().tx(ctx) as tx:
        case = service.open_case(
            tx,
            principal,
            enterprise_id=enterprise,
            source=source,
            title=title,
            source_ref=source_ref,
            draw_id=draw,
        )
        console.print(f"case {case.id} {case.number} opened, handled by {case.handling_jurisdiction_code}")


@case_app.command("act")
@handle_errors
def act(
    case_id: int,
    action: str,
    reason: str | None = typer.Option(None),
    data: str | None = typer.Option(None, help="JSON object, e.g. the decision or the order."),
    attach: list[Path] = typer.Option(
        [],
        "--attach",
        exists=True,
        dir_okay=False,
        readable=True,
        help="A file to attach to this step (repeatable); stored by SHA-256, as API attachments are.",
    ),
    purpose: str = typer.Option("document", help="Purpose of the attached files (document, photo, …)."),
) -> None:
    """Take one action of the state table (see casework/states.py), with its attachments."""
    principal, ctx = operator()
    rt = runtime()
    store = FileStore(rt.settings.data_dir)
    with rt.tx(ctx) as tx:
        # Same transaction: a refused action leaves no orphan attachment behind.
        files = [
            service.add_attachment(
                tx,
                principal,
                store,
                case_id,
                name=path.name,
                content=path.read_bytes(),
                content_type=mimetypes.guess_type(path.name)[0] or "application/octet-stream",
                purpose=purpose,
            )
            for path in attach
        ]
        case = service.transition(
            tx,
            principal,
            case_id,
            action,
            reason=reason,
            attachment_ids=[f.id for f in files],
            data=json.loads(data or "{}"),
        )
        console.print(f"case {case.number}: {case.state}")
        for f in files:
            console.print(f"  attached {f.id} {f.name} sha256 {f.sha256}")


@case_app.command("draw-commit")
@handle_errors
def draw_commit(
    case_id: int,
    kind: str = typer.Option(..., help="monitoring | inspection"),
    method: str | None = typer.Option(None),
    pollutant: str | None = typer.Option(None),
    count: int = typer.Option(1),
    reason: str | None = typer.Option(None, help="Required for another draw of a kind already drawn."),
) -> None:
    """Publish the SHA-256 of an assignment draw's seed (before the draw)."""
    principal, ctx = operator()
    with runtime().tx(ctx) as tx:
        row = service.commit_assignment_draw(
            tx, principal, case_id, kind=kind, method=method, pollutant=pollutant, count=count, reason=reason
        )
        console.print(f"commitment {row.id} sha256 {row.commitment}")


@case_app.command("draw-assign")
@handle_errors
def draw_assign(
    case_id: int,
    kind: str = typer.Option(..., help="monitoring | inspection"),
    method: str | None = typer.Option(None),
    pollutant: str | None = typer.Option(None),
    count: int = typer.Option(1),
) -> None:
    """Draw people with the committed seed (same parameters as the commitment)."""
    principal, ctx = operator()
    with runtime().tx(ctx) as tx:
        rows = service.draw_assignment(
            tx, principal, case_id, kind=kind, method=method, pollutant=pollutant, count=count
        )
        for row in rows:
            console.print(f"assignment {row.id}: staff {row.staff_id} ({kind})")


@case_app.command("draw-verify")
@handle_errors
def draw_verify(case_id: int) -> None:
    """Recompute every assignment draw of the case from its revealed seed; exit 2 if one fails."""
    principal, ctx = operator()
    with runtime().tx(ctx, readonly=True) as tx:
        draws = service.case_draws(tx, principal, case_id)
    print_json(draws)
    if any(d["drawn_at"] is not None and not d["ok"] for d in draws):
        raise typer.Exit(2)


@case_app.command("show")
@handle_errors
def show(case_id: int) -> None:
    """The case with its steps, as JSON."""
    principal, ctx = operator()
    with runtime().tx(ctx, readonly=True) as tx:
        cf = service.case_file(tx, principal, case_id)
        print_json(evidence.case_document(cf))


@case_app.command("evidence")
@handle_errors
def export_evidence(
    case_id: int, out: Path = typer.Option(None, help="ZIP to write (default: ./evidence-<number>.zip).")
) -> None:
    """Write the evidence package; exit 2 when its verification fails."""
    rt = runtime()
    principal, ctx = operator()
    with rt.tx(ctx) as tx:
        package = evidence.export(tx, principal, FileStore(rt.settings.data_dir), case_id)
    target = out or Path(package.filename)
    target.write_bytes(package.content)
    console.print(f"{target} sha256 {package.sha256} verified={package.verification['ok']}")
    if not package.verification["ok"]:
        raise typer.Exit(2)


@case_app.command("duty")
@handle_errors
def duty(
    jurisdiction: str = typer.Option(...),
    supervising_level: str = typer.Option(..., help="city|district|town"),
    handling_level: str = typer.Option(..., help="city|district|town"),
    note: str = typer.Option(""),
) -> None:
    """Set the duty split of a jurisdiction: who handles cases of enterprises at a supervising level."""
    principal, ctx = operator()
    with runtime().tx(ctx) as tx:
        service.set_duty_rule(
            tx,
            principal,
            jurisdiction_code=jurisdiction,
            supervising_level=supervising_level,
            handling_level=handling_level,
            note=note,
        )
    console.print(f"{jurisdiction}: {supervising_level}-level enterprises handled at {handling_level} level")


@case_app.command("tie")
@handle_errors
def tie(
    staff: int = typer.Option(...),
    enterprise: int = typer.Option(...),
    kind: str = typer.Option(..., help="equity|employment|kinship"),
    note: str = typer.Option(""),
) -> None:
    """Record a declared tie between a person and an enterprise (recusal)."""
    principal, ctx = operator()
    with runtime().tx(ctx) as tx:
        row = service.declare_tie(
            tx, principal, staff_id=staff, enterprise_id=enterprise, kind=kind, note=note
        )
        console.print(f"declared tie {row.id}")


@case_app.command("board")
@handle_errors
def board() -> None:
    """KPIs of all cases (definitions in casework/kpis.py), as JSON."""
    principal, ctx = operator()
    with runtime().tx(ctx, readonly=True) as tx:
        b = service.board(tx, principal)
        print_json({**vars(b.kpis), "overdue_orders_list": [o.number for o in b.overdue]})


@case_app.command("legal-bases")
def list_legal_bases() -> None:
    """Legal bases a decision may cite, with source and confidence."""
    print_json(legal_bases())


@campaign_app.command("create")
@handle_errors
def create_campaign(
    name: str = typer.Option(...),
    jurisdiction: str = typer.Option(...),
    start: str = typer.Option(..., help="YYYY-MM-DD"),
    end: str = typer.Option(..., help="YYYY-MM-DD"),
    enterprise: list[int] = typer.Option(..., help="Target enterprise id; repeat."),
) -> None:
    """Create a campaign with its target list and period."""
    principal, ctx = operator()
    with runtime().tx(ctx) as tx:
        campaign = service.create_campaign(
            tx,
            principal,
            name=name,
            jurisdiction_code=jurisdiction,
            period_start=date.fromisoformat(start),
            period_end=date.fromisoformat(end),
            enterprise_ids=enterprise,
        )
        console.print(f"campaign {campaign.id} created with {len(set(enterprise))} targets")


@campaign_app.command("list")
@handle_errors
def list_campaigns() -> None:
    principal, ctx = operator()
    with runtime().tx(ctx, readonly=True) as tx:
        rows = [
            {
                "id": c.id,
                "name": c.name,
                "jurisdiction_code": c.jurisdiction_code,
                "period": [c.period_start, c.period_end],
            }
            for c in service.list_campaigns(tx, principal)
        ]
    print_json(rows)


@campaign_app.command("open-cases")
@handle_errors
def open_cases(campaign_id: int) -> None:
    """Open one case per target that has none in the campaign yet."""
    principal, ctx = operator()
    with runtime().tx(ctx) as tx:
        cases = service.open_campaign_cases(tx, principal, campaign_id)
        console.print(f"{len(cases)} cases opened: {', '.join(c.number for c in cases)}")
