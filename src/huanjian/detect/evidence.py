"""Evidence of a finding: the series excerpt with the anomaly highlighted, as plain data.

:func:`excerpt` cuts the minute series a reviewer should look at (the pollutants of the
finding, plus the load proxy and, for peer findings, nothing of the peer: the peer's MN is
named so its own page can be opened); :func:`to_dict` renders an :class:`Evidence` with ISO
8601 times (+08:00).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np

from huanjian.core.time import CST
from huanjian.detect.arrays import mask_of
from huanjian.detect.model import Evidence, Finding, LoggerData


def iso(start: datetime, minute: int) -> str:
    return (start + timedelta(minutes=int(minute))).astimezone(CST).isoformat()


def to_dict(ev: Evidence, start: datetime) -> dict[str, Any]:
    return {
        "excerpt": {"start": iso(start, ev.excerpt[0]), "end": iso(start, ev.excerpt[1])},
        "highlight": [{"start": iso(start, a), "end": iso(start, b)} for a, b in ev.highlight],
        "statistic": {
            "name": ev.statistic_name,
            "value": round(ev.statistic, 6),
            "threshold": round(ev.threshold, 6),
            "comparison": ev.comparison,
        },
        "comparable": [{"start": iso(start, a), "end": iso(start, b)} for a, b in ev.comparable],
        "peers": list(ev.peers),
        "sentence": {"en": ev.sentence_en, "zh": ev.sentence_zh},
        **({"excused_by": list(ev.excused_by)} if ev.excused_by else {}),
    }


def excerpt(
    data: LoggerData, finding: Finding, *, step: int = 1, extra: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The series to chart for ``finding``: times, values per code, flags, a highlight mask.

    ``step`` thins the minutes (e.g. 10 for a month-long excerpt); the highlight mask keeps
    every highlighted minute visible by taking the maximum over each thinned step.
    """
    a, b = finding.evidence.excerpt
    hl = mask_of(np.asarray(finding.evidence.highlight, dtype=np.int64).reshape(-1, 2), data.n)[a:b]
    idx = np.arange(a, b, max(1, step))
    codes = [c for c in (*finding.pollutants, *extra) if c in data.values]
    width = max(1, step)
    hl_thin = np.add.reduceat(hl.astype(np.int64), idx - a) > 0 if idx.size else np.zeros(0, dtype=bool)
    return {
        "times": [iso(data.start, int(i)) for i in idx],
        "series": {c: [None if not np.isfinite(v) else float(v) for v in data.values[c][idx]] for c in codes},
        "flags": data.flags[idx].tolist(),
        "highlight": hl_thin.tolist(),
        "step_minutes": width,
    }
