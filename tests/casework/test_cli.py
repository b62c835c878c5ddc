"""`huanjian case …` and `huanjian campaign …` on a fresh SQLite data dir."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from huanjian.casework.files import FileStore
from huanjian.casework.models import Assignment, Attachment, CaseStep
from huanjian.cli.casework import campaign_app, case_app
from huanjian.cli.common import operator, runtime
from huanjian.core import migrate
from tests.cli.conftest import cli_env, runner  # noqa: F401 — fixtures
from tests.factories import make_enterprise, seed_geo


def test_case_and_campaign_commands(cli_env: Path, runner: CliRunner) -> None:  # noqa: F811
    rt = runtime()
    migrate.upgrade(rt.db.engine)
    _, ctx = operator()
    with rt.tx(ctx) as tx:
        seed_geo(tx)
        ent = make_enterprise(tx, 7, "上海某热电", "310115103")
    r = runner.invoke(
        case_app, ["open", "--enterprise", str(ent), "--source", "exceedance", "--title", "超标"]
    )
    assert r.exit_code == 0, r.output
    extract = cli_env / "小时数据.csv"
    extract.write_bytes(b"time,a21026\n2026-11-20T08:00,182.4\n")
    photo = cli_env / "photo.jpg"
    photo.write_bytes(b"\xff\xd8\xff jpeg")
    r = runner.invoke(case_app, ["act", "1", "accept", "--attach", str(extract), "--attach", str(photo)])
    assert r.exit_code == 0, r.output
    with rt.tx(ctx, readonly=True) as tx:
        [step] = [s for s in tx.session.scalars(select(CaseStep)) if s.action == "accept"]
        stored = {a.name: a for a in tx.session.scalars(select(Attachment))}
        assert sorted(step.attachment_ids) == sorted(a.id for a in stored.values())
        assert stored["小时数据.csv"].sha256 == hashlib.sha256(extract.read_bytes()).hexdigest()
        assert stored["photo.jpg"].content_type == "image/jpeg"
        store = FileStore(rt.settings.data_dir)
        assert store.get(stored["photo.jpg"].sha256) == photo.read_bytes()
    r = runner.invoke(case_app, ["act", "1", "reject", "--reason", "x", "--attach", str(photo)])
    assert r.exit_code == 75, r.output  # refused: and the file it brought is not kept
    with rt.tx(ctx, readonly=True) as tx:
        assert len(tx.session.scalars(select(Attachment)).all()) == 2
    r = runner.invoke(case_app, ["list", "--json"])
    assert json.loads(r.output)[0]["state"] == "verification"
    r = runner.invoke(case_app, ["evidence", "1", "--out", str(cli_env / "e.zip")])
    assert r.exit_code == 0, r.output and (cli_env / "e.zip").stat().st_size > 0
    r = runner.invoke(
        case_app,
        ["duty", "--jurisdiction", "310115", "--supervising-level", "town", "--handling-level", "district"],
    )
    assert r.exit_code == 0, r.output
    r = runner.invoke(
        campaign_app,
        [
            "create",
            "--name",
            "专项",
            "--jurisdiction",
            "310115",
            "--start",
            "2026-10-01",
            "--end",
            "2026-12-31",
            "--enterprise",
            str(ent),
        ],
    )
    assert r.exit_code == 0, r.output
    assert "1 cases opened" in runner.invoke(campaign_app, ["open-cases", "1"]).output
    assert json.loads(runner.invoke(case_app, ["board"]).output)["opened"] == 2


def test_assignment_draw_commit_draw_and_verify(cli_env: Path, runner: CliRunner) -> None:  # noqa: F811
    from huanjian.casework import service
    from tests.casework.builders import METHOD, POLLUTANT, build

    rt = runtime()
    migrate.upgrade(rt.db.engine)
    principal, ctx = operator()
    with rt.tx(ctx) as tx:
        w = build(tx)
        case = service.open_case(tx, principal, enterprise_id=w.ent_a, source="complaint", title="投诉")
        service.transition(tx, principal, case.id, "accept")
        service.transition(tx, principal, case.id, "task_monitoring")
        cid = str(case.id)
    params = ["--kind", "monitoring", "--method", METHOD, "--pollutant", POLLUTANT]
    r = runner.invoke(case_app, ["draw-assign", cid, *params])
    assert r.exit_code == 75, r.output  # refused: no commitment published
    r = runner.invoke(case_app, ["draw-commit", cid, *params])
    assert r.exit_code == 0 and "sha256" in r.output, r.output
    r = runner.invoke(case_app, ["draw-verify", cid])
    [pending] = json.loads(r.output)
    assert r.exit_code == 0 and pending["seed"] is None
    r = runner.invoke(case_app, ["draw-assign", cid, *params])
    assert r.exit_code == 0, r.output
    r = runner.invoke(case_app, ["draw-verify", cid])
    [done] = json.loads(r.output)
    assert (
        r.exit_code == 0
        and done["ok"]
        and hashlib.sha256(bytes.fromhex(done["seed"])).hexdigest() == done["commitment"]
    )
    with rt.tx(ctx) as tx:  # a draw record altered afterwards: verify says so and exits 2
        row = tx.session.get(Assignment, done["assignments"][0])
        assert row is not None and row.via_draw is not None
        row.via_draw = {**row.via_draw, "picked": ["staff:999"]}
    r = runner.invoke(case_app, ["draw-verify", cid])
    assert r.exit_code == 2 and json.loads(r.output)[0]["problems"], r.output
