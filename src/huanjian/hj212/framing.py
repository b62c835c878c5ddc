"""Sans-I/O splitter: a TCP byte stream in, whole frames (and discarded garbage) out.

Loggers coalesce several frames into one TCP segment, split one frame over many,
drop the CRLF, declare wrong lengths and prepend noise.  The splitter therefore
does not trust the declared length; the rules are:

* a frame starts at ``##`` followed by 4 decimal digits; anything before that is
  garbage (reported, never silently dropped);
* it ends after the first ``\\n`` (the LF of CRLF), or just before the next
  ``##dddd`` if that comes first (a frame without CRLF);
* if neither is found within ``max_frame`` bytes, the ``##`` is discarded as
  garbage and the splitter resynchronises on the next ``##``;
* :meth:`FrameSplitter.close` hands out what is left: an unterminated frame (the
  decoder will judge it) or garbage.

Results do not depend on how the stream was chunked (tested with hypothesis).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["DEFAULT_MAX_FRAME", "FrameSplitter", "Segment"]

#: ``##`` + 4 digits + the largest length 4 digits can declare + CRC + CRLF.
DEFAULT_MAX_FRAME = 2 + 4 + 9999 + 4 + 2
_HEADER = 6


@dataclass(frozen=True, slots=True)
class Segment:
    kind: Literal["frame", "garbage"]
    data: bytes
    offset: int
    """Offset of ``data`` in the whole stream."""


def _is_start(buffer: bytes | bytearray, at: int) -> bool | None:
    """``##dddd`` at ``at``: True/False, or None if more bytes are needed to tell."""
    head = buffer[at : at + _HEADER]
    digits = head[2:]
    if digits and not digits.isdigit():
        return False
    return True if len(head) == _HEADER else None


class FrameSplitter:
    def __init__(self, max_frame: int = DEFAULT_MAX_FRAME) -> None:
        if max_frame < _HEADER + 4:
            raise ValueError("max_frame is too small for any frame")
        self.max_frame = max_frame
        self._buffer = bytearray()
        self._offset = 0  # stream offset of _buffer[0]
        self._closed = False

    @property
    def buffered(self) -> int:
        """Bytes held waiting for the rest of a frame (bounded by ``max_frame``)."""
        return len(self._buffer)

    def feed(self, data: bytes | bytearray | memoryview) -> list[Segment]:
        if self._closed:
            raise ValueError("feed() after close()")
        self._buffer += data
        return self._drain(final=False)

    def close(self) -> list[Segment]:
        self._closed = True
        return self._drain(final=True)

    def _drain(self, *, final: bool) -> list[Segment]:
        out: list[Segment] = []
        buf = self._buffer
        pos = 0
        garbage_from = 0
        while True:
            start = buf.find(b"##", pos)
            if start < 0:
                # Keep a trailing '#' that may be the first half of '##'.
                pos = len(buf) - 1 if buf.endswith(b"#") and not final else len(buf)
                break
            is_start = _is_start(buf, start)
            if is_start is False:
                pos = start + 1
                continue
            if is_start is None:
                pos = len(buf) if final else start
                break
            end = self._frame_end(buf, start, final)
            if end is None:
                pos = start
                break
            if end < 0:  # no end within max_frame: drop this '##' and resynchronise
                pos = start + 1
                continue
            if start > garbage_from:
                out.append(Segment("garbage", bytes(buf[garbage_from:start]), self._offset + garbage_from))
            out.append(Segment("frame", bytes(buf[start:end]), self._offset + start))
            pos = garbage_from = end
        if pos > garbage_from:
            out.append(Segment("garbage", bytes(buf[garbage_from:pos]), self._offset + garbage_from))
            garbage_from = pos
        del buf[:garbage_from]
        self._offset += garbage_from
        return out

    def _frame_end(self, buf: bytearray, start: int, final: bool) -> int | None:
        """End (exclusive) of the frame at ``start``; -1 if oversize; None if undecided yet."""
        limit = start + self.max_frame
        lf = buf.find(b"\n", start + _HEADER, limit)
        search = start + _HEADER
        nxt = -1
        while True:
            candidate = buf.find(b"##", search, limit if lf < 0 else lf)
            if candidate < 0:
                break
            verdict = _is_start(buf, candidate)
            if verdict is True:
                nxt = candidate
                break
            if verdict is None:
                # Cannot tell yet whether this '##' starts a frame.
                if not final and candidate + _HEADER > len(buf):
                    return None
                break
            search = candidate + 1
        if nxt >= 0:
            return nxt
        if lf >= 0:
            return lf + 1
        if len(buf) >= limit:
            return -1
        if final:
            return len(buf)
        return None
