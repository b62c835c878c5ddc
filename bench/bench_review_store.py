"""Benchmark (not a test): data review end to end from the readings store.

Issue 5's performance section, measured the way a bureau runs it: readings in the
store (PostgreSQL by default, or SQLite), packed into day packs as the hourly
``ingest.pack`` job does once a day has settled (ADR 0007; timed and printed apart,
``--no-pack`` to read the rows instead), ``huanjian review run`` for a day or a year,
results written back (hourly/daily/monthly results, exceedance events, audit).

* ``--outlets 2000 --days 1``: 2,000 flue-gas outlets × 9 parameters × 1,440 minutes
  (≈ 26 M values), target ≤ 30 s, peak memory ≤ 4 GiB;
* ``--outlets 1 --days 365``: one outlet-year (≈ 4.7 M values), target ≤ 5 s.

Setup (not timed): a scratch database built by the migrations, the register rows
through the register importer (enterprises, outlets, loggers with 9 devices, an SO2
limit at 6 % O2), minute readings written by binary COPY as the ingest store writes
them (~1 % missing, ~3 % with a non-N flag).  Timed: ``review.service.run`` over the
period, in one transaction as the CLI does.  Figures: median of ``--repeat`` runs
(each run recomputes the same days, as a re-run after late data would).

    PYTHONPATH=src .venv/bin/python bench/bench_review_store.py --outlets 2000 --days 1 --repeat 3
    PYTHONPATH=src .venv/bin/python bench/bench_review_store.py --outlets 1 --days 365 --repeat 3
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_detect import PG_DEFAULT, scratch_database
from bench_review_engine import BASE  # the same typical values per parameter

from huanjian.access.policy import Principal
from huanjian.core.context import ActionContext
from huanjian.core.db import Database
from huanjian.core.time import CST
from huanjian.core.tx import Tx
from huanjian.geo import service as geo
from huanjian.geo.divisions import Division
from huanjian.ingest import packs
from huanjian.ingest.bulk import BulkWriter
from huanjian.ingest.store import IngestStore
from huanjian.register import importer
from huanjian.register.identifiers import credit_check_char, org_check_char
from huanjian.review import service
from huanjian.review.engine.pipeline import FLUE_GAS_PARAMETERS

KEY = b"bench-audit-key-0123456789abcdef"
COLUMNS = ("record_id", "pollutant", "data_time", "mn", "period", "wire_code", "avg", "flag")
TAIL = ("received_at", "current", "conflict")


def _code(n: int) -> str:
    body = f"MB{n:06d}"
    first17 = "91310115" + body + org_check_char(body)
    return first17 + credit_check_char(first17)


def _mn(n: int) -> str:
    return f"BENCH{n:019d}"


def seed_register(tx: Tx, n: int) -> None:
    geo.load(
        tx,
        [Division("310000", "上海市", "city", None), Division("310115", "浦东新区", "district", "310000")],
        "bench",
    )

    def load(kind: str, rows: list[dict[str, str]]) -> None:
        report = importer.import_rows(tx, importer.get_kind(kind), list(rows[0]), rows, source="bench")
        bad = [r.errors for r in report.rows if r.errors]
        assert not bad, bad[:3]

    codes = [_code(i) for i in range(n)]
    load(
        "enterprises",
        [
            {"credit_code": c, "name": f"基准企业{i}", "jurisdiction_code": "310115"}
            for i, c in enumerate(codes)
        ],
    )
    load(
        "outlets",
        [{"credit_code": c, "outlet_code": "DA001", "kind": "air", "name": "1号锅炉"} for c in codes],
    )
    load(
        "loggers",
        [
            {"mn": _mn(i), "credit_code": c, "outlet_code": "DA001", "pollutant": p}
            for i, c in enumerate(codes)
            for p in FLUE_GAS_PARAMETERS
        ],
    )
    limit = {"pollutant": "a21026", "averaging_period": "hour", "value": "35", "unit": "mg/m3",
             "reference_o2": "6", "standard": "GB 13223-2011", "valid_from": "2020-01-01"}  # fmt: skip
    load("limits", [{"credit_code": c, "outlet_code": "DA001", **limit} for c in codes])


def write_readings(db: Database, n: int, first: date, days: int, seed: int = 7) -> int:
    """Minute readings of every outlet, one COPY per outlet (as the ingest store writes them)."""
    rng = np.random.default_rng(seed)
    minutes = days * 1440
    start = datetime(first.year, first.month, first.day, tzinfo=CST).astimezone(UTC)
    written = 0
    rid = 1
    with db.unit_of_work() as session:
        postgres = session.get_bind().dialect.name == "postgresql"
        bulk = BulkWriter(session, postgres=postgres)
        if postgres:
            months = {(d.year, d.month) for d in (start + timedelta(days=k) for k in range(days + 1))}
            IngestStore._ensure_partitions(None, session, months)  # type: ignore[arg-type]
        times = [bulk.dt(start + timedelta(minutes=k)) for k in range(minutes)]
        tail = (bulk.dt(datetime.now(UTC)), bulk.flag(True), bulk.flag(False))
        for i in range(n):
            mn = _mn(i)
            keep = rng.random(minutes) > 0.01
            odd = rng.random(minutes) < 0.03
            flags = np.where(odd, "M", "N")
            rows = []
            for p, code in enumerate(FLUE_GAS_PARAMETERS):
                vals = BASE[p] * (1.0 + 0.1 * rng.standard_normal(minutes))
                for k in np.flatnonzero(keep).tolist():
                    rows.append(
                        (rid + k, code, times[k], mn, "minute", code, float(vals[k]), str(flags[k]), *tail)
                    )
            rid += minutes
            bulk.insert("ingest_reading", COLUMNS + TAIL, rows)
            written += len(rows)
    return written


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", choices=("sqlite", "postgresql"), default="postgresql")
    ap.add_argument("--pg", default=PG_DEFAULT)
    ap.add_argument("--outlets", type=int, default=2000)
    ap.add_argument("--days", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-pack", action="store_true", help="Read every reading from the rows (no day packs).")
    args = ap.parse_args()
    first = date(2026, 3, 1)
    last = first + timedelta(days=args.days - 1)
    with scratch_database(args.store, args.pg) as url:
        db = Database(url)
        t0 = time.perf_counter()
        with db.unit_of_work() as session:
            seed_register(Tx(session, ActionContext.system("bench", "bench"), KEY), args.outlets)
        t1 = time.perf_counter()
        values = write_readings(db, args.outlets, first, args.days)
        t2 = time.perf_counter()
        print(f"store: {args.store}; register {args.outlets} outlets in {t1 - t0:.1f} s; "
              f"{values:,} readings written in {t2 - t1:.1f} s (setup, not timed)")  # fmt: skip
        if not args.no_pack:
            made, swept = 0, 0
            now = datetime.combine(last + timedelta(days=2), datetime.min.time(), UTC)
            while True:  # the hourly job sweeps at most 62 days a call
                with db.unit_of_work() as session:
                    got = packs.pack(session, now=now)
                made, swept = made + got.packs, swept + len(got.swept_days)
                if not got.swept_days:
                    break
            print(f"  day packs (the hourly ingest.pack job, once per settled day): {made:,} packs of "
                  f"{swept} days in {time.perf_counter() - t2:.1f} s")  # fmt: skip
        times = []
        for _ in range(args.repeat):
            s = time.perf_counter()
            with db.unit_of_work() as session:
                tx = Tx(session, ActionContext.system("bench", "bench"), KEY)
                report = service.run(tx, Principal.system(), first, last)
            times.append(time.perf_counter() - s)
            print(
                f"  run: {times[-1]:.2f} s ({report.outlets} outlets, {report.days} outlet-days)", flush=True
            )
        db.dispose()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    med = statistics.median(times)
    print(f"review from the store: median {med:.2f} s for {values:,} values "
          f"({values / med / 1e6:.2f} M values/s); peak RSS {rss:.2f} GiB")  # fmt: skip


if __name__ == "__main__":
    main()
