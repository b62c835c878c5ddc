# ruff: noqa: E501  (bilingual reviewer sentences are kept one per line)
"""Falsification detectors against context: borrowed data (own history, other pollutants, peers), piling under the limit, false flags, water contradictions."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from huanjian.detect.arrays import (
    merge,
    nanmedian,
    reshape_blocks,
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
    PH,
    Finding,
    FloatArray,
)
from huanjian.detect.view import View


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
    water flow) that day — measured against the logger's own usual coupling, since some
    processes follow their load less than others; when that does not tell them apart both
    are reported.
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
            # How far each logger's day fell from its own usual coupling to its load: the
            # borrower's copied day stops following its own process, the lender's does not.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                fall = np.nanmedian(coup, axis=1, keepdims=True) - coup
            for d in range(days):  # a loop over days, not minutes
                zd = stack[:, d, :]
                with np.errstate(invalid="ignore", divide="ignore"):
                    c = (zd @ zd.T) / np.outer(norms[:, d], norms[:, d])
                c = np.nan_to_num(np.triu(c, 1))
                ok = cnt[:, d] >= min_pts
                c[~ok, :] = 0
                c[:, ~ok] = 0
                for i, j in zip(*np.nonzero(c > thr), strict=True):
                    fi, fj = fall[i, d], fall[j, d]
                    pair = (members[i], members[j])
                    if np.isfinite(fi) and np.isfinite(fj) and abs(fi - fj) >= p["direction_margin"]:
                        suspects = [pair[0] if fi > fj else pair[1]]
                    else:
                        suspects = list(pair)
                    for v in suspects:
                        other = pair[1] if v is pair[0] else pair[0]
                        r = float(c[i, j])
                        out.append(
                            _f(v, "fz_borrowed_peer", "falsification", "borrowed_data", [code], d * DAY, (d + 1) * DAY, r,
                               ("correlation of minute changes with another logger", r, thr, ">"),
                               f"{name_en(code)} on {_hhmm(v, d * DAY)[:5]} moves minute by minute like logger "
                               f"{other.data.mn} (correlation of changes {r:.2f}; unrelated loggers give about 0) and "
                               "does not follow its own flue-gas velocity or flow: the data seem borrowed.",
                               f"{name_zh(code)}在{_hhmm(v, d * DAY)[:5]}的逐分钟变化与数采仪{other.data.mn}高度一致"
                               f"（相关系数{r:.2f}，无关设备约为0），且与自身工况不符，疑似借用他处数据。",
                               peers=[other.data.mn])
                        )  # fmt: skip
    return out


def _corrected_text(view: View, code: str) -> tuple[str, str]:
    """Words for the sentences when the limit is judged on the O2-corrected concentration."""
    if not view.corrected(code):
        return "", ""
    ref = view.data.reference_o2[code]
    return f" (O2-corrected to {ref:g} %)", f"（折算至基准氧含量{ref:g}%）"


def fz_under_limit(view: View, p: Params, ranges: Ranges) -> list[Finding]:
    """Hourly means piled up just under the limit, too few just below the pile and above the limit."""
    if view.kind != "air":
        return []
    out = []
    for code in view.pollutants:
        lim = view.data.limits.get(code)
        if lim is None:
            continue
        h = view.judged_hourly(code)  # O2-corrected when the limit is
        f = h[np.isfinite(h)]
        mid = (p["band_low"] + 1) / 2
        zs_en, zs_zh = _corrected_text(view, code)
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
               f"{a} valid hours of {name_en(code)}{zs_en} lie within {1 - mid:.0%} under the limit {lim:g} ({b} in the "
               f"{mid - p['band_low']:.0%} below), but only {c} above it: a smooth distribution does not stop at the limit; "
               "values pile up just under it.",
               f"{name_zh(code)}{zs_zh}有{a}个有效小时均值落在限值{lim:g}以下{1 - mid:.0%}内（其下{mid - p['band_low']:.0%}内{b}个），"
               f"超限仅{c}个，数据堆积于限值之下。",
               highlight=runs(np.repeat(band, 60)))
        )  # fmt: skip
    return out


def fz_exceedance_drop(view: View, p: Params, ranges: Ranges) -> list[Finding]:
    """Values that fall steeply the minute they reach the limit while the load stays.

    An honest series crosses its limit now and then and comes down with the process; a logger
    that substitutes a lower value whenever the real one would exceed shows one-minute drops
    from just under the limit — many of them, and hardly any sustained crossing.
    """
    if view.kind != "air":
        return []
    out = []
    for code in view.pollutants:
        lim = view.data.limits.get(code)
        if lim is None:
            continue
        x = np.where(view.valid, view.judged(code), np.nan)  # O2-corrected when the limit is
        d = x[1:] - x[:-1]
        scale = robust_scale(d)
        if scale <= 0:
            continue
        with np.errstate(invalid="ignore", divide="ignore"):
            near = (x[:-1] >= p["band_low"] * lim) & (x[:-1] < p["band_high"] * lim)
            steep = (d < -p["min_drop_sd"] * scale) & (d < -p["min_drop_of_limit"] * lim)
            steady = np.ones(d.shape, dtype=np.bool_)
            if view.load_proxy is not None:  # the process did not drop with it
                v = view.x(view.load_proxy)
                steady = ~((v[1:] - v[:-1]) / np.abs(v[:-1]) < -p["max_load_drop"])
        drops = near & steep & steady
        k = int(drops.sum())
        if k < p["min_drops"]:
            continue
        over = runs(np.nan_to_num(x, nan=-np.inf) >= lim, int(p["min_over_minutes"]))
        share = k / (k + len(over))
        if share < p["min_share"]:
            continue
        idx = np.flatnonzero(drops) + 1  # the minute that dropped
        s, e = int(idx[0]), int(idx[-1]) + 1
        zs_en, zs_zh = _corrected_text(view, code)
        out.append(
            _f(view, "fz_exceedance_drop", "falsification", "preset_data", [code], s, e, share,
               ("share of limit approaches ending in a one-minute drop", share, p["min_share"], ">="),
               f"{name_en(code)}{zs_en} falls steeply within one minute {k} times just as it reaches the limit {lim:g} "
               f"(from {p['band_low']:.0%}–{p['band_high']:.0%} of it, by more than {p['min_drop_of_limit']:.0%} of the limit, "
               f"the flue-gas velocity unchanged), and stays over the limit for {int(p['min_over_minutes'])} minutes or more "
               f"only {len(over)} times: a drop exactly where an exceedance would start.",
               f"{name_zh(code)}{zs_zh}在接近限值{lim:g}时（限值的{p['band_low']:.0%}–{p['band_high']:.0%}）{k}次在一分钟内骤降"
               f"（降幅超过限值的{p['min_drop_of_limit']:.0%}，烟气流速未变），持续超限{int(p['min_over_minutes'])}分钟以上仅{len(over)}次："
               "恰在将要超标时下降，疑似预设或模拟数据。",
               highlight=merge(np.stack([idx - 10, idx + 5], axis=1), 30))
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
        x = view.judged(code)  # O2-corrected when the limit is
        zs_en, zs_zh = _corrected_text(view, code)
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
        h = view.judged_hourly(code)
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
               f"{nbad} hours of {name_en(code)}{zs_en} flagged {letters} (fault/maintenance) show a working analyser reading above "
               f"the limit {lim:g}, while only {good_over} valid hours exceed it: exceedance hours seem flagged invalid.",
               f"{name_zh(code)}{zs_zh}有{nbad}个小时被标记为{letters}（故障/维护），但数据连续正常且超过限值{lim:g}，"
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
