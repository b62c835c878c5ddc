# ruff: noqa: E501  (bilingual reviewer sentences are kept one per line)
"""Falsification detectors on the signal itself: clipping, collapsed variability, periodic patterns, ratio steps, flow inconsistency, dilution."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

from huanjian.detect.arrays import (
    merge,
    nanmedian,
    robust_scale,
    rowwise_corr,
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
    FLOW_AIR,
    HUMIDITY,
    O2,
    PRESSURE,
    TEMPERATURE,
    VELOCITY,
    Finding,
    FloatArray,
)
from huanjian.detect.view import View

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

    Persistence: a single day needs a stronger collapse (``single_day_ratio``) than a run
    of days — honest quiet days come one at a time (measured on the tuning seeds: a robust
    z of the day against the logger's own days, tried as well, changed nothing).
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
        # Against the logger's own month: the day must also stand out from how much its
        # honest days vary (robust z of the log ratios; MAD, so the cheating days do not
        # widen the yardstick).  Water analysers with few cycles a day vary more.
        for s, e in runs(low, int(p["min_days"])):
            hh, mm = float(np.nanmedian(hr[s:e])), float(np.nanmedian(mr[s:e]))
            if e - s == 1 and min(hh, mm) >= p["single_day_ratio"]:
                continue  # one day of moderately low variation: honest days do that; persist or be stronger
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
