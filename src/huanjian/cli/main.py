"""Entry point of the `huanjian` command."""

from __future__ import annotations

import typer

from huanjian import __version__
from huanjian.cli import audit, db, serve, users
from huanjian.cli import ingest as ingest_cli
from huanjian.cli.casework import campaign_app, case_app
from huanjian.cli.credit import app as credit_app
from huanjian.cli.draw import app as draw_app
from huanjian.cli.geo import app as geo_app
from huanjian.cli.power import app as power_app
from huanjian.cli.register import app as register_app
from huanjian.cli.review import app as review_app
from huanjian.detect.cli import app as detect_app
from huanjian.field import evidence as field_evidence  # noqa: F401  (its section of case evidence packages)
from huanjian.field.compare.cli import app as compare_app
from huanjian.hj212.cli import app as hj212_app

app = typer.Typer(
    name="huanjian",
    help="环监 huanjian — supervision of stationary pollution sources.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(db.app, name="db")
app.add_typer(users.app, name="users")
app.add_typer(audit.app, name="audit")
app.add_typer(case_app, name="case")
app.add_typer(campaign_app, name="campaign")
app.add_typer(compare_app, name="compare")
app.add_typer(detect_app, name="detect")
app.add_typer(credit_app, name="credit")
app.add_typer(draw_app, name="draw")
app.add_typer(geo_app, name="jurisdictions")
app.add_typer(hj212_app, name="hj212")
app.add_typer(ingest_cli.loggers_app, name="loggers")
app.add_typer(ingest_cli.readings_app, name="readings")
app.add_typer(ingest_cli.simulate_app, name="simulate")
app.add_typer(power_app, name="power")
app.add_typer(register_app, name="register")
app.add_typer(review_app, name="review")
app.command()(serve.serve)
app.command()(serve.worker)
app.command()(serve.demo)
app.command()(ingest_cli.gateway)
app.command()(ingest_cli.ingest)


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


def main() -> None:
    app()
