"""Remote commands: queue (API, CLI), delivery by the gateway, 9011/9012 replies, clock on connect."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from huanjian.access.policy import Principal
from huanjian.audit.models import AuditEntry
from huanjian.core.context import ActionContext
from huanjian.core.db import Database
from huanjian.core.runtime import Runtime
from huanjian.core.tx import Tx
from huanjian.errors import NotFound, ValidationError
from huanjian.hj212 import FrameSplitter, decode, encode
from huanjian.ingest import commands
from huanjian.ingest.gateway import Gateway, GatewayConfig
from huanjian.ingest.models import IngestCommand
from huanjian.ingest.pipeline import Rules
from huanjian.ingest.store import IngestStore
from huanjian.web.app import create_app
from tests.conftest import AUDIT_KEY
from tests.factories import bearer, make_user
from tests.ingest.helpers import MN, NOW, incoming, minute_frame

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


# -- service -----------------------------------------------------------------------------


def test_command_specs() -> None:
    begin, end = datetime(2024, 3, 1, tzinfo=UTC), datetime(2024, 3, 2, tzinfo=UTC)
    assert commands.command_spec("set-time") == ("1012", {})
    assert commands.command_spec("request", cn="2061", begin=begin, end=end) == (
        "2061",
        {"BeginTime": begin.isoformat(), "EndTime": end.isoformat()},
    )
    assert commands.command_spec("set-interval", interval=60) == ("1062", {"RtdInterval": 60})
    assert commands.command_spec("set-interval", cn="1064", interval=10) == ("1064", {"MinInterval": 10})
    assert commands.command_spec("query-3020", pol_id="a21026") == ("3020", {"PolId": "a21026"})
    for kind, spec in (
        ("request", {}),
        ("request", {"cn": "1011", "begin": begin, "end": end}),
        ("request", {"begin": end, "end": begin}),
        ("set-interval", {"interval": 5}),
        ("set-interval", {}),
        ("reboot", {}),
    ):
        with pytest.raises(ValidationError):
            commands.command_spec(kind, **spec)  # type: ignore[arg-type]


def test_request_frame_uses_the_loggers_time_pw_and_version() -> None:
    d = commands.Delivery(
        1,
        MN,
        "2051",
        "20240301123000123",
        {"BeginTime": "2024-03-01T00:00:00+00:00", "EndTime": "2024-03-01T01:00:00+00:00"},
    )
    f = decode(commands.request_frame(d, pw="654321", st="31", version="2017", offset_hours=8.0, now=NOW))
    assert f.ok and f.cn == "2051" and f.qn == d.qn and f.pw == "654321" and f.st == "31"
    assert f.ack_requested and f.version == "2017"
    assert f.params == {"BeginTime": "20240301080000", "EndTime": "20240301090000"}  # CST
    clock = commands.Delivery(2, MN, "1012", "20240301123000124", {})
    f = decode(commands.request_frame(clock, pw=None, st=None, version=None, offset_hours=8.0, now=NOW))
    assert f.params == {"SystemTime": "20240301123000"}


# -- gateway: delivery and replies ---------------------------------------------------------


@pytest.fixture
def database(fresh_db_url: str) -> Iterator[Database]:
    db = Database(fresh_db_url)
    yield db
    db.dispose()


async def _frames(reader: asyncio.StreamReader, splitter: FrameSplitter, n: int) -> list[bytes]:
    out: list[bytes] = []
    async with asyncio.timeout(10):
        while len(out) < n:
            data = await reader.read(4096)
            assert data, "connection closed"
            out += [s.data for s in splitter.feed(data) if s.kind == "frame"]
    return out


async def _until_status(database: Database, qn: str, status: str, seconds: float = 20.0) -> IngestCommand:
    """The command once it reaches ``status`` (or as it is after ``seconds``: the caller asserts).
    A generous deadline: the replies are stored by the gateway's writer, which on a loaded
    CI machine can take seconds; the test only fails later, never passes wrongly."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        await asyncio.sleep(0.05)
        with database.unit_of_work() as s:
            row = s.scalars(select(IngestCommand).where(IngestCommand.qn == qn)).one()
            s.expunge(row)
        if row.status == status or loop.time() > deadline:
            return row


async def test_gateway_delivers_when_connected_and_records_replies(database: Database) -> None:
    store = IngestStore(database, AUDIT_KEY.encode(), Rules())
    store.write([incoming(minute_frame())], NOW)  # the platform knows the logger
    with database.unit_of_work() as s:
        tx = Tx(s, ActionContext.system(), AUDIT_KEY.encode())
        cmd = commands.queue(tx, Principal.system(), MN, "set-interval", interval=60)
        qn = cmd.qn
    gw = Gateway(store, GatewayConfig(host="127.0.0.1", port=0, command_poll=0.05))
    await gw.start()
    try:
        await asyncio.sleep(0.2)
        with database.unit_of_work() as s:  # nobody connected: still queued
            assert s.scalar(select(IngestCommand.status).where(IngestCommand.qn == qn)) == "queued"
        reader, writer = await asyncio.open_connection("127.0.0.1", gw.port)
        splitter = FrameSplitter()
        writer.write(minute_frame("20240301123100"))
        await writer.drain()
        got = [decode(r) for r in await _frames(reader, splitter, 2)]
        request = next(f for f in got if f.cn == "1062")
        assert request.qn == qn and request.params == {"RtdInterval": "60"} and request.pw == "123456"
        common = {"st": "91", "pw": "123456", "mn": MN, "qn": qn, "version": None, "flag": 4}
        writer.write(encode(cn="9011", params={"QnRtn": 1}, **common))  # type: ignore[arg-type]
        writer.write(encode(cn="9012", params={"ExeRtn": 1}, **common))  # type: ignore[arg-type]
        await writer.drain()
        row = await _until_status(database, qn, "done")
        assert (row.status, row.qn_rtn, row.exe_rtn) == ("done", 1, 1)
        assert row.sent_at is not None and row.sent_raw == request.raw
        assert [r["cn"] for r in row.replies or []] == ["9011", "9012"]
        writer.close()
    finally:
        await gw.stop()


async def test_refused_request_and_clock_set_on_connect(database: Database) -> None:
    store = IngestStore(database, AUDIT_KEY.encode(), Rules())
    gw = Gateway(store, GatewayConfig(host="127.0.0.1", port=0, command_poll=0.05, set_clock_on_connect=True))
    await gw.start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", gw.port)
        splitter = FrameSplitter()
        writer.write(minute_frame())
        await writer.drain()
        got = [decode(r) for r in await _frames(reader, splitter, 2)]
        clock = next(f for f in got if f.cn == "1012")
        assert clock.params["SystemTime"].isdigit() and len(clock.params["SystemTime"]) == 14
        common = {"st": "91", "pw": "123456", "mn": MN, "qn": clock.qn, "version": None, "flag": 4}
        writer.write(encode(cn="9011", params={"QnRtn": 2}, **common))  # type: ignore[arg-type]
        await writer.drain()
        row = await _until_status(database, clock.qn, "refused")
        assert (row.status, row.qn_rtn, row.source, row.created_by) == ("refused", 2, "on_connect", "gateway")
        # A second frame on the same connection does not set the clock again.
        writer.write(minute_frame("20240301123100"))
        await writer.drain()
        await _frames(reader, splitter, 1)
        await asyncio.sleep(0.3)
        with database.unit_of_work() as s:
            assert len(s.scalars(select(IngestCommand)).all()) == 1
        writer.close()
    finally:
        await gw.stop()


# -- API: audit per request, scope -----------------------------------------------------------


def test_api_writes_are_audited(runtime: Runtime, tx: Tx) -> None:
    """Each command write route leaves its audit entry under the request's id (test_audit_every_write)."""
    store = IngestStore(runtime.db, AUDIT_KEY.encode(), Rules())
    store.write([incoming(minute_frame())], NOW)
    headers = bearer(tx, make_user(tx, "root", "admin"))
    tx.session.commit()
    client = TestClient(create_app(runtime))
    body = {"kind": "request", "cn": "2061", "begin": "2024-03-01T00:00:00+08:00", "end": "2024-03-02T08:00"}
    r = client.post(
        f"/api/v1/loggers/{MN}/commands", json=body, headers={**headers, "X-Request-ID": "c-queue"}
    )
    assert r.status_code == 422  # a time without a zone is refused
    body["end"] = "2024-03-02T00:00:00+08:00"
    r = client.post(
        f"/api/v1/loggers/{MN}/commands", json=body, headers={**headers, "X-Request-ID": "c-queue"}
    )
    assert r.status_code == 201, r.text
    command_id = r.json()["id"]
    r = client.post(f"/api/v1/commands/{command_id}/cancel", headers={**headers, "X-Request-ID": "c-cancel"})
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    r = client.post(f"/api/v1/commands/{command_id}/cancel", headers=headers)
    assert r.status_code == 422  # only a queued command can be cancelled
    listed = client.get(f"/api/v1/loggers/{MN}/commands", headers=headers).json()
    assert [(c["id"], c["status"], c["params"]["BeginTime"]) for c in listed] == [
        (command_id, "cancelled", "2024-02-29T16:00:00+00:00")
    ]
    tx.session.expire_all()
    by_request: dict[str, list[str]] = {}
    for e in tx.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "ingest_command")):
        by_request.setdefault(e.request_id, []).append(e.action)
    assert by_request == {"c-queue": ["ingest.command.queue"], "c-cancel": ["ingest.command.cancel"]}


def test_queue_needs_a_known_logger(tx: Tx) -> None:
    with pytest.raises(NotFound):
        commands.queue(tx, Principal.system(), "NOSUCHLOGGER000000000000", "set-time")


def test_cli_queue_and_list(fresh_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from huanjian.cli.common import reset_runtime
    from huanjian.cli.main import app
    from huanjian.settings import reset_settings_cache

    monkeypatch.setenv("HUANJIAN_DATABASE_URL", fresh_db_url)
    monkeypatch.setenv("HUANJIAN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("HUANJIAN_AUDIT_KEY", AUDIT_KEY)
    reset_settings_cache()
    reset_runtime()
    try:
        capture = tmp_path / "frames.txt"
        capture.write_bytes(minute_frame())
        runner = CliRunner()
        assert runner.invoke(app, ["ingest", str(capture)]).exit_code == 0
        args = ["loggers", "command", MN, "request", "--cn", "2051", "--from", "2024-03-01T08:00"]
        r = runner.invoke(app, [*args, "--to", "2024-03-01T09:00", "--json"])
        assert r.exit_code == 0, r.output
        out = json.loads(r.stdout)
        assert out["cn"] == "2051" and out["status"] == "queued"
        assert out["params"] == {
            "BeginTime": "2024-03-01T00:00:00+00:00",
            "EndTime": "2024-03-01T01:00:00+00:00",
        }
        for extra in (
            ["set-time"],
            ["set-interval", "--interval", "300"],
            ["query-3020", "--pol-id", "a21026"],
        ):
            r = runner.invoke(app, ["loggers", "command", MN, *extra])
            assert r.exit_code == 0, r.output
        r = runner.invoke(app, ["loggers", "command", MN, "set-interval", "--interval", "5"])
        assert r.exit_code != 0 and "RtdInterval" in r.output
        r = runner.invoke(app, ["loggers", "commands", MN, "--json"])
        assert r.exit_code == 0, r.output
        rows = [json.loads(line) for line in r.stdout.splitlines()]
        assert [row["cn"] for row in rows] == ["3020", "1062", "1012", "2051"]
        assert {row["source"] for row in rows} == {"cli"}
    finally:
        reset_settings_cache()
        reset_runtime()
