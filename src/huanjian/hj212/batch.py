"""Batch decode: many frames at once, exactly the results of :func:`decode`.

Used by the gateway and by replay (:func:`decode_batch`; :func:`decode_many` builds
every result into a :class:`Frame`).  Two lanes:

* **clean lane** — the frames a healthy logger sends every minute: CRLF,
  ``QN ST CN PW MN Flag CP`` in that order, each in its standard form, ASCII,
  correct length and Appendix A CRC, no split-packet bits, a CP the cached-plan
  parser accepts.  The CRCs of the whole batch are computed in one NumPy pass
  (:func:`~huanjian.hj212.crc.hj212_crc_batch`).  A frame of an MN whose layout
  is known is checked and split by one regular expression over the whole frame
  (shared by the loggers with that layout); otherwise one expression checks the
  envelope and header and the CP is split by C string routines.  The numbers of
  all frames of a layout are validated and converted to float at once.  A frame
  is in this lane only if :func:`decode` would return it with no warning; it is
  returned as a :class:`CleanFrame` (``.frame()`` builds the :class:`Frame`).
* **reference lane** — everything else goes through :func:`decode` (with the
  batch CRC as a hint it only uses if it finds the segment at the same place).

``tests/hj212`` checks batch == single on the corpus, on generated frames and
on mutated frames (hypothesis).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any

from huanjian.hj212 import _cp
from huanjian.hj212._text import CANONICAL_NUMBERS_RE, NUMBERS_RE, valid_time14
from huanjian.hj212.clean import CleanFrame
from huanjian.hj212.codes import COMMANDS
from huanjian.hj212.crc import hj212_crc_batch
from huanjian.hj212.decode import MAX_SEGMENT, decode_with_crc, segment_bounds
from huanjian.hj212.errors import HJ212Error
from huanjian.hj212.model import Frame, Version

__all__ = ["decode_batch", "decode_many"]

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


#: Per MN, the CP layout it sent last and a regular expression for a whole clean frame
#: with exactly that layout: a logger sends the same keys every minute, so one C match
#: over the decoded text checks the envelope, the header and every key and hands out
#: every value, replacing the header match, the split, the partition of every item and
#: the layout lookup.  Expressions are shared by the loggers with the same layout (one
#: costs ~8 ms to compile on a slow core) and made only for a layout an MN sent twice in
#: a row, so a sender cycling through layouts cannot make the gateway compile one per
#: frame.  Both maps are bounded (a hostile sender cannot grow them without limit).
_KNOWN: dict[bytes, tuple[_cp.Plan, re.Pattern[str]]] = {}
_PATTERNS: dict[tuple[str, ...], re.Pattern[str]] = {}
_SEEN: dict[bytes, _cp.Plan] = {}
_MAX_LOGGERS = 100_000
_MAX_LAYOUTS = 4096
#: A CP value of the clean lane: printable ASCII without space, ``;``, ``,`` or ``=``.
_VALUE = r"([\x21-\x2b\x2d-\x3a\x3c\x3e-\x7e]*)"
#: Where the MN stands in a clean frame (every header field before it has a fixed width).
_MN_AT = slice(54, 78)
_MN_TAG = slice(50, 54)


def _learn(mn: bytes, plan: _cp.Plan) -> None:
    """Remember ``plan`` as the layout of ``mn`` (see ``_KNOWN``)."""
    pattern = _PATTERNS.get(plan.keys)
    if pattern is None:
        if _SEEN.get(mn) is not plan:  # first time in a row: only note it
            if len(_SEEN) >= _MAX_LOGGERS:
                _SEEN.clear()
            _SEEN[mn] = plan
            return
        layout = "[;,]".join(re.escape(k) + "=" + _VALUE for k in plan.keys)
        pattern = re.compile(
            r"##([0-9]{4})(QN=([0-9]{17});ST=([0-9A-Z]{2});CN=([0-9]{4});PW=([0-9A-Za-z]{6});"
            rf"MN=[0-9A-F]{{24}};Flag=([0-9]{{1,3}});CP=&&{layout}&&)([0-9A-Fa-f]{{4}})\r\n"
        )
        if len(_PATTERNS) >= _MAX_LAYOUTS:
            _PATTERNS.clear()
        _PATTERNS[plan.keys] = pattern
    _SEEN.pop(mn, None)
    if len(_KNOWN) >= _MAX_LOGGERS:
        _KNOWN.clear()
    _KNOWN[mn] = (plan, pattern)


def decode_batch(
    raws: Iterable[bytes | bytearray | memoryview], *, strict: bool = False
) -> list[CleanFrame | Frame | HJ212Error]:
    """Decode many frames as the gateway and replay need them: a :class:`CleanFrame`
    for each frame of the clean lane (header checked, CRC checked, numbers as floats;
    ``.frame()`` gives the :class:`Frame`), else the Frame or the HJ212Error
    :func:`decode` gives."""
    frames = [bytes(r) for r in raws]
    if len(frames) <= _CHUNK:
        return _lanes(frames, strict)
    # Chunks that stay in the CPU caches: 5,000 frames at once ran 1.5x slower than 500s.
    # (Turning the cyclic collector off for the batch was tried: 4x slower in the benchmark.)
    out: list[CleanFrame | Frame | HJ212Error] = []
    for at in range(0, len(frames), _CHUNK):
        out += _lanes(frames[at : at + _CHUNK], strict)
    return out


def decode_many(
    raws: Iterable[bytes | bytearray | memoryview], *, strict: bool = False
) -> list[Frame | HJ212Error]:
    """Decode many frames; each result is the Frame, or the HJ212Error :func:`decode` would raise."""
    return [r.frame() if r.__class__ is CleanFrame else r for r in decode_batch(raws, strict=strict)]  # type: ignore[misc]


def _lanes(frames: list[bytes], strict: bool) -> list[CleanFrame | Frame | HJ212Error]:
    bounds = [segment_bounds(r) for r in frames]
    segments = [r[b[0] : b[1]] if b is not None else b"" for r, b in zip(frames, bounds, strict=True)]
    crcs = hj212_crc_batch(segments).tolist()
    out: list[CleanFrame | Frame | HJ212Error | None] = [None] * len(frames)

    # Clean lane: one regex per frame (the MN's known layout, else the header's and a
    # split), CP values grouped by layout.
    by_plan: dict[int, tuple[_cp.Plan, list[tuple[int, tuple[str, ...]]]]] = {}
    pending: list[tuple[int, tuple[Any, ...]]] = []
    fullmatch = _CLEAN.fullmatch
    commands = COMMANDS
    known_layouts = _KNOWN
    for i, raw in enumerate(frames):
        known = known_layouts.get(raw[_MN_AT]) if raw[_MN_TAG] == b";MN=" else None
        plan: _cp.Plan | None = None
        if known is not None:
            try:
                text = raw.decode("ascii")
            except UnicodeDecodeError:
                text = ""
            k = known[1].fullmatch(text) if "//" not in text else None
            if k is not None:
                fields = k.groups()
                declared, qn, st, cn, pw, flag_s, given = (
                    fields[0], fields[2], fields[3], fields[4], fields[5], fields[6], fields[-1]
                )  # fmt: skip
                values: tuple[str, ...] = fields[7:-1]
                actual = k.end(2) - k.start(2)
                mn_b = raw[_MN_AT]
                plan = known[0]
                if not all(_valid_time(values[t]) for t in plan.times):
                    continue  # split_fast refuses it too: the reference lane says why
        if plan is None:
            m = fullmatch(raw)
            if m is None:
                continue
            declared_b, segment, qn_b, st_b, cn_b, pw_b, mn_b, flag_b, inner_b, given_b = m.groups()
            declared, qn, st, cn, pw, flag_s, given = (
                declared_b.decode(), qn_b.decode(), st_b.decode(), cn_b.decode(),
                pw_b.decode(), flag_b.decode(), given_b.decode(),
            )  # fmt: skip
            actual = len(segment)
            inner = inner_b.decode("ascii")
            values = ()
            if inner:
                split = _cp.split_fast(inner)
                if split is None:
                    continue
                plan, values = split
        flag = int(flag_s)
        version = _VERSIONS.get(flag >> 2)
        if (
            int(declared) != actual
            or actual > MAX_SEGMENT
            or int(given, 16) != crcs[i]
            or version is None
            or flag & 2
            or flag > 255
            or cn not in commands
            or not (qn[14:].isdigit() and _valid_time(qn[:14]))  # valid_qn, with the cached time check
        ):
            continue
        if plan is not None:
            if known is None or known[0] is not plan:
                _learn(mn_b, plan)
            group = by_plan.get(id(plan))
            if group is None:
                group = by_plan[id(plan)] = (plan, [])
            group[1].append((len(pending), values))
        header = (raw, version, qn, st, cn, pw, mn_b.decode(), flag, given, crcs[i], actual)
        pending.append((i, header))

    # Numbers of every frame of one layout: one validation, one conversion.
    cps: dict[int, tuple[_cp.Plan, tuple[str, ...], list[float], bool] | None] = {}
    for plan, members in by_plan.values():
        numeric = [plan.numeric(values) for _, values in members]
        width = len(numeric[0])
        if width == 0:
            for at, values in members:
                cps[at] = (plan, values, [], True)
            continue
        converted = _numbers(",".join(map(",".join, numeric)))
        if converted is not None:
            numbers, canonical = converted
            for n, (at, values) in enumerate(members):
                cps[at] = (plan, values, numbers[n * width : (n + 1) * width], canonical)
            continue
        for (at, values), row in zip(members, numeric, strict=True):  # find out per frame which ones
            # None: a number the check refused; the reference lane decides.
            own = _numbers(",".join(row))
            cps[at] = None if own is None else (plan, values, own[0], own[1])

    for at, (i, header) in enumerate(pending):
        cp = cps.get(at, _EMPTY_CP)
        if cp is None:
            continue
        plan_or_none, values, floats, canonical = cp
        raw, version, qn, st, cn, pw, mn, flag, given, crc, actual = header
        out[i] = CleanFrame(
            raw, version, qn, st, cn, pw, mn, flag, given, f"{crc:04X}", actual,
            _params(plan_or_none, values), plan_or_none, values, floats, canonical,
        )  # fmt: skip

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


#: What a run of plain decimal numbers is made of (no sign ``+``, exponent, space or ``_``).
_NUMBER_BYTES = b"0123456789.-,"
#: Leading zeros (``007``, ``-01``) after the first piece; the first is checked apart.
_LEADING_ZERO = re.compile(r"[,-]0[0-9]")
_valid_time = functools.lru_cache(maxsize=8192)(valid_time14)


def _numbers(joined: str) -> tuple[list[float], bool] | None:
    """Comma-joined numbers as floats, and whether every one is written canonically
    (as ``format(Decimal(text), "f")`` writes it); None if one is not an HJ 212 number.

    Over the characters ``0-9 . -`` Python's ``float`` accepts exactly what
    ``NUMBERS_RE`` accepts (checked exhaustively in the tests), and one ``translate``
    is far cheaper than the regular expression; anything else goes through the
    expression.
    """
    if not joined.encode("ascii").translate(None, _NUMBER_BYTES):
        try:
            numbers = list(map(float, joined.split(",")))
        except ValueError:
            return None
        canonical = not (
            joined[0] == "."
            or joined[-1] == "."
            or ",." in joined
            or ".," in joined
            or "-." in joined
            or (joined[0] == "0" and joined[1:2].isdigit())
            or _LEADING_ZERO.search(joined) is not None
        )
        return numbers, canonical
    if NUMBERS_RE.fullmatch(joined) is None:
        return None
    return list(map(float, joined.split(","))), CANONICAL_NUMBERS_RE.fullmatch(joined) is not None


def _params(plan: _cp.Plan | None, values: tuple[str, ...]) -> dict[str, str]:
    if plan is None:
        return {}
    return dict(zip(plan.param_keys, plan.raw_params(values), strict=True))  # type: ignore[arg-type]


_EMPTY_CP: tuple[None, tuple[str, ...], list[float], bool] = (None, (), [], True)
