"""Bulk, transactional writes of an ingest batch (gateway and replay use the same path).

:meth:`IngestStore.write` decodes and classifies a batch (:mod:`pipeline`), then in
**one transaction**: creates the logical records (deduplicating retransmissions and
marking conflicting resends), assembles split packets, inserts the raw frames,
the readings (PostgreSQL: ``COPY`` into the monthly partition; SQLite:
``executemany``), the logger status, and one audit entry for the batch.  It
returns the batch with verdicts and the replies owed; the caller sends them only
after this method returned, that is after the commit.
"""

from __future__ import annotations

import json
import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, func, insert, text, update
from sqlalchemy.orm import Session

from huanjian.core.context import ActionContext
from huanjian.core.db import Database
from huanjian.core.time import utcnow
from huanjian.core.tx import Tx
from huanjian.hj212 import CleanFrame, Frame, Value, decode
from huanjian.ingest import commands, packs, repository
from huanjian.ingest.bulk import BulkWriter, parse_sqlite_datetime, sqlite_datetime
from huanjian.ingest.layouts import READING_VALUE_COLUMNS, content_hash, reading_rows
from huanjian.ingest.models import IngestFrame, IngestLogger, IngestPart, IngestReading, IngestRecord
from huanjian.ingest.pipeline import Incoming, LoggerConfig, Prepared, Rules, prepare

log = logging.getLogger("huanjian.ingest")

READING_COLUMNS: tuple[str, ...] = (
    "record_id",
    "pollutant",
    "data_time",
    "mn",
    "period",
    "wire_code",
    *READING_VALUE_COLUMNS,
    "received_at",
    "current",
    "conflict",
)
_FRAME: Table = IngestFrame.__table__  # type: ignore[assignment]
_RECORD: Table = IngestRecord.__table__  # type: ignore[assignment]
_READING: Table = IngestReading.__table__  # type: ignore[assignment]
_PART: Table = IngestPart.__table__  # type: ignore[assignment]
_LOGGER: Table = IngestLogger.__table__  # type: ignore[assignment]
#: Months outside these years go to the default partition (never split later).
PARTITION_YEARS = (2000, 2100)


@dataclass(slots=True)
class _Version:
    """One record of a (MN, CN, DataTime) key while the batch is being resolved."""

    id: int | None
    content_hash: str
    current: bool
    conflict: bool
    flipped: bool = False
    copies_added: int = 0
    last_received_at: datetime | None = None
    new: Prepared | None = None  # the frame that creates it (new records only)
    source: Frame | CleanFrame | None = None  # what its readings are read from (new records only)
    params: Mapping[str, str] | None = None


@dataclass(slots=True)
class BatchResult:
    prepared: list[Prepared]
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


class IngestStore:
    def __init__(
        self,
        db: Database,
        audit_key: bytes,
        rules: Rules | None = None,
        *,
        register_cache_seconds: float = 60.0,
        channel: str = "gateway",
    ) -> None:
        self.db = db
        self.audit_key = audit_key
        self.rules = rules or Rules()
        self.channel = channel
        self._cache_seconds = register_cache_seconds
        self._configs: dict[str, tuple[float, LoggerConfig | None]] = {}
        self._months: set[tuple[int, int]] = set()
        self.is_postgres = db.backend == "postgresql"

    # -- register view (cached: the register changes rarely, frames arrive constantly)

    def _lookup(self, session: Session, mns: set[str]) -> dict[str, LoggerConfig]:
        now = time.monotonic()
        out: dict[str, LoggerConfig] = {}
        missing: set[str] = set()
        for mn in mns:
            hit = self._configs.get(mn)
            if hit is not None and now - hit[0] < self._cache_seconds:
                if hit[1] is not None:
                    out[mn] = hit[1]
            else:
                missing.add(mn)
        if missing:
            found = repository.logger_configs(session, missing)
            for mn in missing:
                self._configs[mn] = (now, found.get(mn))
            out.update(found)
        return out

    def forget_register_cache(self) -> None:
        self._configs.clear()

    # -- the batch -----------------------------------------------------------

    def write(
        self, batch: Sequence[Incoming], now: datetime | None = None, *, skip_replayed: bool = False
    ) -> BatchResult:
        """Store a batch in one transaction.  ``skip_replayed`` (replay): frames whose
        exact bytes were already replayed from the same place (file and line or offset,
        in ``peer``) are left out, so a replay is idempotent."""
        started = time.perf_counter()
        now = now or utcnow()
        new_months: set[tuple[int, int]] = set()
        skipped = 0
        with self.db.unit_of_work() as session:
            prepared = prepare(batch, lambda mns: self._lookup(session, mns), self.rules, now)
            if skip_replayed and prepared:
                # The same bytes at the same place of the same capture (peer = file:line).
                seen = repository.replayed(session, {p.raw_sha for p in prepared})
                kept = []
                for p in prepared:
                    if (p.raw_sha, p.incoming.peer[:120]) in seen:
                        skipped += 1
                    else:
                        kept.append(p)
                prepared = kept
            counts: dict[str, int] = {}
            if prepared:
                tx = Tx(session, ActionContext.system(self.channel, self.channel), self.audit_key)
                counts = self._write(tx, prepared, new_months, now)
        self._months |= new_months
        if skipped:
            counts["already_replayed"] = skipped
        return BatchResult(prepared, counts, time.perf_counter() - started)

    def _write(
        self, tx: Tx, batch: list[Prepared], new_months: set[tuple[int, int]], now: datetime
    ) -> dict[str, int]:
        session = tx.session
        bulk = BulkWriter(session, postgres=self.is_postgres)
        assembled = self._assemble_parts(session, batch)
        versions, frame_ids = self._resolve_records(session, bulk, batch, assembled, now)
        self._insert_frames(bulk, batch, frame_ids)
        self._record_replies(session, batch)
        self._write_parts(session, batch, assembled)
        self._write_readings(session, bulk, versions, new_months)
        self._update_loggers(bulk, batch)
        counts: dict[str, int] = defaultdict(int)
        for p in batch:
            counts[p.verdict] += 1
        counts["quarantined"] = sum(1 for p in batch if p.quarantined and p.verdict in _STORED)
        first = batch[0].frame_id if batch else None
        last = batch[-1].frame_id if batch else None
        tx.audit(
            "ingest.batch",
            "ingest_frame",
            f"{first}-{last}",
            after={"frames": len(batch), **dict(sorted(counts.items()))},
        )
        return dict(counts)

    # -- remote commands --------------------------------------------------------

    @staticmethod
    def _record_replies(session: Session, batch: list[Prepared]) -> None:
        """9011/9012 from loggers: matched to the queued command by QN, in this transaction."""
        replies = []
        for p in batch:
            if p.kind != "reply" or p.cn not in ("9011", "9012") or not p.qn or not p.mn or p.decoded is None:
                continue
            value = p.decoded.params.get("QnRtn" if p.cn == "9011" else "ExeRtn")
            rtn = int(value) if value is not None and value.isdigit() and len(value) <= 6 else None
            replies.append((p.mn, p.qn, p.cn, rtn, p.incoming.received_at, p.frame_id))
        if replies:
            commands.reply_update(session, replies)

    def due_commands(self, mns: set[str], connected_now: set[str]) -> list[commands.Delivery]:
        """Queued commands of connected loggers; first queues the on-connect clock set
        (``connected_now``: loggers that just connected, when that is configured)."""
        with self.db.unit_of_work() as session:
            if connected_now:
                tx = Tx(session, ActionContext.system(self.channel, self.channel), self.audit_key)
                commands.queue_clock_set(tx, sorted(connected_now))
                session.flush()
            due = commands.due(session, mns)
            # The loggers' offsets for the request frames (offset_hours): with writer
            # processes this store never sees their batches, so it looks them up here.
            self._lookup(session, {d.mn for d in due})
            return due

    def mark_sent(self, sent: Sequence[tuple[int, bytes]], at: datetime) -> None:
        with self.db.unit_of_work() as session:
            for command_id, raw in sent:
                commands.mark_sent(session, command_id, raw, at)

    def offset_hours(self, mn: str) -> float:
        hit = self._configs.get(mn)
        return hit[1].offset_hours if hit is not None and hit[1] is not None else 8.0

    # -- split packets --------------------------------------------------------

    def _assemble_parts(self, session: Session, batch: list[Prepared]) -> dict[int, tuple[Frame, list[int]]]:
        """Parts that complete a packet: batch index of the completing part ->
        (the merged frame, batch indexes of the parts from this batch used)."""
        parts = [(i, p) for i, p in enumerate(batch) if p.kind == "part"]
        if not parts:
            return {}
        keys = {(p.mn, p.cn, p.data_time) for _, p in parts}
        stored = repository.parts_for(session, keys)
        seen: set[tuple[Any, ...]] = {
            (r.mn, r.cn, r.data_time, r.pnum, r.pno, r.content_hash) for r in stored
        }
        pending: dict[tuple[Any, ...], dict[int, tuple[str, Any]]] = defaultdict(dict)
        for r in stored:
            if r.record_id is None:
                pending[(r.mn, r.cn, r.data_time, r.pnum)][r.pno] = ("db", r.frame_id)
        out: dict[int, tuple[Frame, list[int]]] = {}
        for i, p in parts:
            f = p.frame
            assert f is not None and f.pnum is not None and f.pno is not None
            ident = (p.mn, p.cn, p.data_time, f.pnum, f.pno, p.content_hash)
            if ident in seen:
                p.verdict = "duplicate"
                p.record_id = next(
                    (r.record_id for r in stored if (r.mn, r.cn, r.data_time, r.pnum, r.pno) == ident[:5]),
                    None,
                )
                continue
            seen.add(ident)
            p.verdict = "part"
            group = pending[(p.mn, p.cn, p.data_time, f.pnum)]
            group[f.pno] = ("batch", i)
            if all(n in group for n in range(1, f.pnum + 1)):
                frames: list[Frame] = []
                used: list[int] = []
                for n in range(1, f.pnum + 1):
                    where, ref = group[n]
                    if where == "batch":
                        frame = batch[ref].frame
                        used.append(ref)
                    else:
                        frame = decode(repository.frame_raw(session, ref))
                        used.append(-ref - 1)  # a stored part (frame id), marked negative
                    assert frame is not None
                    frames.append(frame)
                out[i] = (_merge(frames), used)
                group.clear()
        return out

    def _write_parts(
        self, session: Session, batch: list[Prepared], assembled: dict[int, tuple[Frame, list[int]]]
    ) -> None:
        rows = []
        record_of: dict[int, int | None] = {}
        stored_done: list[tuple[int, int | None]] = []
        for i, (_frame, used) in assembled.items():
            rid = batch[i].record_id
            for ref in used:
                if ref >= 0:
                    record_of[ref] = rid
                else:
                    stored_done.append((-ref - 1, rid))
        for i, p in enumerate(batch):
            if p.kind != "part" or p.verdict != "part":
                continue
            f = p.frame
            assert f is not None and f.pnum is not None and f.pno is not None
            rows.append(
                {
                    "frame_id": p.frame_id,
                    "mn": p.mn,
                    "cn": p.cn,
                    "data_time": p.data_time,
                    "pnum": f.pnum,
                    "pno": f.pno,
                    "content_hash": p.content_hash,
                    "record_id": record_of.get(i),
                }
            )
        if rows:
            session.execute(insert(_PART), rows)
        if stored_done:
            session.execute(
                update(_PART)
                .where(_PART.c.frame_id == bindparam("fid"))
                .values(record_id=bindparam("rid"))
                .execution_options(synchronize_session=False),
                [{"fid": fid, "rid": rid} for fid, rid in stored_done],
            )

    # -- records: dedup, conflicts, current version ---------------------------

    def _resolve_records(
        self,
        session: Session,
        bulk: BulkWriter,
        batch: list[Prepared],
        assembled: dict[int, tuple[Frame, list[int]]],
        now: datetime,
    ) -> tuple[list[_Version], list[int] | None]:
        """Dedup and conflict marking; inserts the new records, returns them (for readings)
        and the ids of the batch's frames when it drew them along with the records' ids."""
        candidates: list[tuple[Prepared, Frame | CleanFrame, Mapping[str, str], str]] = []
        for i, p in enumerate(batch):
            if p.kind == "data":
                assert p.decoded is not None and p.content_hash is not None
                candidates.append((p, p.decoded, p.decoded.params, p.content_hash))
            elif i in assembled:
                merged = assembled[i][0]
                h = content_hash(merged.cn or "", merged.params, merged.items)
                candidates.append((p, merged, merged.params, h))
        if not candidates:
            return [], None
        keys = {(p.mn, p.cn, p.data_time) for p, *_ in candidates}
        by_key: dict[tuple[Any, ...], list[_Version]] = defaultdict(list)
        for rid, mn, cn, data_time, h, current, conflict, stored in _records_for(bulk, keys):
            key = (mn, cn, data_time, _subject(cn, stored))
            by_key[key].append(_Version(rid, h, bool(current), bool(conflict)))
        links: list[tuple[Prepared, _Version]] = []
        for p, source, params, h in candidates:
            versions = by_key[(p.mn, p.cn, p.data_time, _subject(p.cn, params))]
            match = next((v for v in versions if v.content_hash == h), None)
            if match is not None:
                if p.kind == "data":
                    p.verdict = "duplicate"
                match.copies_added += 1
                match.last_received_at = p.incoming.received_at
                if not match.current:  # A, B, then A again: the latest received is current
                    for v in versions:
                        if v.current:
                            v.current, v.flipped = False, True
                    match.current, match.flipped = True, True
                links.append((p, match))
                continue
            new = _Version(None, h, True, bool(versions), new=p, source=source, params=params)
            for v in versions:
                if v.current or not v.conflict:
                    v.current, v.conflict, v.flipped = False, True, True
            versions.append(new)
            if p.kind == "data":
                p.verdict = "conflict" if new.conflict else "stored"
            links.append((p, new))
        fresh = [v for vs in by_key.values() for v in vs if v.id is None]
        # The frames' ids come with the records' (one round trip on PostgreSQL).
        ids, frame_ids = bulk.next_ids_many([("ingest_record", len(fresh)), ("ingest_frame", len(batch))])
        if fresh:
            dt, js, flag = bulk.dt, bulk.json, bulk.flag
            rows = []
            for v, rid in zip(fresh, ids, strict=True):
                v.id = rid
                q = v.new
                assert q is not None and q.data_time is not None
                rows.append(
                    (
                        rid,
                        q.mn,
                        q.cn,
                        q.period or "other",
                        dt(q.data_time),
                        q.data_time_text,
                        v.content_hash,
                        dt(q.incoming.received_at),
                        dt(v.last_received_at or q.incoming.received_at),
                        1 + v.copies_added,
                        flag(v.current),
                        flag(v.conflict),
                        q.time_flag,
                        js(dict(v.params) if v.params else None),
                    )
                )
            bulk.insert("ingest_record", _RECORD_COLUMNS, rows)
        for p, v in links:
            p.record_id = v.id
        changed = [v for vs in by_key.values() for v in vs if v.new is None and (v.flipped or v.copies_added)]
        if changed:
            session.execute(
                update(_RECORD)
                .where(_RECORD.c.id == bindparam("rid"))
                .values(
                    current=bindparam("cur"),
                    conflict=bindparam("con"),
                    copies=_RECORD.c.copies + bindparam("add"),
                    last_received_at=func.coalesce(bindparam("last"), _RECORD.c.last_received_at),
                )
                .execution_options(synchronize_session=False),
                [
                    {
                        "rid": v.id,
                        "cur": v.current,
                        "con": v.conflict,
                        "add": v.copies_added,
                        "last": v.last_received_at,
                    }
                    for v in changed
                ],
            )
        flipped = [v for v in changed if v.flipped]
        if flipped:
            session.execute(
                update(_READING)
                .where(_READING.c.record_id == bindparam("rid"))
                .values(current=bindparam("cur"), conflict=bindparam("con"))
                .execution_options(synchronize_session=False),
                [{"rid": v.id, "cur": v.current, "con": v.conflict} for v in flipped],
            )
        # New or re-ordered versions of a day that may be packed already: its packs stop
        # being used until repacked (ADR 0007).  Writes into the running day mark nothing.
        changed_keys = [(p.mn, p.period, p.data_time) for p, v in links if v.new is p or v.flipped]
        packs.mark_stale(bulk, packs.stale_keys(changed_keys, now), now)  # type: ignore[arg-type]
        return fresh, frame_ids

    # -- raw frames ----------------------------------------------------------

    def _insert_frames(self, bulk: BulkWriter, batch: list[Prepared], ids: list[int] | None) -> None:
        if not batch:
            return
        if ids is None:
            ids = bulk.next_ids("ingest_frame", len(batch))
        dt, js = bulk.dt, bulk.json
        rows = []
        for p, fid in zip(batch, ids, strict=True):
            if not p.verdict:
                p.verdict = p.kind
            p.frame_id = fid
            inc = p.incoming
            rows.append(
                (
                    fid,
                    dt(inc.received_at),
                    inc.source,
                    inc.peer[:120],
                    inc.raw,
                    p.raw_sha,
                    p.verdict,
                    (p.mn or None) and p.mn[:64],
                    (p.cn or None) and p.cn[:8],
                    (p.qn or None) and p.qn[:32],
                    p.version,
                    dt(p.data_time),
                    p.record_id,
                    js(p.warnings or None),
                    p.error,
                )
            )
        bulk.insert("ingest_frame", _FRAME_COLUMNS, rows)

    # -- readings --------------------------------------------------------------

    def _write_readings(
        self,
        session: Session,
        bulk: BulkWriter,
        fresh: list[_Version],
        new_months: set[tuple[int, int]],
    ) -> None:
        rows: list[tuple[Any, ...]] = []
        dt, js, flag = bulk.dt, bulk.json, bulk.flag
        months: set[tuple[int, int]] = set()
        for v in fresh:
            p = v.new
            assert p is not None and v.source is not None and p.data_time is not None
            months.add((p.data_time.year, p.data_time.month))
            head = (v.id, dt(p.data_time), p.mn, p.period or "other")
            tail = (dt(p.incoming.received_at), flag(v.current), flag(v.conflict))
            rows += reading_rows(v.source, head, tail, js)
        if not rows:
            return
        if self.is_postgres:
            self._ensure_partitions(session, months - self._months)
            new_months |= months
        bulk.insert("ingest_reading", READING_COLUMNS, rows)

    def _ensure_partitions(self, session: Session, months: Iterable[tuple[int, int]]) -> None:
        for year, month in sorted(months):
            if not PARTITION_YEARS[0] <= year < PARTITION_YEARS[1]:
                continue  # the default partition takes it
            name = f"ingest_reading_p{year:04d}{month:02d}"
            # Writer processes may meet a new month at once: the first creates the partition
            # while holding this lock until it commits, the others then find it.
            session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:n))"), {"n": name})
            exists = session.execute(text("SELECT to_regclass(:n)"), {"n": name}).scalar()
            if exists:
                continue
            nxt = (year + 1, 1) if month == 12 else (year, month + 1)
            session.execute(
                text(
                    f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF ingest_reading "
                    f"FOR VALUES FROM ('{year:04d}-{month:02d}-01 00:00:00+00') "
                    f"TO ('{nxt[0]:04d}-{nxt[1]:02d}-01 00:00:00+00')"
                )
            )

    # -- device status ----------------------------------------------------------

    def _update_loggers(self, bulk: BulkWriter, batch: list[Prepared]) -> None:
        agg: dict[str, dict[str, Any]] = {}
        for p in batch:
            if not p.mn or p.kind in ("undecodable", "garbage"):
                continue
            mn = p.mn[:64]
            a = agg.get(mn)
            if a is None:
                cfg = self._configs.get(p.mn, (0.0, None))[1]
                a = agg[mn] = {
                    "mn": mn,
                    "first_seen_at": p.incoming.received_at,
                    "frames": 0,
                    "records": 0,
                    "last_data_time": None,
                    "quarantined": p.quarantined,
                    "jurisdiction_code": cfg.jurisdiction_code if cfg else None,
                    "organisation_id": cfg.organisation_id if cfg else None,
                }
            a["frames"] += 1
            a["last_seen_at"] = p.incoming.received_at
            a["last_peer"] = p.incoming.peer[:120]
            a["last_cn"] = (p.cn or None) and p.cn[:8]
            a["last_verdict"] = p.verdict
            a["version"] = p.version
            if p.verdict in ("stored", "conflict"):
                a["records"] += 1
            newer = p.data_time is not None and (
                a["last_data_time"] is None or p.data_time > a["last_data_time"]
            )
            if newer and p.verdict in _STORED:
                a["last_data_time"] = p.data_time
        if not agg:
            return
        dt, flag = bulk.dt, bulk.flag
        for a in agg.values():  # the stored forms (a naive time is refused here)
            a["first_seen_at"], a["last_seen_at"] = dt(a["first_seen_at"]), dt(a["last_seen_at"])
            a["last_data_time"], a["quarantined"] = dt(a["last_data_time"]), flag(a["quarantined"])
        # One upsert per MN: counters add up, the latest DataTime is kept (never moved back).
        if bulk.postgres:
            # One statement for all of them, the rows as one JSON text: psycopg dumps list
            # parameters element by element in Python (13 arrays cost ~2.5 ms per batch of 30
            # loggers, measured), json.dumps runs in C.
            bulk.execute(_LOGGER_UPSERT_PG, (bulk.json(list(agg.values())),))
        else:
            rows = [tuple(a[k] for k in _LOGGER_KEYS) for a in agg.values()]
            bulk.executemany(_LOGGER_UPSERT_VALUES + _LOGGER_UPSERT_SET, rows)


_STORED = frozenset({"stored", "duplicate", "conflict", "part"})
_LOGGER_KEYS = (
    "mn",
    "first_seen_at",
    "last_seen_at",
    "last_peer",
    "last_cn",
    "last_verdict",
    "last_data_time",
    "version",
    "frames",
    "records",
    "quarantined",
    "jurisdiction_code",
    "organisation_id",
)
_LOGGER_COLUMNS = f"INSERT INTO ingest_logger ({', '.join(_LOGGER_KEYS)}) "
_LOGGER_UPSERT_VALUES = _LOGGER_COLUMNS + "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
_LOGGER_SELECT = f"SELECT {', '.join(_LOGGER_KEYS)} FROM json_populate_recordset(NULL::ingest_logger, %s) "  # noqa: S608
_LOGGER_UPSERT_PG_ROWS = _LOGGER_COLUMNS + _LOGGER_SELECT
_LOGGER_UPSERT_SET = (
    "ON CONFLICT (mn) DO UPDATE SET last_seen_at = excluded.last_seen_at, "
    "last_peer = excluded.last_peer, last_cn = excluded.last_cn, last_verdict = excluded.last_verdict, "
    "last_data_time = CASE WHEN ingest_logger.last_data_time IS NOT NULL AND "
    "(excluded.last_data_time IS NULL OR ingest_logger.last_data_time > excluded.last_data_time) "
    "THEN ingest_logger.last_data_time ELSE excluded.last_data_time END, "
    "version = excluded.version, frames = ingest_logger.frames + excluded.frames, "
    "records = ingest_logger.records + excluded.records, quarantined = excluded.quarantined, "
    "jurisdiction_code = excluded.jurisdiction_code, organisation_id = excluded.organisation_id"
)
_LOGGER_UPSERT_PG = _LOGGER_UPSERT_PG_ROWS + _LOGGER_UPSERT_SET
_FRAME_COLUMNS = (
    "id",
    "received_at",
    "source",
    "peer",
    "raw",
    "raw_sha",
    "verdict",
    "mn",
    "cn",
    "qn",
    "version",
    "data_time",
    "record_id",
    "warnings",
    "detail",
)
_RECORD_COLUMNS = (
    "id",
    "mn",
    "cn",
    "period",
    "data_time",
    "data_time_text",
    "content_hash",
    "received_at",
    "last_received_at",
    "copies",
    "current",
    "conflict",
    "time_flag",
    "params",
)


def _subject(cn: str | None, params: Any) -> str | None:
    """What else identifies a record besides (MN, CN, DataTime): 3020 field-side information
    is reported per instrument (``PolId``), so two instruments' reports of the same second
    are two records, not a resend with other content (HJ 212-2017 table B.10)."""
    if cn != "3020" or not params:
        return None
    if isinstance(params, str):  # SQLite hands JSON columns over as text
        params = json.loads(params)
    value = params.get("PolId") if isinstance(params, Mapping) else None
    return str(value) if value is not None else None


_RECORDS_PG_SELECT = (
    "SELECT id, mn, cn, data_time, content_hash, current, conflict, "
    "CASE WHEN cn = '3020' THEN params END FROM ingest_record WHERE (mn, cn, data_time) IN "
)
_RECORDS_PG = (
    _RECORDS_PG_SELECT  # noqa: S608 - constants only
    + "(SELECT * FROM unnest(%s::varchar[], %s::varchar[], %s::timestamptz[]))"
)
#: The same keys as three texts joined by the unit separator: psycopg dumps a list element by
#: element in Python, which cost ~13 ms per 1,000 keys against ~4 ms for this (measured).
_RECORDS_PG_TEXT = _RECORDS_PG_SELECT + (  # noqa: S608 - constants only
    "(SELECT k.mn, k.cn, k.dt::timestamptz FROM unnest(string_to_array(%s, chr(31)), "
    "string_to_array(%s, chr(31)), string_to_array(%s, chr(31))) AS k(mn, cn, dt))"
)


def _plain_key(value: object) -> bool:
    """Joinable without ambiguity: a non-empty text without the separator (``string_to_array``
    turns an empty text into no element at all)."""
    return type(value) is str and value != "" and "\x1f" not in value


def _records_for(bulk: BulkWriter, keys: set[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Stored versions of these (MN, CN, DataTime) keys: one query per batch on PostgreSQL."""
    if bulk.postgres:
        mns, cns, dts = zip(*keys, strict=True)
        if all(_plain_key(v) for v in mns) and all(_plain_key(v) for v in cns):
            texts = ("\x1f".join(mns), "\x1f".join(cns), "\x1f".join(d.isoformat() for d in dts))
            return bulk.query(_RECORDS_PG_TEXT, texts)
        return bulk.query(_RECORDS_PG, (list(mns), list(cns), list(dts)))
    out: list[tuple[Any, ...]] = []
    ordered = list(keys)
    for at in range(0, len(ordered), 2000):
        chunk = ordered[at : at + 2000]
        params: list[Any] = []
        for mn, cn, data_time in chunk:
            params += (mn, cn, sqlite_datetime(data_time))
        values = ", ".join(["(?, ?, ?)"] * len(chunk))
        # A join from the keys (not a row-value IN, which SQLite runs as a scan of the whole index).
        rows = bulk.query(
            f"WITH k(mn, cn, dt) AS (VALUES {values}) "  # noqa: S608 - placeholders only
            "SELECT r.id, r.mn, r.cn, r.data_time, r.content_hash, r.current, r.conflict, "
            "CASE WHEN r.cn = '3020' THEN r.params END "
            "FROM k CROSS JOIN ingest_record r ON r.mn = k.mn AND r.cn = k.cn AND r.data_time = k.dt",
            params,
        )
        out += [(r[0], r[1], r[2], parse_sqlite_datetime(r[3]), *r[4:]) for r in rows]
    return out


def _merge(parts: Sequence[Frame]) -> Frame:
    """One frame from the parts of a split packet, in PNO order (first part wins on repeats)."""
    from dataclasses import replace

    params: dict[str, str] = {}
    items: dict[str, dict[str, Value]] = {}
    wire: dict[str, str] = {}
    for f in parts:
        for k, v in f.params.items():
            params.setdefault(k, v)
        for code, fields in f.items.items():
            target = items.setdefault(code, {})
            for sub, val in fields.items():
                target.setdefault(sub, val)
        for k, v in f.wire_codes.items():
            wire.setdefault(k, v)
    return replace(parts[-1], params=params, items=items, wire_codes=wire, pnum=None, pno=None)
