"""Remote commands for data loggers (issue 4 item 6): queue, deliver, record the replies.

A command is queued from the API or the CLI (``huanjian loggers command``) for a
logger the user can see; the gateway delivers it when that logger is connected
(polling the queue every ``gateway_command_poll_seconds``) and marks it ``sent``;
the logger's 9011 (QnRtn, table 7) and 9012 (ExeRtn, table 6) replies are matched
on the command's QN in the same transaction that stores their raw frames.

Kinds (HJ 212-2017 table 9):

* ``set-time`` — 1012 ``SystemTime`` = the logger's local time when it is sent;
  with ``gateway_set_clock_on_connect`` the gateway queues one itself when a
  logger connects (§6.7 step 1, "数采仪时间校准");
* ``request`` — 2011/2051/2061/2031 with ``BeginTime``/``EndTime`` (data for a
  period; the data arrive as ordinary uploads and are stored like any other);
* ``set-interval`` — 1062 ``RtdInterval`` (seconds, 30..3600) or 1064
  ``MinInterval`` (minutes);
* ``query-3020`` — 3020 field-side information, optionally for one ``PolId``
  and ``InfoId``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from huanjian.access.policy import Principal, authorize
from huanjian.core.time import CST, ensure_utc, utcnow
from huanjian.core.tx import Tx
from huanjian.errors import NotFound, ValidationError
from huanjian.hj212 import encode
from huanjian.ingest import repository
from huanjian.ingest.models import IngestCommand

__all__ = [
    "KINDS",
    "Delivery",
    "cancel",
    "commands_for",
    "queue",
    "reply_update",
    "request_frame",
]

KINDS = ("set-time", "request", "set-interval", "query-3020")
REQUEST_CNS = ("2011", "2051", "2061", "2031")
INTERVAL_CNS = {"1062": "RtdInterval", "1064": "MinInterval"}
FINAL = frozenset({"refused", "done", "failed", "cancelled"})


def _time14(value: datetime, offset_hours: float = 8.0) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=CST)
    local = value.astimezone(CST) + timedelta(hours=offset_hours - 8.0)
    return local.strftime("%Y%m%d%H%M%S")


def command_spec(
    kind: str,
    *,
    cn: str | None = None,
    begin: datetime | None = None,
    end: datetime | None = None,
    interval: int | None = None,
    pol_id: str | None = None,
    info_id: str | None = None,
) -> tuple[str, dict[str, Any]]:
    """(CN, params) of a command, validated.  Times are stored as ISO (UTC) and written
    in the logger's local time when sent."""
    if kind == "set-time":
        return "1012", ({"PolId": pol_id} if pol_id else {})
    if kind == "request":
        cn = cn or "2051"
        if cn not in REQUEST_CNS:
            raise ValidationError(f"cn must be one of {', '.join(REQUEST_CNS)}", field="cn")
        if begin is None or end is None:
            raise ValidationError("a data request needs --from and --to", field="from")
        if begin.tzinfo is None or end.tzinfo is None:
            raise ValidationError("from/to need a time zone", field="from")
        if end <= begin:
            raise ValidationError("'to' must be after 'from'", field="to")
        return cn, {"BeginTime": ensure_utc(begin).isoformat(), "EndTime": ensure_utc(end).isoformat()}
    if kind == "set-interval":
        cn = cn or "1062"
        if cn not in INTERVAL_CNS:
            raise ValidationError("cn must be 1062 (real-time, seconds) or 1064 (minute data)", field="cn")
        if interval is None:
            raise ValidationError("set-interval needs --interval", field="interval")
        if cn == "1062" and not 30 <= interval <= 3600:
            raise ValidationError("RtdInterval is 30..3600 seconds (HJ 212-2017 table 5)", field="interval")
        if cn == "1064" and not 1 <= interval <= 99:
            raise ValidationError("MinInterval is 1..99 minutes (N2)", field="interval")
        return cn, {INTERVAL_CNS[cn]: interval}
    if kind == "query-3020":
        params: dict[str, Any] = {}
        if pol_id:
            params["PolId"] = pol_id
        if info_id:
            params["InfoId"] = info_id
        return "3020", params
    raise ValidationError(f"kind must be one of {', '.join(KINDS)}", field="kind")


def _new_qn(session: Session, now: datetime) -> str:
    """YYYYMMDDhhmmsszzz (CST), unique among commands (the reply is matched on it)."""
    base = now.astimezone(CST)
    for step in range(1000):
        at = base + timedelta(milliseconds=step)
        qn = at.strftime("%Y%m%d%H%M%S") + f"{at.microsecond // 1000:03d}"
        if session.scalar(select(IngestCommand.id).where(IngestCommand.qn == qn)) is None:
            return qn
    raise ValidationError("too many commands queued in this second")  # pragma: no cover


def queue(
    tx: Tx,
    principal: Principal,
    mn: str,
    kind: str,
    *,
    source: str = "api",
    by: str | None = None,
    **spec: Any,
) -> IngestCommand:
    """Queue a command for a logger the principal can see (404 otherwise); audited."""
    authorize(principal, "ingest.command")
    lg = repository.logger(tx.session, principal.scope, mn)
    if lg is None:
        raise NotFound(f"logger {mn} not found")
    cn, params = command_spec(kind, **spec)
    return _insert(tx, lg.mn, kind, cn, params, source, by or principal.username or "system",
                   lg.jurisdiction_code, lg.organisation_id)  # fmt: skip


def _insert(
    tx: Tx,
    mn: str,
    kind: str,
    cn: str,
    params: dict[str, Any],
    source: str,
    by: str,
    jurisdiction_code: str | None,
    organisation_id: int | None,
) -> IngestCommand:
    now = utcnow()
    cmd = IngestCommand(
        mn=mn,
        cn=cn,
        kind=kind,
        params=params or None,
        qn=_new_qn(tx.session, now),
        status="queued",
        source=source,
        created_at=now,
        created_by=by[:200],
        jurisdiction_code=jurisdiction_code,
        organisation_id=organisation_id,
    )
    tx.session.add(cmd)
    tx.session.flush()
    tx.audit(
        "ingest.command.queue",
        "ingest_command",
        cmd.id,
        after={"mn": mn, "cn": cn, "kind": kind, "params": params, "qn": cmd.qn, "source": source},
        jurisdiction_code=jurisdiction_code,
        organisation_id=organisation_id,
    )
    return cmd


def queue_clock_set(tx: Tx, mns: Sequence[str], within: timedelta = timedelta(minutes=10)) -> list[int]:
    """The gateway's own 1012 for loggers that just connected (§6.7), unless one is
    already waiting or was sent within ``within``."""
    if not mns:
        return []
    since = utcnow() - within
    recent = set(
        tx.session.scalars(
            select(IngestCommand.mn).where(
                IngestCommand.mn.in_(sorted(set(mns))),
                IngestCommand.cn == "1012",
                (IngestCommand.status == "queued") | (IngestCommand.created_at >= since),
            )
        )
    )
    states = repository.logger_rows(tx.session, set(mns))
    out = []
    for mn in sorted(set(mns) - recent):
        lg = states.get(mn)
        cmd = _insert(tx, mn, "set-time", "1012", {}, "on_connect", "gateway",
                      lg.jurisdiction_code if lg else None, lg.organisation_id if lg else None)  # fmt: skip
        out.append(cmd.id)
    return out


def cancel(tx: Tx, principal: Principal, command_id: int) -> IngestCommand:
    authorize(principal, "ingest.command")
    cmd = _visible(tx.session, principal, command_id)
    if cmd.status != "queued":
        raise ValidationError(f"command {command_id} is {cmd.status}; only a queued one can be cancelled")
    cmd.status = "cancelled"
    cmd.finished_at = utcnow()
    tx.audit(
        "ingest.command.cancel",
        "ingest_command",
        cmd.id,
        before={"status": "queued"},
        after={"status": "cancelled"},
        jurisdiction_code=cmd.jurisdiction_code,
        organisation_id=cmd.organisation_id,
    )
    return cmd


def _visible(session: Session, principal: Principal, command_id: int) -> IngestCommand:
    cmd = session.get(IngestCommand, command_id)
    if cmd is None or repository.logger(session, principal.scope, cmd.mn) is None:
        raise NotFound(f"command {command_id} not found")
    return cmd


def commands_for(session: Session, principal: Principal, mn: str, limit: int = 100) -> list[IngestCommand]:
    """Command history of one logger (newest first); 404 for a logger out of scope."""
    authorize(principal, "ingest.read")
    lg = repository.logger(session, principal.scope, mn)
    if lg is None:
        raise NotFound(f"logger {mn} not found")
    stmt = (
        select(IngestCommand).where(IngestCommand.mn == lg.mn).order_by(IngestCommand.id.desc()).limit(limit)
    )
    return list(session.scalars(stmt))


# -- delivery (the gateway) ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    mn: str
    cn: str
    qn: str
    params: Mapping[str, Any]


def due(session: Session, mns: set[str]) -> list[Delivery]:
    """Queued commands of these (connected) loggers, oldest first."""
    if not mns:
        return []
    rows = session.scalars(
        select(IngestCommand).where(IngestCommand.status == "queued").order_by(IngestCommand.id)
    )
    return [Delivery(c.id, c.mn, c.cn, c.qn, dict(c.params or {})) for c in rows if c.mn in mns]


def request_frame(
    d: Delivery, *, pw: str | None, st: str | None, version: str | None, offset_hours: float, now: datetime
) -> bytes:
    """The request as the logger expects it (its own PW and ST, its protocol version)."""
    params: dict[str, Any] = {}
    for key, value in d.params.items():
        if key in ("BeginTime", "EndTime"):
            params[key] = _time14(datetime.fromisoformat(value), offset_hours)
        else:
            params[key] = value
    if d.cn == "1012":
        params["SystemTime"] = _time14(now, offset_hours)
    return encode(
        qn=d.qn,
        st=st or "32",
        cn=d.cn,
        pw=pw or "123456",
        mn=d.mn,
        version="2005" if version == "2005" else "2025" if version == "2025" else "2017",
        ack=True,
        params=params,
    )


def mark_sent(session: Session, command_id: int, raw: bytes, at: datetime) -> None:
    cmd = session.get(IngestCommand, command_id)
    if cmd is None:
        return
    if cmd.sent_at is None:  # the reply may already be in (it can overtake this update)
        cmd.sent_at, cmd.sent_raw = at, raw
    if cmd.status == "queued":
        cmd.status = "sent"


Reply = tuple[str, str, str, int | None, datetime, int | None]


def reply_update(session: Session, replies: Sequence[Reply]) -> int:
    """Record 9011/9012 replies: (MN, QN, CN, rtn, received_at, frame_id); returns how many matched."""
    matched = 0
    for mn, qn, cn, rtn, at, frame_id in replies:
        cmd = session.scalar(select(IngestCommand).where(IngestCommand.qn == qn, IngestCommand.mn == mn))
        if cmd is None:
            continue
        matched += 1
        entry = {"cn": cn, "rtn": rtn, "at": at.isoformat(), "frame_id": frame_id}
        cmd.replies = [*(cmd.replies or []), entry]
        if cn == "9011":
            cmd.qn_rtn, cmd.accepted_at = rtn, at
            if cmd.status in ("queued", "sent"):
                cmd.status = "accepted" if rtn == 1 else "refused"
                if rtn != 1:
                    cmd.finished_at = at
        elif cn == "9012":
            cmd.exe_rtn, cmd.finished_at = rtn, at
            if cmd.status not in ("refused", "cancelled"):
                cmd.status = "done" if rtn == 1 else "failed"
    return matched
