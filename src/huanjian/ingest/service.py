"""Use cases of the ingestion domain: replay of captured frames, export, device status."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from huanjian.access.policy import Principal, authorize
from huanjian.core.runtime import Runtime
from huanjian.core.time import iso_cst, utcnow
from huanjian.core.tx import Tx
from huanjian.errors import NotFound, ValidationError
from huanjian.hj212 import FrameSplitter
from huanjian.ingest import packs, repository
from huanjian.ingest.bulk import BulkWriter
from huanjian.ingest.models import IngestLogger
from huanjian.ingest.pipeline import Incoming, Prepared, Rules
from huanjian.ingest.store import IngestStore

PERIOD_CHOICES = ("realtime", "minute", "hour", "day")

#: Export keys, in order (the issue's list: each sub-field in lower case).
EXPORT_KEYS: tuple[str, ...] = (
    "mn",
    "period",
    "data_time",
    "pollutant",
    "wire_code",
    "rtd",
    "avg",
    "min",
    "max",
    "cou",
    "zs_rtd",
    "zs_avg",
    "zs_min",
    "zs_max",
    "rs",
    "rt",
    "flag",
    "eflag",
    "sample_time",
    "info",
    "data",
    "day_data",
    "night_data",
    "ala",
    "up_value",
    "low_value",
    "sn",
    "received_time",
    "conflict",
)
_VALUE_KEYS = EXPORT_KEYS[5:19]


def store_for(rt: Runtime, channel: str = "gateway") -> IngestStore:
    s = rt.settings
    rules = Rules(
        future_seconds=s.ingest_future_seconds,
        past_days=s.ingest_past_days,
        accept_bad_crc=s.ingest_accept_bad_crc,
    )
    return IngestStore(
        rt.db, rt.audit_key, rules, register_cache_seconds=s.ingest_register_cache_seconds, channel=channel
    )


# -- replay -------------------------------------------------------------------------


@dataclass
class ReplayReport:
    files: int = 0
    frames: int = 0
    verdicts: Counter[str] = field(default_factory=Counter)
    problems: list[dict[str, Any]] = field(default_factory=list)

    def add(self, prepared: Iterable[Prepared], counts: dict[str, int]) -> None:
        for p in prepared:
            self.frames += 1
            self.verdicts[p.verdict] += 1
            if p.verdict not in ("stored", "duplicate", "part") or p.warnings:
                self.problems.append(
                    {
                        "peer": p.incoming.peer,
                        "verdict": p.verdict,
                        "mn": p.mn,
                        "cn": p.cn,
                        "reason": p.error,
                        "warnings": [w["code"] for w in p.warnings],
                        "time_flag": p.time_flag,
                    }
                )
        if counts.get("already_replayed"):
            self.verdicts["already_replayed"] += counts["already_replayed"]


def frames_of_lines(data: bytes) -> Iterator[tuple[int, bytes]]:
    """One frame per line (CRLF or LF); blank lines and ``#`` comments skipped."""
    for n, line in enumerate(data.split(b"\n"), 1):
        line = line.rstrip(b"\r")
        text = line.strip()
        if text and not (text.startswith(b"#") and not text.startswith(b"##")):
            yield n, text + b"\r\n"


def segments_of_stream(data: bytes, max_frame: int) -> Iterator[tuple[int, bytes, bool]]:
    splitter = FrameSplitter(max_frame=max_frame)
    for seg in [*splitter.feed(data), *splitter.close()]:
        yield seg.offset, seg.data, seg.kind == "garbage"


def replay_files(
    store: IngestStore,
    paths: Iterable[Path],
    *,
    stream: bool = False,
    batch_size: int = 1000,
    max_frame: int = 10011,
) -> ReplayReport:
    """Run captured frames through the gateway's pipeline (``source='replay'``), idempotently."""
    report = ReplayReport()
    for path in paths:
        report.files += 1
        data = path.read_bytes()
        received = utcnow()
        batch: list[Incoming] = []
        if stream:
            items = [
                Incoming(raw, f"file:{path.name}@{off}", received, "replay", garbage=g)
                for off, raw, g in segments_of_stream(data, max_frame)
            ]
        else:
            items = [
                Incoming(raw, f"file:{path.name}:{n}", received, "replay") for n, raw in frames_of_lines(data)
            ]
        for i in range(0, len(items), batch_size):
            batch = items[i : i + batch_size]
            result = store.write(batch, skip_replayed=True)
            report.add(result.prepared, result.counts)
    return report


# -- export -------------------------------------------------------------------------

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def snake(sub: str) -> str:
    """Sub-field name to its export key: ``ZsAvg`` -> ``zs_avg``, ``EFlag`` -> ``eflag``."""
    if sub == "EFlag":
        return "eflag"
    return _CAMEL.sub("_", sub).lower()


def _num(v: float | None) -> float | int | None:
    if v is None:
        return None
    return int(v) if v.is_integer() and abs(v) < 2**53 else v


def export_rows(
    session: Session,
    principal: Principal,
    *,
    start: datetime,
    end: datetime,
    mn: str | None = None,
    period: str | None = None,
    after: tuple[datetime, str, str, str] | None = None,
    limit: int | None = None,
) -> Iterator[dict[str, Any]]:
    """Current readings as export rows (data_time and received_time in +08:00)."""
    authorize(principal, "ingest.read")
    if period is not None and period not in PERIOD_CHOICES:
        raise ValidationError(f"period must be one of {', '.join(PERIOD_CHOICES)}", field="period")
    if end <= start:
        raise ValidationError("'to' must be after 'from'", field="to")
    for r in repository.readings(
        session, principal.scope, start=start, end=end, mn=mn, period=period, after=after, limit=limit
    ):
        row: dict[str, Any] = {
            "mn": r.mn,
            "period": r.period,
            "data_time": iso_cst(r.data_time),
            "pollutant": r.pollutant,
            "wire_code": r.wire_code,
        }
        for key in _VALUE_KEYS:
            value = getattr(r, key)
            row[key] = _num(value) if isinstance(value, float) else value
        for key in EXPORT_KEYS[19:27]:
            row[key] = None
        for sub, value in (r.extra or {}).items():
            row[snake(sub)] = value
        row["received_time"] = iso_cst(r.received_at)
        row["conflict"] = bool(r.conflict)
        row["_cursor"] = (r.data_time, r.mn, r.period, r.pollutant)
        yield row


# -- device status ------------------------------------------------------------------


@dataclass(frozen=True)
class LoggerStatus:
    logger: IngestLogger
    online: bool


def logger_statuses(
    session: Session, principal: Principal, offline_after: int, *, quarantined: bool | None = None
) -> list[LoggerStatus]:
    authorize(principal, "ingest.read")
    cutoff = utcnow() - timedelta(seconds=offline_after)
    return [
        LoggerStatus(lg, lg.last_seen_at >= cutoff)
        for lg in repository.loggers(session, principal.scope, quarantined=quarantined)
    ]


def jurisdiction_rates(statuses: Iterable[LoggerStatus]) -> list[dict[str, Any]]:
    """Online rate per jurisdiction (loggers with traffic recently / loggers seen)."""
    per: dict[str, list[int]] = {}
    for st in statuses:
        key = st.logger.jurisdiction_code or "—"
        c = per.setdefault(key, [0, 0])
        c[0] += 1
        c[1] += int(st.online)
    return [
        {"jurisdiction_code": k, "loggers": n, "online": on, "online_rate": round(on / n, 4) if n else None}
        for k, (n, on) in sorted(per.items())
    ]


def get_logger(session: Session, principal: Principal, mn: str) -> IngestLogger:
    authorize(principal, "ingest.read")
    lg = repository.logger(session, principal.scope, mn)
    if lg is None:
        raise NotFound(f"logger {mn} not found")
    return lg


def purge_raw(tx: Tx, before: datetime) -> int:
    """Delete raw frames received before ``before`` (records and readings stay); audited."""
    n = repository.delete_frames_before(tx.session, before)
    tx.audit(
        "ingest.purge_raw", "ingest_frame", "retention", after={"deleted": n, "before": before.isoformat()}
    )
    return n


def pack_days(
    tx: Tx,
    *,
    now: datetime | None = None,
    max_days: int = packs.MAX_DAYS,
    repack: tuple[date, date] | None = None,
) -> packs.PackReport:
    """Pack settled days of readings into day packs (ADR 0007); audited, idempotent.

    ``repack`` (first, last CST day): rebuild the packs of those days too, for readings
    changed outside the ingest store (restored or imported directly into the database)."""
    now = now or utcnow()
    marked = 0
    if repack is not None:
        if repack[1] < repack[0]:
            raise ValidationError(f"repack: {repack[1]} is before {repack[0]}", field="repack")
        bulk = BulkWriter(tx.session)
        marked = packs.mark_range_stale(bulk, repack[0], repack[1], now)
    report = packs.pack(tx.session, now=now, max_days=max_days)
    tx.audit("ingest.pack", "ingest_pack", "days", after={**report.as_dict(), "marked_for_repack": marked})
    return report
