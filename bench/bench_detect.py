"""Benchmark (not a test): every detector over 200 outlet-months of minute data.

Generates ``--outlets`` outlets × ``--months`` months with the detection generator (half of
them carrying a trick, 30 % water), then runs the whole catalogue (peer detectors across the
outlets of each month) and groups the findings into clues, month by month.  Reports
generation and detection time separately, outlet-months per second of detection, findings
and clues, and the peak resident memory of the process.  No database: the issue's "read from
the store" part is not measured here (see docs/benchmarks.md).

    .venv/bin/python bench/bench_detect.py [--outlets 50] [--months 4] [--seed 7]
"""

from __future__ import annotations

import argparse
import resource
import time
from collections import Counter

from huanjian.detect import catalogue
from huanjian.detect.clues import build
from huanjian.detect.generate import generate
from huanjian.detect.rules import load


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--outlets", type=int, default=50)
    ap.add_argument("--months", type=int, default=4)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rules = load()
    gen_s = det_s = 0.0
    findings = clues = 0
    per_detector: Counter[str] = Counter()
    minutes = 0
    for m in range(args.months):
        t0 = time.perf_counter()
        bench = generate(args.seed * 100 + m, outlets=args.outlets, months=1)
        loggers = bench.months[0]
        t1 = time.perf_counter()
        for det in catalogue.DETECTORS:
            t = time.perf_counter()
            f = catalogue.run(loggers, rules, only=[det.code])
            per_detector[det.code] += int((time.perf_counter() - t) * 1000)
            findings += len(f)
        t2 = time.perf_counter()
        clues += len(build(catalogue.run(loggers, rules), loggers, rules))
        gen_s += t1 - t0
        det_s += t2 - t1
        minutes += sum(x.n for x in loggers)
        print(f"month {m}: generated {t1 - t0:.1f} s, detected {t2 - t1:.1f} s", flush=True)
    om = args.outlets * args.months
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"outlet-months: {om} ({minutes:,} logger-minutes, 5-9 parameters each)")
    print(f"generation: {gen_s:.1f} s")
    print(f"detection (every detector): {det_s:.1f} s -> {om / det_s:.1f} outlet-months/s")
    print(f"findings {findings}, clues {clues}")
    print(f"peak RSS: {peak:.0f} MiB")
    print("per detector (ms): " + ", ".join(f"{k} {v}" for k, v in per_detector.most_common()))


if __name__ == "__main__":
    main()
