"""Build HJ 212 frames: ``##`` + length + data segment + Appendix A CRC + CRLF.

:func:`encode` refuses (``HJ212Error``) anything it cannot write so that
:func:`~huanjian.hj212.decode.decode` reads back exactly what was given: values
containing separators, numbers that are not finite, segments over the limit.

The reply helpers follow the examples of the standards: HJ 212-2017 Appendix C
(QN echoed in the header, ``ST=91``, ``Flag=4``) and HJ/T 212-2005 Appendix C
(no Flag and the request's QN *inside* CP; the 2005 data reply also names the CN
it acknowledges and carries no PW/MN).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from huanjian.hj212.crc import hj212_crc
from huanjian.hj212.decode import MAX_SEGMENT
from huanjian.hj212.errors import HJ212Error
from huanjian.hj212.model import Frame, Version

if TYPE_CHECKING:
    from huanjian.hj212.clean import CleanFrame

__all__ = ["data_ack", "encode", "encode_frame", "exe_rtn", "format_value", "notice_ack", "qn_rtn"]

Scalar = Decimal | int | float | str
_VERSION_BITS = {"2005": 0, "2017": 1, "2025": 2}
_FORBIDDEN = (";", ",", "=", "&&")


def format_value(key: str, value: Scalar, *, text: bool = False) -> str:
    """A value as it goes on the wire; ``text`` wraps it in ``//…//`` (Info logs)."""
    if isinstance(value, bool):
        raise HJ212Error(f"{key}: booleans are not HJ 212 values", code="unencodable_value")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise HJ212Error(f"{key}: {value} is not a finite number", code="unencodable_value")
        value = Decimal(repr(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise HJ212Error(f"{key}: {value} is not a finite number", code="unencodable_value")
        # 'f' keeps the digits as given (2.69700 stays 2.69700) and never writes an exponent.
        return format(value, "f")
    if isinstance(value, int):
        return str(value)
    if text:
        if "//" in value or value.endswith("/"):
            raise HJ212Error(f"{key}: text contains '//' or ends with '/'", code="unencodable_value")
        return f"//{value}//"
    if any(s in value for s in _FORBIDDEN) or value != value.strip() or "//" in value:
        raise HJ212Error(
            f"{key}: value {value[:40]!r} contains a separator or spaces", code="unencodable_value"
        )
    return value


def _check_name(name: str, what: str) -> None:
    if not name or any(s in name for s in (*_FORBIDDEN, "-", "/")) or name != name.strip():
        raise HJ212Error(f"{what} {name[:40]!r} cannot be written", code="unencodable_value")


def encode_cp(
    params: Mapping[str, Scalar] | None = None,
    items: Mapping[str, Mapping[str, Scalar]] | None = None,
    wire_codes: Mapping[str, str] | None = None,
) -> str:
    """The CP data area without the ``&&`` delimiters."""
    parts: list[str] = []
    for key, value in (params or {}).items():
        _check_name(key, "CP field")
        parts.append(f"{key}={format_value(key, value)}")
    for code, fields in (items or {}).items():
        wire = (wire_codes or {}).get(code, code)
        _check_name(wire, "code")
        subs = []
        for sub, value in fields.items():
            _check_name(sub, "sub-field")
            is_text = sub == "Info" and isinstance(value, str)
            subs.append(f"{wire}-{sub}={format_value(f'{wire}-{sub}', value, text=is_text)}")
        if not subs:
            raise HJ212Error(f"code {code} has no sub-fields", code="unencodable_value")
        parts.append(",".join(subs))
    return ";".join(parts)


def encode(
    *,
    cn: str,
    mn: str | None = None,
    pw: str | None = None,
    st: str | None = None,
    qn: str | None = None,
    version: Version | None = "2017",
    flag: int | None = None,
    ack: bool = False,
    pnum: int | None = None,
    pno: int | None = None,
    params: Mapping[str, Scalar] | None = None,
    items: Mapping[str, Mapping[str, Scalar]] | None = None,
    wire_codes: Mapping[str, str] | None = None,
    text_encoding: str = "utf-8",
    crlf: bool = True,
    max_segment: int = MAX_SEGMENT,
) -> bytes:
    """Build one frame.

    ``flag`` wins if given.  Otherwise it is computed from ``version`` (version bits),
    ``pnum``/``pno`` (D bit) and ``ack`` (A bit); a 2005 frame that needs neither
    bit, or ``version=None``, gets no Flag field at all, as 2005 loggers send them.
    ``items`` maps a 2017 code to its sub-fields; ``wire_codes`` writes some codes
    under another name (e.g. their 2005 code).
    """
    split = pnum is not None or pno is not None
    if flag is None and version is not None:
        if version not in _VERSION_BITS:
            raise HJ212Error(f"unknown version {version!r}", code="unknown_version")
        bits = (_VERSION_BITS[version] << 2) | (2 if split else 0) | (1 if ack else 0)
        if version != "2005" or bits:
            flag = bits
    if flag is not None and not 0 <= flag <= 255:
        raise HJ212Error(f"Flag {flag} is outside 0..255", code="unencodable_value")
    header: list[str] = []
    for key, value in (("QN", qn), ("ST", st), ("CN", cn), ("PW", pw), ("MN", mn)):
        if value is not None:
            header.append(f"{key}={format_value(key, value)}")
    if flag is not None:
        header.append(f"Flag={flag}")
    for key, number in (("PNUM", pnum), ("PNO", pno)):
        if number is not None:
            if not 0 <= number <= 9999:
                raise HJ212Error(f"{key} {number} is outside 0..9999", code="unencodable_value")
            header.append(f"{key}={number}")
    header.append(f"CP=&&{encode_cp(params, items, wire_codes)}&&")
    try:
        data = ";".join(header).encode(text_encoding)
    except UnicodeEncodeError as exc:
        raise HJ212Error(f"text cannot be encoded as {text_encoding}", code="unencodable_value") from exc
    if len(data) > max_segment:
        raise HJ212Error(f"data segment is {len(data)} bytes, over {max_segment}", code="segment_too_long")
    return b"##%04d%s%04X%s" % (len(data), data, hj212_crc(data), b"\r\n" if crlf else b"")


def encode_frame(frame: Frame, *, crlf: bool = True) -> bytes:
    """Re-encode a decoded frame from its fields (canonical order; byte-exact for canonical input)."""
    return encode(
        cn=frame.cn or "",
        mn=frame.mn,
        pw=frame.pw,
        st=frame.st,
        qn=frame.qn,
        version=None,
        flag=frame.flag,
        pnum=frame.pnum,
        pno=frame.pno,
        params=frame.params,
        items=frame.items,
        wire_codes=frame.wire_codes,
        text_encoding="utf-8" if frame.encoding in ("ascii", "utf-8", "replace") else frame.encoding,
        crlf=crlf,
        max_segment=9999,
    )


def _reply_flag(request: Frame | CleanFrame) -> int:
    # Version bits of the request, no A/D bits: 4 for 2017 as in its Appendix C.
    # For 2025 this gives 8; the 2025 text was not available to confirm it.
    return _VERSION_BITS.get(request.version or "2017", 1) << 2


def data_ack(request: Frame | CleanFrame, *, include_identity: bool = False) -> bytes:
    """9014 data reply to an upload (send it only when ``request.ack_requested``)."""
    if request.version == "2005":
        params: dict[str, Scalar] = {}
        if request.qn is not None:
            params["QN"] = request.qn
        params["CN"] = request.cn or ""
        if request.pno is not None:
            params["PNO"] = request.pno
        if request.pnum is not None:
            params["PNUM"] = request.pnum
        return encode(
            st="91",
            cn="9014",
            pw=request.pw if include_identity else None,
            mn=request.mn if include_identity else None,
            version=None,
            params=params,
        )
    qn, pw, mn = request.qn, request.pw, request.mn
    if qn is not None and pw is not None and mn is not None and _PLAIN.fullmatch(qn + pw + mn):
        # The common case, at gateway rates: what encode() writes for these fields, without
        # its general checks (tested against it).
        data = b"QN=%s;ST=91;CN=9014;PW=%s;MN=%s;Flag=%d;CP=&&&&" % (
            qn.encode(),
            pw.encode(),
            mn.encode(),
            _reply_flag(request),
        )
        return b"##%04d%s%04X\r\n" % (len(data), data, hj212_crc(data))
    return encode(
        qn=qn,
        st="91",
        cn="9014",
        pw=pw,
        mn=mn,
        version=None,
        flag=_reply_flag(request),
    )


#: Field values encode() writes unchanged (no separator, space, slash or non-ASCII).
_PLAIN = re.compile(r"[0-9A-Za-z]+")


def qn_rtn(request: Frame, rtn: int = 1) -> bytes:
    """9011 request reply (``QnRtn``: 1 ready, 2 refused, 3 PW wrong, ... table 7)."""
    if request.version == "2005":
        return encode(
            st="91", cn="9011", pw=request.pw, mn=request.mn, version=None, flag=0,
            params={**({"QN": request.qn} if request.qn else {}), "QnRtn": rtn},
        )  # fmt: skip
    return encode(
        qn=request.qn, st="91", cn="9011", pw=request.pw, mn=request.mn, version=None,
        flag=_reply_flag(request), params={"QnRtn": rtn},
    )  # fmt: skip


def exe_rtn(request: Frame, rtn: int = 1) -> bytes:
    """9012 execution result (``ExeRtn``: 1 success, 2 failed, ..., 100 no data; table 6)."""
    if request.version == "2005":
        return encode(
            st="91", cn="9012", pw=request.pw, mn=request.mn, version=None,
            params={**({"QN": request.qn} if request.qn else {}), "ExeRtn": rtn},
        )  # fmt: skip
    return encode(
        qn=request.qn, st="91", cn="9012", pw=request.pw, mn=request.mn, version=None,
        flag=_reply_flag(request), params={"ExeRtn": rtn},
    )  # fmt: skip


def notice_ack(notice: Frame) -> bytes:
    """9013 reply to a notice command (e.g. 1013 time-calibration request, 2012/2022 stop)."""
    if notice.version == "2005":
        return encode(
            st="91", cn="9013", pw=notice.pw, mn=notice.mn, version=None,
            params={"QN": notice.qn} if notice.qn else None,
        )  # fmt: skip
    return encode(
        qn=notice.qn, st="91", cn="9013", pw=notice.pw, mn=notice.mn, version=None, flag=_reply_flag(notice)
    )
