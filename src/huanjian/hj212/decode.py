"""Decode one HJ 212 frame: bytes in, :class:`~huanjian.hj212.model.Frame` out.

Lenient by default: anything that deviates from the standard but still lets us
read the frame becomes an :class:`~huanjian.hj212.model.Issue` in
``frame.warnings`` (code, message, byte position), and the frame is returned.
Only frames that cannot be read at all (no ``##``, no 4-digit length, too short)
raise.  ``strict=True`` raises on the first warning instead.  Whatever the input,
the only exception that leaves :func:`decode` is :class:`HJ212Error`.

This module is the reference implementation; :mod:`huanjian.hj212.batch` must give
exactly the same results and is tested against it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from huanjian.hj212 import _cp
from huanjian.hj212._text import is_hex4, is_upper_alnum, is_upper_hex, valid_qn
from huanjian.hj212.codes import COMMANDS
from huanjian.hj212.crc import hj212_crc, match_variant
from huanjian.hj212.errors import HJ212Error
from huanjian.hj212.model import CrcInfo, Frame, Issue, Value, Version

__all__ = ["MAX_SEGMENT", "decode"]

#: Largest data segment the standard allows (table 2: 0 <= n <= 1024).
MAX_SEGMENT = 1024
_HEADER_KEYS = ("QN", "ST", "CN", "PW", "MN", "Flag", "PNUM", "PNO")
_VERSIONS: dict[int, Version] = {0: "2005", 1: "2017", 2: "2025"}


def decode(raw: bytes | bytearray | memoryview, *, strict: bool = False) -> Frame:
    """Decode one frame (with or without its CRLF)."""
    return decode_with_crc(bytes(raw), strict=strict, hint=None)


def decode_with_crc(raw: bytes, *, strict: bool, hint: tuple[int, int, int] | None) -> Frame:
    """:func:`decode`, optionally with the Appendix A CRC of the data segment already known.

    ``hint`` is ``(segment_start, segment_end, crc)`` as computed by the batch path;
    it is used only if the decoder finds the segment exactly there, so a wrong hint
    can never change the result.
    """
    try:
        return _decode(raw, strict, hint)
    except HJ212Error:
        raise
    except Exception as exc:  # pragma: no cover - a bug; never let it escape as anything else
        raise HJ212Error(f"internal decoder error: {exc!r}", code="internal") from exc


def segment_bounds(raw: bytes) -> tuple[int, int] | None:
    """Where the data segment is, for the common case (used by the batch CRC).

    Returns None when the frame needs the full analysis of :func:`decode`.
    """
    end = len(raw)
    if raw.endswith(b"\r\n"):
        end -= 2
    if end < 10 or raw[:2] != b"##" or not is_hex4(raw[end - 4 : end]):
        return None
    return 6, end - 4


def _decode(raw: bytes, strict: bool, hint: tuple[int, int, int] | None) -> Frame:
    warnings: list[Issue] = []
    warn = warnings.append

    # --- envelope: ## + 4-digit length + segment + 4 hex CRC + CRLF -------------------------
    end = len(raw)
    if raw.endswith(b"\r\n"):
        end -= 2
    elif raw.endswith((b"\n", b"\r")):
        end -= 1
        warn(Issue("bad_terminator", "frame ends with a lone CR or LF instead of CRLF", end))
    if raw[:2] != b"##":
        raise HJ212Error("frame does not start with '##'", code="bad_header", position=0)
    length_field = raw[2:6]
    if len(length_field) < 4 or not length_field.isdigit():
        raise HJ212Error(
            f"length field {length_field!r} is not 4 decimal digits", code="bad_length_field", position=2
        )
    declared = int(length_field)
    start = 6
    if end <= start:
        raise HJ212Error("frame has nothing after its length field", code="truncated", position=len(raw))

    given: str | None
    if end - 4 >= start and is_hex4(raw[end - 4 : end]):
        data_end = end - 4
        given = raw[data_end:end].decode("ascii")
    elif start + declared + 4 <= end and is_hex4(raw[start + declared : start + declared + 4]):
        # The CRC is where the declared length says, but something follows it.
        data_end = start + declared
        given = raw[data_end : data_end + 4].decode("ascii")
        warn(Issue("trailing_bytes", f"{end - data_end - 4} byte(s) after the CRC are ignored", data_end + 4))
    else:
        data_end = end
        given = None
        warn(Issue("missing_crc", "no 4-hex-digit CRC before the end of the frame", end))
    data = raw[start:data_end]
    actual = len(data)
    if declared != actual:
        warn(
            Issue(
                "length_mismatch",
                f"declared data length {declared:04d}, actual {actual:04d}",
                2,
            )
        )
    if actual > MAX_SEGMENT:
        warn(Issue("segment_too_long", f"data segment is {actual} bytes, over {MAX_SEGMENT}", start))

    expected = hint[2] if hint is not None and hint[0] == start and hint[1] == data_end else hj212_crc(data)
    crc_ok = False
    variant: str | None = None
    if given is not None:
        given_value = int(given, 16)
        crc_ok = given_value == expected
        if not crc_ok:
            variant = match_variant(data, given_value, expected)
            also = f"; matches {variant}" if variant else ""
            warn(
                Issue(
                    "crc_mismatch",
                    f"CRC given {given}, expected {expected:04X} (Appendix A){also}",
                    data_end,
                )
            )
    crc = CrcInfo(given=given, expected=f"{expected:04X}", ok=crc_ok, variant=variant)

    # --- text ------------------------------------------------------------------------------
    encoding = "ascii"
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        try:
            text = data.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError:
            try:
                text = data.decode("gbk")
                encoding = "gbk"
                warn(Issue("non_utf8_text", "text is not UTF-8; decoded as GBK", start))
            except UnicodeDecodeError:
                text = data.decode("utf-8", "replace")
                encoding = "replace"
                warn(Issue("undecodable_text", "text is neither UTF-8 nor GBK; bad bytes replaced", start))
    pos = _position_map(text, encoding, start)

    # --- header fields ---------------------------------------------------------------------
    if text.startswith("CP="):
        cp_at = 0
    else:
        cp_at = text.find(";CP=")
        cp_at = cp_at + 1 if cp_at >= 0 else -1
    header_text = text[:cp_at] if cp_at >= 0 else text
    fields: dict[str, str] = {}
    extra: dict[str, str] = {}
    offset = 0
    segments = header_text.split(";")
    for index, segment in enumerate(segments):
        here = offset
        offset += len(segment) + 1
        if not segment:
            # The header ends with ';' before CP, so the last piece is normally empty.
            if index != len(segments) - 1:
                warn(Issue("empty_field", "empty header field (';;')", pos(here)))
            continue
        key, eq, value = segment.partition("=")
        stripped = key.strip()
        if stripped != key or value.strip() != value:
            warn(Issue("stray_whitespace", f"whitespace around header field {stripped!r}", pos(here)))
            key, value = stripped, value.strip()
        if not eq or not key:
            warn(Issue("malformed_field", f"header field {segment[:40]!r} is not Key=Value", pos(here)))
            continue
        if key in _HEADER_KEYS:
            if key in fields:
                warn(Issue("duplicate_field", f"header field {key} repeated; first kept", pos(here)))
                continue
            fields[key] = value
        else:
            if key in extra:
                warn(Issue("duplicate_field", f"header field {key} repeated; first kept", pos(here)))
                continue
            extra[key] = value
            warn(Issue("unknown_field", f"non-standard header field {key!r}", pos(here)))

    qn = fields.get("QN")
    st = fields.get("ST")
    cn = fields.get("CN")
    pw = fields.get("PW")
    mn = fields.get("MN")
    flag = _int_field(fields, "Flag", 255, warn, pos, text)
    pnum = _int_field(fields, "PNUM", 9999, warn, pos, text)
    pno = _int_field(fields, "PNO", 9999, warn, pos, text)

    # --- version ---------------------------------------------------------------------------
    version: Version | None
    version_source: Any
    if flag is not None:
        version_source = "flag"
        version = _VERSIONS.get(flag >> 2)
        if version is None:
            warn(
                Issue("unknown_version", f"Flag={flag} has version bits {flag >> 2}", _at(text, "Flag=", pos))
            )
    elif "Flag" in fields:
        version, version_source = None, None
    else:
        # No Flag: a 2005 trait, unless the MN is a 2017 EPC-96 identifier.
        version_source = "inferred"
        version = "2017" if mn is not None and is_upper_hex(mn, 24) else "2005"

    # --- field checks ----------------------------------------------------------------------
    for key in ("ST", "CN", "PW", "MN"):
        if key not in fields:
            warn(Issue("missing_field", f"header field {key} is missing", None))
    if qn is None and version not in (None, "2005"):
        warn(Issue("missing_field", "header field QN is missing", None))
    if "Flag" not in fields and version == "2017":
        warn(Issue("missing_field", "header field Flag is missing (MN is a 2017 EPC-96 identifier)", None))
    if cp_at < 0:
        warn(Issue("missing_field", "CP is missing", None))
    if flag is not None and flag & 2 and version != "2005":
        # 2005 requests carry Flag=3 without PNUM/PNO (HJ/T 212-2005 Appendix C), so only 2017+ insists.
        for key in ("PNUM", "PNO"):
            if key not in fields:
                warn(Issue("missing_field", f"Flag={flag} has the D bit set but {key} is missing", None))
    elif flag is not None and not flag & 2 and ("PNUM" in fields or "PNO" in fields):
        warn(
            Issue("unexpected_field", f"PNUM/PNO present but Flag={flag} has no D bit", _at(text, "PN", pos))
        )
    if pnum is not None and pno is not None and not 1 <= pno <= pnum:
        warn(Issue("bad_packet_number", f"PNO={pno} is outside 1..PNUM={pnum}", _at(text, "PNO=", pos)))
    if qn is not None and not valid_qn(qn):
        if len(qn) == 13 and qn.isascii() and qn.isdigit():
            when = datetime.fromtimestamp(int(qn) / 1000, UTC).isoformat(timespec="milliseconds")
            warn(
                Issue("qn_epoch_ms", f"QN {qn} looks like epoch milliseconds ({when})", _at(text, "QN=", pos))
            )
        else:
            warn(Issue("malformed_qn", f"QN {qn[:40]!r} is not YYYYMMDDhhmmsszzz", _at(text, "QN=", pos)))
    if st is not None and not is_upper_alnum(st, 2):
        warn(Issue("non_standard_st", f"ST {st[:20]!r} is not 2 characters 0-9/A-Z", _at(text, "ST=", pos)))
    if cn is not None and cn not in COMMANDS:
        warn(Issue("unknown_cn", f"CN {cn[:20]!r} is not a known command", _at(text, "CN=", pos)))
    if pw is not None and not (len(pw) == 6 and pw.isascii() and pw.isalnum()):
        warn(
            Issue(
                "non_standard_pw", f"PW has {len(pw)} characters; the standard says 6", _at(text, "PW=", pos)
            )
        )
    if mn is not None and not _mn_ok(mn, version):
        warn(Issue("non_standard_mn", _mn_message(mn, version), _at(text, "MN=", pos)))

    # --- CP ----------------------------------------------------------------------------------
    params: dict[str, str] = {}
    items: dict[str, dict[str, Value]] = {}
    wire_codes: dict[str, str] = {}
    if cp_at >= 0:
        cp = text[cp_at + 3 :]
        inner_at = cp_at + 5
        if cp.startswith("&&") and len(cp) >= 4 and cp.endswith("&&"):
            inner = cp[2:-2]
        elif cp.startswith("&&"):
            close = cp.rfind("&&")
            if close > 1:
                inner = cp[2:close]
                warn(
                    Issue(
                        "trailing_after_cp", "text after the closing '&&' of CP", pos(cp_at + 3 + close + 2)
                    )
                )
            else:
                inner = cp[2:]
                warn(Issue("cp_unterminated", "CP has no closing '&&'", pos(len(text))))
        else:
            inner = cp
            inner_at = cp_at + 3
            warn(Issue("cp_malformed", "CP does not start with '&&'", pos(cp_at + 3)))
        parsed = _cp.parse_fast(inner) if encoding == "ascii" else None
        if parsed is None:
            parsed = _cp.parse_general(inner, lambda i: pos(inner_at + i), warn)
        params, items, wire_codes = parsed

    if strict and warnings:
        first = warnings[0]
        raise HJ212Error(
            first.message,
            code=first.code,
            position=first.position,
            warnings=[(w.code, w.message, w.position) for w in warnings],
        )
    return Frame(
        raw=raw,
        version=version,
        version_source=version_source,
        qn=qn,
        st=st,
        cn=cn,
        pw=pw,
        mn=mn,
        flag=flag,
        pnum=pnum,
        pno=pno,
        params=params,
        items=items,
        wire_codes=wire_codes,
        crc=crc,
        declared_length=declared,
        actual_length=actual,
        warnings=tuple(warnings),
        encoding=encoding,
        extra=extra,
    )


def _position_map(text: str, encoding: str, start: int) -> Callable[[int], int]:
    """Character offset in the segment text -> byte offset in the raw frame."""
    if encoding == "ascii":
        return lambda i: start + i
    codec = "utf-8" if encoding in ("utf-8", "replace") else encoding
    return lambda i: start + len(text[:i].encode(codec, "replace"))


def _at(text: str, needle: str, pos: Callable[[int], int]) -> int | None:
    """Byte position of a header field (first occurrence at a field boundary)."""
    if text.startswith(needle):
        return pos(0)
    i = text.find(";" + needle)
    return pos(i + 1) if i >= 0 else None


def _int_field(
    fields: dict[str, str],
    key: str,
    maximum: int,
    warn: Callable[[Issue], None],
    pos: Callable[[int], int],
    text: str,
) -> int | None:
    value = fields.get(key)
    if value is None:
        return None
    if value.isascii() and value.isdigit() and len(value) <= 6 and int(value) <= maximum:
        return int(value)
    warn(
        Issue(
            "malformed_number",
            f"{key}={value[:20]!r} is not an integer 0..{maximum}",
            _at(text, key + "=", pos),
        )
    )
    return None


def _mn_ok(mn: str, version: Version | None) -> bool:
    if version == "2005":
        return is_upper_alnum(mn, 14)
    if version is None:
        return is_upper_alnum(mn, 14) or is_upper_hex(mn, 24)
    return is_upper_hex(mn, 24)


def _mn_message(mn: str, version: Version | None) -> str:
    shown = mn[:40]
    if version == "2005":
        return f"MN {shown!r} is not 14 characters 0-9/A-Z (HJ/T 212-2005)"
    return f"MN {shown!r} is not 24 hex digits (EPC-96, HJ 212-2017)"


def parse_number(value: str) -> Decimal | None:
    """A wire number as Decimal, or None if it is not one (see ``_text.NUMBER_RE``)."""
    return _cp.parse_number(value)
