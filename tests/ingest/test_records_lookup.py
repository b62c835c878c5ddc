"""The dedup lookup of stored versions: keys sent as joined text on PostgreSQL, as arrays when
a key could not be joined unambiguously; both find the same records."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from huanjian.core.db import Database
from huanjian.ingest.bulk import BulkWriter
from huanjian.ingest.pipeline import Incoming, Rules, parse_data_time
from huanjian.ingest.store import _RECORDS_PG, IngestStore, _records_for
from tests.conftest import AUDIT_KEY
from tests.ingest.helpers import minute_frame

MNS = ["0100000000000000000000A1", "0100000000000000000000A2"]


def test_text_and_array_lookups_find_the_same_records(fresh_pg_url: str) -> None:
    db = Database(fresh_pg_url)
    try:
        store = IngestStore(db, AUDIT_KEY.encode(), Rules())
        now = datetime(2024, 3, 1, 5, tzinfo=UTC)
        times = [f"2024030112{m:02d}00" for m in range(5)]
        store.write([Incoming(minute_frame(t, mn=mn), "p", now) for mn in MNS for t in times], now)
        keys: set[tuple[Any, ...]] = {(mn, "2051", parse_data_time(t, 8.0)) for mn in MNS for t in times}
        with db.unit_of_work() as session:
            bulk = BulkWriter(session)
            as_text = sorted(_records_for(bulk, keys))
            mns, cns, dts = zip(*keys, strict=True)
            as_arrays = sorted(bulk.query(_RECORDS_PG, (list(mns), list(cns), list(dts))))
            assert len(as_text) == 10 and as_text == as_arrays
            # A key the text form cannot carry (empty CN, the separator in an MN): arrays.
            odd = keys | {("X\x1fY", "2051", dts[0]), (MNS[0], "", dts[0])}
            assert sorted(_records_for(bulk, odd)) == as_arrays
    finally:
        db.dispose()
