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

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from operator import itemgetter
from typing import Any, Literal

from huanjian.hj212 import Frame, HJ212Error, data_ack, decode_many, notice_ack, qn_rtn
from huanjian.hj212.model import Value

__all__ = [
    "PERIODS",
    "Incoming",
    "LoggerConfig",
    "Prepared",
    "Rules",
    "content_hash",
    "parse_data_time",
    "prepare",
    "reading_tuple",
    "reading_values",
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

# Sub-field -> reading column; everything else goes to the ``extra`` JSON map.
NUMERIC_COLUMNS: dict[str, str] = {
    "Rtd": "rtd",
    "Avg": "avg",
    "Min": "min",
    "Max": "max",
    "Cou": "cou",
    "ZsRtd": "zs_rtd",
    "ZsAvg": "zs_avg",
    "ZsMin": "zs_min",
    "ZsMax": "zs_max",
    "RS": "rs",
    "RT": "rt",
}
TEXT_COLUMNS: dict[str, str] = {"Flag": "flag", "EFlag": "eflag", "SampleTime": "sample_time"}
READING_VALUE_COLUMNS: tuple[str, ...] = (*NUMERIC_COLUMNS.values(), *TEXT_COLUMNS.values(), "extra")


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
    frame: Frame | None = None
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


def _hex(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


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


def _canonical(value: Value) -> str:
    return format(value, "f") if isinstance(value, Decimal) else value


def content_hash_reference(
    cn: str, params: Mapping[str, str], items: Mapping[str, Mapping[str, Value]]
) -> str:
    """The definition of :func:`content_hash` (slow; the fast one is tested against it).
    Stored records carry this hash, so it must never change."""
    parts = [cn]
    for key in sorted(params):
        parts.append(f"{key}={params[key]}")
    for code in sorted(items):
        fields = items[code]
        parts.append(code + ":" + ",".join(f"{k}={_canonical(fields[k])}" for k in sorted(fields)))
    return _hex("\x1e".join(parts).encode("utf-8"))


#: Per layout (the codes and sub-field names in frame order): a ``%s`` template of the
#: canonical text and the positions of the values in it.  A logger sends the same layout
#: every minute, so the sorting and string building is done once per layout.
_HASH_PLANS: dict[tuple[Any, ...], tuple[str, Callable[[Sequence[Value]], Any]]] = {}


def _hash_plan(layout: tuple[Any, ...]) -> tuple[str, Callable[[Sequence[Value]], Any]]:
    params_keys, codes = layout
    pieces: list[str] = []
    order: list[int] = []
    at = 0
    flat: dict[tuple[str, str], int] = {}
    for key in params_keys:
        flat[("", key)] = at
        at += 1
    for code, subs in codes:
        for sub in subs:
            flat[(code, sub)] = at
            at += 1
    for key in sorted(params_keys):
        pieces.append(key.replace("%", "%%") + "=%s")
        order.append(flat[("", key)])
    for code, subs in sorted(codes):
        fields = ",".join(sub.replace("%", "%%") + "=%s" for sub in sorted(subs))
        pieces.append(code.replace("%", "%%") + ":" + fields)
        order += [flat[(code, sub)] for sub in sorted(subs)]
    getter: Callable[[Sequence[Value]], Any] = (
        itemgetter(*order) if len(order) > 1 else (lambda seq: tuple(seq[i] for i in order))
    )
    return "\x1e".join(pieces), getter


def content_hash(cn: str, params: Mapping[str, str], items: Mapping[str, Mapping[str, Value]]) -> str:
    """Hash of what a record says (not how it was framed: QN, PW, Flag, CRC are excluded).

    Same value as :func:`content_hash_reference`: one cached template per layout, the
    values converted by ``str`` in C (a Decimal's ``str`` equals ``format(d, "f")``
    unless it uses an exponent, which the check on ``E`` sends to the reference).
    """
    layout = (tuple(params), tuple((code, tuple(fields)) for code, fields in items.items()))
    plan = _HASH_PLANS.get(layout)
    if plan is None:
        if len(_HASH_PLANS) >= 4096:
            _HASH_PLANS.clear()  # bounded: a hostile sender cannot grow this without limit
        plan = _HASH_PLANS[layout] = _hash_plan(layout)
    template, getter = plan
    values: list[Value] = [*params.values()]
    for fields in items.values():
        values += fields.values()
    ordered = getter(values)
    texts = tuple(map(str, ordered))
    if "E" in "".join(texts) and not _plain(ordered):
        return content_hash_reference(cn, params, items)
    return _hex((cn + "\x1e" + template % texts if template else cn).encode("utf-8"))


def _plain(values: Sequence[Value]) -> bool:
    """No Decimal among the values whose ``str`` differs from ``format(v, "f")``."""
    return all(v.__class__ is not Decimal or "E" not in str(v) for v in values)


def reading_values(fields: Mapping[str, Value]) -> dict[str, Any]:
    """The reading columns for one code's sub-fields (numbers as float, the rest in ``extra``)."""
    row: dict[str, Any] = dict.fromkeys(READING_VALUE_COLUMNS)
    extra: dict[str, str] = {}
    for sub, value in fields.items():
        col = NUMERIC_COLUMNS.get(sub)
        if col is not None and isinstance(value, Decimal):
            row[col] = float(value)
            continue
        col = TEXT_COLUMNS.get(sub)
        if col is not None and isinstance(value, str):
            row[col] = value[:20]
            continue
        extra[sub] = _canonical(value)
    row["extra"] = extra or None
    return row


_NUMERIC_AT: dict[str, int] = {sub: i for i, sub in enumerate(NUMERIC_COLUMNS)}
_TEXT_AT: dict[str, int] = {sub: len(NUMERIC_COLUMNS) + i for i, sub in enumerate(TEXT_COLUMNS)}
_EMPTY_ROW: tuple[None, ...] = (None,) * (len(READING_VALUE_COLUMNS) - 1)


def reading_tuple(fields: Mapping[str, Value]) -> tuple[list[Any], dict[str, str] | None]:
    """:func:`reading_values` as a list in ``READING_VALUE_COLUMNS`` order (without
    ``extra``) and the ``extra`` map: the same values, no dict per row (gateway path).

    A logger sends the same sub-fields every time, so the row of a sub-field layout
    whose values all have the expected types is built by one function made for that
    layout; anything else (extra sub-fields, a number kept as text) goes the long way.
    """
    keys = tuple(fields)
    plan = _ROW_PLANS.get(keys, _NO_PLAN)
    if plan is _NO_PLAN:
        if len(_ROW_PLANS) >= 4096:
            _ROW_PLANS.clear()  # bounded: a hostile sender cannot grow this without limit
        plan = _ROW_PLANS[keys] = _row_plan(keys)
    if plan is not None:
        values = tuple(fields.values())
        if tuple(map(type, values)) == plan[0]:
            return plan[1](values), None
    return _reading_tuple(fields)


_RowPlan = tuple[tuple[type, ...], Callable[[tuple[Value, ...]], list[Any]]]
_ROW_PLANS: dict[tuple[str, ...], _RowPlan | None] = {}
_NO_PLAN: Any = object()


def _row_plan(keys: tuple[str, ...]) -> _RowPlan | None:
    slots = ["None"] * len(_EMPTY_ROW)
    types: list[type] = []
    for i, sub in enumerate(keys):
        if sub in _NUMERIC_AT:
            slots[_NUMERIC_AT[sub]] = f"float(v[{i}])"
            types.append(Decimal)
        elif sub in _TEXT_AT:
            slots[_TEXT_AT[sub]] = f"v[{i}][:20]"
            types.append(str)
        else:
            return None  # goes to ``extra``: the general path
    # The same as the loop of _reading_tuple, unrolled for this layout (positions are ints
    # from the column tables, never text from the wire).
    build = eval(f"lambda v: [{', '.join(slots)}]", {"float": float})  # noqa: S307
    return tuple(types), build


def _reading_tuple(fields: Mapping[str, Value]) -> tuple[list[Any], dict[str, str] | None]:
    row: list[Any] = list(_EMPTY_ROW)
    extra: dict[str, str] | None = None
    numeric_at, text_at = _NUMERIC_AT, _TEXT_AT
    for sub, value in fields.items():
        if value.__class__ is Decimal:
            at = numeric_at.get(sub)
            if at is not None:
                row[at] = float(value)
                continue
        elif value.__class__ is str:
            at = text_at.get(sub)
            if at is not None:
                row[at] = value[:20]
                continue
        if extra is None:
            extra = {}
        extra[sub] = _canonical(value)
    return row, extra


def _warnings(frame: Frame) -> list[dict[str, Any]]:
    return [{"code": w.code, "message": w.message, "position": w.position} for w in frame.warnings]


def _classify(frame: Frame, cfg: LoggerConfig | None, rules: Rules, now: datetime) -> tuple[Kind, str | None]:
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
    results = decode_many(frames)
    configs = lookup({r.mn for r in results if isinstance(r, Frame) and r.mn})
    decoded = iter(results)
    out: list[Prepared] = []
    for inc in batch:
        p = Prepared(incoming=inc, kind="garbage", raw_sha=_hex(inc.raw))
        out.append(p)
        if inc.garbage:
            p.error = f"{len(inc.raw)} bytes outside any frame"
            continue
        result = next(decoded)
        if isinstance(result, HJ212Error):
            p.kind, p.error = "undecodable", f"{result.code}: {result.message}"
            continue
        frame = result
        p.frame, p.mn, p.cn, p.qn, p.version = frame, frame.mn, frame.cn, frame.qn, frame.version
        p.warnings = _warnings(frame)
        cfg = configs.get(frame.mn) if frame.mn else None
        p.quarantined = cfg is None or not cfg.registered
        kind, error = _classify(frame, cfg, rules, now)
        p.kind, p.error = kind, error
        dt_text = frame.data_time
        if dt_text is not None and kind in ("data", "part", "message"):
            p.data_time_text = dt_text
            p.data_time = parse_data_time(dt_text, cfg.offset_hours if cfg else 8.0)
            if p.data_time is None:
                p.kind, p.error = "bad_time", f"DataTime {dt_text!r} is not YYYYMMDDhhmmss"
                continue
            if p.data_time > now + timedelta(seconds=rules.future_seconds):
                p.time_flag = "future"
            elif p.data_time < now - timedelta(days=rules.past_days):
                p.time_flag = "past"
        if p.kind in ("data", "part"):
            p.period = PERIODS.get(frame.cn or "", "other")
            p.content_hash = content_hash(frame.cn or "", frame.params, frame.items)
    return out


def reply_for(p: Prepared) -> bytes | None:
    """The reply owed for a frame once its verdict is durable (None: no reply)."""
    frame = p.frame
    if frame is None:
        return None
    if p.kind in ACKED:
        return data_ack(frame) if frame.ack_requested else None
    if p.kind == "notice":
        return notice_ack(frame)
    if p.kind == "request":
        return qn_rtn(frame, 2)
    return None
