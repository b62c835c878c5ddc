# ruff: noqa: E501  (bilingual reviewer sentences are kept one per line)
"""Data-quality detectors: constant, zero, stuck, impossible values, jumps, gaps, clock drift, duplicates."""

from __future__ import annotations

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

from huanjian.detect.arrays import (
    merge,
    nanmedian,
    reshape_blocks,
    robust_scale,
    rolling_std,
    runs,
)
from huanjian.detect.detectors.common import (
    DAY,
    Params,
    Ranges,
    _days_text,
    _f,
    _hhmm,
    name_en,
    name_zh,
)
from huanjian.detect.model import (
    O2,
    PRESSURE,
    Finding,
    FloatArray,
)
from huanjian.detect.view import View

# ---------------------------------------------------------------------------------------------
# data_quality


def dq_constant(view: View, p: Params, ranges: Ranges) -> list[Finding]:
    out = []
    for code, x in view.data.values.items():
        v = np.where(view.valid, x, np.nan)
        same = np.zeros(v.size, dtype=bool)
        same[1:] = (v[1:] == v[:-1]) & (v[1:] != 0)
        need = int(p["min_cycles"] * 60) if view.is_cycle(code) else int(p["min_minutes"])
        for s, e in runs(same, need):
            s0 = s - 1
            out.append(
                _f(view, "dq_constant", "data_quality", None, [code], s0, e, min(1, (e - s0) / (4 * need)),
                   ("identical consecutive minutes", e - s0, need, ">="),
                   f"{name_en(code)} reads exactly {v[s]:g} for {e - s0} minutes from {_hhmm(view, s0)} while flagged normal.",
                   f"{name_zh(code)}自{_hhmm(view, s0)}起连续{e - s0}分钟恒为{v[s]:g}，且标记为正常。")
            )  # fmt: skip
    return out


def dq_zero(view: View, p: Params, ranges: Ranges) -> list[Finding]:
    out = []
    for code, x in view.data.values.items():
        if code in (PRESSURE, O2):
            continue
        zero = view.valid & (x == 0)
        need = int(p["min_minutes"])
        for s, e in runs(zero, need):
            out.append(
                _f(view, "dq_zero", "data_quality", None, [code], s, e, min(1, (e - s) / (8 * need)),
                   ("zero minutes flagged normal", e - s, need, ">="),
                   f"{name_en(code)} is 0 for {e - s} minutes from {_hhmm(view, s)} while flagged normal.",
                   f"{name_zh(code)}自{_hhmm(view, s)}起{e - s}分钟为零值，且标记为正常。")
            )  # fmt: skip
    return out


def dq_stuck_jitter(view: View, p: Params, ranges: Ranges) -> list[Finding]:
    out = []
    w = int(p["window"])
    for code in view.data.values:
        if view.is_cycle(code):
            continue
        v = view.x(code)
        sd = rolling_std(np.nan_to_num(v, nan=0.0), w)
        mean = pd.Series(v).rolling(w).mean().to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            cv = sd / np.abs(mean)
        typical = nanmedian(cv[np.isfinite(cv) & (cv > 0)])
        if not np.isfinite(typical):
            continue
        thr = min(p["max_cv"], p["relative_to_typical"] * typical)
        win_ok = pd.Series(np.isfinite(v).astype(float)).rolling(w).sum().to_numpy() == w
        stuck = win_ok & (cv < thr) & (sd > 0)
        for s, e in runs(stuck, int(p["min_minutes"])):
            s0 = max(0, s - w + 1)
            out.append(
                _f(view, "dq_stuck_jitter", "data_quality", None, [code], s0, e, 0.5,
                   ("rolling coefficient of variation", float(np.nanmin(cv[s:e])), thr, "<"),
                   f"{name_en(code)} barely moves ({w}-minute CV below {thr:.4f}, typical {typical:.4f}) "
                   f"from {_hhmm(view, s0)} to {_hhmm(view, e)}.",
                   f"{name_zh(code)}在{_days_text(view, s0, e)}几乎不变（{w}分钟变异系数低于{thr:.4f}，通常为{typical:.4f}）。")
            )  # fmt: skip
    return out


def dq_impossible(view: View, p: Params, ranges: Ranges) -> list[Finding]:
    out = []
    for code, x in view.data.values.items():
        if code not in ranges:
            continue
        lo, hi = ranges[code]
        bad = view.valid & np.isfinite(x) & ((x < lo) | (x > hi))
        if not bad.any():
            continue
        for s, e in merge(runs(bad), int(p["merge_gap"])):
            seg = x[s:e][bad[s:e]]
            worst = float(seg.min() if seg.min() < lo else seg.max())
            out.append(
                _f(view, "dq_impossible", "data_quality", None, [code], s, e, 0.6,
                   ("value outside the possible range", worst, lo if worst < lo else hi, "<" if worst < lo else ">"),
                   f"{name_en(code)} reads {worst:g}, outside its possible range {lo:g}–{hi:g}, at {_hhmm(view, s)}.",
                   f"{name_zh(code)}于{_hhmm(view, s)}为{worst:g}，超出可能范围{lo:g}–{hi:g}。")
            )  # fmt: skip
    return out


def _trailing_mean(x: FloatArray, w: int) -> FloatArray:
    ok = np.isfinite(x)
    c = np.concatenate(([0.0], np.cumsum(np.where(ok, x, 0.0))))
    k = np.concatenate(([0], np.cumsum(ok)))
    s = np.full(x.size, np.nan)
    cnt = k[w:] - k[:-w]
    with np.errstate(invalid="ignore", divide="ignore"):
        s[w - 1 :] = np.where(cnt >= w // 2, (c[w:] - c[:-w]) / cnt, np.nan)
    return s


def dq_jump(view: View, p: Params, ranges: Ranges) -> list[Finding]:
    """Single-minute spikes (up then straight back) and level steps between 30-minute means."""
    out = []
    sw = int(p["step_window"])
    for code in view.data.values:
        if view.is_cycle(code):
            continue
        v = view.x(code)
        d = np.diff(v)
        scale = max(robust_scale(d), 1e-9)
        level = np.abs(_trailing_mean(v, sw))
        spike = np.zeros(v.size, dtype=bool)
        up, back = d[:-1], d[1:]
        big = (
            (np.abs(up) > p["spike_k"] * scale)
            & (np.abs(back) > p["spike_k"] * scale)
            & (np.sign(up) != np.sign(back))
        )
        rel = np.abs(up) > p["spike_rel"] * level[:-2]
        spike[1:-1] = big & rel
        before = _trailing_mean(v, sw)
        after = _trailing_mean(v[::-1], sw)[::-1]
        step = np.zeros(v.size, dtype=bool)
        jump = after[1:] - before[:-1]
        step[1:] = (np.abs(jump) > p["step_k"] * scale) & (np.abs(jump) > p["step_rel"] * np.abs(before[:-1]))
        mask = spike | step
        for a, b in merge(runs(mask), int(p["merge_gap"])):
            k = int(mask[a:b].sum())
            size = float(np.nanmax(np.abs(d[max(0, a - 1) : b]))) / scale if b > a else 0.0
            out.append(
                _f(view, "dq_jump", "data_quality", None, [code], a, b, 0.3,
                   ("jump in units of the usual minute change", size, p["spike_k"], ">"),
                   f"{name_en(code)} jumps or drops suddenly ({k} minutes) around {_hhmm(view, a)} while flagged normal.",
                   f"{name_zh(code)}在{_hhmm(view, a)}前后突变（{k}分钟），且标记为正常。")
            )  # fmt: skip
    return out


def dq_gap(view: View, p: Params, ranges: Ranges) -> list[Finding]:
    arrays = list(view.data.values.values())
    if not arrays:
        return []
    missing = np.all(np.isnan(np.stack(arrays)), axis=0)
    need = int(p["min_minutes"])
    out = []
    for s, e in runs(missing, need):
        out.append(
            _f(view, "dq_gap", "data_quality", None, list(view.data.values), s, e, min(1, (e - s) / 1440),
               ("missing minutes", e - s, need, ">="),
               f"No records for {e - s} minutes from {_hhmm(view, s)}.",
               f"自{_hhmm(view, s)}起{e - s}分钟无数据。")
        )  # fmt: skip
    return out


def dq_clock_drift(view: View, p: Params, ranges: Ranges) -> list[Finding]:
    """The daily calibration (C) moves through the day: the logger's clock drifts."""
    cal = reshape_blocks((view.data.flags == "C").astype(float), DAY)
    has = np.nansum(cal, axis=1) > 0
    if has.sum() < p["min_days"]:
        return []
    first = np.argmax(np.nan_to_num(cal) > 0, axis=1).astype(float)
    days = np.flatnonzero(has).astype(float)
    pos = first[has]
    # Unwrap positions that cross midnight.
    pos = np.concatenate([[pos[0]], pos[0] + np.cumsum(((np.diff(pos) + DAY / 2) % DAY) - DAY / 2)])
    if np.std(pos) == 0:
        return []
    slope = float(np.polyfit(days, pos, 1)[0])
    corr = float(np.corrcoef(days, pos)[0, 1])
    shift = float(pos[-1] - pos[0])
    if abs(slope) < p["min_slope"] or abs(shift) < p["min_shift"] or abs(corr) < p["min_corr"]:
        return []
    return [
        _f(view, "dq_clock_drift", "data_quality", None, [], 0, view.data.n, min(1, abs(shift) / 60),
           ("calibration start drift, minutes/day", slope, p["min_slope"], ">="),
           f"The daily calibration starts {abs(shift):.0f} minutes {'later' if shift > 0 else 'earlier'} at the end of the "
           f"period than at its start ({slope:+.2f} min/day): the logger's clock drifts.",
           f"每日校准开始时间在本期内{'推后' if shift > 0 else '提前'}{abs(shift):.0f}分钟（每日{slope:+.2f}分钟），数采仪时钟漂移。")
    ]  # fmt: skip


def dq_duplicated(view: View, p: Params, ranges: Ranges) -> list[Finding]:
    """Rows (all parameters at a minute) repeating an earlier minute's row, run after run."""
    arrays = [np.round(x, 6) for x in view.data.values.values()]
    if not arrays:
        return []
    frame = pd.DataFrame(np.stack(arrays, axis=1))
    finite = np.isfinite(np.stack(arrays, axis=1)).all(axis=1)
    h = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    dup = pd.Series(h).duplicated(keep="first").to_numpy() & finite
    static = np.zeros(h.size, dtype=bool)
    static[1:] = h[1:] == h[:-1]
    need = int(p["min_minutes"])
    out = []
    first_at = pd.Series(np.arange(h.size)).groupby(h).transform("min").to_numpy()
    for s, e in runs(dup & ~static, need):
        src = int(first_at[s])
        out.append(
            _f(view, "dq_duplicated", "data_quality", None, list(view.data.values), s, e, 0.6,
               ("minutes repeating earlier records", e - s, need, ">="),
               f"The {e - s} minutes from {_hhmm(view, s)} repeat, value for value, the records from {_hhmm(view, src)}.",
               f"自{_hhmm(view, s)}起{e - s}分钟的数据与{_hhmm(view, src)}起的记录逐项相同。",
               comparable=[(src, src + (e - s))])
        )  # fmt: skip
    return out
