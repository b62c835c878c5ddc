"""Storage of an ingest batch: records, dedup, conflicts, time, split packets, device status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from huanjian.audit.models import AuditEntry
from huanjian.core.db import Database
from huanjian.hj212 import decode
from huanjian.ingest.models import IngestFrame, IngestLogger, IngestPart, IngestReading, IngestRecord
from huanjian.ingest.pipeline import Rules, parse_data_time
from huanjian.ingest.store import IngestStore
from tests.conftest import AUDIT_KEY
from tests.ingest.helpers import MN, NOW, incoming, minute_frame


@pytest.fixture
def store(db: Database) -> IngestStore:
    return IngestStore(db, AUDIT_KEY.encode(), Rules())


def _count(db: Database, model: type, *where: object) -> int:
    with db.unit_of_work() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)  # type: ignore[arg-type]


def test_new_frame_is_stored_with_readings_and_acknowledged(store: IngestStore, db: Database) -> None:
    raw = minute_frame()
    result = store.write([incoming(raw)], now=NOW)
    [p] = result.prepared
    assert p.verdict == "stored" and p.frame_id and p.record_id
    assert p.quarantined  # the register does not know this MN
    with db.unit_of_work() as s:
        frame = s.get(IngestFrame, p.frame_id)
        assert frame is not None and frame.raw == raw and frame.peer == "10.0.0.1:5000"
        assert frame.mn == MN and frame.cn == "2051" and frame.verdict == "stored"
        rec = s.get(IngestRecord, p.record_id)
        assert rec is not None and rec.current and not rec.conflict and rec.copies == 1
        assert rec.data_time == datetime(2024, 3, 1, 4, 29, tzinfo=UTC)  # 12:29 CST
        assert rec.data_time_text == "20240301122900" and rec.period == "minute"
        rows = s.scalars(select(IngestReading).order_by(IngestReading.pollutant)).all()
        assert [(r.pollutant, r.avg, r.min, r.max, r.flag) for r in rows] == [
            ("a19001", 8.1, None, None, "N"),
            ("a21026", 12.3, 1.0, 20.5, "N"),
        ]
        state = s.get(IngestLogger, MN)
        assert state is not None and state.quarantined and state.frames == 1 and state.records == 1
        assert state.last_data_time == rec.data_time
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "ingest.batch")).all()
        assert len(audit) == 1 and audit[0].after["stored"] == 1  # type: ignore[index]


def test_retransmission_is_stored_once_and_acknowledged_again(store: IngestStore, db: Database) -> None:
    first = minute_frame(qn="20240301122900001")
    again = minute_frame(qn="20240301123010002")  # a new QN, the same content
    store.write([incoming(first)], now=NOW)
    [p] = store.write([incoming(again, NOW + timedelta(seconds=70))], now=NOW).prepared
    assert p.verdict == "duplicate"
    assert _count(db, IngestRecord) == 1 and _count(db, IngestReading) == 2 and _count(db, IngestFrame) == 2
    with db.unit_of_work() as s:
        rec = s.scalars(select(IngestRecord)).one()
        assert rec.copies == 2 and rec.last_received_at == NOW + timedelta(seconds=70)
        assert s.get(IngestLogger, MN).records == 1  # type: ignore[union-attr]


def test_duplicates_within_one_batch(store: IngestStore, db: Database) -> None:
    raw = minute_frame()
    verdicts = [p.verdict for p in store.write([incoming(raw), incoming(raw)], now=NOW).prepared]
    assert verdicts == ["stored", "duplicate"]
    assert _count(db, IngestRecord) == 1 and _count(db, IngestReading) == 2


def test_conflicting_resend_keeps_both_and_latest_is_current(store: IngestStore, db: Database) -> None:
    a, b = minute_frame(so2="12.3"), minute_frame(so2="99.9")
    store.write([incoming(a)], now=NOW)
    [p] = store.write([incoming(b, NOW + timedelta(minutes=1))], now=NOW).prepared
    assert p.verdict == "conflict"
    with db.unit_of_work() as s:
        recs = s.scalars(select(IngestRecord).order_by(IngestRecord.id)).all()
        assert [(r.current, r.conflict) for r in recs] == [(False, True), (True, True)]
        current = s.scalars(
            select(IngestReading.avg).where(
                IngestReading.current.is_(True), IngestReading.pollutant == "a21026"
            )
        ).all()
        assert current == [99.9]
        assert _all_conflict(s)
    # The first version again: it becomes current again; nothing new is stored.
    [p] = store.write([incoming(a, NOW + timedelta(minutes=2))], now=NOW).prepared
    assert p.verdict == "duplicate"
    with db.unit_of_work() as s:
        recs = s.scalars(select(IngestRecord).order_by(IngestRecord.id)).all()
        assert [(r.current, r.conflict, r.copies) for r in recs] == [(True, True, 2), (False, True, 1)]
        current = s.scalars(
            select(IngestReading.avg).where(
                IngestReading.current.is_(True), IngestReading.pollutant == "a21026"
            )
        ).all()
        assert current == [12.3]


def _all_conflict(s: object) -> bool:
    from sqlalchemy.orm import Session

    assert isinstance(s, Session)
    return all(s.scalars(select(IngestReading.conflict)).all())


def test_conflict_within_one_batch(store: IngestStore, db: Database) -> None:
    a, b = minute_frame(so2="1"), minute_frame(so2="2")
    verdicts = [p.verdict for p in store.write([incoming(a), incoming(b)], now=NOW).prepared]
    assert verdicts == ["stored", "conflict"]
    with db.unit_of_work() as s:
        recs = s.scalars(select(IngestRecord).order_by(IngestRecord.id)).all()
        assert [(r.current, r.conflict) for r in recs] == [(False, True), (True, True)]


@pytest.mark.parametrize(
    ("local", "utc"),
    [
        ("20240301235900", datetime(2024, 3, 1, 15, 59, tzinfo=UTC)),
        ("20240302000000", datetime(2024, 3, 1, 16, 0, tzinfo=UTC)),
        ("20240101000000", datetime(2023, 12, 31, 16, 0, tzinfo=UTC)),  # the year changes too
    ],
)
def test_datatime_is_cst_stored_as_utc_at_midnight(
    local: str, utc: datetime, store: IngestStore, db: Database
) -> None:
    [p] = store.write([incoming(minute_frame(local))], now=utc + timedelta(minutes=1)).prepared
    assert p.verdict == "stored" and p.data_time == utc and p.time_flag is None
    with db.unit_of_work() as s:
        rec = s.get(IngestRecord, p.record_id)
        assert rec is not None and rec.data_time == utc and rec.data_time_text == local
        assert {r.data_time for r in s.scalars(select(IngestReading)).all()} == {utc}


def test_parse_data_time_with_logger_offset() -> None:
    assert parse_data_time("20240302000000", 0.0) == datetime(2024, 3, 2, tzinfo=UTC)
    assert parse_data_time("20240302000000", 9.0) == datetime(2024, 3, 1, 15, tzinfo=UTC)
    assert parse_data_time("20240302000000123", 8.0) == datetime(2024, 3, 1, 16, tzinfo=UTC)
    assert parse_data_time("20240230000000", 8.0) is None
    assert parse_data_time("2024-03-02", 8.0) is None


def test_datatime_beyond_bounds_is_flagged(store: IngestStore, db: Database) -> None:
    now = datetime(2024, 3, 1, 16, 0, tzinfo=UTC)  # 00:00 CST on 2 March
    future = minute_frame("20240302002000")  # 20 min ahead, bound 10 min
    past = minute_frame("20220302000000")  # two years back, bound 366 days
    fine = minute_frame("20240302000500")
    got = store.write([incoming(future), incoming(past), incoming(fine)], now=now).prepared
    assert [p.time_flag for p in got] == ["future", "past", None]
    assert [p.verdict for p in got] == ["stored"] * 3


def test_unreadable_datatime_is_kept_raw_not_acknowledged(store: IngestStore, db: Database) -> None:
    [p] = store.write([incoming(minute_frame("20240230120000"))], now=NOW).prepared
    assert p.verdict == "bad_time" and p.frame_id and p.record_id is None
    assert _count(db, IngestRecord) == 0


def test_bad_crc_is_kept_raw_and_not_acknowledged(store: IngestStore, db: Database) -> None:
    raw = minute_frame()
    bad = raw[:-6] + b"0000\r\n"
    [p] = store.write([incoming(bad)], now=NOW).prepared
    assert p.verdict == "bad_crc" and _count(db, IngestRecord) == 0
    assert "CRC" in (p.error or "")
    lenient = IngestStore(db, AUDIT_KEY.encode(), Rules(accept_bad_crc=True))
    assert lenient.write([incoming(bad)], now=NOW).prepared[0].verdict == "stored"


def test_garbage_and_undecodable_are_kept(store: IngestStore, db: Database) -> None:
    from huanjian.ingest.pipeline import Incoming

    got = store.write(
        [
            Incoming(b"\x00\xffnoise", "p", NOW, garbage=True),
            incoming(b"##00"),
        ],
        now=NOW,
    ).prepared
    assert [p.verdict for p in got] == ["garbage", "undecodable"]
    assert _count(db, IngestFrame) == 2


def test_split_packet_is_assembled_across_batches(store: IngestStore, db: Database) -> None:
    from decimal import Decimal

    p1 = minute_frame(pnum=2, pno=1, qn="20240301122900001", items={"a21026": {"Avg": Decimal("1")}})
    p2 = minute_frame(pnum=2, pno=2, qn="20240301122900002", items={"a21002": {"Avg": Decimal("2")}})
    [first] = store.write([incoming(p1)], now=NOW).prepared
    assert first.verdict == "part" and first.record_id is None
    assert _count(db, IngestRecord) == 0
    [second] = store.write([incoming(p2)], now=NOW).prepared
    assert second.verdict == "part" and second.record_id is not None
    with db.unit_of_work() as s:
        rows = s.scalars(select(IngestReading).order_by(IngestReading.pollutant)).all()
        assert [(r.pollutant, r.avg) for r in rows] == [("a21002", 2.0), ("a21026", 1.0)]
        assert {pt.record_id for pt in s.scalars(select(IngestPart)).all()} == {second.record_id}
    # A retransmitted part after assembly duplicates nothing.
    [again] = store.write([incoming(p1)], now=NOW).prepared
    assert again.verdict == "duplicate" and again.record_id == second.record_id
    assert _count(db, IngestRecord) == 1 and _count(db, IngestReading) == 2


def test_split_packet_in_one_batch(store: IngestStore, db: Database) -> None:
    from decimal import Decimal

    parts = [
        minute_frame(pnum=3, pno=n, qn=f"2024030112290000{n}", items={f"a2100{n}": {"Avg": Decimal(n)}})
        for n in (2, 1, 3)
    ]
    got = store.write([incoming(r) for r in parts], now=NOW).prepared
    assert [p.verdict for p in got] == ["part"] * 3
    assert _count(db, IngestRecord) == 1 and _count(db, IngestReading) == 3


def test_replies(store: IngestStore) -> None:
    from huanjian.ingest.pipeline import reply_for

    ack = minute_frame(ack=True)
    noack = minute_frame("20240301123000", ack=False)
    got = store.write([incoming(ack), incoming(noack)], now=NOW).prepared
    reply = reply_for(got[0])
    assert reply is not None
    f = decode(reply)
    assert f.cn == "9014" and f.qn == "20240301122900000" and f.flag == 4 and f.st == "91"
    assert reply_for(got[1]) is None
    old = minute_frame("20240301123100", version="2005", mn="88888880000001", cn="2051")
    [p] = store.write([incoming(old)], now=NOW).prepared
    f = decode(reply_for(p) or b"")
    assert f.cn == "9014" and f.params.get("QN") == "20240301123100000" and f.params.get("CN") == "2051"


def _info_frame(pol_id: str, slope: str, data_time: str = "20240301122900") -> bytes:
    from decimal import Decimal

    from huanjian.hj212 import encode

    return encode(
        qn=f"{data_time}001", st="31", cn="3020", pw="123456", mn=MN, ack=True, version="2017",
        params={"DataTime": data_time, "PolId": pol_id}, items={"i13008": {"Info": Decimal(slope)}},
    )  # fmt: skip


def test_3020_reports_of_two_instruments_in_one_second_are_two_records(
    store: IngestStore, db: Database
) -> None:
    """HJ 212-2017 table B.10: field-side information is per instrument (PolId), not a resend."""
    result = store.write(
        [incoming(_info_frame("a21026", "1.25")), incoming(_info_frame("a19001", "1.0"))], now=NOW
    )
    assert [p.verdict for p in result.prepared] == ["stored", "stored"]
    # The same instrument again with another value is a conflicting resend, as for data.
    [p] = store.write([incoming(_info_frame("a21026", "0.9"), NOW + timedelta(minutes=1))], now=NOW).prepared
    assert p.verdict == "conflict"
    with db.unit_of_work() as s:
        recs = s.scalars(
            select(IngestRecord).where(IngestRecord.cn == "3020").order_by(IngestRecord.id)
        ).all()
        got = [((r.params or {}).get("PolId"), r.current, r.conflict) for r in recs]
        assert got == [("a21026", False, True), ("a19001", True, False), ("a21026", True, True)]
