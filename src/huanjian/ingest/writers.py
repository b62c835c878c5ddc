"""Where the gateway's batches are stored: in a thread of its own process, or in writer processes.

The gateway's event loop only reads, frames, routes and answers; the batch work —
decoding, classifying, building rows, the transaction — runs in a *writer*:

* :class:`ThreadWriter`: the gateway's own :class:`IngestStore` in a worker thread
  (SQLite, which has one writer anyway; tests that hand the gateway a special store);
* :class:`ProcessWriter`: a process of its own with its own store and connection.
  With two or more, the batch work of one overlaps the commit of another and the
  event loop of the gateway, which one process cannot do (one GIL: a second *thread*
  was measured slower on every figure, docs/benchmarks.md).

Frames are routed to writers by MN (:func:`route`), so every (MN, CN, DataTime) key
is only ever resolved by one writer: deduplication and conflict marking stay exact
without locks between writers.  A writer answers with one compact :class:`Outcome`
per frame (what the connection needs to know and the reply owed), never with decoded
frames, which would cost as much to send back as to decode.

A writer process dies with the gateway (``PR_SET_PDEATHSIG`` on Linux, a parent
watch elsewhere): after a SIGKILL nothing half-written survives — a batch is one
transaction — and nothing acknowledged is lost, because replies are sent only after
the writer returned, that is after the commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import multiprocessing
import os
import signal
import sqlite3
import sys
import threading
import time
import zlib
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, Protocol

import psycopg
from sqlalchemy.exc import DBAPIError, OperationalError

from huanjian.hj212 import HJ212Error, decode
from huanjian.ingest.pipeline import Incoming, Prepared, Rules, reply_for
from huanjian.ingest.store import IngestStore

__all__ = [
    "Outcome",
    "ProcessWriter",
    "ThreadWriter",
    "WriteFailed",
    "WriteResult",
    "Writer",
    "WriterSpec",
    "route",
]

log = logging.getLogger("huanjian.gateway")


class Outcome(NamedTuple):
    """What the gateway needs to know about one stored (or refused) frame."""

    mn: str | None
    version: str | None
    pw: str | None
    st: str | None
    verdict: str
    reply: bytes | None


@dataclass(frozen=True, slots=True)
class WriteResult:
    outcomes: list[Outcome]
    seconds: float


class WriteFailed(Exception):
    """A batch was not stored (nothing of it was committed).

    ``retry``: a database error worth trying again (the others are about the frames:
    the gateway then stores them one by one to find the one that fails);
    ``connection_lost``: the connection went away (retried without a limit).
    Plain values only, so it crosses a process boundary intact.
    """

    def __init__(self, message: str, *, retry: bool, connection_lost: bool) -> None:
        super().__init__(message)
        self.retry = retry
        self.connection_lost = connection_lost

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_failure, (str(self), self.retry, self.connection_lost))


def _rebuild_failure(message: str, retry: bool, connection_lost: bool) -> WriteFailed:
    return WriteFailed(message, retry=retry, connection_lost=connection_lost)


def outcomes(prepared: Sequence[Prepared]) -> list[Outcome]:
    out = []
    for p in prepared:
        d = p.decoded
        out.append(
            Outcome(
                p.mn, p.version, d.pw if d is not None else None, d.st if d is not None else None,
                p.verdict, reply_for(p),
            )
        )  # fmt: skip
    return out


def store_batch(store: IngestStore, incomings: list[Incoming]) -> WriteResult:
    """Store one batch; every failure becomes a :class:`WriteFailed`."""
    try:
        result = store.write(incomings)
    except DBAPIError as exc:
        lost = isinstance(exc, OperationalError) or bool(exc.connection_invalidated)
        raise WriteFailed(_describe(exc), retry=True, connection_lost=lost) from exc
    except (psycopg.Error, sqlite3.Error) as exc:
        # The bulk writes run on the driver's own connection, whose errors SQLAlchemy never
        # wraps: the same classification (a lock timeout was taken for a bad frame, and the
        # batch split into frames that each waited for the same lock).
        lost = isinstance(exc, psycopg.OperationalError | sqlite3.OperationalError)
        raise WriteFailed(_describe(exc), retry=True, connection_lost=lost) from exc
    except Exception as exc:
        raise WriteFailed(_describe(exc), retry=False, connection_lost=False) from exc
    return WriteResult(outcomes(result.prepared), result.seconds)


def _describe(exc: BaseException) -> str:
    return f"{exc.__class__.__name__}: {exc}"[:2000]


def route(raw: bytes, writers: int) -> int | None:
    """The writer for a frame: by its MN as the decoder reads it (None: no MN, e.g. garbage).

    Records are keyed by the decoded MN, and two writers resolving one key at once could
    store it twice: so ``MN= X;`` and ``MN=X;`` (the decoder strips the value) must reach
    the same writer.  The usual ``;MN=<letters and digits>;`` is read from the bytes; any
    other form is decoded.
    """
    mn = _routing_mn(raw)
    return None if mn is None else zlib.crc32(mn) % writers


def _routing_mn(raw: bytes) -> bytes | None:
    at = raw.find(b"MN")
    if at > 0 and raw[at - 1 : at] == b";" and raw[at + 2 : at + 3] == b"=":
        # The first "MN" of the frame opens a field named exactly MN (no earlier field can
        # be the decoder's MN: it would contain these two letters before this one).
        end = raw.find(b";", at)
        value = raw[at + 3 : end] if end > 0 else b""
        if value.isalnum():  # ASCII letters and digits: nothing the decoder would strip
            return value
    try:
        frame = decode(raw)
    except HJ212Error:
        return None
    return frame.mn.encode("utf-8") if frame.mn else None


class Writer(Protocol):
    async def write(self, incomings: list[Incoming]) -> WriteResult: ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...


class ThreadWriter:
    """The gateway's own store, in a worker thread."""

    def __init__(self, store: IngestStore) -> None:
        self.store = store

    async def start(self) -> None:
        return None

    async def write(self, incomings: list[Incoming]) -> WriteResult:
        return await asyncio.to_thread(store_batch, self.store, incomings)

    async def close(self) -> None:
        return None


@dataclass(frozen=True, slots=True)
class WriterSpec:
    """How a writer process builds its store (all picklable)."""

    url: str
    audit_key: bytes
    rules: Rules
    register_cache_seconds: float
    channel: str
    gc_threshold: int
    log_level: int

    @classmethod
    def of(cls, store: IngestStore, gc_threshold: int) -> WriterSpec:
        return cls(
            url=store.db.url,
            audit_key=store.audit_key,
            rules=store.rules,
            register_cache_seconds=store._cache_seconds,
            channel=store.channel,
            gc_threshold=gc_threshold,
            log_level=logging.getLogger("huanjian").getEffectiveLevel(),
        )


class ProcessWriter:
    """One writer process (a one-process pool: the MN routing needs a fixed process)."""

    def __init__(self, spec: WriterSpec) -> None:
        self.spec = spec
        self._pool: ProcessPoolExecutor | None = None

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_process,
            initargs=(self.spec, os.getpid()),
        )

    async def start(self) -> None:
        self._pool = self._new_pool()
        # Start the process now, from this (the main) thread: the death signal is tied to
        # the thread that created the process, and the first batch should not wait for it.
        await asyncio.get_running_loop().run_in_executor(self._pool, _ready)

    async def write(self, incomings: list[Incoming]) -> WriteResult:
        if self._pool is None:
            raise WriteFailed("writer process not started", retry=True, connection_lost=True)
        try:
            # Columns of plain values both ways: pickling 1,000 Incoming or Outcome objects cost
            # ~9 µs a frame in the gateway's process, columns ~2 µs (measured).
            columns = await asyncio.get_running_loop().run_in_executor(
                self._pool, _write_in_process, _incoming_columns(incomings)
            )
            return _result_from_columns(columns)
        except BrokenProcessPool as exc:
            # The process died (killed, out of memory).  Whatever it did not commit is
            # rolled back; the batch is retried on a new process (duplicates are detected).
            log.error("writer process died; starting another")
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._new_pool()
            raise WriteFailed(f"writer process died: {exc}", retry=True, connection_lost=True) from exc

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await asyncio.to_thread(pool.shutdown, wait=True)


# -- inside a writer process -----------------------------------------------------------

_STORE: IngestStore | None = None


def _init_process(spec: WriterSpec, parent: int) -> None:
    _die_with_parent(parent)
    logging.basicConfig(level=spec.log_level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    if spec.gc_threshold > 0:
        gc.set_threshold(spec.gc_threshold, *gc.get_threshold()[1:])
    from huanjian.core.db import Database

    global _STORE
    _STORE = IngestStore(
        Database(spec.url),
        spec.audit_key,
        spec.rules,
        register_cache_seconds=spec.register_cache_seconds,
        channel=spec.channel,
    )


def _ready() -> bool:
    return _STORE is not None


_IncomingColumns = tuple[list[bytes], list[str], list[datetime], list[str], list[bool]]


def _incoming_columns(incomings: list[Incoming]) -> _IncomingColumns:
    return (
        [i.raw for i in incomings],
        [i.peer for i in incomings],
        [i.received_at for i in incomings],
        [i.source for i in incomings],
        [i.garbage for i in incomings],
    )


def _result_from_columns(columns: tuple[list[Any], float]) -> WriteResult:
    rows, seconds = columns
    return WriteResult(list(map(Outcome._make, zip(*rows, strict=True))) if rows else [], seconds)


def _write_in_process(columns: _IncomingColumns) -> tuple[list[Any], float]:
    assert _STORE is not None
    incomings = list(map(Incoming, *columns))
    result = store_batch(_STORE, incomings)
    return [list(c) for c in zip(*result.outcomes, strict=True)], result.seconds


def _die_with_parent(parent: int) -> None:
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)
    if not sys.platform.startswith("linux"):

        def watch() -> None:
            while os.getppid() == parent:
                time.sleep(1.0)
            os._exit(1)

        threading.Thread(target=watch, name="parent-watch", daemon=True).start()
