"""Runs per jurisdiction as well as city-wide: who may start, see and publish them, what they
rate, and that they leave the city's runs alone; on the service, the API and the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from huanjian.access.policy import Principal
from huanjian.cli.main import app
from huanjian.core.runtime import Runtime
from huanjian.core.tx import Tx
from huanjian.credit import consequences, repository, service
from huanjian.errors import NotFound, PermissionDenied, ValidationError
from huanjian.web.app import create_app
from tests.cli.conftest import cli_env, runner  # noqa: F401 — shared CLI fixtures
from tests.credit.builders import CreditWorld
from tests.factories import bearer, credit_code

SYSTEM = Principal.system()


def test_a_district_rates_its_own_subjects_and_publishes_them(tx: Tx, world: CreditWorld) -> None:
    p = world.people
    pudong, minhang = Principal.of(p.pudong), Principal.of(p.minhang)
    city, town = Principal.of(p.city), Principal.of(p.pudong_town)
    citywide = service.run(tx, city, "enterprise", "2026")
    run = service.run(tx, pudong, "enterprise", "2026", jurisdiction="310115")
    assert run.jurisdiction_code == "310115" and run.inputs["jurisdiction"] == "310115"
    assert {e.organisation_id for e in repository.evaluations(tx.session, run.id)} == {world.ent_a}
    assert citywide.status == "draft"  # a district's run supersedes only the district's own drafts
    assert {e.organisation_id for e in repository.evaluations(tx.session, citywide.id)} >= {
        world.ent_a,
        world.ent_b,
    }
    with pytest.raises(PermissionDenied):
        service.run(tx, pudong, "enterprise", "2026")  # the whole city is not Pudong's
    with pytest.raises(PermissionDenied):
        service.run(tx, pudong, "enterprise", "2026", jurisdiction="310112")
    with pytest.raises(ValidationError):
        service.run(tx, SYSTEM, "enterprise", "2026", jurisdiction="319999")
    with pytest.raises(NotFound):
        service.get_run(tx, minhang, run.id)
    assert run.id not in {r.id for r in service.list_runs(tx, minhang)}
    assert {r.id for r in service.list_runs(tx, town)} >= {run.id, citywide.id}
    assert run.id in {r.id for r in service.list_runs(tx, city)}
    with pytest.raises(NotFound):
        service.publish(tx, minhang, run.id)
    again = service.run(tx, pudong, "enterprise", "2026", jurisdiction="310115")
    assert run.status == "superseded" and citywide.status == "draft"
    service.publish(tx, pudong, again.id)
    g = consequences.effective_grade(tx.session, "enterprise", world.ent_a)
    assert (
        g is not None and (g.grade, g.source) == ("yellow", "published") and f"run {again.id}" in g.provenance
    )
    assert service.find_run(tx, "enterprise", "2026", "310115").id == again.id
    assert service.find_run(tx, "enterprise", "2026").id == citywide.id


def test_district_runs_through_the_api(runtime: Runtime, tx: Tx, world: CreditWorld) -> None:
    h = {name: bearer(tx, getattr(world.people, name)) for name in ("pudong", "minhang")}
    tx.session.commit()
    client = TestClient(create_app(runtime))
    r = client.post(
        "/api/v1/credit/runs",
        json={"scheme": "enterprise", "period": "2026", "jurisdiction_code": "310115"},
        headers=h["pudong"],
    )
    assert r.status_code == 201 and r.json()["jurisdiction_code"] == "310115"
    run_id = r.json()["id"]
    assert client.get(f"/api/v1/credit/runs/{run_id}", headers=h["minhang"]).status_code == 404
    body = client.get(f"/api/v1/credit/runs/{run_id}", headers=h["pudong"]).json()
    assert [e["organisation_id"] for e in body["evaluations"]] == [world.ent_a]
    denied = client.post(
        "/api/v1/credit/runs",
        json={"scheme": "enterprise", "period": "2026", "jurisdiction_code": "310115"},
        headers=h["minhang"],
    )
    assert denied.status_code == 403
    page = client.get("/credit?scheme=enterprise&jurisdiction=310115", headers=h["pudong"]).text
    assert 'data-testid="run-area">310115<' in page


def test_district_runs_through_the_cli(cli_env: Path, runner: CliRunner) -> None:  # noqa: F811
    def hj(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, list(args))
        return result.exit_code, result.output

    a, b = credit_code(1, "310115"), credit_code(2, "310112")
    assert hj("db", "upgrade")[0] == 0 and hj("jurisdictions", "load", "31")[0] == 0
    ent = cli_env / "ent.csv"
    ent.write_text(
        f"credit_code,name,jurisdiction_code\n{a},甲公司,310115\n{b},乙公司,310112\n", encoding="utf-8"
    )
    assert hj("register", "import", "enterprises", str(ent))[0] == 0
    code, out = hj("credit", "run", "--scheme", "enterprise", "--period", "2026", "--jurisdiction", "310115")
    assert code == 0 and "310115" in out and "1 evaluated" in out, out
    code, out = hj("credit", "publish", "--scheme", "enterprise", "--period", "2026")
    assert code != 0 and "city-wide" in out  # no city-wide run yet
    code, out = hj(
        "credit", "publish", "--scheme", "enterprise", "--period", "2026", "--jurisdiction", "310115"
    )
    assert code == 0 and "published" in out, out
    code, out = hj("credit", "show", a)
    assert code == 0 and "published" in out and "green" in out, out
