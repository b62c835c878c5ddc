"""Writer processes (PostgreSQL): frames routed by MN, replies in arrival order,
retransmissions stored once, a writer that dies is replaced and its batch retried."""

from __future__ import annotations

import asyncio
import os
import pickle
import signal
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from huanjian.core.db import Database
from huanjian.hj212 import decode
from huanjian.ingest.gateway import Gateway, GatewayConfig
from huanjian.ingest.models import IngestFrame, IngestRecord
from huanjian.ingest.pipeline import Rules
from huanjian.ingest.store import IngestStore
from huanjian.ingest.writers import ProcessWriter, WriteFailed, route
from tests.conftest import AUDIT_KEY
from tests.ingest.helpers import minute_frame
from tests.ingest.test_gateway import _replies

pytestmark = pytest.mark.anyio

MNS = [f"0100000000000000000000{i:02d}" for i in range(6)]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def pg(fresh_pg_url: str) -> Iterator[Database]:
    db = Database(fresh_pg_url)
    yield db
    db.dispose()


def _count(db: Database, model: type, *where: object) -> int:
    with db.unit_of_work() as s:
        q = select(func.count()).select_from(model)  # type: ignore[arg-type]
        return int(s.scalar(q.where(*where)) or 0)  # type: ignore[arg-type]


def test_route_is_by_mn_and_stable() -> None:
    a = minute_frame("20240301120000", mn=MNS[0])
    b = minute_frame("20240301120100", mn=MNS[0], so2="99")
    assert route(a, 3) == route(b, 3) is not None
    assert {route(minute_frame(mn=mn), 4) for mn in MNS} != {route(a, 4)}  # not all on one writer
    assert route(b"garbage without an identity", 3) is None


def test_write_failed_crosses_a_process_boundary_intact() -> None:
    exc = pickle.loads(pickle.dumps(WriteFailed("OperationalError: gone", retry=True, connection_lost=True)))
    assert (str(exc), exc.retry, exc.connection_lost) == ("OperationalError: gone", True, True)


async def test_writer_processes_store_in_order_once_and_survive_a_dead_writer(pg: Database) -> None:
    store = IngestStore(pg, AUDIT_KEY.encode(), Rules())
    gw = Gateway(store, GatewayConfig(host="127.0.0.1", port=0, writers=3, batch_size=7))
    await gw.start()
    try:
        assert all(isinstance(w, ProcessWriter) for w in gw._writers)
        # One connection carrying six loggers (a DTU), frames interleaved, garbage between.
        frames = [
            minute_frame(f"2024030112{m:02d}00", mn=mn, qn=f"2024030112{m:02d}00{k:03d}")
            for m in range(10)
            for k, mn in enumerate(MNS)
        ]
        reader, writer = await asyncio.open_connection("127.0.0.1", gw.port)
        writer.write(frames[0] + b"\x00junk\r\n" + b"".join(frames[1:]))
        await writer.drain()
        replies = await _replies(reader, len(frames), wait=30)
        # Every frame answered, in the order it arrived, though three processes stored them.
        assert [decode(r).qn for r in replies] == [decode(f).qn for f in frames]
        assert _count(pg, IngestRecord) == len(frames)
        assert gw.stats.store_errors == 0  # three first transactions at once: no audit collision

        # A writer process dies (killed, out of memory): the next batch routed to it is
        # retried on a new process; the retransmitted frames are recognised as duplicates.
        victim = gw._writers[route(frames[0], 3) or 0]
        assert isinstance(victim, ProcessWriter) and victim._pool is not None
        for pid in list(victim._pool._processes):  # type: ignore[attr-defined]
            os.kill(pid, signal.SIGKILL)
        await asyncio.sleep(0.3)
        writer.write(b"".join(frames))
        await writer.drain()
        again = await _replies(reader, len(frames), wait=60)
        assert [decode(r).qn for r in again] == [decode(f).qn for f in frames]
        assert gw.stats.store_errors >= 1  # the dead writer's batch failed once, then went through
        writer.close()
    finally:
        await gw.stop()
    assert _count(pg, IngestRecord) == len(frames)  # stored once
    assert _count(pg, IngestFrame, IngestFrame.verdict == "duplicate") == len(frames)
    assert _count(pg, IngestFrame, IngestFrame.verdict == "garbage") == 1
