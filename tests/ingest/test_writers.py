"""Writer processes (PostgreSQL and SQLite files): frames routed by MN, replies in arrival order,
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


@pytest.mark.parametrize(
    "form",
    [
        b";MN= {mn};",  # whitespace the decoder strips
        b";MN={mn} ;",
        b"; MN={mn};",  # around the key too
        b";MN={mn};MN=0100000000000000000000FF;",  # repeated: the decoder keeps the first
        b";XMN=0100000000000000000000FF;MN={mn};",  # a non-standard field that ends in MN
    ],
)
def test_route_agrees_with_the_decoder(form: bytes) -> None:
    """Records are keyed by the decoded MN: every byte form of one MN reaches one writer,
    else two writers could resolve the same key at once and store it twice."""
    mn = MNS[1]
    plain = minute_frame("20240301120000", mn=mn)
    quirky = _reframed(plain.replace(f";MN={mn};".encode(), form.replace(b"{mn}", mn.encode())))
    assert decode(quirky).mn == mn
    for writers in (2, 3, 5, 7):
        assert route(quirky, writers) == route(plain, writers)


def _reframed(raw: bytes) -> bytes:
    """The frame with its length and CRC made right again after an edit."""
    from huanjian.hj212.crc import hj212_crc

    data = raw[6 : raw.rindex(b"&&") + 2]
    return b"##%04d%s%04X\r\n" % (len(data), data, hj212_crc(data))


def test_write_failed_crosses_a_process_boundary_intact() -> None:
    exc = pickle.loads(pickle.dumps(WriteFailed("OperationalError: gone", retry=True, connection_lost=True)))
    assert (str(exc), exc.retry, exc.connection_lost) == ("OperationalError: gone", True, True)


@pytest.fixture
def any_db(fresh_db_url: str) -> Iterator[Database]:
    db = Database(fresh_db_url)
    yield db
    db.dispose()


async def test_writer_processes_store_in_order_once_and_survive_a_dead_writer(any_db: Database) -> None:
    """On PostgreSQL and on a SQLite file (whose two writers take turns at the write lock)."""
    pg = any_db
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


def _blocked_writer(pg: Database, url: str, then: str) -> BaseException | None:
    """Store a batch while another connection holds the logger table, then ``then`` the
    writer's server process (``terminate``) or let its lock wait time out; the error."""
    import threading
    import time

    import psycopg

    from huanjian.ingest.writers import store_batch
    from tests.ingest.helpers import incoming

    store = IngestStore(pg, AUDIT_KEY.encode())
    raised: list[BaseException] = []

    def write() -> None:
        try:
            store_batch(store, [incoming(minute_frame("20240301120000", mn=MNS[0]))])
        except BaseException as exc:  # handed to the test thread
            raised.append(exc)

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    if then == "timeout":
        with psycopg.connect(dsn, autocommit=True) as admin:
            admin.execute(f"ALTER DATABASE \"{dsn.rsplit('/', 1)[1]}\" SET lock_timeout = '300ms'")
        pg.engine.dispose()  # new connections take the setting
    with psycopg.connect(dsn) as holder:
        holder.execute("LOCK TABLE ingest_logger IN EXCLUSIVE MODE")
        worker = threading.Thread(target=write)
        worker.start()
        waiting: list[tuple[int]] = []
        for _ in range(200):  # the writer's backend, waiting for the lock
            with psycopg.connect(dsn, autocommit=True) as look:
                waiting = look.execute(
                    "SELECT pid FROM pg_stat_activity "
                    "WHERE wait_event_type = 'Lock' AND datname = current_database()"
                ).fetchall()
            if waiting or not worker.is_alive():
                break
            time.sleep(0.05)
        if then == "terminate":
            assert waiting, "the writer never waited for the lock"
            with psycopg.connect(dsn, autocommit=True) as killer:
                killer.execute("SELECT pg_terminate_backend(%s)", (waiting[0][0],))
        worker.join(30)
        holder.rollback()
    return raised[0] if raised else None


def test_a_connection_lost_in_the_bulk_writes_is_retried_as_lost(pg: Database, fresh_pg_url: str) -> None:
    """The bulk writes run on the raw driver connection: its errors are classified like
    SQLAlchemy's (a lost server connection is retried without a limit, not split up)."""
    exc = _blocked_writer(pg, fresh_pg_url, "terminate")
    assert isinstance(exc, WriteFailed), exc
    assert exc.retry and exc.connection_lost
    # Nothing of the batch was committed; the next batch reconnects and stores.
    assert _count(pg, IngestFrame) == 0
    store = IngestStore(pg, AUDIT_KEY.encode())
    from tests.ingest.helpers import incoming

    assert store.write([incoming(minute_frame("20240301120000", mn=MNS[0]))]).prepared[0].verdict == "stored"


def test_a_lock_timeout_in_the_bulk_writes_is_retried(pg: Database, fresh_pg_url: str) -> None:
    exc = _blocked_writer(pg, fresh_pg_url, "timeout")
    assert isinstance(exc, WriteFailed), exc
    assert exc.retry
    assert _count(pg, IngestFrame) == 0


@pytest.mark.parametrize(
    ("url", "setting", "expected"),
    [
        ("postgresql+psycopg://h/db", 0, max(2, os.cpu_count() or 1)),
        ("postgresql+psycopg://h/db", 3, 3),
        ("sqlite:////var/lib/huanjian/huanjian.db", 0, 2),  # take turns at the write lock
        ("sqlite:////var/lib/huanjian/huanjian.db", 1, 1),  # the writer thread
        ("sqlite://", 0, 1),  # in memory: no other process can open it
        ("sqlite:///:memory:", 4, 1),
        ("sqlite:///file:x?mode=memory&cache=shared&uri=true", 0, 1),
    ],
)
def test_writer_count_follows_the_backend(url: str, setting: int, expected: int) -> None:
    from huanjian.ingest.gateway import writers_for
    from huanjian.settings import Settings

    assert writers_for(Settings(database_url=url, gateway_writers=setting, divisions_dir=None)) == expected
