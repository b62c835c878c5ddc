"""Array aliases and time helpers shared by the engine modules.

Times inside the engine are ``int64`` seconds since the Unix epoch, UTC.  China
Standard Time is UTC+08:00 with no daylight saving (``huanjian.core.time.CST``), so a
CST day starts at 16:00:00Z of the previous UTC day and CST hours coincide with
UTC hours.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import numpy as np
from numpy.typing import NDArray

from huanjian.core.time import CST, ensure_utc

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
I32 = NDArray[np.int32]
I8 = NDArray[np.int8]
U8 = NDArray[np.uint8]
Bool = NDArray[np.bool_]

DAY_S = 86_400
HOUR_S = 3_600
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def cst_midnight_s(day: date) -> int:
    """Epoch seconds of 00:00 China Standard Time on ``day`` (16:00Z the day before)."""
    local = datetime(day.year, day.month, day.day, tzinfo=CST)
    return int((local - _EPOCH).total_seconds())


def cst_date(epoch_s: int) -> date:
    """The CST calendar date containing the instant ``epoch_s``."""
    return (_EPOCH + timedelta(seconds=int(epoch_s))).astimezone(CST).date()


def to_datetime(epoch_s: int) -> datetime:
    return _EPOCH + timedelta(seconds=int(epoch_s))


def epoch_seconds(times: Sequence[datetime] | NDArray[np.generic]) -> I64:
    """UTC instants as int64 epoch seconds.

    Accepts ``datetime64`` arrays (taken as UTC, as pandas and the store give them),
    integer arrays (already epoch seconds) or aware ``datetime`` objects.
    """
    if isinstance(times, np.ndarray):
        if np.issubdtype(times.dtype, np.datetime64):
            return times.astype("datetime64[s]").astype(np.int64)
        if np.issubdtype(times.dtype, np.integer):
            return times.astype(np.int64, copy=False)
        if times.dtype != object:
            raise TypeError(f"cannot read times of dtype {times.dtype}")
    stamps = [int((ensure_utc(t) - _EPOCH).total_seconds()) for t in times]
    return np.asarray(stamps, dtype=np.int64)


def safe_divide(numerator: F64, denominator: NDArray[np.generic]) -> F64:
    """``numerator / denominator`` with NaN where the denominator is 0."""
    den = np.asarray(denominator, dtype=np.float64)
    out = np.full(np.broadcast_shapes(numerator.shape, den.shape), np.nan)
    np.divide(numerator, den, out=out, where=den != 0)
    return out
