"""Benchmark (not a test): every detector over outlet-months of minute data.

Generates ``--outlets`` outlets × ``--months`` months with the detection generator (half of
them carrying a trick, 30 % water), then runs the whole catalogue (peer detectors across the
outlets of each month), groups the findings into clues and computes the secondary score,
month by month.  Reports generation and detection time separately, outlet-months per second,
findings and clues, and the peak resident memory of the process.

``--store sqlite|postgresql`` puts the minute data in the readings store first (a fresh
database built by the migrations: a temporary SQLite file, or a scratch PostgreSQL database
on ``--pg``), written in bulk as the ingest store writes them and packed into day packs as the
hourly ``ingest.pack`` job does (ADR 0007; both timed apart, ``--no-pack`` to read the rows
instead), and the detection
then reads every logger's month back through :func:`huanjian.detect.repository.logger_data`
(readings, marks and QA events from the store; the bulk reader of
:mod:`huanjian.ingest.reader`).  The outlets are not in the register there, so the limits are
the generator's (set on the data after the read).  Without ``--store`` the detectors get the
generated arrays directly.

    .venv/bin/python bench/bench_detect.py [--outlets 50] [--months 4] [--seed 7]
    .venv/bin/python bench/bench_detect.py --store postgresql --outlets 20 --months 1
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import numpy as np

from huanjian.detect import catalogue, secondary
from huanjian.detect.clues import build
from huanjian.detect.generate import generate
from huanjian.detect.model import LoggerData
from huanjian.detect.rules import load

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432"
COLUMNS = ("record_id", "pollutant", "data_time", "mn", "period", "wire_code", "avg", "flag")
TAIL = ("received_at", "current", "conflict")


@contextmanager
def scratch_database(kind: str, pg: str) -> Iterator[str]:
    """A fresh database with the schema, removed afterwards."""
    from huanjian.core import migrate
    from huanjian.core.db import make_engine

    tmp = tempfile.mkdtemp(prefix="bench_detect_")
    name = f"huanjian_bench_detect_{os.getpid()}"
    if kind == "sqlite":
        url = f"sqlite:///{tmp}/bench.db"
    else:
        import psycopg

        admin = pg.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        url = f"{pg}/{name}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if kind != "sqlite":
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def write_month(db: object, loggers: list[LoggerData], first_id: int) -> int:
    """Every finite minute value as a current minute reading (binary COPY / executemany)."""
    from huanjian.ingest.bulk import BulkWriter
    from huanjian.ingest.store import IngestStore

    with db.unit_of_work() as session:  # type: ignore[attr-defined]
        postgres = session.get_bind().dialect.name == "postgresql"
        bulk = BulkWriter(session, postgres=postgres)
        if postgres:
            ends = [d.start.astimezone(UTC) + timedelta(minutes=k) for d in loggers for k in (0, d.n - 1)]
            months = {(t.year, t.month) for t in ends}
            IngestStore._ensure_partitions(None, session, months)  # type: ignore[arg-type]
        tail = (bulk.dt(datetime.now(UTC)), bulk.flag(True), bulk.flag(False))
        rid = first_id
        for d in loggers:
            start = d.start.astimezone(UTC)
            times = [bulk.dt(start + timedelta(minutes=k)) for k in range(d.n)]
            flags = d.flags.tolist()
            rows = []
            for k in range(d.n):
                for code, x in d.values.items():
                    v = float(x[k])
                    if v == v:
                        rows.append((rid + k, code, times[k], d.mn, "minute", code, v, flags[k], *tail))
            rid += d.n
            bulk.insert("ingest_reading", COLUMNS + TAIL, rows)
    return rid


def detect(loggers: list[LoggerData], rules: object) -> tuple[int, int]:
    """What a detection run computes: every detector, the clues, the secondary score."""
    findings = catalogue.run(loggers, rules)  # type: ignore[arg-type]
    clues = build(findings, loggers, rules)  # type: ignore[arg-type]
    secondary.adjust(clues, loggers)
    return len(findings), len(clues)


def per_detector(loggers: list[LoggerData], rules: object, into: Counter[str]) -> None:
    """Milliseconds of each detector alone (not part of the detection figure)."""
    for det in catalogue.DETECTORS:
        t = time.perf_counter()
        catalogue.run(loggers, rules, only=[det.code])  # type: ignore[arg-type]
        into[det.code] += int((time.perf_counter() - t) * 1000)


def read_month(db: object, generated: list[LoggerData]) -> list[LoggerData]:
    from huanjian.core.context import ActionContext
    from huanjian.core.tx import Tx
    from huanjian.detect import repository as repo
    from huanjian.review.repository import OutletInfo

    out = []
    with db.unit_of_work() as session:  # type: ignore[attr-defined]
        tx = Tx(session, ActionContext.system("bench", "bench"), b"bench-key-0123456789abcdef")
        for k, g in enumerate(generated):
            info = OutletInfo(
                id=-(k + 1), outlet_code=g.outlet_code or f"DA{k:03d}", name=None, kind=g.kind,
                enterprise_id=0, enterprise_name="", credit_code=None, jurisdiction_code=None,
                longitude=None, latitude=None, mns=(g.mn,), pollutant_mn={}, contractor_by_mn={},
            )  # fmt: skip
            start = g.start
            data = repo.logger_data(tx, info, g.mn, start, start + timedelta(minutes=g.n))
            assert data is not None and data.n == g.n, g.mn
            data.limits = dict(g.limits)  # not in the register: the generator's limits
            out.append(data)
    return out


def pack_month(db: object, generated: list[LoggerData]) -> None:
    """Day packs of the written days, as the hourly ``ingest.pack`` job builds them (ADR 0007).

    Every generated month covers the same days (other loggers): the ingest store would have
    marked their days stale when it wrote them (they had ended), so the bench does the same.
    """
    from huanjian.ingest import packs
    from huanjian.ingest.bulk import BulkWriter

    end = max(g.start + timedelta(minutes=g.n) for g in generated)
    now = end + timedelta(days=1)
    written = ((g.mn, "minute", g.start + timedelta(minutes=m)) for g in generated for m in range(0, g.n, 60))
    keys = packs.stale_keys(written, now)
    with db.unit_of_work() as session:  # type: ignore[attr-defined]
        bulk = BulkWriter(session)
        packs.mark_stale(bulk, keys, now)
        packs.pack(session, now=now, max_days=400)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--outlets", type=int, default=50)
    ap.add_argument("--months", type=int, default=4)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--store", choices=("sqlite", "postgresql"), default=None)
    ap.add_argument("--pg", default=os.environ.get("HUANJIAN_BENCH_PG", PG_DEFAULT))
    ap.add_argument("--repeat", type=int, default=1, help="reads and detections per month (median)")
    ap.add_argument("--per-detector", action="store_true", help="also time each detector alone")
    ap.add_argument("--no-pack", action="store_true", help="read every reading from the rows (no day packs)")
    args = ap.parse_args()
    rules = load()
    gen_s = det_s = read_s = write_s = pack_s = 0.0
    findings = clues = 0
    by_detector: Counter[str] = Counter()
    minutes = rows = 0
    with _maybe_store(args) as db:
        rid = 1
        for m in range(args.months):
            t0 = time.perf_counter()
            generated = generate(args.seed * 100 + m, outlets=args.outlets, months=1).months[0]
            gen_s += time.perf_counter() - t0
            loggers = generated
            reads: list[float] = []
            if db is not None:
                t = time.perf_counter()
                rid = write_month(db, generated, rid)
                write_s += time.perf_counter() - t
                if not args.no_pack:
                    t = time.perf_counter()
                    pack_month(db, generated)
                    pack_s += time.perf_counter() - t
                for _ in range(args.repeat):
                    t = time.perf_counter()
                    loggers = read_month(db, generated)
                    reads.append(time.perf_counter() - t)
                read_s += statistics.median(reads)
                rows += sum(int(np.isfinite(x).sum()) for d in generated for x in d.values.values())
            dets = []
            for _ in range(args.repeat):
                t = time.perf_counter()
                f, c = detect(loggers, rules)
                dets.append(time.perf_counter() - t)
            det_s += statistics.median(dets)
            findings += f
            clues += c
            if args.per_detector:
                per_detector(loggers, rules, by_detector)
            minutes += sum(x.n for x in loggers)
            read = f", read {statistics.median(reads):.1f} s" if reads else ""
            print(f"month {m}: generated {time.perf_counter() - t0:.1f} s total{read}, "
                  f"detected {statistics.median(dets):.1f} s", flush=True)  # fmt: skip
    om = args.outlets * args.months
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"outlet-months: {om} ({minutes:,} logger-minutes, 5-9 parameters each)")
    print(f"generation: {gen_s:.1f} s")
    if args.store:
        print(f"store: {args.store}; written {rows:,} readings in {write_s:.1f} s (setup, not timed below)")
        if not args.no_pack:
            print(f"day packs (the hourly ingest.pack job, once per settled day): {pack_s:.1f} s (not timed)")
        print(f"read from the store: {read_s:.1f} s -> {om / read_s:.1f} outlet-months/s "
              f"({read_s / om:.2f} s per outlet-month, {rows / read_s:,.0f} readings/s)")  # fmt: skip
    print(f"detection (every detector, clues, secondary score): {det_s:.1f} s "
          f"-> {om / det_s:.1f} outlet-months/s")  # fmt: skip
    if args.store:
        total = read_s + det_s
        print(f"read + detection: {total:.1f} s -> {om / total:.1f} outlet-months/s "
              f"(200 outlet-months in {200 * total / om:.0f} s at this rate)")  # fmt: skip
    print(f"findings {findings}, clues {clues}")
    print(f"peak RSS: {peak:.0f} MiB")
    if by_detector:
        print("per detector alone (ms): " + ", ".join(f"{k} {v}" for k, v in by_detector.most_common()))


@contextmanager
def _maybe_store(args: argparse.Namespace) -> Iterator[object | None]:
    if args.store is None:
        yield None
        return
    from huanjian.core.db import Database

    with scratch_database(args.store, args.pg) as url:
        db = Database(url)
        try:
            yield db
        finally:
            db.dispose()


if __name__ == "__main__":
    main()
