"""Small validators shared by the decoder and the encoder (kept C-fast where it matters)."""

from __future__ import annotations

import re

#: A number as HJ 212 writes it (table 4 "N14.2"): optional sign, digits, optional
#: decimal point.  No exponent, no ``nan``/``inf``, no ``_`` (all of which Python's
#: ``Decimal``/``float`` would accept).
NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
#: Same, for a comma-joined run of numbers: one C call validates a whole frame.
NUMBERS_RE = re.compile(
    r"(?:[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(?:,[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))*"
)
#: Numbers already in the form ``format(Decimal(text), "f")`` gives them (no ``+``, no
#: leading zeros, digits on both sides of a point), comma-joined: their text is canonical.
CANONICAL_NUMBERS_RE = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:,-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?)*")
WHITESPACE_RE = re.compile(r"\s")
HEX_BYTES = b"0123456789abcdefABCDEF"

_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def valid_time14(value: str) -> bool:
    """``YYYYMMDDhhmmss`` naming a real calendar second (00:00:00 to 23:59:59)."""
    if len(value) != 14 or not value.isascii() or not value.isdigit():
        return False
    year = int(value[0:4])
    month = int(value[4:6])
    day = int(value[6:8])
    if not 1 <= month <= 12 or day < 1:
        return False
    days = _DAYS[month - 1]
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        days = 29
    return day <= days and int(value[8:10]) < 24 and int(value[10:12]) < 60 and int(value[12:14]) < 60


def valid_qn(value: str) -> bool:
    """``YYYYMMDDhhmmsszzz``."""
    return len(value) == 17 and valid_time14(value[:14]) and value[14:].isdigit()


def is_hex4(value: bytes) -> bool:
    return len(value) == 4 and not value.translate(None, HEX_BYTES)


def is_upper_hex(value: str, length: int) -> bool:
    return len(value) == length and all(c in "0123456789ABCDEF" for c in value)


def is_upper_alnum(value: str, length: int) -> bool:
    return len(value) == length and value.isascii() and value.isalnum() and value == value.upper()
