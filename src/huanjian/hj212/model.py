"""Typed, immutable results of decoding an HJ 212 frame.

Numbers are :class:`decimal.Decimal`, not float: the value a logger sent is kept
exactly (``2.69700`` stays ``2.69700``), which matters for evidence and lets a
decoded frame be re-encoded byte for byte.  The raw frame is always kept too.

Mappings inside the frozen dataclasses are plain dicts for speed; treat them as
read-only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

Version = Literal["2005", "2017", "2025"]
Value = Decimal | str


@dataclass(frozen=True, slots=True)
class Issue:
    """One deviation from the standard: a warning (lenient mode) or the cause of an error.

    ``position`` is a byte offset into the raw frame (``None`` when the issue is
    about something absent, e.g. a missing field with no natural place).
    """

    code: str
    message: str
    position: int | None = None


@dataclass(frozen=True, slots=True)
class CrcInfo:
    given: str | None
    """The 4 hex digits as sent (case kept), or None when the frame had no CRC."""
    expected: str
    """Appendix A CRC of the data segment as received, 4 upper-case hex digits."""
    ok: bool
    """True only when ``given`` equals the Appendix A value."""
    variant: str | None
    """Another algorithm that produced ``given`` (``modbus``, ``modbus_swapped``, ...)."""


@dataclass(frozen=True, slots=True)
class CpItem:
    """One CP code (pollutant, facility ``SB1``, information code ``i12001``...) and its sub-fields."""

    code: str
    """The 2017 code (2005 wire codes are mapped; unknown codes are kept as sent)."""
    wire_code: str
    fields: Mapping[str, Value]


@dataclass(frozen=True, slots=True)
class Frame:
    raw: bytes
    version: Version | None
    version_source: Literal["flag", "inferred"] | None
    qn: str | None
    st: str | None
    cn: str | None
    pw: str | None
    mn: str | None
    flag: int | None
    pnum: int | None
    pno: int | None
    params: Mapping[str, str]
    """CP entries without a code, e.g. ``DataTime``, ``QnRtn``, ``BeginTime`` (values as sent)."""
    items: Mapping[str, Mapping[str, Value]]
    """Per code (2017 code) the sub-field map, in the order the codes first appeared."""
    wire_codes: Mapping[str, str]
    """2017 code -> the code on the wire, only for codes that were mapped from 2005."""
    crc: CrcInfo
    declared_length: int
    actual_length: int
    warnings: tuple[Issue, ...]
    encoding: str
    """How the data segment's text was decoded: ``ascii``, ``utf-8``, ``gbk`` or ``replace``."""
    extra: Mapping[str, str]
    """Header fields that are not part of the standard (kept, and warned about)."""

    @property
    def ok(self) -> bool:
        """True when the frame decoded without any warning."""
        return not self.warnings

    @property
    def ack_requested(self) -> bool:
        """Flag bit A: the sender wants a reply (9014 for uploads)."""
        return self.flag is not None and bool(self.flag & 1)

    @property
    def split(self) -> bool:
        """Flag bit D: the frame is one part of a split packet (PNUM/PNO)."""
        return self.flag is not None and bool(self.flag & 2)

    @property
    def data_time(self) -> str | None:
        return self.params.get("DataTime")

    def item(self, code: str) -> CpItem | None:
        """The item for a 2017 code, or for a wire code that maps to one."""
        from huanjian.hj212.codes import to_2017

        key = code if code in self.items else to_2017(code)
        fields = self.items.get(key)
        if fields is None:
            return None
        return CpItem(code=key, wire_code=self.wire_codes.get(key, key), fields=fields)

    def warning_codes(self) -> tuple[str, ...]:
        return tuple(w.code for w in self.warnings)
