"""The bulk path (COPY / executemany on the DBAPI connection) stores what the ORM reads back."""

from __future__ import annotations

from datetime import UTC, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select

from huanjian.core.db import Database
from huanjian.ingest.bulk import sqlite_datetime
from huanjian.ingest.layouts import reading_tuple, reading_values
from huanjian.ingest.models import IngestFrame, IngestLogger, IngestReading, IngestRecord
from huanjian.ingest.pipeline import Rules
from huanjian.ingest.store import IngestStore
from tests.conftest import AUDIT_KEY
from tests.ingest.helpers import MN, NOW, incoming, minute_frame


@pytest.fixture
def store(db: Database) -> IngestStore:
    return IngestStore(db, AUDIT_KEY.encode(), Rules())


def test_types_round_trip_and_ids_continue(store: IngestStore, db: Database) -> None:
    items: dict[str, dict[str, Decimal | str]] = {
        "a21026": {"Avg": Decimal("1.50"), "ZsAvg": Decimal("2"), "Odd": "x", "EFlag": "A1", "Flag": "N"}
    }
    raws = [minute_frame(f"2024030112{m:02d}00", items=items) for m in range(3)]
    result = store.write([incoming(r, NOW + timedelta(seconds=i)) for i, r in enumerate(raws)], now=NOW)
    ids = [p.frame_id for p in result.prepared]
    assert ids == list(range(ids[0], ids[0] + 3))  # type: ignore[operator]
    with db.unit_of_work() as s:
        frame = s.get(IngestFrame, ids[0])
        assert frame is not None and frame.received_at == NOW
        assert frame.warnings is not None and frame.warnings[0]["code"] == "unknown_subfield"
        assert frame.data_time is not None and frame.data_time.tzinfo is not None
        rec = s.get(IngestRecord, result.prepared[0].record_id)
        assert rec is not None and rec.current is True and rec.conflict is False
        assert rec.params == {"DataTime": "20240301120000"}
        reading = s.scalars(select(IngestReading).where(IngestReading.record_id == rec.id)).one()
        assert (reading.avg, reading.zs_avg, reading.eflag, reading.flag) == (1.5, 2.0, "A1", "N")
        assert reading.extra == {"Odd": "x"} and reading.current is True
        # An ORM insert after the bulk one takes the next id (sequence / rowid kept in step).
        nxt = s.execute(
            insert(IngestFrame).returning(IngestFrame.id),
            {
                "received_at": NOW,
                "source": "replay",
                "peer": "x",
                "raw": b"",
                "raw_sha": "0",
                "verdict": "garbage",
            },
        ).scalar_one()
        assert nxt == ids[-1] + 1  # type: ignore[operator]
        state = s.get(IngestLogger, MN)
        assert state is not None and state.frames == 3 and state.quarantined is True
    # A second batch for the same logger adds up and keeps the latest DataTime.
    store.write([incoming(minute_frame("20240301110000", items=items), NOW)], now=NOW)
    with db.unit_of_work() as s:
        state = s.get(IngestLogger, MN)
        assert state is not None and state.frames == 4 and state.records == 4
        assert state.last_data_time == rec.data_time + timedelta(minutes=2)


def test_ids_of_several_tables_are_drawn_at_once(db: Database) -> None:
    from huanjian.ingest.bulk import BulkWriter

    with db.unit_of_work() as s:
        bulk = BulkWriter(s)
        wanted = [("ingest_record", 3), ("ingest_part", 0), ("ingest_frame", 2)]
        records, none, frames = bulk.next_ids_many(wanted)
        assert none == [] and len(set(records)) == 3 and len(set(frames)) == 2
        assert records == sorted(records) and frames == sorted(frames)
        if bulk.postgres:  # drawn from each table's own sequence
            assert bulk.next_ids("ingest_record", 1)[0] > records[-1]
            assert bulk.next_ids("ingest_frame", 1)[0] > frames[-1]
        assert bulk.next_ids_many([("ingest_frame", 0)]) == [[]]


def test_reading_tuple_is_reading_values() -> None:
    fields: dict[str, Decimal | str] = {
        "Rtd": Decimal("1.0"),
        "Avg": "1.2.3",  # a malformed number kept as text goes to extra
        "Flag": "NNNNNNNNNNNNNNNNNNNNNNNN",
        "SampleTime": "20240301120000",
        "Info": Decimal("3"),
        "X": "y",
    }
    row, extra = reading_tuple(fields)
    expected = reading_values(fields)
    assert [*row, extra] == list(expected.values())


def test_sqlite_datetime_is_the_orm_format() -> None:
    assert sqlite_datetime(NOW) == "2024-03-01 04:30:00.000000"
    assert sqlite_datetime(NOW.astimezone(UTC).replace(microsecond=5)) == "2024-03-01 04:30:00.000005"
    with pytest.raises(ValueError):
        sqlite_datetime(NOW.replace(tzinfo=None))


_subs = st.sampled_from(
    ["Rtd", "Avg", "Min", "Max", "Cou", "ZsAvg", "RS", "RT", "Flag", "EFlag", "SampleTime", "X"]
)
_vals = st.decimals(allow_nan=False, allow_infinity=False) | st.text(max_size=30)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.dictionaries(_subs, _vals, max_size=6), min_size=1, max_size=4))
def test_reading_tuple_plans_are_reading_values(layouts: list[dict[str, Decimal | str]]) -> None:
    for fields in [*layouts, *layouts]:  # the second time through the cached plan
        row, extra = reading_tuple(fields)
        assert [*row, extra] == list(reading_values(fields).values())
