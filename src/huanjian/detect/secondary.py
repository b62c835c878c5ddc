# ruff: noqa: E501  (bilingual reviewer sentences are kept one per line)
"""The multivariate secondary score: an isolation forest over hourly feature vectors.

Per logger, each hour is described by the valid-minute mean and standard deviation of
every pollutant and auxiliary parameter it sends (log-scaled, robustly standardised), the
share of valid minutes, and the ratio of each pollutant to the load proxy (velocity or
water flow).  scikit-learn's :class:`~sklearn.ensemble.IsolationForest` (fixed
``random_state``, so the same data always give the same score) rates every hour; the rate
is turned into a percentile among the logger's hours in the period (0 = the most ordinary
hour, 1 = the most isolated).

**It never raises a clue.**  It only adjusts the score of clues the detectors found:
``score × (1 − weight/2 + weight × percentile)`` (``weight`` 0.4: a clue whose hours are
the most unusual of the month gains 20 %, one whose hours look ordinary loses 20 %), capped
at 1, and it is shown as a separate line of evidence (detector ``mv_isolation_forest``).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.ensemble import IsolationForest

from huanjian.detect.arrays import mask_of
from huanjian.detect.clues import Clue, _severity
from huanjian.detect.model import FLOW_AIR, FLOW_WATER, VELOCITY, FloatArray, LoggerData

CODE = "mv_isolation_forest"
WEIGHT = 0.4
RANDOM_STATE = 20260101
N_ESTIMATORS = 60
MIN_HOURS = 48  # fewer hours than this: no secondary score


@dataclass(frozen=True)
class Secondary:
    percentile: float
    hours: int
    base_score: float
    factor: float
    features: tuple[str, ...]

    def evidence(self) -> dict[str, object]:
        pct = round(self.percentile * 100)
        return {
            "detector": CODE,
            "secondary": True,
            "statistic": {
                "name": "isolation-forest percentile of the clue's hours",
                "value": round(self.percentile, 4),
                "threshold": 0.5,
                "comparison": ">",
            },
            "hours": self.hours,
            "base_score": round(self.base_score, 4),
            "factor": round(self.factor, 4),
            "features": list(self.features),
            "model": f"IsolationForest(n_estimators={N_ESTIMATORS}, random_state={RANDOM_STATE})",
            "sentence": {
                "en": f"Secondary score (never a reason on its own): the clue's hours are more unusual than {pct}% of this logger's hours in the period (isolation forest over hourly means, spreads and ratios); score × {self.factor:.2f}.",
                "zh": f"辅助评分（不单独构成线索理由）：按小时均值、波动和比值的孤立森林模型，本线索时段比本设备同期{pct}%的小时更异常；评分×{self.factor:.2f}。",
            },
        }


def _features(data: LoggerData) -> tuple[FloatArray, tuple[str, ...]]:
    hours = data.n // 60
    valid = data.valid()[: hours * 60].reshape(hours, 60)
    cols: list[FloatArray] = [valid.mean(axis=1)]
    names = ["valid share"]
    load_code = VELOCITY if data.kind == "air" else FLOW_WATER
    load = None
    for code in sorted(data.values):
        if code == FLOW_AIR and data.kind == "air":
            continue  # flow follows velocity; keep the features few
        x = np.where(data.valid(), data.values[code], np.nan)[: hours * 60].reshape(hours, 60)
        count = np.isfinite(x).sum(axis=1)
        with np.errstate(all="ignore"):
            mean = np.where(count >= 15, np.nanmean(x, axis=1), np.nan)
            sd = np.where(count >= 15, np.nanstd(x, axis=1), np.nan)
        cols += [np.sign(mean) * np.log1p(np.abs(mean)), np.log1p(sd)]
        names += [f"{code} mean", f"{code} sd"]
        if code == load_code:
            load = mean
    if load is not None:
        for code in sorted(data.values):
            if code in (load_code, FLOW_AIR) or not code.startswith(("a2", "a3", "w0", "w2")):
                continue
            x = np.where(data.valid(), data.values[code], np.nan)[: hours * 60].reshape(hours, 60)
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore", RuntimeWarning)
                ratio = np.nanmean(x, axis=1) / np.where(np.abs(load) > 1e-9, load, np.nan)
            cols.append(np.log1p(np.abs(ratio)))
            names.append(f"{code}/{load_code}")
    return np.column_stack(cols), tuple(names)


def hourly_percentiles(data: LoggerData) -> tuple[FloatArray, tuple[str, ...]] | None:
    """Per hour of ``data``: the isolation-forest percentile (NaN for hours left out)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        X, names = _features(data)
        usable = np.isfinite(X).mean(axis=0) >= 0.5
        X = X[:, usable]
        names = tuple(n for n, u in zip(names, usable, strict=True) if u)
        rows = np.isfinite(X).all(axis=1) & (X.shape[1] > 0)
        if rows.sum() < MIN_HOURS:
            return None
        Z = X[rows]
        med = np.median(Z, axis=0)
        mad = np.median(np.abs(Z - med), axis=0) * 1.4826
        scale = np.where(mad > 1e-9, mad, np.where(Z.std(axis=0) > 1e-9, Z.std(axis=0), 1.0))
        Z = (Z - med) / scale
    forest = IsolationForest(
        n_estimators=N_ESTIMATORS, random_state=RANDOM_STATE, max_samples=min(256, Z.shape[0])
    )
    forest.fit(Z)
    anomaly = -forest.score_samples(Z)
    ranks = anomaly.argsort().argsort().astype(np.float64)
    out = np.full(X.shape[0], np.nan)
    out[rows] = ranks / max(1, len(ranks) - 1)
    return out, names


def adjust(clues: Sequence[Clue], loggers: Sequence[LoggerData]) -> dict[int, Secondary]:
    """Adjust the score of each clue by its hours' percentile; returns the evidence per clue
    (keyed by ``id(clue)``).  Suppressed clues are left as they are."""
    by_mn = {d.mn: d for d in loggers}
    cache: dict[str, tuple[FloatArray, tuple[str, ...]] | None] = {}
    out: dict[int, Secondary] = {}
    for clue in clues:
        data = by_mn.get(clue.mn)
        if data is None or clue.suppressed:
            continue
        if clue.mn not in cache:
            cache[clue.mn] = hourly_percentiles(data)
        got = cache[clue.mn]
        if got is None:
            continue
        pct, names = got
        hl = np.zeros(data.n, dtype=bool)
        for f in clue.findings:
            hl |= mask_of(np.asarray(f.evidence.highlight, dtype=np.int64).reshape(-1, 2), data.n)
        if not hl.any():
            hl[clue.start : clue.end] = True
        hours = np.unique(np.nonzero(hl)[0] // 60)
        hours = hours[hours < pct.shape[0]]
        vals = pct[hours]
        vals = vals[np.isfinite(vals)]
        if vals.size == 0:
            continue
        p = float(vals.mean())
        factor = 1 - WEIGHT / 2 + WEIGHT * p
        base = clue.score
        clue.score = min(1.0, base * factor)
        clue.severity = _severity(clue.score)
        out[id(clue)] = Secondary(p, int(vals.size), base, factor, names)
    return out
