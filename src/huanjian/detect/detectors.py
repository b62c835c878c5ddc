# ruff: noqa: E501  (bilingual reviewer sentences are kept one per line)
"""The detector functions: pure, vectorised, over one logger's minute data (or a set of peers).

Each function takes a :class:`~huanjian.detect.view.View` (or a list of views for peer
detectors), its parameters from ``rules.json`` and the value ranges, and returns findings
with evidence.  No loop runs per minute: loops run over pollutants, days or candidate
findings only.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

from huanjian.detect.arrays import (
    merge,
    nanmedian,
    reshape_blocks,
    robust_scale,
    rolling_std,
    rowwise_corr,
    runs,
)
from huanjian.detect.model import (
    FLOW_AIR,
    HUMIDITY,
    O2,
    PH,
    PRESSURE,
    TEMPERATURE,
    VELOCITY,
    Category,
    Evidence,
    Finding,
    FloatArray,
    IntArray,
)
from huanjian.detect.view import View

DAY = 1440
Params = Mapping[str, float]
Ranges = Mapping[str, tuple[float, float]]

NAMES_ZH = {"a21026": "二氧化硫", "a21002": "氮氧化物", "a34013": "颗粒物", "a19001": "氧含量",
            "a01011": "流速", "a01012": "烟温", "a01013": "静压", "a01014": "湿度", "a00000": "废气流量",
            "w01018": "化学需氧量", "w21003": "氨氮", "w01001": "pH", "w00000": "废水流量",
            "w20116": "总铬"}  # fmt: skip
NAMES_EN = {"a21026": "SO2", "a21002": "NOx", "a34013": "particulate", "a19001": "O2",
            "a01011": "velocity", "a01012": "temperature", "a01013": "pressure", "a01014": "humidity",
            "a00000": "flue-gas flow", "w01018": "COD", "w21003": "NH3-N", "w01001": "pH",
            "w00000": "water flow", "w20116": "total chromium"}  # fmt: skip


def name_en(code: str) -> str:
    return NAMES_EN.get(code, code)


def name_zh(code: str) -> str:
    return NAMES_ZH.get(code, code)


def _f(
    view: View,
    detector: str,
    category: Category,
    trick: str | None,
    pollutants: Sequence[str],
    start: int,
    end: int,
    strength: float,
    stat: tuple[str, float, float, str],
    en: str,
    zh: str,
    *,
    highlight: IntArray | None = None,
    comparable: Sequence[tuple[int, int]] = (),
    peers: Sequence[str] = (),
) -> Finding:
    n = view.data.n
    start, end = max(0, int(start)), min(n, int(end))
    hl = ((start, end),) if highlight is None else tuple((int(a), int(b)) for a, b in highlight[:50])
    pad = max(120, min(DAY, (end - start) // 2))
    name, value, threshold, cmp = stat
    return Finding(
        detector=detector,
        category=category,
        trick=trick,
        mn=view.data.mn,
        pollutants=tuple(pollutants),
        start=start,
        end=end,
        strength=float(np.clip(strength, 0.0, 1.0)),
        evidence=Evidence(
            excerpt=(max(0, start - pad), min(n, end + pad)),
            highlight=hl,
            statistic_name=name,
            statistic=float(value),
            threshold=float(threshold),
            comparison=cmp,  # type: ignore[arg-type]
            sentence_en=en,
            sentence_zh=zh,
            comparable=tuple((int(a), int(b)) for a, b in comparable),
            peers=tuple(peers),
        ),
    )


def _hhmm(view: View, minute: int) -> str:
    return view.data.time_of(minute).strftime("%m-%d %H:%M")


def _days_text(view: View, start: int, end: int) -> str:
    return f"{_hhmm(view, start)}–{_hhmm(view, end)}"


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


# ---------------------------------------------------------------------------------------------
# falsification


def fz_clipping(view: View, p: Params, ranges: Ranges) -> list[Finding]:
    """Values clipped at a ceiling near the limit: the range (量程) was narrowed.

    Per day: how many separate times the day's maximum is reached exactly.  An honest series
    reaches its daily maximum once or twice; a clipped one comes back to the ceiling again and
    again.  Analyser cycles (water) count one sample per cycle.
    """
    out = []
    for code in view.pollutants:
        lim = view.data.limits.get(code)
        if lim is None:
            continue
        xd = view.days(code)
        if view.is_cycle(code):
            xd = xd[:, 30::60]
        top = np.nanmax(np.where(np.isfinite(xd), xd, -np.inf), axis=1)
        at = np.isfinite(xd) & (xd >= top[:, None] - 1e-9)
        starts = at.copy()
        starts[:, 1:] &= ~at[:, :-1]
        visits = starts.sum(axis=1)
        minutes = at.sum(axis=1) * (60 if view.is_cycle(code) else 1)
        need_visits = p["min_touch_runs"]
        hit = (
            (visits >= need_visits)
            & (minutes >= p["min_touch_minutes"])
            & (top > 0)
            & (top <= p["max_ceiling_over_limit"] * lim)
        )
        for s, e in merge(runs(hit), int(p["merge_gap_days"])):
            k = int(visits[s:e].sum())
            ceiling = float(np.median(top[s:e][hit[s:e]]))
            out.append(
                _f(view, "fz_clipping", "falsification", "range_narrowed", [code], s * DAY, e * DAY, min(1, k / 60),
                   ("separate visits to the daily maximum", float(np.median(visits[s:e])), need_visits, ">="),
                   f"{name_en(code)} comes back to exactly {ceiling:g} (limit {lim:g}) {k} separate times between "
                   f"{_hhmm(view, s * DAY)} and {_hhmm(view, e * DAY)} and never goes above: a ceiling.",
                   f"{name_zh(code)}在{_days_text(view, s * DAY, e * DAY)}间{k}次恰好回到{ceiling:g}（限值{lim:g}）且从不超过，"
                   "疑似量程被压缩。")
            )  # fmt: skip
    return out


def _day_stats(view: View, code: str, min_hours: float) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per day: CV of hourly means, median relative minute difference, coupling to load."""
    hb = view.hours_by_day(code)
    cnt = np.sum(np.isfinite(hb), axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        hcv = np.nanstd(hb, axis=1) / np.abs(np.nanmean(hb, axis=1))
    hcv = np.where(cnt >= min_hours, hcv, np.nan)
    xd = view.days(code)
    if view.is_cycle(code):
        xd = xd[:, 30::60]  # one sample per analyser cycle
    d = np.abs(np.diff(xd, axis=1))
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        rel = np.nanmedian(d, axis=1) / np.abs(np.nanmedian(xd, axis=1))
    rel = np.where(cnt >= min_hours, rel, np.nan)
    proxy = view.load_proxy
    if proxy is None:
        coup = np.full(hb.shape[0], np.nan)
    else:
        coup = rowwise_corr(hb, view.hours_by_day(proxy), min_count=int(min_hours))
    return hcv, rel, coup


def fz_low_variability(view: View, p: Params, ranges: Ranges) -> list[Finding]:
    """Days whose variability collapsed against the logger's own month.

    Both the hourly variation and the minute-to-minute variation collapse.  If the day still
    follows the load (coupling kept, hourly and minute variation shrunk alike) the range was
    compressed (range_narrowed); if the hourly variation vanished far more than the minute
    jitter, or the values no longer follow the load, the values were preset.
    """
    out = []
    for code in view.pollutants:
        hcv, rel, coup = _day_stats(view, code, p["min_valid_hours"])
        base_h, base_m, base_c = nanmedian(hcv), nanmedian(rel), nanmedian(coup)
        if not (np.isfinite(base_h) and np.isfinite(base_m)) or base_h <= 0 or base_m <= 0:
            continue
        hr, mr = hcv / base_h, rel / base_m
        # Exactly constant values (no minute change at all) are a stuck analyser: data_quality.
        moving = mr > 0
        low = ((hr < p["hourly_ratio"]) & (mr < p["minute_ratio"])) | (mr < p["minute_only_ratio"])
        low = (low | (hr < p["preset_hourly_ratio"])) & moving & np.isfinite(hr)
        for s, e in runs(low, int(p["min_days"])):
            hh, mm = float(np.nanmedian(hr[s:e])), float(np.nanmedian(mr[s:e]))
            cc = float(np.nanmedian(coup[s:e])) if np.isfinite(coup[s:e]).any() else float("nan")
            coupled = (
                np.isfinite(base_c) and base_c > 0.3 and np.isfinite(cc) and cc > p["coupling_ratio"] * base_c
            )
            preset = hh < p["preset_hourly_ratio"] or hh < p["preset_hourly_ratio"] * mm or not coupled
            trick = "preset_data" if preset else "range_narrowed"
            out.append(
                _f(view, "fz_low_variability", "falsification", trick, [code], s * DAY, e * DAY, 1 - min(hh, mm),
                   ("hourly variation / usual", hh, p["hourly_ratio"], "<"),
                   f"From {_hhmm(view, s * DAY)} to {_hhmm(view, e * DAY)} {name_en(code)} varies hour to hour "
                   f"{hh:.0%} and minute to minute {mm:.0%} as much as on its other days"
                   + (f", and no longer follows the {name_en(view.load_proxy or '')}" if not coupled and np.isfinite(cc) else "")
                   + f" (correlation {cc:.2f} against usual {base_c:.2f}).",
                   f"{_days_text(view, s * DAY, e * DAY)}{name_zh(code)}的小时波动仅为其他日的{hh:.0%}，分钟波动为{mm:.0%}"
                   + ("，且不再随工况变化" if not coupled and np.isfinite(cc) else "")
                   + f"（与工况相关系数{cc:.2f}，通常{base_c:.2f}）。",
                   comparable=[(int(a) * DAY, int(b) * DAY) for a, b in runs(~low & np.isfinite(hr))][:5])
            )  # fmt: skip
    return out


def fz_periodic(view: View, p: Params, ranges: Ranges) -> list[Finding]:
    """A regular oscillation: a deep trough then a peak in the autocorrelation of 10-minute means."""
    out = []
    lags = np.arange(int(p["min_lag_minutes"]) // 10, int(p["max_lag_minutes"]) // 10 + 1)
    for code in view.pollutants:
        if view.is_cycle(code):
            continue
        xd = view.days(code)  # days × 1440
        tm = np.nanmean(xd.reshape(xd.shape[0], 144, 10), axis=2) if np.isfinite(xd).any() else None
        if tm is None:
            continue
        trend = pd.DataFrame(tm.T).rolling(36, center=True, min_periods=6).mean().to_numpy().T
        r = tm - trend
        ok = np.isfinite(r)
        r = np.where(ok, r - np.nanmean(np.where(ok, r, np.nan), axis=1, keepdims=True), 0.0)
        denom = np.sum(r * r, axis=1)
        acf = np.stack([np.sum(r[:, :-k] * r[:, k:], axis=1) for k in lags], axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            acf = acf / denom[:, None]
        enough = ok.sum(axis=1) >= 100
        trough = np.nanmin(acf, axis=1)
        t_at = np.argmin(np.nan_to_num(acf, nan=1.0), axis=1)
        after = np.where(np.arange(lags.size)[None, :] > t_at[:, None], acf, -np.inf)
        peak = np.max(after, axis=1)
        hit = enough & (trough < p["trough"]) & (peak > p["peak"])
        for s, e in runs(hit, int(p["min_days"])):
            period = int(2 * lags[int(np.median(t_at[s:e]))] * 10)
            out.append(
                _f(view, "fz_periodic", "falsification", "preset_data", [code], s * DAY, e * DAY,
                   float(np.nanmedian(peak[s:e])),
                   ("autocorrelation at one period", float(np.nanmedian(peak[s:e])), p["peak"], ">"),
                   f"From {_hhmm(view, s * DAY)} to {_hhmm(view, e * DAY)} {name_en(code)} repeats a regular cycle of "
                   f"about {period} minutes, which no process load explains: the data look generated.",
                   f"{_days_text(view, s * DAY, e * DAY)}{name_zh(code)}呈约{period}分钟的规则周期波动，与工况无关，疑似模拟数据。")
            )  # fmt: skip
    return out


def _step(y: FloatArray, min_side: int) -> tuple[int, float, float]:
    """Best single change point of ``y`` (NaN allowed): (index, step of medians, t-like score)."""
    idx = np.flatnonzero(np.isfinite(y))
    if idx.size < 2 * min_side:
        return -1, 0.0, 0.0
    f = y[idx]
    n = f.size
    cs = np.concatenate(([0.0], np.cumsum(f)))
    k = np.arange(min_side, n - min_side + 1)
    mb = cs[k] / k
    ma = (cs[n] - cs[k]) / (n - k)
    diff = ma - mb
    j = int(np.argmax(np.abs(diff)))
    split = int(k[j])
    before, after = f[:split], f[split:]
    step = float(np.median(after) - np.median(before))
    noise = max(robust_scale(np.concatenate([before - np.median(before), after - np.median(after)])), 1e-12)
    t = abs(step) / (noise * np.sqrt(1 / before.size + 1 / after.size))
    return int(idx[split]), step, float(t)


def fz_ratio_step(view: View, p: Params, ranges: Ranges) -> list[Finding]:
    """A downward step in the ratio of particulate to velocity: slope or intercept changed."""
    if view.kind != "air" or "a34013" not in view.data.values or VELOCITY not in view.data.values:
        return []
    pm = view.hourly("a34013")
    vel = view.hourly(VELOCITY)
    with np.errstate(invalid="ignore", divide="ignore"):
        lr = np.log(pm / vel)
    lr = np.where(np.isfinite(lr), lr, np.nan)
    daily = np.asarray(pd.DataFrame(lr.reshape(-1, 24) if lr.size % 24 == 0 else np.resize(lr, (lr.size // 24, 24)))
                       .median(axis=1, skipna=True).to_numpy(), dtype=np.float64)  # fmt: skip
    at, step, t = _step(daily, int(p["min_days_each_side"]))
    if at < 0 or step > -p["min_step"] or t < p["min_t"]:
        return []
    s = at * DAY
    factor = float(np.exp(step))
    return [
        _f(view, "fz_ratio_step", "falsification", "particulate_slope", ["a34013"], s, view.data.n, min(1, -step),
           ("step in log(particulate / velocity)", step, -p["min_step"], "<"),
           f"From {_hhmm(view, s)} the ratio of particulate to flue-gas velocity falls to {factor:.0%} of what it was "
           f"before and stays there (t = {t:.1f}); velocity and the other pollutants do not step: check the particulate "
           "meter's slope and intercept (K/B) settings.",
           f"自{_hhmm(view, s)}起颗粒物与流速之比降至此前的{factor:.0%}并保持（t={t:.1f}），流速及其他污染物无相应变化，"
           "请核查颗粒物仪斜率与截距（K/B值）设置。",
           comparable=[(0, s)])
    ]  # fmt: skip


def fz_flow_inconsistent(view: View, p: Params, ranges: Ranges) -> list[Finding]:
    """Flow no longer equals what velocity, temperature, pressure and humidity give: a coefficient changed."""
    need = (FLOW_AIR, VELOCITY, TEMPERATURE, PRESSURE, HUMIDITY)
    if view.kind != "air" or any(c not in view.data.values for c in need):
        return []
    q, v, t, pr, h = (view.x(c) for c in need)
    with np.errstate(invalid="ignore", divide="ignore"):
        basis = v * 273 / (273 + t) * (101.325 + pr) / 101.325 * (1 - h / 100)
        lr = np.log(q / basis)
    lr = np.where(np.isfinite(lr) & (v > 1), lr, np.nan)
    hourly = pd.Series(lr).groupby(np.arange(lr.size) // 60).median().to_numpy()
    at, step, k = _step(hourly, int(p["min_hours_each_side"]))
    if at < 0 or abs(step) < p["min_step"] or k < p["min_k"]:
        return []
    s = at * 60
    before = float(np.exp(np.nanmedian(hourly[:at])) * 1)
    after = float(np.exp(np.nanmedian(hourly[at:])))
    return [
        _f(view, "fz_flow_inconsistent", "falsification", "coefficient_change", [FLOW_AIR], s, view.data.n,
           min(1, abs(step) * 5),
           ("step in log(flow / velocity-based flow)", step, p["min_step"], ">"),
           f"From {_hhmm(view, s)} the reported flow equals {after:,.0f}×(velocity at standard dry conditions) instead "
           f"of {before:,.0f}× before ({np.exp(step):.0%}); the measured inputs did not change: check the velocity-field "
           "coefficient and duct area against the filed values (3020).",
           f"自{_hhmm(view, s)}起上报流量与由流速、温度、压力、湿度算得的流量之比由{before:,.0f}变为{after:,.0f}"
           f"（{np.exp(step):.0%}），测量输入未变，请核查速度场系数与烟道截面积是否与备案值（3020）一致。",
           comparable=[(0, s)])
    ]  # fmt: skip


def _robust_fit(y: FloatArray, x: FloatArray) -> FloatArray:
    """Residuals of y against columns of x (with intercept), fitted twice dropping outliers."""
    ok = np.isfinite(y) & np.all(np.isfinite(x), axis=1)
    res = np.full(y.size, np.nan)
    if ok.sum() < 3 * (x.shape[1] + 1):
        return res
    a = np.column_stack([np.ones(ok.sum()), x[ok]])
    b = y[ok]
    use = np.ones(b.size, dtype=bool)
    for _ in range(2):
        coef, *_ = np.linalg.lstsq(a[use], b[use], rcond=None)
        r = b - a @ coef
        sc = max(robust_scale(r[use]), 1e-9)
        use = np.abs(r - np.median(r[use])) < 2.5 * sc
        if use.sum() < 3 * (x.shape[1] + 1):
            break
    res[ok] = b - a @ coef
    return res


def fz_dilution(view: View, p: Params, ranges: Ranges) -> list[Finding]:
    """Pollutants and humidity fall by a common factor while O2 rises, the load unchanged."""
    if view.kind != "air" or any(c not in view.data.values for c in (O2, HUMIDITY, VELOCITY, TEMPERATURE)):
        return []
    x = np.column_stack([view.hourly(VELOCITY), view.hourly(TEMPERATURE)])
    with np.errstate(invalid="ignore", divide="ignore"):
        r_h = _robust_fit(np.log(view.hourly(HUMIDITY)), x)
        r_o = _robust_fit(np.log(20.9 - view.hourly(O2)), x)
        r_p = np.nanmean(np.stack([_robust_fit(np.log(view.hourly(c)), x) for c in view.pollutants]), axis=0)
    w = int(p["smooth_hours"])
    sm = [
        pd.Series(r).rolling(w, center=True, min_periods=max(1, w - 1)).mean().to_numpy()
        for r in (r_h, r_o, r_p)
    ]
    common = np.nanmedian(np.stack(sm), axis=0)
    hit = (
        (sm[0] < p["max_residual"])
        & (sm[1] < p["max_residual"])
        & (sm[2] < p["max_residual"])
        & (common < p["min_common"])
    )
    out = []
    for s, e in merge(runs(hit, int(p["min_hours"])), 3):
        k = float(np.exp(np.nanmedian(common[s:e])))
        o2_before = nanmedian(view.hourly(O2)[max(0, s - 24) : s])
        o2_in = nanmedian(view.hourly(O2)[s:e])
        out.append(
            _f(view, "fz_dilution", "falsification", "dilution", [*view.pollutants, O2, HUMIDITY], s * 60, e * 60, 1 - k,
               ("common factor of pollutants, humidity and 20.9−O2", k, float(np.exp(p["min_common"])), "<"),
               f"From {_hhmm(view, s * 60)} to {_hhmm(view, e * 60)} the pollutants, humidity and (20.9 − O2) all fall to "
               f"about {k:.0%} of what velocity and temperature predict (O2 {o2_before:.1f} → {o2_in:.1f} %): air seems "
               "to be mixed into the sample.",
               f"{_days_text(view, s * 60, e * 60)}污染物、湿度与(20.9−氧含量)同时降至工况预期的约{k:.0%}"
               f"（氧含量{o2_before:.1f}→{o2_in:.1f}%），疑似采样气体被稀释。")
        )  # fmt: skip
    return out


def _zdiff(view: View, code: str) -> FloatArray:
    """Standardised first differences per day (days × points), 0 where missing."""
    xd = view.days(code)[:, ::60] if view.is_cycle(code) else view.days(code)  # one sample per cycle
    d = np.diff(xd, axis=1)
    ok = np.isfinite(d)
    with np.errstate(invalid="ignore", divide="ignore"):
        mu = np.nanmean(np.where(ok, d, np.nan), axis=1, keepdims=True)
        sd = np.nanstd(np.where(ok, d, np.nan), axis=1, keepdims=True)
        z = (d - mu) / sd
    # Winsorised: a single spike (a data-quality matter) must not carry a whole day's correlation.
    z = np.clip(np.where(ok & np.isfinite(z), z, 0.0), -4.0, 4.0)
    return np.asarray(z, dtype=np.float64)


def _coupling(view: View, code: str) -> FloatArray:
    proxy = view.load_proxy
    if proxy is None:
        return np.full(view.hours_by_day(code).shape[0], np.nan)
    return rowwise_corr(view.hours_by_day(code), view.hours_by_day(proxy), 12)


def fz_borrowed_own(view: View, p: Params, ranges: Ranges) -> list[Finding]:
    """A day that repeats an earlier day of the same logger, or another pollutant of the same day."""
    air = view.kind == "air"
    thr_own = p["own_corr_air"] if air else p["own_corr_water"]
    thr_x = p["across_corr_air"] if air else p["across_corr_water"]
    min_pts = p["min_points_air"] if air else p["min_points_water"]
    out = []
    zs = {c: _zdiff(view, c) for c in view.pollutants}
    for code, z in zs.items():
        m = z.shape[1]
        cnt = (z != 0).sum(axis=1)
        corr = (z @ z.T) / m
        norm = np.sqrt(np.maximum(np.diag(corr), 1e-12))
        corr = corr / norm[:, None] / norm[None, :]
        corr = np.tril(corr, -1)  # only earlier days
        corr[cnt < min_pts, :] = 0
        corr[:, cnt < min_pts] = 0
        best = np.max(corr, axis=1) if corr.size else np.zeros(0)
        src = np.argmax(corr, axis=1) if corr.size else np.zeros(0, dtype=int)
        for d_np in np.flatnonzero(best > thr_own):
            d = int(d_np)
            s0 = int(src[d])
            out.append(
                _f(view, "fz_borrowed", "falsification", "borrowed_data", [code], d * DAY, (d + 1) * DAY, float(best[d]),
                   ("correlation of minute changes with an earlier day", float(best[d]), thr_own, ">"),
                   f"{name_en(code)} on {_hhmm(view, d * DAY)[:5]} moves minute by minute like {_hhmm(view, s0 * DAY)[:5]} "
                   f"(correlation of changes {best[d]:.2f}; unrelated days give about 0): the day seems copied from the "
                   "logger's own history.",
                   f"{name_zh(code)}在{_hhmm(view, d * DAY)[:5]}的逐分钟变化与{_hhmm(view, s0 * DAY)[:5]}高度一致"
                   f"（变化量相关系数{best[d]:.2f}，无关日期约为0），疑似复制自身历史数据。",
                   comparable=[(s0 * DAY, (s0 + 1) * DAY)])
            )  # fmt: skip
    codes = list(zs)
    for i in range(len(codes)):
        for j in range(i + 1, len(codes)):
            a, b = zs[codes[i]], zs[codes[j]]
            cnt = np.minimum((a != 0).sum(axis=1), (b != 0).sum(axis=1))
            with np.errstate(invalid="ignore", divide="ignore"):
                r = (a * b).sum(axis=1) / np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))
            r = np.where(cnt >= min_pts, r, 0.0)
            for s, e in runs(np.nan_to_num(r) > thr_x):
                rr = float(np.max(r[s:e]))
                out.append(
                    _f(view, "fz_borrowed", "falsification", "borrowed_data", [codes[i], codes[j]], s * DAY, e * DAY, rr,
                       ("correlation of minute changes across pollutants", rr, thr_x, ">"),
                       f"From {_hhmm(view, s * DAY)} to {_hhmm(view, e * DAY)} {name_en(codes[j])} moves minute by minute "
                       f"exactly like {name_en(codes[i])} (correlation of changes {rr:.2f}; separate analysers give about "
                       "0): one series seems derived from the other.",
                       f"{_days_text(view, s * DAY, e * DAY)}{name_zh(codes[j])}与{name_zh(codes[i])}逐分钟变化一致"
                       f"（相关系数{rr:.2f}，独立分析仪约为0），疑似由另一因子换算而来。")
                )  # fmt: skip
    return out


def fz_borrowed_peers(views: Sequence[View], p: Params, ranges: Ranges) -> list[Finding]:
    """Two loggers whose minute changes coincide on the same day: one borrowed the other's data.

    The borrower is the one whose pollutant stops following its own flue-gas velocity (or
    water flow) that day; when that does not tell them apart both are reported.
    """
    out: list[Finding] = []
    for kind in ("air", "water"):
        group = [v for v in views if v.kind == kind]
        if len(group) < 2:
            continue
        air = kind == "air"
        thr = p["peer_corr_air"] if air else p["peer_corr_water"]
        min_pts = p["min_points_air"] if air else p["min_points_water"]
        codes = sorted({c for v in group for c in v.pollutants})
        for code in codes:
            members = [v for v in group if code in v.data.values]
            if len(members) < 2:
                continue
            zs = [_zdiff(v, code) for v in members]
            days = min(z.shape[0] for z in zs)
            width = min(z.shape[1] for z in zs)
            stack = np.stack([z[:days, :width] for z in zs])  # loggers × days × points
            cnt = (stack != 0).sum(axis=2)
            norms = np.sqrt((stack * stack).sum(axis=2))
            coup = np.stack([_coupling(v, code)[:days] for v in members])
            for d in range(days):  # a loop over days, not minutes
                zd = stack[:, d, :]
                with np.errstate(invalid="ignore", divide="ignore"):
                    c = (zd @ zd.T) / np.outer(norms[:, d], norms[:, d])
                c = np.nan_to_num(np.triu(c, 1))
                ok = cnt[:, d] >= min_pts
                c[~ok, :] = 0
                c[:, ~ok] = 0
                for i, j in zip(*np.nonzero(c > thr), strict=True):
                    ci, cj = coup[i, d], coup[j, d]
                    pair = (members[i], members[j])
                    if np.isfinite(ci) and np.isfinite(cj) and abs(ci - cj) >= p["direction_margin"]:
                        suspects = [pair[0] if ci < cj else pair[1]]
                    else:
                        suspects = list(pair)
                    for v in suspects:
                        other = pair[1] if v is pair[0] else pair[0]
                        r = float(c[i, j])
                        out.append(
                            _f(v, "fz_borrowed", "falsification", "borrowed_data", [code], d * DAY, (d + 1) * DAY, r,
                               ("correlation of minute changes with another logger", r, thr, ">"),
                               f"{name_en(code)} on {_hhmm(v, d * DAY)[:5]} moves minute by minute like logger "
                               f"{other.data.mn} (correlation of changes {r:.2f}; unrelated loggers give about 0) and "
                               "does not follow its own flue-gas velocity or flow: the data seem borrowed.",
                               f"{name_zh(code)}在{_hhmm(v, d * DAY)[:5]}的逐分钟变化与数采仪{other.data.mn}高度一致"
                               f"（相关系数{r:.2f}，无关设备约为0），且与自身工况不符，疑似借用他处数据。",
                               peers=[other.data.mn])
                        )  # fmt: skip
    return out


def fz_under_limit(view: View, p: Params, ranges: Ranges) -> list[Finding]:
    """Hourly means piled up just under the limit, too few just below the pile and above the limit."""
    if view.kind != "air":
        return []
    out = []
    for code in view.pollutants:
        lim = view.data.limits.get(code)
        if lim is None:
            continue
        h = view.hourly(code)
        f = h[np.isfinite(h)]
        mid = (p["band_low"] + 1) / 2
        a = int(((f >= mid * lim) & (f < lim)).sum())  # upper half of the band
        b = int(((f >= p["band_low"] * lim) & (f < mid * lim)).sum())  # lower half
        c = int((f >= lim).sum())
        ratio = a / (c + 1)
        if a < p["min_in_band"] or ratio < p["min_ratio"] or a < p["min_upper_share"] * b:
            continue
        band = np.isfinite(h) & (h >= p["band_low"] * lim) & (h < lim)
        idx = np.flatnonzero(band)
        s, e = int(idx[0] * 60), int(idx[-1] * 60 + 60)
        out.append(
            _f(view, "fz_under_limit", "falsification", "under_limit_piling", [code], s, e, min(1, ratio / 10),
               ("hours just under the limit per hour over it", ratio, p["min_ratio"], ">="),
               f"{a} valid hours of {name_en(code)} lie within {1 - mid:.0%} under the limit {lim:g} ({b} in the "
               f"{mid - p['band_low']:.0%} below), but only {c} above it: a smooth distribution does not stop at the limit; "
               "values pile up just under it.",
               f"{name_zh(code)}有{a}个有效小时均值落在限值{lim:g}以下{1 - mid:.0%}内（其下{mid - p['band_low']:.0%}内{b}个），"
               f"超限仅{c}个，数据堆积于限值之下。",
               highlight=runs(np.repeat(band, 60)))
        )  # fmt: skip
    return out


def fz_false_flags(view: View, p: Params, ranges: Ranges) -> list[Finding]:
    """Hours flagged fault or maintenance whose values show a working analyser above the limit."""
    if view.kind != "air":
        return []
    flags = view.data.flags
    inval = (flags == "D") | (flags == "M")
    out = []
    for code in view.pollutants:
        lim = view.data.limits.get(code)
        if lim is None:
            continue
        x = view.data.values[code]
        xb = reshape_blocks(np.where(inval, x, np.nan), 60)
        inv_cnt = np.sum(reshape_blocks(inval.astype(float), 60) > 0, axis=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            mean = np.nanmean(xb, axis=1)
            d = np.abs(np.diff(xb, axis=1))
            rel = np.nanmedian(d, axis=1) / np.abs(mean)
        a = xb[:, :-1] - mean[:, None]
        b = xb[:, 1:] - mean[:, None]
        okp = np.isfinite(a) & np.isfinite(b)
        with np.errstate(invalid="ignore", divide="ignore"):
            lag1 = np.nansum(np.where(okp, a * b, 0), axis=1) / np.nansum(np.where(okp, a * a, 0), axis=1)
        xv = view.x(code)
        dn = np.abs(np.diff(xv))
        with np.errstate(invalid="ignore", divide="ignore"):
            usual = np.float64(nanmedian(dn)) / np.float64(nanmedian(np.abs(xv)))
        alive = (
            (rel > usual / p["max_diff_ratio"]) & (rel < p["max_diff_ratio"] * usual) & (lag1 > p["min_lag1"])
        )
        bad = (inv_cnt >= 30) & (mean > lim) & alive
        h = view.hourly(code)
        good_over = int(np.sum(np.isfinite(h) & (h > lim)))
        nbad = int(bad.sum())
        share = nbad / max(1, nbad + good_over)
        if nbad < p["min_hours"] or share < p["min_share"]:
            continue
        idx = np.flatnonzero(bad)
        s, e = int(idx[0] * 60), int(idx[-1] * 60 + 60)
        letters = "".join(sorted(set(flags[np.repeat(bad, 60)[: flags.size]]) & {"D", "M"}))
        out.append(
            _f(view, "fz_false_flags", "falsification", "false_flags", [code], s, e, share,
               ("share of exceeding hours flagged invalid", share, p["min_share"], ">="),
               f"{nbad} hours of {name_en(code)} flagged {letters} (fault/maintenance) show a working analyser reading above "
               f"the limit {lim:g}, while only {good_over} valid hours exceed it: exceedance hours seem flagged invalid.",
               f"{name_zh(code)}有{nbad}个小时被标记为{letters}（故障/维护），但数据连续正常且超过限值{lim:g}，"
               f"有效小时超标仅{good_over}个，疑似将超标时段标记为无效。",
               highlight=runs(np.repeat(bad, 60)))
        )  # fmt: skip
    return out


def fz_water_contradiction(view: View, p: Params, ranges: Ranges) -> list[Finding]:
    """Water: pH flat while metals keep varying (and COD/NH3-N drop): the sample was swapped or diluted."""
    if view.kind != "water" or PH not in view.data.values:
        return []
    ph = view.days(PH)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ph_sd = np.nanstd(ph, axis=1)
        metal = [c for c in view.data.values if c.startswith("w20")]
        if metal:
            m = view.days(metal[0])
            m_cv = np.nanstd(m, axis=1) / np.nanmean(m, axis=1)
        else:
            m_cv = np.full(ph_sd.size, np.nan)
    enough = np.sum(np.isfinite(ph), axis=1) >= 600
    ph_r = ph_sd / nanmedian(np.where(enough, ph_sd, np.nan))
    m_r = m_cv / nanmedian(m_cv) if metal else np.ones(ph_sd.size)
    hit = enough & (ph_r < p["ph_sd_ratio"]) & (np.nan_to_num(m_r, nan=1.0) > p["metal_cv_ratio"])
    out = []
    for s, e in runs(hit, int(p["min_days"])):
        pr = float(np.nanmedian(ph_r[s:e]))
        out.append(
            _f(view, "fz_water_contradiction", "falsification", "water_contradiction", [PH, *view.pollutants], s * DAY,
               e * DAY, 1 - pr,
               ("pH daily spread / usual", pr, p["ph_sd_ratio"], "<"),
               f"From {_hhmm(view, s * DAY)} to {_hhmm(view, e * DAY)} pH varies only {pr:.0%} as much as usual while "
               f"{name_en(metal[0]) if metal else 'the metals'} keep varying: the sample does not seem to be the discharge.",
               f"{_days_text(view, s * DAY, e * DAY)}pH波动仅为平时的{pr:.0%}，而{name_zh(metal[0]) if metal else '重金属'}"
               "仍正常波动，疑似水样被替换或稀释。",
               comparable=[(int(a) * DAY, int(b) * DAY) for a, b in runs(~hit & enough)][:5])
        )  # fmt: skip
    return out
