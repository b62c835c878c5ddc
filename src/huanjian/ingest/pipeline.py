"""Pure ingestion rules: what a received frame is, what is stored, what is replied.

No I/O here.  The gateway and replay hand a batch of :class:`Incoming` byte
sequences to :func:`prepare`, which decodes them (batch decoder) and classifies
each one; :mod:`huanjian.ingest.store` then writes the batch in one transaction
and only after the commit are the replies (:func:`reply_for`) sent.

Classification of a decoded frame (``kind``):

* ``data``: an upload with a DataTime (2011, 2051, 2061, 2031, 2021, 2041, 2081,
  3020, and any CN not known as a request or reply, e.g. 2025 additions): stored
  as a record keyed on (MN, CN, DataTime, content), with one reading per code;
* ``part``: one part of a split packet (PNUM/PNO), assembled on (MN, CN, DataTime);
* ``message``: an upload without DataTime (1011 system time, 1061 intervals…): raw
  frame only;
* ``notice``: a notice from the logger (1013 time-calibration request): replied 9013;
* ``reply``: 9011/9012/9013/9014 from the logger, answers to our commands;
* ``request``: a request-only command sent by a logger: refused with 9011 QnRtn=2.

Rejections (raw frame kept with the reason, no reply so that the logger resends):
``bad_crc`` (no known algorithm gives the CRC), ``bad_password`` (registered
logger, wrong PW), ``no_mn``, ``bad_time`` (DataTime unreadable), ``undecodable``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from huanjian.hj212 import CleanFrame, Frame, HJ212Error, data_ack, decode_batch, notice_ack, qn_rtn
from huanjian.ingest.layouts import clean_content_hash, content_hash, digest

__all__ = [
    "PERIODS",
    "Incoming",
    "LoggerConfig",
    "Prepared",
    "Rules",
    "parse_data_time",
    "prepare",
    "reply_for",
]

#: CN -> period name of the record (export ``--period``).
PERIODS: dict[str, str] = {
    "2011": "realtime",
    "2051": "minute",
    "2061": "hour",
    "2031": "day",
    "2021": "state",
    "2041": "runtime",
    "2081": "boot",
    "3020": "info",
}
#: Commands a logger sends as notices (HJ 212-2017 table 9): answered 9013.
NOTICE_CNS = frozenset({"1013"})
#: Replies the logger sends to the platform's requests.
REPLY_CNS = frozenset({"9011", "9012", "9013", "9014"})
#: Commands that exist only as requests from the platform to the logger.
REQUEST_ONLY_CNS = frozenset(
    {"1000", "1012", "1062", "1064", "1072", "2012", "2022", "3011", "3012", "3013", "3014", "3016", "3021"}
)

Kind = Literal[
    "data",
    "part",
    "message",
    "notice",
    "reply",
    "request",
    "garbage",
    "bad_crc",
    "bad_password",
    "no_mn",
    "bad_time",
    "undecodable",
]
#: Kinds whose frames are acknowledged (9014 when the A bit is set) once stored.
ACKED = frozenset({"data", "part", "message"})


@dataclass(frozen=True, slots=True)
class LoggerConfig:
    """What the register says about one MN (``registered=False``: unknown, quarantined)."""

    mn: str
    registered: bool
    password: str | None = None
    offset_hours: float = 8.0
    jurisdiction_code: str | None = None
    organisation_id: int | None = None


@dataclass(frozen=True, slots=True)
class Rules:
    """Rule data for the time checks and the CRC policy (from settings)."""

    future_seconds: int = 600
    past_days: int = 366
    accept_bad_crc: bool = False


@dataclass(slots=True)
class Incoming:
    raw: bytes
    peer: str
    received_at: datetime
    source: str = "gateway"
    garbage: bool = False


@dataclass(slots=True)
class Prepared:
    incoming: Incoming
    kind: Kind
    decoded: Frame | CleanFrame | None = None
    """What the batch decoder returned (a clean frame stays a CleanFrame: see :attr:`frame`)."""
    error: str | None = None
    mn: str | None = None
    cn: str | None = None
    qn: str | None = None
    version: str | None = None
    data_time: datetime | None = None
    data_time_text: str | None = None
    period: str | None = None
    content_hash: str | None = None
    time_flag: str | None = None
    quarantined: bool = False
    warnings: list[dict[str, Any]] = field(default_factory=list)
    raw_sha: str = ""
    # Filled by the store: the final verdict and the stored ids.
    verdict: str = ""
    frame_id: int | None = None
    record_id: int | None = None

    @property
    def frame(self) -> Frame | None:
        """The decoded :class:`Frame` (a clean frame is turned into one on first use)."""
        d = self.decoded
        if d is None or isinstance(d, Frame):
            return d
        frame = d.frame()
        self.decoded = frame
        return frame


def parse_data_time(text: str, offset_hours: float) -> datetime | None:
    """``YYYYMMDDhhmmss`` (logger-local, ``offset_hours`` east of UTC) to aware UTC.

    A 17-digit value (milliseconds appended, seen in the field) is read on its
    first 14 digits; anything else unreadable gives None.
    """
    if len(text) == 17 and text.isdigit():
        text = text[:14]
    if len(text) != 14 or not text.isdigit():
        return None
    try:
        local = datetime(
            int(text[0:4]),
            int(text[4:6]),
            int(text[6:8]),
            int(text[8:10]),
            int(text[10:12]),
            int(text[12:14]),
        )
    except ValueError:
        return None
    return (local - timedelta(hours=offset_hours)).replace(tzinfo=UTC)


def _warnings(frame: Frame | CleanFrame) -> list[dict[str, Any]]:
    return [{"code": w.code, "message": w.message, "position": w.position} for w in frame.warnings]


def _classify(
    frame: Frame | CleanFrame, cfg: LoggerConfig | None, rules: Rules, now: datetime
) -> tuple[Kind, str | None]:
    if not frame.crc.ok and frame.crc.variant is None and not rules.accept_bad_crc:
        return "bad_crc", f"CRC {frame.crc.given} does not match (expected {frame.crc.expected})"
    if not frame.mn:
        return "no_mn", "frame has no MN"
    if cfg is not None and cfg.registered and cfg.password is not None and frame.pw != cfg.password:
        return "bad_password", "PW does not match the register"
    cn = frame.cn or ""
    if cn in REPLY_CNS:
        return "reply", None
    if cn in NOTICE_CNS:
        return "notice", None
    if cn in REQUEST_ONLY_CNS:
        return "request", f"CN {cn} is a request the platform does not execute"
    if frame.data_time is None:
        if "BeginTime" in frame.params:
            return "request", f"CN {cn} with BeginTime/EndTime is a request, not an upload"
        return "message", None
    return ("part" if frame.pnum is not None and frame.pno is not None else "data"), None


def prepare(
    batch: Sequence[Incoming],
    lookup: Callable[[set[str]], Mapping[str, LoggerConfig]],
    rules: Rules,
    now: datetime,
) -> list[Prepared]:
    """Decode and classify a batch.  ``lookup`` gives the register's view of the MNs
    seen (an MN missing from its answer is unknown, so its data are quarantined)."""
    frames = [b.raw for b in batch if not b.garbage]
    results = decode_batch(frames)
    configs = lookup({r.mn for r in results if not isinstance(r, HJ212Error) and r.mn})
    decoded = iter(results)
    times: dict[tuple[str, float], datetime | None] = {}  # loggers share their minutes
    out: list[Prepared] = []
    for inc in batch:
        p = Prepared(incoming=inc, kind="garbage", raw_sha=digest(inc.raw))
        out.append(p)
        if inc.garbage:
            p.error = f"{len(inc.raw)} bytes outside any frame"
            continue
        result = next(decoded)
        if isinstance(result, HJ212Error):
            p.kind, p.error = "undecodable", f"{result.code}: {result.message}"
            continue
        frame = result
        p.decoded, p.mn, p.cn, p.qn, p.version = frame, frame.mn, frame.cn, frame.qn, frame.version
        if frame.warnings:
            p.warnings = _warnings(frame)
        cfg = configs.get(frame.mn) if frame.mn else None
        p.quarantined = cfg is None or not cfg.registered
        kind, error = _classify(frame, cfg, rules, now)
        p.kind, p.error = kind, error
        dt_text = frame.data_time
        if dt_text is not None and kind in ("data", "part", "message"):
            p.data_time_text = dt_text
            when = (dt_text, cfg.offset_hours if cfg else 8.0)
            if when not in times:
                times[when] = parse_data_time(*when)
            p.data_time = times[when]
            if p.data_time is None:
                p.kind, p.error = "bad_time", f"DataTime {dt_text!r} is not YYYYMMDDhhmmss"
                continue
            if p.data_time > now + timedelta(seconds=rules.future_seconds):
                p.time_flag = "future"
            elif p.data_time < now - timedelta(days=rules.past_days):
                p.time_flag = "past"
        if p.kind in ("data", "part"):
            p.period = PERIODS.get(frame.cn or "", "other")
            if frame.__class__ is CleanFrame:
                p.content_hash = clean_content_hash(frame)
            else:
                p.content_hash = content_hash(frame.cn or "", frame.params, frame.items)  # type: ignore[union-attr]
    return out


def reply_for(p: Prepared) -> bytes | None:
    """The reply owed for a frame once its verdict is durable (None: no reply)."""
    decoded = p.decoded
    if decoded is None:
        return None
    if p.kind in ACKED:
        return data_ack(decoded) if decoded.ack_requested else None
    frame = p.frame
    assert frame is not None
    if p.kind == "notice":
        return notice_ack(frame)
    if p.kind == "request":
        return qn_rtn(frame, 2)
    return None
