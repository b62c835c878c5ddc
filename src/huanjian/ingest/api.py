"""/api/v1 routes: logger status, recent frames, readings (paginated or streamed), remote commands."""

from __future__ import annotations

import base64
import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from huanjian.access.policy import Principal, authorize
from huanjian.core.time import ensure_utc
from huanjian.errors import ValidationError
from huanjian.ingest import commands, repository, service
from huanjian.ingest import jobs as _jobs  # noqa: F401 — registers ingest.purge_raw (daily)
from huanjian.ingest.models import IngestCommand, IngestFrame
from huanjian.ingest.schemas import (
    CommandIn,
    CommandOut,
    FrameOut,
    LoggerDetail,
    LoggerOut,
    ReadingsPage,
)
from huanjian.web.deps import PrincipalDep, SettingsDep, TxDep, runtime

router = APIRouter(tags=["ingest"])


def logger_out(st: service.LoggerStatus) -> LoggerOut:
    lg = st.logger
    return LoggerOut(
        mn=lg.mn,
        online=st.online,
        quarantined=lg.quarantined,
        first_seen_at=lg.first_seen_at,
        last_seen_at=lg.last_seen_at,
        last_data_time=lg.last_data_time,
        last_peer=lg.last_peer,
        last_cn=lg.last_cn,
        last_verdict=lg.last_verdict,
        version=lg.version,
        frames=lg.frames,
        records=lg.records,
        jurisdiction_code=lg.jurisdiction_code,
    )


def frame_out(f: IngestFrame) -> FrameOut:
    return FrameOut(
        id=f.id,
        received_at=f.received_at,
        source=f.source,
        peer=f.peer,
        verdict=f.verdict,
        mn=f.mn,
        cn=f.cn,
        qn=f.qn,
        version=f.version,
        data_time=f.data_time,
        record_id=f.record_id,
        warnings=f.warnings,
        detail=f.detail,
        raw=f.raw.decode("utf-8", "replace"),
    )


@router.get("/loggers", response_model=list[LoggerOut])
def list_loggers(
    principal: PrincipalDep, tx: TxDep, settings: SettingsDep, quarantined: bool | None = None
) -> list[LoggerOut]:
    """Loggers seen by the gateway, with online status (traffic within `ingest_offline_after_seconds`)."""
    statuses = service.logger_statuses(
        tx.session, principal, settings.ingest_offline_after_seconds, quarantined=quarantined
    )
    return [logger_out(s) for s in statuses]


@router.get("/loggers/{mn}", response_model=LoggerDetail)
def get_logger(
    mn: str, principal: PrincipalDep, tx: TxDep, settings: SettingsDep, limit: int = Query(50, ge=1, le=500)
) -> LoggerDetail:
    lg = service.get_logger(tx.session, principal, mn)
    statuses = {
        s.logger.mn: s
        for s in service.logger_statuses(tx.session, principal, settings.ingest_offline_after_seconds)
        if s.logger.mn == mn
    }
    frames = repository.recent_frames(tx.session, principal.scope, mn=lg.mn, limit=limit)
    return LoggerDetail(logger=logger_out(statuses[mn]), frames=[frame_out(f) for f in frames])


def _cursor_encode(c: tuple[datetime, str, str, str]) -> str:
    raw = json.dumps([c[0].isoformat(), c[1], c[2], c[3]])
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _cursor_decode(text: str) -> tuple[datetime, str, str, str]:
    try:
        dt, mn, period, pollutant = json.loads(base64.urlsafe_b64decode(text.encode()))
        return ensure_utc(datetime.fromisoformat(dt)), str(mn), str(period), str(pollutant)
    except (ValueError, TypeError) as exc:
        raise ValidationError("cursor is not one this API returned", field="cursor") from exc


def _stream(request: Request, principal: Principal, fmt: str, **query: Any) -> Iterator[str]:
    rt = runtime(request)
    with rt.db.unit_of_work() as session:
        rows = service.export_rows(session, principal, **query)
        if fmt == "csv":
            buf = io.StringIO()
            w = csv.DictWriter(
                buf, fieldnames=service.EXPORT_KEYS, extrasaction="ignore", lineterminator="\n"
            )
            w.writeheader()
            for i, row in enumerate(rows):
                w.writerow({k: ("" if v is None else v) for k, v in row.items()})
                if i % 1000 == 999:
                    yield buf.getvalue()
                    buf.seek(0)
                    buf.truncate()
            yield buf.getvalue()
        else:
            for row in rows:
                row.pop("_cursor", None)
                yield json.dumps(row, ensure_ascii=False) + "\n"


@router.get("/readings", response_model=ReadingsPage)
def readings(
    request: Request,
    principal: PrincipalDep,
    tx: TxDep,
    start: datetime = Query(..., alias="from", description="DataTime from (inclusive), ISO 8601 with zone"),
    end: datetime = Query(..., alias="to", description="DataTime to (exclusive)"),
    mn: str | None = None,
    period: str | None = Query(None, description="realtime | minute | hour | day"),
    format: str = Query("json", description="json (paginated) | jsonl | csv (streamed)"),
    limit: int = Query(1000, ge=1, le=10000),
    cursor: str | None = None,
) -> Any:
    """Stored current readings, the keys of `huanjian readings export`.

    `json` returns one page and `next_cursor`; `jsonl` and `csv` stream every row."""
    authorize(principal, "ingest.read")
    if start.tzinfo is None or end.tzinfo is None:
        raise ValidationError("from/to need a time zone, e.g. 2024-03-01T00:00:00+08:00", field="from")
    query: dict[str, Any] = {"start": ensure_utc(start), "end": ensure_utc(end), "mn": mn, "period": period}
    if format in ("jsonl", "csv"):
        # Validate before streaming starts: an error inside the stream cannot change the status.
        next(iter(service.export_rows(tx.session, principal, limit=1, **query)), None)
        media = "text/csv; charset=utf-8" if format == "csv" else "application/x-ndjson"
        return StreamingResponse(_stream(request, principal, format, **query), media_type=media)
    if format != "json":
        raise ValidationError("format must be json, jsonl or csv", field="format")
    after = _cursor_decode(cursor) if cursor else None
    rows = list(service.export_rows(tx.session, principal, after=after, limit=limit + 1, **query))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = _cursor_encode(rows[-1]["_cursor"]) if more and rows else None
    for row in rows:
        row.pop("_cursor", None)
    return ReadingsPage(rows=rows, next_cursor=next_cursor)


def command_out(c: IngestCommand) -> CommandOut:
    return CommandOut(
        id=c.id,
        mn=c.mn,
        cn=c.cn,
        kind=c.kind,
        params=c.params,
        qn=c.qn,
        status=c.status,
        source=c.source,
        created_at=c.created_at,
        created_by=c.created_by,
        sent_at=c.sent_at,
        qn_rtn=c.qn_rtn,
        accepted_at=c.accepted_at,
        exe_rtn=c.exe_rtn,
        finished_at=c.finished_at,
        replies=c.replies,
    )


@router.get("/loggers/{mn}/commands", response_model=list[CommandOut])
def list_commands(mn: str, principal: PrincipalDep, tx: TxDep) -> list[CommandOut]:
    """Commands queued for a logger (newest first), with their status and the 9011/9012 replies."""
    return [command_out(c) for c in commands.commands_for(tx.session, principal, mn)]


@router.post("/loggers/{mn}/commands", response_model=CommandOut, status_code=201)
def queue_command(mn: str, body: CommandIn, principal: PrincipalDep, tx: TxDep) -> CommandOut:
    """Queue a command; the gateway sends it when the logger is connected (permission `ingest.command`)."""
    cmd = commands.queue(
        tx,
        principal,
        mn,
        body.kind,
        source="api",
        cn=body.cn,
        begin=body.begin,
        end=body.end,
        interval=body.interval,
        pol_id=body.pol_id,
        info_id=body.info_id,
    )
    return command_out(cmd)


@router.post("/commands/{command_id}/cancel", response_model=CommandOut)
def cancel_command(command_id: int, principal: PrincipalDep, tx: TxDep) -> CommandOut:
    """Cancel a command that was not sent yet."""
    return command_out(commands.cancel(tx, principal, command_id))
