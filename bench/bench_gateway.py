"""Benchmark (not a test): HJ 212 gateway end to end, acknowledged only after storage.

A fresh database (SQLite file or PostgreSQL database), the gateway in its own
process (`huanjian gateway`), the load generator in another process sending
pre-generated 2051 flue-gas minute frames (9 parameters, A bit set) from N
loggers at R frames/s each, matching every 9014 reply to its frame.

Reports: frames acknowledged per second (sustained over the run), p50/p99 reply
latency, readings rows stored per second, and on PostgreSQL the rate of a raw
COPY of the same rows into an unindexed copy of the readings table in the same
run (the ratio says what dedup, raw frames, records, indexes and audit cost).

    .venv/bin/python bench/bench_gateway.py --backend sqlite --loggers 200 --rate 30 --frames 300
    .venv/bin/python bench/bench_gateway.py --backend postgresql --loggers 300 --rate 10 --frames 300
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import multiprocessing as mp
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from huanjian.core import migrate
from huanjian.core.db import make_engine

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _raise_nofile() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _client(host: str, port: int, loggers: int, rate: float, frames: int, out: mp.Queue) -> None:  # type: ignore[type-arg]
    _raise_nofile()
    from huanjian.ingest.simulate import SimLogger, SimStats, honest_frames, percentile, sim_mn

    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    start = datetime(2024, 3, 1, tzinfo=UTC)
    stats = SimStats()
    sims = [
        SimLogger(sim_mn(i), list(honest_frames(sim_mn(i), start, frames, seed=i)), rate=rate, stats=stats)
        for i in range(loggers)
    ]
    t0 = time.monotonic()
    usage0 = resource.getrusage(resource.RUSAGE_SELF)
    cpu0 = usage0.ru_utime + usage0.ru_stime  # frame generation above is not load generation

    async def run() -> None:
        deadline = time.monotonic() + frames / rate * 3 + 60
        await asyncio.gather(*(s.run(host, port, deadline) for s in sims))

    asyncio.run(run())
    elapsed = time.monotonic() - t0
    usage = resource.getrusage(resource.RUSAGE_SELF)
    out.put(
        {
            "cpu_s": usage.ru_utime + usage.ru_stime - cpu0,
            "connects": stats.connects,
            "gave_up": stats.gave_up,
            "acked": stats.acked,
            "sent": stats.sent,
            "resent": stats.resent,
            "seconds": elapsed,
            "p50_ms": (percentile(stats.latencies, 50) or 0) * 1000,
            "p99_ms": (percentile(stats.latencies, 99) or 0) * 1000,
        }
    )


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (from /proc)."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _tree(pid: int) -> list[int]:
    """The gateway and its writer processes (children, recursively)."""
    out = [pid]
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                for child in fh.read().split():
                    out += _tree(int(child))
    return out


def _tree_cpu(pid: int, seen: dict[int, float]) -> float:
    """CPU seconds of the process tree; ``seen`` keeps the last reading of each process,
    so a writer that exited before the end still counts."""
    for p in _tree(pid):
        with contextlib.suppress(OSError):
            seen[p] = _cpu_seconds(p)
    return sum(seen.values())


def _postgres_cpu() -> float:
    """CPU seconds of every PostgreSQL server process on the machine (the benchmark's own
    database is the only busy one)."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError), open(f"/proc/{entry}/comm") as fh:
                if fh.read().strip() in ("postgres", "postmaster"):
                    total += _cpu_seconds(int(entry))
    return total


def _rss_kib(pid: int, field: str = "VmHWM:") -> int:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


def _database(backend: str, tmp: Path) -> tuple[str, str | None]:
    if backend == "sqlite":
        return f"sqlite:///{tmp / 'bench.db'}", None
    name = f"huanjian_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{PG_SERVER}/{name}", name


def _raw_copy_rate(name: str) -> tuple[int, float]:
    """Rows/s of a plain COPY of the stored readings into an unindexed table."""
    with psycopg.connect(f"host=127.0.0.1 user=postgres dbname={name}") as conn:
        buf = io.BytesIO()
        with conn.cursor().copy("COPY (SELECT * FROM ingest_reading) TO STDOUT") as cp:
            for chunk in cp:
                buf.write(chunk)
        conn.execute("CREATE TABLE bench_copy (LIKE ingest_reading)")
        conn.commit()
        t0 = time.perf_counter()
        with conn.cursor().copy("COPY bench_copy FROM STDIN") as cp:
            cp.write(buf.getvalue())
        conn.commit()
        seconds = time.perf_counter() - t0
        n = conn.execute("SELECT count(*) FROM bench_copy").fetchone()
        return int(n[0] if n else 0), seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--loggers", type=int, default=200)
    parser.add_argument("--rate", type=float, default=30.0, help="frames/s per logger")
    parser.add_argument("--frames", type=int, default=300, help="frames per logger")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument(
        "--writers",
        type=int,
        default=None,
        help="HUANJIAN_GATEWAY_WRITERS (default: the gateway's own)",
    )
    parser.add_argument(
        "--gateway-src",
        type=Path,
        help="Run the gateway (and the schema) from another checkout's src/, for before/after "
        "comparisons with the same load generator.",
    )
    args = parser.parse_args()
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    _raise_nofile()
    tmp = Path(tempfile.mkdtemp(prefix="hj-bench-"))
    url, pg_name = _database(args.backend, tmp)
    if args.gateway_src:
        code = (
            "from huanjian.core import migrate; from huanjian.core.db import make_engine; "
            f"migrate.upgrade(make_engine({url!r}))"
        )
        subprocess.run(  # that checkout's migrations
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONPATH": str(args.gateway_src.resolve())},
            check=True,
        )
    else:
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
    port = _free_port()
    env = {
        **os.environ,
        "HUANJIAN_DATABASE_URL": url,
        "HUANJIAN_DATA_DIR": str(tmp),
        "HUANJIAN_AUDIT_KEY": "bench-audit-key-0123456789",
        "HUANJIAN_LOG_LEVEL": "WARNING",
        "HUANJIAN_INGEST_BATCH_SIZE": str(args.batch_size),
        "HUANJIAN_GATEWAY_RATE_FRAMES_PER_SECOND": "100000",
        "HUANJIAN_GATEWAY_RATE_BURST": "100000",
    }
    if args.writers is not None:
        env["HUANJIAN_GATEWAY_WRITERS"] = str(args.writers)
    if args.gateway_src:
        env["PYTHONPATH"] = str(args.gateway_src.resolve())
    gw = subprocess.Popen(  # the gateway in its own process
        [sys.executable, "-c", "from huanjian.cli.main import main; main()", "gateway", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        peak = {"fds": 0, "rss_kib": 0}
        sampling = threading.Event()

        tree_cpu: dict[int, float] = {}
        peak["tree_rss_kib"] = 0

        def sample() -> None:  # open sockets, memory and CPU of the gateway (and writers) as it works
            while not sampling.wait(0.5):
                with contextlib.suppress(OSError):
                    peak["fds"] = max(peak["fds"], len(os.listdir(f"/proc/{gw.pid}/fd")))
                    rss = sum(_rss_kib(p, "VmRSS:") for p in _tree(gw.pid))
                    peak["tree_rss_kib"] = max(peak["tree_rss_kib"], rss)
                    _tree_cpu(gw.pid, tree_cpu)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        cpu_before = _cpu_seconds(gw.pid)
        tree_before = _tree_cpu(gw.pid, tree_cpu)
        pg_before = _postgres_cpu()
        out: mp.Queue = mp.Queue()  # type: ignore[type-arg]
        client = mp.Process(
            target=_client, args=("127.0.0.1", port, args.loggers, args.rate, args.frames, out)
        )
        client.start()
        result = out.get()
        client.join()
        sampling.set()
        gw_cpu = _cpu_seconds(gw.pid) - cpu_before
        all_cpu = _tree_cpu(gw.pid, tree_cpu) - tree_before
        pg_cpu = _postgres_cpu() - pg_before
        writers = len(_tree(gw.pid)) - 1
        rss_kib = _rss_kib(gw.pid)
    finally:
        gw.send_signal(signal.SIGTERM)
        gw.wait(60)
    offered = args.loggers * args.rate
    report = {
        "gateway_src": str(args.gateway_src or "this checkout"),
        "backend": args.backend,
        "loggers": args.loggers,
        "offered_frames_per_s": offered,
        "frames": args.loggers * args.frames,
        "acked": result["acked"],
        "resent": result["resent"],
        "seconds": round(result["seconds"], 2),
        "acked_per_s": round(result["acked"] / result["seconds"], 1),
        "reading_rows_per_s": round(result["acked"] * 9 / result["seconds"], 1),
        "p50_ms": round(result["p50_ms"], 1),
        "p99_ms": round(result["p99_ms"], 1),
        "gateway_peak_rss_mib": round(rss_kib / 1024, 1),
        "gateway_peak_open_fds": peak["fds"],
        "client_connects": result["connects"],
        "client_gave_up": result["gave_up"],
        "gateway_child_processes": writers,
        "gateway_tree_peak_rss_mib": round(peak["tree_rss_kib"] / 1024, 1),
        "gateway_cpu_s": round(gw_cpu, 2),
        "gateway_cpu_us_per_frame": round(gw_cpu / max(1, result["acked"]) * 1e6, 1),
        "gateway_and_writers_cpu_us_per_frame": round(all_cpu / max(1, result["acked"]) * 1e6, 1),
        "postgres_cpu_us_per_frame": round(pg_cpu / max(1, result["acked"]) * 1e6, 1) if pg_name else None,
        "client_cpu_s": round(result["cpu_s"], 2),
        "load_before": load_before,
        "load_after": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    if pg_name:
        n, seconds = _raw_copy_rate(pg_name)
        report["raw_copy_rows_per_s"] = round(n / seconds, 1)
        report["ratio_stored_to_raw_copy"] = round(report["reading_rows_per_s"] / (n / seconds), 4)
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
    shutil.rmtree(tmp, ignore_errors=True)  # the SQLite database and data dir (hundreds of MB)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
