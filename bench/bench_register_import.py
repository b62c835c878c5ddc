"""Benchmark (not a test): a 20,000-enterprise register import, then the same file again.

Builds a fresh database (SQLite in a temporary directory by default, or
``--url``), migrates it, loads the Shanghai jurisdictions, writes a CSV of
N enterprises in the ``enterprises`` template and imports it through the same
path as ``huanjian register import`` (one transaction). The second import must
report every row ``unchanged``.

    .venv/bin/python bench/bench_register_import.py [--rows 20000] [--url URL]
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import tempfile
import time
from pathlib import Path

from huanjian.core import migrate
from huanjian.core.context import ActionContext
from huanjian.core.db import Database
from huanjian.core.tx import Tx
from huanjian.demo.seed import seed_jurisdictions
from huanjian.register import importer
from huanjian.register.identifiers import credit_check_char, org_check_char

DISTRICTS = [
    "310101", "310104", "310105", "310106", "310107", "310109", "310110", "310112",
    "310113", "310114", "310115", "310116", "310117", "310118", "310120", "310151",
]  # fmt: skip


def make_csv(rows: int) -> bytes:
    rnd = random.Random(7)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["credit_code", "name", "industry_code", "address", "jurisdiction_code", "supervision_class"])
    for i in range(rows):
        district = DISTRICTS[i % len(DISTRICTS)]
        body = f"MC{i:06d}"
        first = "91" + district + body + org_check_char(body)
        w.writerow(
            [
                first + credit_check_char(first),
                f"上海基准测试{i:05d}号有限公司",
                rnd.choice(["D4411", "C3011", "C2221", "C2614", "D4620", "N7820"]),
                f"上海市某区某路{i}号",
                district,
                rnd.choice(["key", "general", "simple"]),
            ]
        )
    return buf.getvalue().encode("utf-8")


def run(db: Database, data: bytes) -> tuple[float, dict[str, object]]:
    started = time.perf_counter()
    with db.unit_of_work() as session:
        tx = Tx(session, ActionContext(None, "bench", "cli"), b"bench-key")
        report = importer.import_file(tx, "enterprises", data, "bench.csv").to_dict()
    return time.perf_counter() - started, report


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        db = Database(url)
        migrate.upgrade(db.engine)
        with db.unit_of_work() as session:
            seed_jurisdictions(Tx(session, ActionContext(None, "bench", "cli"), b"bench-key"), "31")
        data = make_csv(args.rows)
        first, report = run(db, data)
        rate = args.rows / first
        print(
            f"{db.backend}: first import of {args.rows} enterprises: {first:.1f} s ({rate:,.0f} rows/s), "
            f"created {report['created']}, rejected {report['rejected']}"
        )
        second, report = run(db, data)
        print(f"{db.backend}: re-import: {second:.1f} s, unchanged {report['unchanged']}")
        db.dispose()


if __name__ == "__main__":
    main()
