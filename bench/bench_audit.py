"""Benchmark (not a test): audit trail write and verify throughput.

Writes N audited actions (one unit of work per action, as requests and CLI
commands do, plus one run of batched entries as ingestion does), then
verifies the chain. Prints the median of repeated runs for SQLite and, when
reachable, the local PostgreSQL.

    .venv/bin/python bench/bench_audit.py [--entries 2000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import psycopg

from huanjian.audit import service
from huanjian.core import migrate
from huanjian.core.context import ActionContext
from huanjian.core.db import Database
from huanjian.core.tx import Tx

KEY = b"bench-audit-key-0123456789abcdef"


def _fresh(url_kind: str, tmp: Path, run: int) -> Database:
    if url_kind == "sqlite":
        return Database(f"sqlite:///{tmp / f'audit{run}.db'}")
    name = f"huanjian_bench_audit_{run}"
    with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return Database(f"postgresql+psycopg://postgres@127.0.0.1/{name}")


def _one(kind: str, tmp: Path, run: int, n: int) -> tuple[float, float, float]:
    db = _fresh(kind, tmp, run)
    migrate.upgrade(db.engine)
    ctx = ActionContext(None, "bench", "system")
    started = time.perf_counter()
    for i in range(n):
        with db.unit_of_work() as s:
            Tx(s, ctx, KEY).audit(
                "thing.update", "thing", i, before={"v": i}, after={"v": i + 1}, jurisdiction_code="310115"
            )
    per_action = n / (time.perf_counter() - started)
    started = time.perf_counter()
    with db.unit_of_work() as s:
        tx = Tx(s, ctx, KEY)
        for i in range(n):
            tx.audit("batch.entry", "batch", i, after={"rows": 1000})
    batched = n / (time.perf_counter() - started)
    started = time.perf_counter()
    with db.unit_of_work(readonly=True) as s:
        result = service.verify(s, KEY)
    assert result.ok and result.count == 2 * n
    verify_rate = result.count / (time.perf_counter() - started)
    db.dispose()
    return per_action, batched, verify_rate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    kinds = ["sqlite"]
    try:
        psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", connect_timeout=2).close()
        kinds.append("postgresql")
    except psycopg.OperationalError:
        print("PostgreSQL not reachable: SQLite only")
    with tempfile.TemporaryDirectory() as tmp:
        for kind in kinds:
            runs = [_one(kind, Path(tmp), r, args.entries) for r in range(args.repeat)]
            med = [statistics.median(col) for col in zip(*runs, strict=True)]
            print(
                f"{kind:<10} one action per transaction: {med[0]:8.0f}/s   "
                f"batched in one transaction: {med[1]:8.0f}/s   verify: {med[2]:9.0f} entries/s"
            )


if __name__ == "__main__":
    main()
