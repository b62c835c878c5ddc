"""SIGKILL the gateway process mid-stream from many loggers, restart it, and prove
that every acknowledged record is stored and retransmissions duplicated nothing."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from huanjian.core.db import Database
from huanjian.ingest.models import IngestReading, IngestRecord
from huanjian.ingest.pipeline import parse_data_time
from huanjian.ingest.simulate import AIR, SimLogger, SimStats, honest_frames, qn_of, sim_mn
from tests.conftest import AUDIT_KEY

LOGGERS = 24
FRAMES = 50


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(url: str, port: int, data_dir: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "HUANJIAN_DATABASE_URL": url,
        "HUANJIAN_DATA_DIR": str(data_dir),
        "HUANJIAN_AUDIT_KEY": AUDIT_KEY,
        "HUANJIAN_LOG_LEVEL": "WARNING",
        "HUANJIAN_INGEST_BATCH_SIZE": "50",
    }
    code = "from huanjian.cli.main import main; main()"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "gateway", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError((proc.stderr.read() if proc.stderr else b"").decode()) from None
            time.sleep(0.05)
    raise RuntimeError("gateway did not start")


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        out += [int(c) for c in (task / "children").read_text().split()]
    return out


def _wait_gone(pids: list[int]) -> None:
    deadline = time.monotonic() + 10
    alive = pids
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if Path(f"/proc/{p}").exists() and "Z" not in _state(p)]
        time.sleep(0.05)
    assert not alive, f"writer processes {alive} outlived the gateway"


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"


async def _drive(url: str, port: int, data_dir: Path) -> tuple[list[SimLogger], SimStats]:
    start = datetime(2024, 3, 1, 15, 30, tzinfo=UTC)  # 23:30 CST: the stream crosses midnight
    stats = SimStats()
    loggers = [
        SimLogger(
            sim_mn(i),
            list(honest_frames(sim_mn(i), start, FRAMES, seed=i)),
            rate=150.0,
            ack_timeout=1.0,
            retries=None,  # keep trying: the test wants everything in eventually
            stats=stats,
            split_writes=i % 3 == 0,
        )
        for i in range(LOGGERS)
    ]
    proc = _start(url, port, data_dir)
    deadline = time.monotonic() + 120
    runs = asyncio.gather(*(lg.run("127.0.0.1", port, deadline) for lg in loggers))
    try:
        async with asyncio.timeout(60):
            while stats.acked < LOGGERS * FRAMES // 3:  # noqa: ASYNC110 - polling a counter
                await asyncio.sleep(0.005)
        writers = _children(proc.pid)
        assert len(writers) >= 2  # writer processes (HUANJIAN_GATEWAY_WRITERS=0: at least two)
        proc.send_signal(signal.SIGKILL)  # mid-stream: no chance to finish anything
        proc.wait()
        _wait_gone(writers)  # the writers die with the gateway: nothing keeps writing
        killed_at = stats.acked
        assert 0 < killed_at < LOGGERS * FRAMES
        await asyncio.sleep(0.3)
        proc = _start(url, port, data_dir)
        await runs
        # Retransmit some acknowledged frames once more, as loggers do after a lost reply.
        again = SimLogger(loggers[0].mn, loggers[0].frames[:10], rate=100.0, ack_timeout=2.0, retries=None)
        await again.run("127.0.0.1", port, time.monotonic() + 30)
        assert again.done
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    return loggers, stats


def test_sigkill_loses_no_acknowledged_record_and_duplicates_nothing(
    fresh_db_url: str, tmp_path: Path
) -> None:
    loggers, stats = asyncio.run(_drive(fresh_db_url, _free_port(), tmp_path))
    assert all(lg.done for lg in loggers), [len(lg.acked) for lg in loggers]
    assert stats.resent > 0  # the kill forced retransmissions
    db = Database(fresh_db_url)
    try:
        with db.unit_of_work() as s:
            stored = {(mn, dt) for mn, dt in s.execute(select(IngestRecord.mn, IngestRecord.data_time))}
            # Every acknowledged frame is in the database.
            for lg in loggers:
                for raw in lg.frames:
                    qn = qn_of(raw)
                    assert qn is not None
                    if qn in lg.acked:
                        dt = parse_data_time(qn[:14], 8.0)
                        assert (lg.mn, dt) in stored, (lg.mn, qn)
            # Exactly one record per logger and minute; none conflicting.
            n_records = s.scalar(select(func.count()).select_from(IngestRecord))
            assert n_records == len(stored) == LOGGERS * FRAMES
            assert not s.scalar(select(func.count()).select_from(IngestRecord).where(IngestRecord.conflict))
            n_readings = s.scalar(select(func.count()).select_from(IngestReading))
            assert n_readings == LOGGERS * FRAMES * len(AIR)
            copies = s.scalar(select(func.sum(IngestRecord.copies)))
            assert (
                copies is not None and copies > LOGGERS * FRAMES
            )  # retransmissions were counted, not stored
    finally:
        db.dispose()
