"""HJ 212 codec (HJ/T 212-2005, HJ 212-2017, HJ 212-2025): pure, typed, no I/O.

Public API::

    decode(raw, strict=False) -> Frame          one frame, the reference path
    decode_many(raws, strict=False)             many frames at once, same results
    decode_batch(raws, strict=False)            the same, clean frames as CleanFrame (gateway)
    encode(...) -> bytes                        build a frame (length, CRC, CRLF)
    data_ack / qn_rtn / exe_rtn / notice_ack    the replies a platform or logger sends
    FrameSplitter                               sans-I/O splitter for a byte stream
    hj212_crc(data) -> int                      Appendix A CRC
    Frame, CpItem, CrcInfo, Issue, HJ212Error   the types
"""

from huanjian.hj212.batch import decode_batch, decode_many
from huanjian.hj212.clean import CleanFrame
from huanjian.hj212.crc import hj212_crc, hj212_crc_batch
from huanjian.hj212.decode import decode
from huanjian.hj212.encode import data_ack, encode, encode_frame, exe_rtn, notice_ack, qn_rtn
from huanjian.hj212.errors import HJ212Error
from huanjian.hj212.framing import FrameSplitter, Segment
from huanjian.hj212.model import CpItem, CrcInfo, Frame, Issue, Value, Version

__all__ = [
    "CleanFrame",
    "CpItem",
    "CrcInfo",
    "Frame",
    "FrameSplitter",
    "HJ212Error",
    "Issue",
    "Segment",
    "Value",
    "Version",
    "data_ack",
    "decode",
    "decode_batch",
    "decode_many",
    "encode",
    "encode_frame",
    "exe_rtn",
    "hj212_crc",
    "hj212_crc_batch",
    "notice_ack",
    "qn_rtn",
]
