"""The codec's single exception type.

Everything :mod:`huanjian.hj212` raises on purpose is an :class:`HJ212Error`, so a
receiver can wrap a decode in one ``except`` and never be taken down by a logger's
bytes.  Each error carries a stable ``code`` (the same vocabulary as the warning
codes, see ``docs/hj212.md``) and the byte ``position`` in the frame where the
problem was found, when there is one.
"""

from __future__ import annotations

from typing import Any

from huanjian.errors import ProtocolError


class HJ212Error(ProtocolError):
    code = "hj212"

    def __init__(self, message: str, *, code: str, position: int | None = None, **details: Any) -> None:
        if position is not None:
            details["position"] = position
        super().__init__(message, code=code, **details)
        self.position = position

    def __repr__(self) -> str:
        return f"HJ212Error(code={self.code!r}, position={self.position!r}, message={self.message!r})"

    def __eq__(self, other: object) -> bool:
        # Equality by content lets the batch path be compared with the single path.
        if not isinstance(other, HJ212Error):
            return NotImplemented
        return (self.code, self.position, self.message) == (other.code, other.position, other.message)

    def __hash__(self) -> int:
        return hash((self.code, self.position, self.message))
