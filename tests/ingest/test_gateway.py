"""The asyncio gateway in-process: framing, replies, ack after commit, limits, shutdown."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import datetime

import pytest
from sqlalchemy import func, select

from huanjian.core.db import Database
from huanjian.hj212 import FrameSplitter, decode, encode
from huanjian.ingest.gateway import ConnectionProtocol, Gateway, GatewayConfig
from huanjian.ingest.models import IngestFrame, IngestRecord
from huanjian.ingest.pipeline import Incoming, Rules
from huanjian.ingest.store import BatchResult, IngestStore
from tests.conftest import AUDIT_KEY
from tests.ingest.helpers import minute_frame

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def database(fresh_db_url: str) -> Iterator[Database]:
    db = Database(fresh_db_url)
    yield db
    db.dispose()


def _store(db: Database) -> IngestStore:
    return IngestStore(db, AUDIT_KEY.encode(), Rules())


@asynccontextmanager
async def running(store: IngestStore, **cfg: object) -> AsyncIterator[Gateway]:
    gw = Gateway(store, GatewayConfig(host="127.0.0.1", port=0, **cfg))  # type: ignore[arg-type]
    await gw.start()
    try:
        yield gw
    finally:
        await gw.stop()


async def _replies(reader: asyncio.StreamReader, n: int, wait: float = 10.0) -> list[bytes]:
    splitter = FrameSplitter()
    out: list[bytes] = []
    async with asyncio.timeout(wait):
        while len(out) < n:
            data = await reader.read(4096)
            if not data:
                break
            out += [s.data for s in splitter.feed(data) if s.kind == "frame"]
    return out


def _count(db: Database, model: type) -> int:
    with db.unit_of_work() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)  # type: ignore[arg-type]


def test_protocol_resynchronises_and_limits_rate() -> None:
    proto = ConnectionProtocol("p", max_frame=600, rate=10.0, burst=2, now=0.0)
    a, b = minute_frame("20240301122900"), minute_frame("20240301123000")
    segs = proto.receive(b"\x00junk" + a[:30], 0.0) + proto.receive(a[30:] + b, 0.0)
    assert [s.kind for s in segs] == ["garbage", "frame", "frame"]
    assert proto.delay(0.0) == 0.0
    proto.receive(a + a + a, 0.0)  # 5 frames against a burst of 2
    assert proto.delay(0.0) == pytest.approx(0.3)
    assert proto.delay(0.3) == pytest.approx(0.0)
    # A run longer than the frame-size limit without an end is garbage; the next frame is found.
    segs = proto.receive(b"##0100" + b"x" * 700 + b, 1.0)
    assert [s.kind for s in segs][-1] == "frame" and segs[-1].data == b


async def test_frames_split_coalesced_and_garbled_are_acknowledged_in_order(database: Database) -> None:
    frames = [minute_frame(f"202403011229{s:02d}", qn=f"2024030112290000{s}") for s in range(3)]
    async with running(_store(database)) as gw:
        reader, writer = await asyncio.open_connection("127.0.0.1", gw.port)
        stream = b"garbage\r\n" + frames[0] + frames[1] + frames[2]
        for i in range(0, len(stream), 37):  # many small TCP writes
            writer.write(stream[i : i + 37])
            await writer.drain()
        replies = [decode(r) for r in await _replies(reader, 3)]
        assert [(r.cn, r.qn) for r in replies] == [("9014", f"2024030112290000{s}") for s in range(3)]
        writer.close()
    assert _count(database, IngestRecord) == 3
    assert _count(database, IngestFrame) == 4  # and the garbage, kept


async def test_replies_per_kind(database: Database) -> None:
    notice = encode(
        qn="20240301122900001", st="31", cn="1013", pw="123456", mn="010000A8900016F000169DC0", ack=True
    )
    request = encode(qn="20240301122900002", st="31", cn="3012", pw="123456", mn="010000A8900016F000169DC0")
    bad_crc = minute_frame()[:-6] + b"0000\r\n"
    no_ack = minute_frame("20240301123000", ack=False)
    wanted = minute_frame("20240301123100", qn="20240301123100009")
    async with running(_store(database)) as gw:
        reader, writer = await asyncio.open_connection("127.0.0.1", gw.port)
        writer.write(notice + request + bad_crc + no_ack + wanted)
        replies = [decode(r) for r in await _replies(reader, 3)]
        writer.close()
    assert [(r.cn, r.qn) for r in replies] == [
        ("9013", "20240301122900001"),
        ("9011", "20240301122900002"),
        ("9014", "20240301123100009"),
    ]
    assert replies[1].params["QnRtn"] == "2"


class _FailingStore(IngestStore):
    def write(
        self, batch: object, now: datetime | None = None, *, skip_replayed: bool = False
    ) -> BatchResult:
        raise RuntimeError("disk on fire")


async def test_no_acknowledgement_without_a_commit(database: Database) -> None:
    async with running(_FailingStore(database, AUDIT_KEY.encode())) as gw:
        reader, writer = await asyncio.open_connection("127.0.0.1", gw.port)
        writer.write(minute_frame())
        await writer.drain()
        with pytest.raises(TimeoutError):
            await _replies(reader, 1, wait=1.0)
        writer.close()
    assert _count(database, IngestFrame) == 0


class _GatedStore(IngestStore):
    """Blocks every write until released: a database that does not keep up."""

    def __init__(self, db: Database) -> None:
        super().__init__(db, AUDIT_KEY.encode())
        self.gate = threading.Event()
        self.batches: list[int] = []

    def write(
        self, batch: object, now: datetime | None = None, *, skip_replayed: bool = False
    ) -> BatchResult:
        self.gate.wait(20)
        assert isinstance(batch, list)
        self.batches.append(len(batch))
        return super().write(batch, now)


async def test_backpressure_bounds_the_queue_and_acks_follow_commits(database: Database) -> None:
    store = _GatedStore(database)
    frames = [minute_frame(f"2024030112{m:02d}00", qn=f"2024030112{m:02d}00000") for m in range(40)]
    async with running(store, queue_frames=5, inflight_per_connection=8, batch_size=4) as gw:
        reader, writer = await asyncio.open_connection("127.0.0.1", gw.port)
        writer.write(b"".join(frames))
        await asyncio.sleep(0.5)
        (waiting,) = gw.queued_frames()
        assert waiting <= 5  # bounded: the rest waits in the kernel's buffers
        with pytest.raises(TimeoutError):
            await _replies(reader, 1, wait=0.3)  # nothing committed, nothing acknowledged
        store.gate.set()
        replies = await _replies(reader, 40)
        assert len(replies) == 40
        writer.close()
    assert max(store.batches) <= 4
    assert _count(database, IngestRecord) == 40


async def test_graceful_stop_answers_frames_in_flight(database: Database) -> None:
    store = _GatedStore(database)
    gw = Gateway(store, GatewayConfig(host="127.0.0.1", port=0))
    await gw.start()
    reader, writer = await asyncio.open_connection("127.0.0.1", gw.port)
    writer.write(minute_frame(qn="20240301122900077"))
    await writer.drain()
    await asyncio.sleep(0.2)
    stopping = asyncio.create_task(gw.stop())
    await asyncio.sleep(0.2)
    store.gate.set()
    [reply] = await _replies(reader, 1)
    await stopping
    assert decode(reply).qn == "20240301122900077"
    assert await reader.read() == b""  # then the connection is closed
    assert _count(database, IngestRecord) == 1


async def test_idle_connections_are_closed(database: Database) -> None:
    async with running(_store(database), idle_timeout=0.3) as gw:
        reader, _writer = await asyncio.open_connection("127.0.0.1", gw.port)
        async with asyncio.timeout(3):
            assert await reader.read() == b""


async def test_connection_limit(database: Database) -> None:
    async with running(_store(database), max_connections=1) as gw:
        r1, w1 = await asyncio.open_connection("127.0.0.1", gw.port)
        await asyncio.sleep(0.1)
        r2, _w2 = await asyncio.open_connection("127.0.0.1", gw.port)
        async with asyncio.timeout(3):
            assert await r2.read() == b""
        w1.write(minute_frame())
        assert len(await _replies(r1, 1)) == 1
        w1.close()


def test_incoming_type_is_what_the_store_takes() -> None:
    assert Incoming(b"x", "p", datetime.now().astimezone()).source == "gateway"


async def test_gc_threshold_is_raised_while_running_and_restored(database: Database) -> None:
    import gc

    before = gc.get_threshold()
    async with running(_store(database), gc_threshold=12345) as gw:
        assert gc.get_threshold() == (12345, *before[1:]) and gw.config.gc_threshold == 12345
    assert gc.get_threshold() == before
    async with running(_store(database), gc_threshold=0):
        assert gc.get_threshold() == before  # 0: Python's own


async def test_waiting_for_room_in_the_queue_is_not_idle(database: Database) -> None:
    """The idle sweep closes connections whose *read* waited too long; a connection held
    back by backpressure longer than the idle timeout is the gateway's delay, not the
    logger's silence, and keeps all its frames."""
    store = _GatedStore(database)
    frames = [minute_frame(f"2024030112{m:02d}00", qn=f"2024030112{m:02d}00000") for m in range(12)]
    async with running(store, queue_frames=2, batch_size=2, idle_timeout=0.3) as gw:
        reader, writer = await asyncio.open_connection("127.0.0.1", gw.port)
        writer.write(b"".join(frames))
        await writer.drain()
        await asyncio.sleep(1.0)  # more than three idle timeouts, blocked on the full queue
        store.gate.set()
        replies = await _replies(reader, 12)
        assert len(replies) == 12
        writer.close()
    assert _count(database, IngestRecord) == 12


async def test_gateway_figures_are_exposed_to_prometheus(database: Database) -> None:
    from huanjian.web.metrics import exposition

    async with running(_store(database)) as gw:
        reader, writer = await asyncio.open_connection("127.0.0.1", gw.port)
        writer.write(minute_frame() + b"garbage\r\n")
        await writer.drain()
        assert len(await _replies(reader, 1)) == 1
        text = exposition().decode()
        writer.close()
    assert "huanjian_gateway_connections 1.0" in text
    assert 'huanjian_gateway_frames_total{verdict="stored"} 1.0' in text
    assert 'huanjian_gateway_frames_total{verdict="garbage"} 1.0' in text
    assert 'huanjian_gateway_queued_frames{writer="0"} 0.0' in text
    assert "huanjian_gateway_writers 1.0" in text
    assert "huanjian_gateway_store_errors_total 0.0" in text
    assert "huanjian_gateway_" not in exposition().decode()  # stopped: no longer reported
