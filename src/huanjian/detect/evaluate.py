"""The evaluation harness: a labelled benchmark from the generator, and detection measured on it.

Definitions (issue 6), for the ``falsification`` category only, raised clues only:

* a trick episode is **found** when a falsification clue on the same logger overlaps it in time
  (recall = found / episodes, per trick, per strength and per detector — a detector made for
  some variants of its trick, e.g. ``fz_borrowed_peer`` for data copied from another logger,
  is counted on the episodes of those variants only);
* a falsification clue is **right** when it overlaps a trick episode on its logger
  (precision = right / clues, per suspected trick and per detector);
* **false clues per outlet-month** = falsification clues on honest outlets / honest outlet-months;
* the **right-trick rate** = share of right clues whose suspected trick is the episode's trick.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from huanjian.detect import catalogue
from huanjian.detect.clues import Clue, build
from huanjian.detect.generate import TRICKS, Benchmark, Episode, generate
from huanjian.detect.rules import Rules, load

TARGET_RECALL = 0.8
TARGET_PRECISION = 0.8
TARGET_FALSE_PER_OUTLET_MONTH = 0.2


@dataclass
class Ratio:
    hit: int = 0
    total: int = 0

    @property
    def value(self) -> float | None:
        return self.hit / self.total if self.total else None

    def add(self, ok: bool) -> None:
        self.total += 1
        self.hit += int(ok)

    def text(self) -> str:
        v = self.value
        return "—" if v is None else f"{v:.2f} ({self.hit}/{self.total})"


@dataclass
class Report:
    seeds: list[int]
    outlets: int
    months: int
    recall_by_trick: dict[str, Ratio] = field(default_factory=lambda: defaultdict(Ratio))
    precision_by_trick: dict[str, Ratio] = field(default_factory=lambda: defaultdict(Ratio))
    recall_by_detector: dict[str, Ratio] = field(default_factory=lambda: defaultdict(Ratio))
    precision_by_detector: dict[str, Ratio] = field(default_factory=lambda: defaultdict(Ratio))
    recall_by_strength: dict[str, Ratio] = field(default_factory=lambda: defaultdict(Ratio))
    recall: Ratio = field(default_factory=Ratio)
    precision: Ratio = field(default_factory=Ratio)
    right_trick: Ratio = field(default_factory=Ratio)
    honest_outlet_months: int = 0
    false_on_honest: int = 0
    suppressed: int = 0
    data_quality_clues: int = 0
    seconds: float = 0.0

    @property
    def false_per_outlet_month(self) -> float:
        return self.false_on_honest / self.honest_outlet_months if self.honest_outlet_months else 0.0

    def targets_met(self) -> dict[str, bool]:
        out = {}
        for t, r in self.recall_by_trick.items():
            out[f"recall {t}"] = (r.value or 0) >= TARGET_RECALL
        for t, r in self.precision_by_trick.items():
            out[f"precision {t}"] = r.value is None or r.value >= TARGET_PRECISION
        out["false clues per honest outlet-month"] = (
            self.false_per_outlet_month <= TARGET_FALSE_PER_OUTLET_MONTH
        )
        return out

    def as_dict(self) -> dict[str, Any]:
        def d(m: dict[str, Ratio]) -> dict[str, Any]:
            return {k: {"value": r.value, "hit": r.hit, "total": r.total} for k, r in sorted(m.items())}

        return {
            "seeds": self.seeds,
            "outlets": self.outlets,
            "months": self.months,
            "recall_by_trick": d(self.recall_by_trick),
            "precision_by_trick": d(self.precision_by_trick),
            "recall_by_detector": d(self.recall_by_detector),
            "precision_by_detector": d(self.precision_by_detector),
            "recall_by_strength": d(self.recall_by_strength),
            "recall": self.recall.value,
            "precision": self.precision.value,
            "right_trick_rate": self.right_trick.value,
            "false_falsification_clues_per_honest_outlet_month": self.false_per_outlet_month,
            "suppressed": self.suppressed,
            "data_quality_clues": self.data_quality_clues,
            "targets_met": self.targets_met(),
            "seconds": round(self.seconds, 1),
        }


def _overlaps(c: Clue, e: Episode) -> bool:
    return c.mn == e.mn and c.start < e.end and c.end > e.start


def score(bench: Benchmark, clues: list[Clue], report: Report) -> None:
    fz = [c for c in clues if c.category == "falsification" and c.raised]
    report.suppressed += sum(1 for c in clues if c.suppressed)
    report.data_quality_clues += sum(1 for c in clues if c.category == "data_quality")
    by_mn: dict[str, list[Episode]] = defaultdict(list)
    for e in bench.episodes:
        by_mn[e.mn].append(e)
    for e in bench.episodes:
        hits = [c for c in fz if _overlaps(c, e)]
        report.recall.add(bool(hits))
        report.recall_by_trick[e.trick].add(bool(hits))
        report.recall_by_strength[f"{e.trick} {e.strength}"].add(bool(hits))
        for det in catalogue.DETECTORS:
            if (
                det.category == "falsification"
                and det.trick == e.trick
                and (not det.variants or e.variant in det.variants)
            ):
                report.recall_by_detector[det.code].add(any(det.code in c.detectors for c in hits))
    for c in fz:
        eps = [e for e in by_mn.get(c.mn, []) if _overlaps(c, e)]
        right = bool(eps)
        report.precision.add(right)
        report.precision_by_trick[c.trick or "?"].add(right)
        for code in c.detectors:
            report.precision_by_detector[code].add(right)
        if right:
            report.right_trick.add(any(e.trick == c.trick for e in eps))
        if c.mn in bench.honest:
            report.false_on_honest += 1
    report.honest_outlet_months += len(bench.honest) * len(bench.months)


def evaluate(seeds: list[int], outlets: int = 60, months: int = 1, rules: Rules | None = None) -> Report:
    rules = rules or load()
    report = Report(seeds=list(seeds), outlets=outlets, months=months)
    t0 = time.perf_counter()
    for seed in seeds:
        bench = generate(seed, outlets=outlets, months=months)
        for m, loggers in enumerate(bench.months):
            findings = catalogue.run(loggers, rules)
            clues = build(findings, loggers, rules)
            sub = Benchmark(
                seed=seed,
                months=[loggers],
                episodes=[
                    e for e in bench.episodes if e.mn in {x.mn for x in loggers} and _month_of(bench, e) == m
                ],
                honest=bench.honest,
            )
            score(sub, clues, report)
    report.seconds = time.perf_counter() - t0
    return report


def _month_of(bench: Benchmark, e: Episode) -> int:
    # episodes are appended month by month, one per cheating outlet
    per_month = len(bench.episodes) // max(1, len(bench.months))
    return bench.episodes.index(e) // max(1, per_month)


def table(report: Report) -> str:
    """The evaluation as a Markdown table (also printed by the CLI)."""
    lines = [
        f"seeds {', '.join(map(str, report.seeds))}; {report.outlets} outlets × {report.months} month(s) "
        f"per seed; {report.honest_outlet_months} honest outlet-months",
        "",
        "| trick | recall | precision | weak / medium / strong recall |",
        "|---|---|---|---|",
    ]
    for t in TRICKS:
        if t not in report.recall_by_trick and t not in report.precision_by_trick:
            continue
        strengths = " / ".join(
            report.recall_by_strength[f"{t} {lv}"].text() for lv in ("weak", "medium", "strong")
        )
        rec, prec = report.recall_by_trick[t].text(), report.precision_by_trick[t].text()
        lines.append(f"| {t} | {rec} | {prec} | {strengths} |")
    lines += ["", "| detector | recall (its trick) | precision |", "|---|---|---|"]
    for det in catalogue.DETECTORS:
        if det.category != "falsification":
            continue
        rec, prec = report.recall_by_detector[det.code].text(), report.precision_by_detector[det.code].text()
        lines.append(f"| {det.code} | {rec} | {prec} |")
    lines += [
        "",
        f"overall recall {report.recall.text()}, precision {report.precision.text()}, "
        f"right-trick rate {report.right_trick.text()}",
        f"false falsification clues per honest outlet-month: {report.false_per_outlet_month:.3f} "
        f"({report.false_on_honest}/{report.honest_outlet_months}); suppressed clues {report.suppressed}; "
        f"data-quality clues {report.data_quality_clues}; {report.seconds:.1f} s",
    ]
    return "\n".join(lines)
