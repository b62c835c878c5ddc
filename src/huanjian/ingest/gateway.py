"""The HJ 212 gateway: an asyncio TCP server that data loggers connect to.

Two layers, like h11 under uvicorn:

* :class:`ConnectionProtocol` is sans-I/O: bytes in, frame and garbage segments
  out (resynchronising after garbage, bounded by the frame-size limit), a token
  bucket that says how long to wait before reading more (the rate limit), and
  the per-MN state of the loggers seen on the connection (a DTU may carry several).
  It never touches a socket or a clock of its own, so it is tested directly.
* :class:`Gateway` is the asyncio shell.  Each connection reads, feeds the
  protocol and puts the segments of each read, routed by MN to one of the
  writers (:mod:`~huanjian.ingest.writers`: a thread, or writer processes on
  PostgreSQL), on that writer's bounded queue as a group with one future
  (per-frame futures and queue operations cost more than the frame's share of
  the database work at thousands of frames/s); one loop per writer takes whole
  groups up to the batch size, has each batch stored in one transaction
  (:class:`~huanjian.ingest.store.IngestStore`) and resolves the futures with
  the replies owed.  Each connection writes the replies of a group in order, in
  one write, **after** the commit: a frame is acknowledged only once it is durable.

Backpressure: a connection stops reading when it has ``inflight`` frames not
yet answered, and every connection stops when a writer's queue holds its share
of ``queue_frames`` frames, so a slow database slows the loggers (no reply until
stored) instead of growing memory.  Groups are cut to at most the smallest of these limits and
the batch size, so every bound holds frame by frame.

Shutdown (:meth:`Gateway.stop`): stop accepting, stop reading, store and answer
what was already received (within the grace period), then close.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import time
import weakref
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from huanjian.core.time import utcnow
from huanjian.hj212 import FrameSplitter, Segment
from huanjian.ingest import commands
from huanjian.ingest.pipeline import Incoming
from huanjian.ingest.store import IngestStore
from huanjian.ingest.writers import (
    Outcome,
    ProcessWriter,
    ThreadWriter,
    WriteFailed,
    Writer,
    WriterSpec,
    route,
)
from huanjian.settings import Settings

if TYPE_CHECKING:
    from huanjian.core.runtime import Runtime

log = logging.getLogger("huanjian.gateway")

__all__ = ["ConnectionProtocol", "Gateway", "GatewayConfig", "LoggerSession", "for_runtime"]


@dataclass(slots=True)
class LoggerSession:
    """What one connection knows about one MN it carries."""

    mn: str
    version: str | None = None
    pw: str | None = None
    st: str | None = None
    frames: int = 0
    last_verdict: str = ""
    last_seen: float = 0.0


class ConnectionProtocol:
    """Sans-I/O state of one logger connection."""

    def __init__(self, peer: str, *, max_frame: int, rate: float, burst: int, now: float) -> None:
        self.peer = peer
        self.splitter = FrameSplitter(max_frame=max_frame)
        self.rate = rate
        self.burst = float(burst)
        self._tokens = float(burst)
        self._stamp = now
        self.bytes_in = 0
        self.frames_in = 0
        self.garbage_bytes = 0
        self.loggers: dict[str, LoggerSession] = {}

    def receive(self, data: bytes, now: float) -> list[Segment]:
        self.bytes_in += len(data)
        segments = self.splitter.feed(data)
        self._count(segments, now)
        return segments

    def end(self, now: float) -> list[Segment]:
        """The connection closed: what is left (an unterminated frame is still a frame)."""
        segments = self.splitter.close()
        self._count(segments, now)
        return segments

    def _count(self, segments: list[Segment], now: float) -> None:
        self._refill(now)
        for s in segments:
            if s.kind == "frame":
                self.frames_in += 1
                self._tokens -= 1.0
            else:
                self.garbage_bytes += len(s.data)

    def _refill(self, now: float) -> None:
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def delay(self, now: float) -> float:
        """Seconds to wait before reading more (0 when within the rate)."""
        self._refill(now)
        return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def stored(self, p: Outcome, now: float) -> None:
        """Record the outcome of one frame of this connection."""
        if not p.mn:
            return
        s = self.loggers.get(p.mn)
        if s is None:
            s = self.loggers[p.mn] = LoggerSession(p.mn)
        s.version = p.version or s.version
        s.pw = p.pw or s.pw
        s.st = p.st or s.st
        s.frames += 1
        s.last_verdict = p.verdict
        s.last_seen = now


@dataclass(frozen=True, slots=True)
class GatewayConfig:
    host: str = "127.0.0.1"
    port: int = 9212
    idle_timeout: float = 900.0
    max_frame: int = 10011
    rate: float = 50.0
    burst: int = 500
    max_connections: int = 10000
    queue_frames: int = 20000
    inflight_per_connection: int = 256
    batch_size: int = 1000
    shutdown_grace: float = 10.0
    command_poll: float = 1.0
    set_clock_on_connect: bool = False
    gc_threshold: int = 50000
    """Python's young-generation GC threshold while the gateway runs (0: leave it)."""
    writers: int = 1
    """Writer processes (1: the store runs in a thread of the gateway process)."""

    @classmethod
    def from_settings(cls, s: Settings, host: str | None = None, port: int | None = None) -> GatewayConfig:
        return cls(
            host=host or s.gateway_host,
            port=s.gateway_port if port is None else port,
            idle_timeout=s.gateway_idle_timeout_seconds,
            max_frame=s.gateway_max_frame_bytes,
            rate=s.gateway_rate_frames_per_second,
            burst=s.gateway_rate_burst,
            max_connections=s.gateway_max_connections,
            queue_frames=s.gateway_queue_frames,
            inflight_per_connection=s.gateway_inflight_per_connection,
            batch_size=s.ingest_batch_size,
            shutdown_grace=s.gateway_shutdown_grace_seconds,
            command_poll=s.gateway_command_poll_seconds,
            set_clock_on_connect=s.gateway_set_clock_on_connect,
            gc_threshold=s.gateway_gc_threshold,
            writers=writers_for(s),
        )


@dataclass(slots=True)
class _Item:
    """The frames of one read of one connection (at most ``Gateway._group`` of them)."""

    incomings: list[Incoming]
    future: asyncio.Future[list[bytes | None]]
    conn: _Conn


@dataclass(eq=False, slots=True)
class _Conn:
    proto: ConnectionProtocol
    writer: asyncio.StreamWriter
    limit: int
    inflight: int = 0
    room: asyncio.Event = field(default_factory=asyncio.Event)
    replies: asyncio.Queue[_Item | None] = field(default_factory=asyncio.Queue)
    reading: asyncio.Task[None] | None = None
    target: int = 0  # the writer of the last frame with an MN
    read_since: float | None = None  # when the pending read began (None: not reading)
    idle: bool = False  # closed by the idle sweep

    async def reserve(self, count: int) -> None:
        """Wait until ``count`` more frames may be in flight on this connection."""
        while self.inflight and self.inflight + count > self.limit:
            self.room.clear()
            await self.room.wait()
        self.inflight += count

    def release(self, count: int) -> None:
        self.inflight -= count
        self.room.set()


class _FrameQueue:
    """A FIFO of groups bounded by the number of frames; one consumer (the writer).

    Waiting producers are woken in order, only as many as there is room for, so
    thousands of blocked connections do not all wake for every batch.
    """

    def __init__(self, max_frames: int) -> None:
        self.max_frames = max(1, max_frames)
        self.frames = 0
        self._items: deque[_Item] = deque()
        self._putters: deque[asyncio.Future[None]] = deque()
        self._getter: asyncio.Future[None] | None = None
        self._unfinished = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def qsize(self) -> int:
        """Frames waiting (not groups)."""
        return self.frames

    async def put(self, item: _Item) -> None:
        n = len(item.incomings)
        while self.frames and self.frames + n > self.max_frames:
            fut = asyncio.get_running_loop().create_future()
            self._putters.append(fut)
            try:
                await fut
            except BaseException:
                with contextlib.suppress(ValueError):
                    self._putters.remove(fut)
                if fut.done() and not fut.cancelled():
                    self._wake_putters(1)  # pass the wake-up on
                raise
        self._items.append(item)
        self.frames += n
        self._unfinished += 1
        self._idle.clear()
        if self._getter is not None and not self._getter.done():
            self._getter.set_result(None)

    async def get_batch(self, max_frames: int) -> list[_Item]:
        """Whole groups from the head, up to ``max_frames`` frames (at least one group)."""
        while not self._items:
            self._getter = asyncio.get_running_loop().create_future()
            try:
                await self._getter
            finally:
                self._getter = None
        batch: list[_Item] = []
        taken = 0
        while self._items and (not batch or taken + len(self._items[0].incomings) <= max_frames):
            item = self._items.popleft()
            batch.append(item)
            taken += len(item.incomings)
        self.frames -= taken
        self._wake_putters(taken)
        return batch

    def get_nowait(self) -> _Item:
        item = self._items.popleft()
        self.frames -= len(item.incomings)
        self._wake_putters(len(item.incomings))
        return item

    def _wake_putters(self, room: int) -> None:
        while self._putters and room > 0:
            fut = self._putters.popleft()
            if not fut.done():
                fut.set_result(None)
                room -= 1

    def task_done(self, groups: int = 1) -> None:
        self._unfinished -= groups
        if self._unfinished <= 0:
            self._unfinished = 0
            self._idle.set()

    async def join(self) -> None:
        await self._idle.wait()


@dataclass
class GatewayStats:
    connections: int = 0
    connections_total: int = 0
    frames: int = 0
    batches: int = 0
    replies: int = 0
    store_seconds: float = 0.0
    store_errors: int = 0
    verdicts: dict[str, int] = field(default_factory=dict)


#: Gateways running in this process (read by the /metrics exposition of `huanjian serve`).
RUNNING: weakref.WeakSet[Gateway] = weakref.WeakSet()


class Gateway:
    def __init__(
        self,
        store: IngestStore,
        config: GatewayConfig | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        wallclock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.store = store
        self.config = config or GatewayConfig()
        self.clock = clock
        self.wallclock = wallclock
        self.stats = GatewayStats()
        cfg = self.config
        n = max(1, cfg.writers)
        #: One queue and one write loop per writer; frames are routed to them by MN.
        self._queues = [_FrameQueue(max(1, cfg.queue_frames // n)) for _ in range(n)]
        self._writers: list[Writer] = []
        #: Most frames in one queued group: every bound (queue, in-flight, batch) holds per frame.
        self._group = max(1, min(cfg.queue_frames, cfg.inflight_per_connection, cfg.batch_size))
        self._conns: set[_Conn] = set()
        self._by_mn: dict[str, _Conn] = {}
        self._server: asyncio.Server | None = None
        self._writer_tasks: list[asyncio.Task[None]] = []
        self._gc_before: tuple[int, int, int] | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        self._stopping = False
        self._command_task: asyncio.Task[None] | None = None
        self._sweep_task: asyncio.Task[None] | None = None
        self._command_wake = asyncio.Event()
        self._just_connected: set[str] = set()

    # -- lifecycle ---------------------------------------------------------------

    async def start(self) -> None:
        if self.config.gc_threshold > 0:
            # Every frame allocates hundreds of container objects (items, Decimals, rows); at
            # Python's default of 700 the cyclic collector ran so often that its passes made
            # the reply-latency tail: p99 at 3,000 frames/s into PostgreSQL 373–434 ms
            # against 112–171 ms with 50,000, and ~8 % less CPU per frame (bench_gateway,
            # docs/benchmarks.md).  Decoding and storing make no reference cycles to wait for.
            self._gc_before = gc.get_threshold()
            gc.set_threshold(self.config.gc_threshold, *self._gc_before[1:])
        if len(self._queues) == 1:
            self._writers = [ThreadWriter(self.store)]
        else:
            spec = WriterSpec.of(self.store, self.config.gc_threshold)
            self._writers = [ProcessWriter(spec) for _ in self._queues]
        await asyncio.gather(*(w.start() for w in self._writers))
        self._writer_tasks = [
            asyncio.create_task(self._write_loop(i), name=f"hj212-writer-{i}")
            for i in range(len(self._queues))
        ]
        if self.config.command_poll > 0:
            self._command_task = asyncio.create_task(self._command_loop(), name="hj212-commands")
        self._sweep_task = asyncio.create_task(self._sweep_idle(), name="hj212-idle")
        RUNNING.add(self)
        self._server = await asyncio.start_server(
            self._on_connect, self.config.host, self.config.port, backlog=1024, limit=2**16
        )
        kind = "writer processes" if len(self._writers) > 1 else "writer thread"
        log.info(
            "HJ 212 gateway listening on %s:%s (%d %s)", self.config.host, self.port, len(self._writers), kind
        )

    @property
    def port(self) -> int:
        assert self._server is not None and self._server.sockets
        return int(self._server.sockets[0].getsockname()[1])

    def queued_frames(self) -> list[int]:
        """Frames waiting for storage, per writer."""
        return [q.qsize() for q in self._queues]

    def connected(self, mn: str) -> bool:
        return mn in self._by_mn

    async def stop(self) -> None:
        """Graceful: no new connections or bytes; frames received are stored and answered."""
        if self._stopping:
            return
        self._stopping = True
        RUNNING.discard(self)
        for task in (self._command_task, self._sweep_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self._server is not None:
            self._server.close()
        for conn in list(self._conns):
            with contextlib.suppress(Exception):
                conn.writer.transport.pause_reading()  # type: ignore[attr-defined]
            if conn.reading is not None:
                conn.reading.cancel()
        try:
            await asyncio.wait_for(
                asyncio.gather(*(q.join() for q in self._queues)), self.config.shutdown_grace
            )
        except TimeoutError:
            waiting = sum(q.qsize() for q in self._queues)
            log.warning("gateway stop: %d frames not stored within the grace period", waiting)
        if self._handlers:
            await asyncio.wait(set(self._handlers), timeout=self.config.shutdown_grace)
        for task in self._writer_tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._fail_pending()
        for writer in self._writers:
            with contextlib.suppress(Exception):
                await writer.close()
        for task in list(self._handlers):
            task.cancel()
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 1.0)
        if self._gc_before is not None:
            gc.set_threshold(*self._gc_before)
        log.info("HJ 212 gateway stopped")

    async def serve(self, stop: asyncio.Event) -> None:
        """Run until ``stop`` is set (the lifespan hook of `huanjian serve`)."""
        try:
            await self.start()
        except OSError as exc:  # the web server keeps running; say why loggers cannot connect
            log.error("HJ 212 gateway cannot listen on %s:%s: %s", self.config.host, self.config.port, exc)
            return
        try:
            await stop.wait()
        finally:
            await self.stop()

    def _fail_pending(self) -> None:
        for queue in self._queues:
            while True:
                try:
                    item = queue.get_nowait()
                except IndexError:
                    break
                if not item.future.done():
                    item.future.set_exception(ConnectionAbortedError("gateway stopped before storing"))
                queue.task_done()

    # -- connections ------------------------------------------------------------------

    async def _on_connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            await self._handle(reader, writer)
        finally:
            self._handlers.discard(task)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peername = writer.get_extra_info("peername")
        peer = f"{peername[0]}:{peername[1]}" if isinstance(peername, tuple) else str(peername)
        if self._stopping or len(self._conns) >= self.config.max_connections:
            log.warning("refusing connection from %s (%d connections)", peer, len(self._conns))
            writer.close()
            return
        cfg = self.config
        proto = ConnectionProtocol(
            peer, max_frame=cfg.max_frame, rate=cfg.rate, burst=cfg.burst, now=self.clock()
        )
        conn = _Conn(proto, writer, max(1, cfg.inflight_per_connection))
        self._conns.add(conn)
        self.stats.connections = len(self._conns)
        self.stats.connections_total += 1
        sender = asyncio.create_task(self._send_replies(conn))
        conn.reading = asyncio.create_task(self._read_loop(conn, reader))
        try:
            await conn.reading
        except asyncio.CancelledError:
            if not (self._stopping or conn.idle):
                raise
            if conn.idle:
                log.info("closing idle connection %s", peer)
        except (ConnectionError, TimeoutError) as exc:
            log.info("connection %s ended: %s", peer, exc.__class__.__name__)
        except Exception:
            log.exception("connection %s failed", peer)
        finally:
            conn.replies.put_nowait(None)
            with contextlib.suppress(Exception):
                await sender
            with contextlib.suppress(Exception):
                writer.close()
                await asyncio.wait_for(writer.wait_closed(), 2.0)
            self._conns.discard(conn)
            for mn in list(conn.proto.loggers):
                if self._by_mn.get(mn) is conn:
                    del self._by_mn[mn]
            self.stats.connections = len(self._conns)

    async def _read_loop(self, conn: _Conn, reader: asyncio.StreamReader) -> None:
        proto = conn.proto
        while True:
            # The idle sweep (_sweep_idle) cancels a read pending longer than the idle
            # timeout; a timeout context per read cost ~10 % of the event loop (profiled).
            conn.read_since = self.clock()
            data = await reader.read(65536)
            conn.read_since = None
            if not data:
                await self._enqueue(conn, proto.end(self.clock()))
                return
            await self._enqueue(conn, proto.receive(data, self.clock()))
            pause = proto.delay(self.clock())
            if pause > 0:
                await asyncio.sleep(pause)

    async def _sweep_idle(self) -> None:
        """Close connections whose read has waited longer than the idle timeout (time
        spent waiting for room in a queue is not idle: the gateway is the slow one then)."""
        limit = self.config.idle_timeout
        period = max(0.05, min(limit / 3, 1.0))
        while not self._stopping:
            await asyncio.sleep(period)
            now = self.clock()
            for conn in list(self._conns):
                since = conn.read_since
                if since is not None and now - since >= limit and conn.reading is not None and not conn.idle:
                    conn.idle = True
                    conn.reading.cancel()

    async def _enqueue(self, conn: _Conn, segments: list[Segment]) -> None:
        if not segments:
            return
        loop = asyncio.get_running_loop()
        received = self.wallclock()
        peer = conn.proto.peer
        size = self._group
        for target, run in self._routed(conn, segments):
            queue = self._queues[target]
            for at in range(0, len(run), size):
                chunk = run[at : at + size]
                await conn.reserve(len(chunk))
                item = _Item(
                    [Incoming(s.data, peer, received, "gateway", garbage=s.kind == "garbage") for s in chunk],
                    loop.create_future(),
                    conn,
                )
                try:
                    await queue.put(item)  # waits when full: backpressure on every connection
                except BaseException:
                    conn.release(len(chunk))
                    raise
                conn.replies.put_nowait(item)

    def _routed(self, conn: _Conn, segments: list[Segment]) -> list[tuple[int, list[Segment]]]:
        """Runs of consecutive segments for the same writer (in order: replies keep it)."""
        n = len(self._queues)
        if n == 1:
            return [(0, segments)]
        runs: list[tuple[int, list[Segment]]] = []
        for s in segments:
            target = route(s.data, n) if s.kind != "garbage" else None
            if target is None:
                target = conn.target  # no MN: with what the connection sent last
            conn.target = target
            if runs and runs[-1][0] == target:
                runs[-1][1].append(s)
            else:
                runs.append((target, [s]))
        return runs

    async def _send_replies(self, conn: _Conn) -> None:
        """Write replies in the order frames arrived, each group once its batch committed."""
        while True:
            item = await conn.replies.get()
            if item is None:
                return
            try:
                replies = await item.future
            except Exception:
                replies = []  # not stored: no acknowledgement, the logger will resend
            finally:
                conn.release(len(item.incomings))
            data = b"".join(r for r in replies if r is not None)
            if not data or conn.writer.is_closing():
                continue
            try:
                conn.writer.write(data)
                if conn.writer.transport.get_write_buffer_size() > 65536:
                    await asyncio.wait_for(conn.writer.drain(), 30.0)
                self.stats.replies += sum(1 for r in replies if r is not None)
            except (ConnectionError, TimeoutError):
                conn.writer.close()

    # -- storage ---------------------------------------------------------------------

    async def _write_loop(self, index: int) -> None:
        queue = self._queues[index]
        while True:
            batch = await queue.get_batch(self.config.batch_size)
            try:
                await self._store(batch, index)
            finally:
                queue.task_done(len(batch))

    async def _store(self, batch: list[_Item], index: int) -> None:
        incomings = [inc for i in batch for inc in i.incomings]
        delay = 0.05
        attempts = 0
        while True:
            attempts += 1
            try:
                result = await self._writers[index].write(incomings)
                break
            except WriteFailed as exc:
                self.stats.store_errors += 1
                give_up = not exc.retry or (attempts >= 3 and (not exc.connection_lost or self._stopping))
                if give_up:
                    if len(incomings) > 1:  # find the frame that fails, store the others
                        await self._store_one_by_one(batch, index)
                        return
                    log.error("cannot store a frame from %s: %s", incomings[0].peer, exc)
                    self._fail(batch, exc)
                    return
                log.warning("storing a batch failed (%s); retrying in %.2fs", str(exc)[:200], delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
        self.stats.batches += 1
        self.stats.frames += len(incomings)
        self.stats.store_seconds += result.seconds
        now = self.clock()
        prepared = iter(result.outcomes)
        verdicts = self.stats.verdicts
        for item in batch:
            conn = item.conn
            replies: list[bytes | None] = []
            for _ in item.incomings:
                p = next(prepared)
                verdicts[p.verdict] = verdicts.get(p.verdict, 0) + 1
                conn.proto.stored(p, now)
                if p.mn and conn in self._conns:
                    if (
                        self.config.set_clock_on_connect
                        and self._by_mn.get(p.mn) is not conn
                        and p.verdict in ("stored", "duplicate", "conflict", "part", "message")
                    ):
                        self._just_connected.add(p.mn)
                        self._command_wake.set()
                    self._by_mn[p.mn] = conn
                replies.append(p.reply)
            if not item.future.done():
                item.future.set_result(replies)

    async def _store_one_by_one(self, batch: list[_Item], index: int) -> None:
        """A batch failed: store each frame alone, so one bad frame costs only its own reply."""
        for item in batch:
            parts: list[bytes | None] = []
            for inc in item.incomings:
                single = _Item([inc], asyncio.get_running_loop().create_future(), item.conn)
                await self._store([single], index)
                try:
                    parts += await single.future
                except Exception:
                    parts.append(None)
            if not item.future.done():
                item.future.set_result(parts)

    # -- remote commands -----------------------------------------------------------------

    def wake_commands(self) -> None:
        """Look for queued commands now (e.g. right after one was queued in this process)."""
        self._command_wake.set()

    async def _command_loop(self) -> None:
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._command_wake.wait(), self.config.command_poll)
            self._command_wake.clear()
            if not self._by_mn:
                continue
            fresh, self._just_connected = self._just_connected, set()
            try:
                due = await asyncio.to_thread(self.store.due_commands, set(self._by_mn), fresh)
            except Exception:
                log.exception("cannot read the command queue")
                continue
            sent: list[tuple[int, bytes]] = []
            for d in due:
                conn = self._by_mn.get(d.mn)
                session = conn.proto.loggers.get(d.mn) if conn is not None else None
                if conn is None or session is None or conn.writer.is_closing():
                    continue
                raw = commands.request_frame(
                    d,
                    pw=session.pw,
                    st=session.st,
                    version=session.version,
                    offset_hours=self.store.offset_hours(d.mn),
                    now=self.wallclock(),
                )
                conn.writer.write(raw)
                sent.append((d.id, raw))
            if sent:
                try:
                    await asyncio.to_thread(self.store.mark_sent, sent, self.wallclock())
                except Exception:
                    log.exception("cannot mark %d command(s) sent", len(sent))

    @staticmethod
    def _fail(batch: list[_Item], exc: BaseException) -> None:
        for item in batch:
            if not item.future.done():
                item.future.set_exception(ConnectionAbortedError(str(exc)))


def for_runtime(rt: Runtime, host: str | None = None, port: int | None = None) -> Gateway:
    """The gateway configured from settings (used by `huanjian serve`, `demo` and `gateway`)."""
    from huanjian.ingest.service import store_for

    return Gateway(store_for(rt), GatewayConfig.from_settings(rt.settings, host, port))


def writers_for(s: Settings) -> int:
    """``gateway_writers``, where 0 means: on PostgreSQL one per core (at least two), on a
    SQLite file two.  SQLite has one writer at a time, but while one process holds the write
    lock the other decodes and prepares its batch, off the event loop's GIL (3,000/s offered:
    2,500-2,790 acked/s against 1,737-1,999 with the writer thread, docs/benchmarks.md);
    more would only queue for the lock.  An in-memory SQLite database cannot be shared with
    another process: one writer thread."""
    url = s.effective_database_url
    if url.startswith("sqlite") and _in_memory(url):
        return 1
    if s.gateway_writers > 0:
        return s.gateway_writers
    if not url.startswith("postgresql"):
        return 2
    return max(2, os.cpu_count() or 1)


def _in_memory(url: str) -> bool:
    path = url.split("://", 1)[1] if "://" in url else url
    return path in ("", "/") or ":memory:" in path or "mode=memory" in path
