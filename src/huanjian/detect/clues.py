# ruff: noqa: E501  (bilingual reviewer sentences are kept one per line)
"""Clues: findings grouped per logger, category and suspected trick, with suppression.

A clue (异常线索) has a logger, pollutants, a period, a category, the suspected trick, a
severity and a score, and the evidence of its findings.  Lifecycle: ``new`` → ``under
verification`` → ``confirmed`` / ``dismissed`` (with a reason; dismissals are kept as labelled
data) → ``handed over`` to the linkage workflow.

**Suppression rule.**  A period the logger honestly flagged (C, M, D, F), an accepted mark or
declaration, or a QA event never produces a ``falsification`` clue by itself: the share of a
falsification finding's highlighted minutes covered by such causes is measured; at or above
``excused_share_suppress`` the clue is suppressed (kept, with ``suppressed`` and the causes,
but not raised); from ``excused_share_lower`` its score is lowered in proportion and the clue
says so.  For the false-flags detector the logger's flags are what is under suspicion, so only
marks, declarations and QA events excuse it.  A detector may name causes it found itself
(``Evidence.excused_by``: a QA event shortly before a changed 3020 parameter); they cover
that finding's highlight.  Data-quality clues are never suppressed: a
logger that needs attention needs it whatever the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from huanjian.detect.arrays import mask_of, merge
from huanjian.detect.evidence import iso, to_dict
from huanjian.detect.model import EXCUSING_FLAGS, BoolArray, Category, Finding, LoggerData
from huanjian.detect.rules import Rules, load

STATUSES = ("new", "under_verification", "confirmed", "dismissed", "handed_over")
TRANSITIONS = {
    "new": ("under_verification", "dismissed"),
    "under_verification": ("confirmed", "dismissed"),
    "confirmed": ("handed_over",),
    "dismissed": (),
    "handed_over": (),
}
TRICK_NAMES = {
    "range_narrowed": ("量程压缩", "range narrowed"),
    "particulate_slope": ("颗粒物斜率/截距修改", "particulate slope/intercept changed"),
    "coefficient_change": ("速度场系数/截面积修改", "velocity-field coefficient or duct area changed"),
    "preset_data": ("预设或模拟数据", "preset or simulated data"),
    "dilution": ("采样稀释", "sample dilution"),
    "borrowed_data": ("借用数据", "borrowed data"),
    "under_limit_piling": ("限值下堆积", "values piling up under the limit"),
    "false_flags": ("虚假标记", "false flags"),
    "water_contradiction": ("水样替换/稀释", "water sample swapped or diluted"),
    "treatment_off": ("治理设施停运", "treatment facility off while production runs"),
}


@dataclass
class Clue:
    mn: str
    outlet_code: str
    pollutants: tuple[str, ...]
    start: int
    end: int
    category: Category
    detector: str
    detectors: tuple[str, ...]
    trick: str | None
    score: float
    severity: str
    findings: list[Finding]
    status: str = "new"
    suppressed: bool = False
    causes: list[str] = field(default_factory=list)  # what lowered or suppressed it
    excused_share: float = 0.0

    @property
    def raised(self) -> bool:
        return not self.suppressed

    def explanation(self, lang: str = "en") -> str:
        sentences = [
            f.evidence.sentence_en if lang == "en" else f.evidence.sentence_zh for f in self.findings[:3]
        ]
        if self.causes:
            what = "suppressed" if self.suppressed else "lowered"
            if lang == "en":
                sentences.append(
                    f"Score {what}: {self.excused_share:.0%} of the period is covered by {', '.join(self.causes)}."
                )
            else:
                word = "已抑制" if self.suppressed else "已降低"
                sentences.append(
                    f"评分{word}：本时段{self.excused_share:.0%}被{'、'.join(self.causes)}覆盖。"
                )
        return " ".join(sentences)

    def move(self, status: str, reason: str = "") -> None:
        if status not in TRANSITIONS[self.status]:
            raise ValueError(f"clue cannot go from {self.status} to {status}")
        if status == "dismissed" and not reason.strip():
            raise ValueError("a dismissal needs a reason")
        self.status = status

    def to_dict(self, data_start: Any) -> dict[str, Any]:
        return {
            "mn": self.mn,
            "outlet_code": self.outlet_code,
            "pollutants": list(self.pollutants),
            "start": iso(data_start, self.start),
            "end": iso(data_start, self.end),
            "category": self.category,
            "detector": self.detector,
            "trick": self.trick,
            "severity": self.severity,
            "score": round(self.score, 4),
            "status": "suppressed" if self.suppressed else self.status,
            "explanation": {"en": self.explanation("en"), "zh": self.explanation("zh")},
            "lowered_or_suppressed_by": list(self.causes),
            "evidence": [to_dict(f.evidence, data_start) | {"detector": f.detector} for f in self.findings],
        }


def excused_masks(data: LoggerData) -> dict[str, BoolArray]:
    """Minutes excused by each cause: honest flags, accepted marks/declarations, QA events."""
    n = data.n
    out: dict[str, BoolArray] = {}
    for letter in EXCUSING_FLAGS:
        m = data.flags == letter
        if m.any():
            out[f"flag {letter}"] = np.asarray(m, dtype=np.bool_)
    if len(data.marks):
        out["accepted mark or declaration"] = mask_of(data.marks, n)
    if len(data.qa_events):
        out["QA event"] = mask_of(data.qa_events, n)
    return out


def _severity(score: float) -> str:
    return "high" if score >= 0.7 else "medium" if score >= 0.4 else "low"


def build(
    findings: Sequence[Finding],
    loggers: Sequence[LoggerData],
    rules: Rules | None = None,
    *,
    merge_gap_minutes: int = 1440,
) -> list[Clue]:
    """Group ``findings`` into clues and apply the suppression rule."""
    rules = rules or load()
    suppress_at = rules.common.get("excused_share_suppress", 0.9)
    lower_from = rules.common.get("excused_share_lower", 0.2)
    by_mn = {d.mn: d for d in loggers}
    masks = {d.mn: excused_masks(d) for d in loggers}
    groups: dict[tuple[str, Category, str | None], list[Finding]] = {}
    for f in findings:
        groups.setdefault((f.mn, f.category, f.trick), []).append(f)
    clues: list[Clue] = []
    for (mn, category, trick), fs in groups.items():
        data = by_mn.get(mn)
        fs = sorted(fs, key=lambda f: f.start)
        iv = np.array([[f.start, f.end] for f in fs], dtype=np.int64)
        merged = merge(iv, merge_gap_minutes)
        for s, e in merged:
            members = [f for f in fs if f.start <= e + merge_gap_minutes and f.end >= s - merge_gap_minutes]
            members = [f for f in members if f.start >= s and f.end <= e] or members
            score = max(f.strength for f in members)
            clue = Clue(
                mn=mn,
                outlet_code=data.outlet_code if data else "",
                pollutants=tuple(dict.fromkeys(p for f in members for p in f.pollutants)),
                start=int(s),
                end=int(e),
                category=category,
                detector=max(members, key=lambda f: f.strength).detector,
                detectors=tuple(dict.fromkeys(f.detector for f in members)),
                trick=trick,
                score=score,
                severity=_severity(score),
                findings=members,
            )
            if category == "falsification" and data is not None:
                _excuse(clue, masks[mn], data.n, suppress_at, lower_from)
            clues.append(clue)
    clues.sort(key=lambda c: (c.mn, c.start, c.category))
    return clues


def _excuse(clue: Clue, masks: dict[str, BoolArray], n: int, suppress_at: float, lower_from: float) -> None:
    hl = np.zeros(n, dtype=bool)
    for f in clue.findings:
        hl |= mask_of(np.asarray(f.evidence.highlight, dtype=np.int64).reshape(-1, 2), n)
    total = int(hl.sum())
    if total == 0:
        return
    flags_suspect = clue.trick == "false_flags"
    any_cause = np.zeros(n, dtype=bool)
    causes = []
    # Causes a detector found itself (a QA event just before a changed 3020 parameter).
    masks = dict(masks)
    for f in clue.findings:
        for cause in f.evidence.excused_by:
            m = mask_of(np.asarray(f.evidence.highlight, dtype=np.int64).reshape(-1, 2), n)
            masks[cause] = masks[cause] | m if cause in masks else m
    for name, m in masks.items():
        if flags_suspect and name.startswith("flag "):
            continue
        share = float((m & hl).sum()) / total
        if share > 0.02:
            causes.append(name)
        any_cause |= m
    share = float((any_cause & hl).sum()) / total
    clue.excused_share = share
    if share >= suppress_at:
        clue.suppressed = True
        clue.causes = causes
    elif share >= lower_from:
        clue.score *= 1 - share
        clue.severity = _severity(clue.score)
        clue.causes = causes
