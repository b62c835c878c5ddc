"""Batch decode: many frames at once, exactly the results of :func:`decode`.

Used by the gateway and by replay.  Two lanes:

* **clean lane** — the frames a healthy logger sends every minute: CRLF,
  ``QN ST CN PW MN Flag CP`` in that order, each in its standard form, ASCII,
  correct length and Appendix A CRC, no split-packet bits, a CP the cached-plan
  parser accepts.  One compiled regular expression (C) checks the envelope and
  the header of a frame and hands out the fields; the CRCs of the whole batch
  are computed in one NumPy pass (:func:`~huanjian.hj212.crc.hj212_crc_batch`);
  CPs are split per frame by C string routines and grouped by key layout, and
  the numbers of all frames of a layout are validated by one regular-expression
  match and converted by one ``map(Decimal, …)``.  A frame is in this lane only
  if :func:`decode` would return it with no warning, so the lane builds the
  same :class:`Frame` without looking for deviations.
* **reference lane** — everything else goes through :func:`decode` (with the
  batch CRC as a hint it only uses if it finds the segment at the same place).

``tests/hj212`` checks batch == single on the corpus, on generated frames and
on mutated frames (hypothesis).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from huanjian.hj212 import _cp
from huanjian.hj212._text import NUMBERS_RE, WHITESPACE_RE, valid_qn, valid_time14
from huanjian.hj212.codes import COMMANDS
from huanjian.hj212.crc import hj212_crc_batch
from huanjian.hj212.decode import MAX_SEGMENT, decode_with_crc, segment_bounds
from huanjian.hj212.errors import HJ212Error
from huanjian.hj212.model import CrcInfo, Frame, Version

__all__ = ["decode_many"]

#: The clean envelope and header.  MN as 24 upper-case hex digits and Flag without
#: the D bit (2017/2025) are checked after the match; anything else is the reference lane.
_CLEAN = re.compile(
    rb"##([0-9]{4})"
    rb"(QN=([0-9]{17});ST=([0-9A-Z]{2});CN=([0-9]{4});PW=([0-9A-Za-z]{6});"
    rb"MN=([0-9A-F]{24});Flag=([0-9]{1,3});CP=&&([\x20-\x7e]*)&&)"
    rb"([0-9A-Fa-f]{4})\r\n",
)
_VERSIONS: dict[int, Version] = {1: "2017", 2: "2025"}
_CHUNK = 500


#: Per MN, the CP layout it sent last and a regular expression for exactly that layout:
#: a logger sends the same keys every minute, so one C match replaces the split, the
#: partition of every item and the layout lookup.  Bounded like the plan cache.
_LAST_LAYOUT: dict[bytes, tuple[_cp.Plan, re.Pattern[str]]] = {}


def _split(mn: bytes, inner: str) -> tuple[_cp.Plan, tuple[str, ...]] | None:
    """What :func:`_cp.split_fast` returns for ``inner`` (tested equal)."""
    last = _LAST_LAYOUT.get(mn)
    if last is not None and "//" not in inner:
        plan, pattern = last
        m = pattern.fullmatch(inner)
        if m is not None:
            values = m.groups()
            # The checks split_fast makes once the keys are known (the keys are the plan's).
            if WHITESPACE_RE.search("".join(plan.text(values))) is None and all(
                valid_time14(values[i]) for i in plan.times
            ):
                return plan, values
            return None
    split = _cp.split_fast(inner)
    if split is not None:
        if len(_LAST_LAYOUT) >= 4096:
            _LAST_LAYOUT.clear()
        _LAST_LAYOUT[mn] = (split[0], _layout_pattern(split[1], inner))
    return split


def _layout_pattern(values: tuple[str, ...], inner: str) -> re.Pattern[str]:
    keys = [piece.partition("=")[0] for piece in inner.replace(";", ",").split(",")]
    assert len(keys) == len(values)
    return re.compile("[;,]".join(re.escape(k) + "=([^;,=]*)" for k in keys), re.DOTALL)


def decode_many(
    raws: Iterable[bytes | bytearray | memoryview], *, strict: bool = False
) -> list[Frame | HJ212Error]:
    """Decode many frames; each result is the Frame, or the HJ212Error :func:`decode` would raise."""
    # Decoding makes no reference cycles, but tens of thousands of new dicts and Decimals
    # trigger the cyclic collector over and over (each pass walks everything alive): off
    # for the batch, back on after (measured: about a third of the batch time otherwise).
    frames = [bytes(r) for r in raws]
    if len(frames) <= _CHUNK:
        return _decode_many(frames, strict)
    # Chunks that stay in the CPU caches: 5,000 frames at once ran 1.5x slower than 500s.
    # (Turning the cyclic collector off for the batch was tried: 4x slower in the benchmark.)
    out: list[Frame | HJ212Error] = []
    for at in range(0, len(frames), _CHUNK):
        out += _decode_many(frames[at : at + _CHUNK], strict)
    return out


def _decode_many(frames: list[bytes], strict: bool) -> list[Frame | HJ212Error]:
    bounds = [segment_bounds(r) for r in frames]
    segments = [r[b[0] : b[1]] if b is not None else b"" for r, b in zip(frames, bounds, strict=True)]
    crcs = hj212_crc_batch(segments).tolist()
    out: list[Frame | HJ212Error | None] = [None] * len(frames)

    # Clean lane: header by one regex per frame, CP values grouped by layout.
    by_plan: dict[int, tuple[_cp.Plan, list[tuple[int, tuple[str, ...]]]]] = {}
    pending: list[tuple[int, tuple[Any, ...]]] = []
    fullmatch = _CLEAN.fullmatch
    commands = COMMANDS
    for i, raw in enumerate(frames):
        m = fullmatch(raw)
        if m is None:
            continue
        declared_b, segment, qn_b, st_b, cn_b, pw_b, mn_b, flag_b, inner_b, given_b = m.groups()
        actual = len(segment)
        flag = int(flag_b)
        version = _VERSIONS.get(flag >> 2)
        if (
            int(declared_b) != actual
            or actual > MAX_SEGMENT
            or int(given_b, 16) != crcs[i]
            or version is None
            or flag & 2
            or flag > 255
        ):
            continue
        qn = qn_b.decode("ascii")
        cn = cn_b.decode("ascii")
        if cn not in commands or not valid_qn(qn):
            continue
        inner = inner_b.decode("ascii")
        if inner:
            split = _split(mn_b, inner)
            if split is None:
                continue
            plan, values = split
            group = by_plan.get(id(plan))
            if group is None:
                group = by_plan[id(plan)] = (plan, [])
            group[1].append((len(pending), values))
        header = (raw, version, qn, st_b, cn, pw_b, mn_b, flag, given_b, crcs[i], actual)
        pending.append((i, header))

    # Numbers of every frame of one layout: one validation, one conversion.
    parsed: dict[int, _cp.Parsed | None] = {}
    for plan, members in by_plan.values():
        numeric = [plan.numeric(values) for _, values in members]
        width = len(numeric[0])
        if width == 0:
            for (at, values), _ in zip(members, numeric, strict=True):
                parsed[at] = _cp.assemble(plan, values, [])
            continue
        flat = [v for row in numeric for v in row]
        numbers: list[Decimal] | None = None
        if NUMBERS_RE.fullmatch(",".join(flat)) is not None:
            try:
                numbers = list(map(Decimal, flat))
            except InvalidOperation:  # pragma: no cover - excluded by the regex
                numbers = None
        for n, (at, values) in enumerate(members):
            if numbers is None:  # one bad number: find out per frame which ones
                parsed[at] = _cp.parse_fast_split(plan, values)
            else:
                parsed[at] = _cp.assemble(plan, values, numbers[n * width : (n + 1) * width])

    for at, (i, header) in enumerate(pending):
        if at in parsed:
            result = parsed[at]
            if result is None:
                continue  # a number the layout's check refused: the reference lane decides
            params, items, wire_codes = result
        else:
            params, items, wire_codes = {}, {}, {}
        raw, version, qn, st_b, cn, pw_b, mn_b, flag, given_b, crc, actual = header
        out[i] = Frame(
            raw=raw,
            version=version,
            version_source="flag",
            qn=qn,
            st=st_b.decode("ascii"),
            cn=cn,
            pw=pw_b.decode("ascii"),
            mn=mn_b.decode("ascii"),
            flag=flag,
            pnum=None,
            pno=None,
            params=params,
            items=items,
            wire_codes=wire_codes,
            crc=CrcInfo(given=given_b.decode("ascii"), expected=f"{crc:04X}", ok=True, variant=None),
            declared_length=actual,
            actual_length=actual,
            warnings=(),
            encoding="ascii",
            extra={},
        )

    # Reference lane.
    for i, raw in enumerate(frames):
        if out[i] is not None:
            continue
        bound = bounds[i]
        hint = (bound[0], bound[1], crcs[i]) if bound is not None else None
        try:
            out[i] = decode_with_crc(raw, strict=strict, hint=hint)
        except HJ212Error as exc:
            out[i] = exc
    return out  # type: ignore[return-value]
