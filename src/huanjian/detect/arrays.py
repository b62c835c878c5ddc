"""Vectorised helpers: runs of a mask, interval algebra, hourly/daily aggregation."""

from __future__ import annotations

import numpy as np

from huanjian.detect.model import BoolArray, FloatArray, IntArray


def runs(mask: BoolArray, min_len: int = 1) -> IntArray:
    """Half-open ``[start, end)`` intervals where ``mask`` is True, at least ``min_len`` long."""
    m = np.asarray(mask, dtype=np.int8)
    if m.size == 0:
        return np.zeros((0, 2), dtype=np.int64)
    d = np.diff(np.concatenate(([0], m, [0])))
    starts = np.flatnonzero(d == 1)
    ends = np.flatnonzero(d == -1)
    keep = (ends - starts) >= max(1, min_len)
    return np.stack([starts[keep], ends[keep]], axis=1).astype(np.int64)


def mask_of(intervals: IntArray, n: int) -> BoolArray:
    """Boolean mask of length ``n`` covering ``intervals`` (clipped to ``[0, n)``)."""
    out = np.zeros(n + 1, dtype=np.int32)
    iv = np.asarray(intervals, dtype=np.int64).reshape(-1, 2)
    if iv.size:
        s = np.clip(iv[:, 0], 0, n)
        e = np.clip(iv[:, 1], 0, n)
        ok = e > s
        np.add.at(out, s[ok], 1)
        np.add.at(out, e[ok], -1)
    return np.asarray(np.cumsum(out[:n]) > 0, dtype=np.bool_)


def merge(intervals: IntArray, gap: int = 0) -> IntArray:
    """Merge intervals that overlap or lie within ``gap`` of each other."""
    iv = np.asarray(intervals, dtype=np.int64).reshape(-1, 2)
    if len(iv) == 0:
        return iv
    iv = iv[np.argsort(iv[:, 0], kind="stable")]
    ends = np.maximum.accumulate(iv[:, 1])
    new = np.concatenate(([True], iv[1:, 0] > ends[:-1] + gap))
    group = np.cumsum(new) - 1
    starts = iv[new, 0]
    group_end = np.full(int(group[-1]) + 1, np.iinfo(np.int64).min)
    np.maximum.at(group_end, group, iv[:, 1])
    return np.stack([starts, group_end], axis=1)


def reshape_blocks(x: FloatArray, size: int) -> FloatArray:
    """``x`` cut into rows of ``size`` (the tail shorter than a block is padded with NaN)."""
    n = x.shape[0]
    rows = -(-n // size) if n else 0
    pad = rows * size - n
    if pad:
        x = np.concatenate([x, np.full(pad, np.nan)])
    return x.reshape(rows, size)


def block_mean(x: FloatArray, valid: BoolArray, size: int, min_count: int) -> FloatArray:
    """Mean of valid, finite values per block of ``size`` minutes; NaN under ``min_count`` values."""
    v = np.where(valid & np.isfinite(x), x, np.nan)
    b = reshape_blocks(v, size)
    cnt = np.sum(np.isfinite(b), axis=1)
    s = np.nansum(b, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = s / cnt
    return np.where(cnt >= min_count, out, np.nan)


def rolling_std(x: FloatArray, window: int) -> FloatArray:
    """Trailing standard deviation over ``window`` values (NaN where any value is NaN)."""
    n = x.shape[0]
    if n < window:
        return np.full(n, np.nan)
    c1 = np.concatenate(([0.0], np.cumsum(x)))
    c2 = np.concatenate(([0.0], np.cumsum(x * x)))
    s1 = c1[window:] - c1[:-window]
    s2 = c2[window:] - c2[:-window]
    var = np.maximum(s2 / window - (s1 / window) ** 2, 0.0)
    return np.concatenate([np.full(window - 1, np.nan), np.sqrt(var)])


def rowwise_corr(a: FloatArray, b: FloatArray, min_count: int = 8) -> FloatArray:
    """Pearson correlation of each row of ``a`` with the same row of ``b`` (NaN-aware)."""
    ok = np.isfinite(a) & np.isfinite(b)
    cnt = ok.sum(axis=1)
    a0 = np.where(ok, a, 0.0)
    b0 = np.where(ok, b, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        ma = a0.sum(axis=1) / cnt
        mb = b0.sum(axis=1) / cnt
        da = np.where(ok, a0 - ma[:, None], 0.0)
        db = np.where(ok, b0 - mb[:, None], 0.0)
        cov = (da * db).sum(axis=1)
        r = cov / np.sqrt((da * da).sum(axis=1) * (db * db).sum(axis=1))
    return np.where(cnt >= min_count, r, np.nan)


def robust_scale(x: FloatArray) -> float:
    """1.4826 × MAD of the finite values (0 when there are none)."""
    f = x[np.isfinite(x)]
    if f.size == 0:
        return 0.0
    return float(1.4826 * np.median(np.abs(f - np.median(f))))


def nanmedian(x: FloatArray) -> float:
    f = x[np.isfinite(x)]
    return float(np.median(f)) if f.size else float("nan")
