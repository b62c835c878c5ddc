"""A small version of ``huanjian detect evaluate`` on a fixed held-out seed (not used in tuning)."""

from __future__ import annotations

import json

import numpy as np
from typer.testing import CliRunner

from huanjian.detect.evaluate import TARGET_FALSE_PER_OUTLET_MONTH, evaluate, table
from huanjian.detect.generate import generate

HELD_OUT_SEED = 301  # tuning used seeds 101-105 (docs/detection.md)


def test_small_evaluation_meets_targets() -> None:
    report = evaluate([HELD_OUT_SEED], outlets=24, months=1)
    assert report.recall.total >= 10
    assert (report.recall.value or 0) >= 0.8
    assert (report.precision.value or 0) >= 0.8
    assert report.false_per_outlet_month <= TARGET_FALSE_PER_OUTLET_MONTH
    assert "seeds 301" in table(report)


def test_generator_is_deterministic_and_labelled() -> None:
    a = generate(5, outlets=6)
    b = generate(5, outlets=6)
    assert [e for e in a.episodes] == [e for e in b.episodes]
    assert len(a.episodes) == 3 and len(a.honest) == 3
    x, y = a.months[0][0], b.months[0][0]
    assert all(np.array_equal(x.values[k], y.values[k], equal_nan=True) for k in x.values)


def test_cli_evaluate_json() -> None:
    from huanjian.cli.main import app

    res = CliRunner().invoke(app, ["detect", "evaluate", "--seed", "302", "--outlets", "8", "--json"])
    assert res.exit_code == 0, res.output
    body = json.loads(res.output.split("\ntargets not met")[0])
    assert body["seeds"] == [302] and "recall_by_trick" in body


def test_borrowed_episodes_cycle_variants_with_a_real_peer() -> None:
    bench = generate(7, outlets=40)
    borrowed = [e for e in bench.episodes if e.trick == "borrowed_data"]
    peer = [e for e in borrowed if e.variant == "peer"]
    assert peer and {e.variant for e in borrowed} >= {"peer", "own_history"}
    loggers = {d.mn: d for d in bench.months[0]}
    for e in peer:
        assert e.source_mn in bench.honest and e.source_mn in loggers  # another logger of the benchmark
        code = e.pollutants[0]
        a, b = loggers[e.mn].values[code][e.start : e.end], loggers[e.source_mn].values[code][e.start : e.end]
        ok = np.isfinite(a) & np.isfinite(b)
        assert np.corrcoef(np.diff(a[ok]), np.diff(b[ok]))[0, 1] > 0.5


def test_detector_recall_counts_its_variants_only() -> None:
    from huanjian.detect.evaluate import Report, score
    from huanjian.detect.generate import Benchmark, Episode

    eps = [
        Episode("A", "borrowed_data", 0, 100, ("a21026",), "weak", variant="peer", source_mn="C"),
        Episode("B", "borrowed_data", 0, 100, ("a21026",), "weak", variant="own_history"),
    ]
    bench = Benchmark(seed=0, months=[[]], episodes=eps, honest={"C"})
    report = Report(seeds=[0], outlets=3, months=1)
    score(bench, [], report)
    assert report.recall_by_detector["fz_borrowed_peer"].total == 1
    assert report.recall_by_detector["fz_borrowed"].total == 1
