"""The bulk reader gives the rows the ORM query gives, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import insert
from sqlalchemy.orm import Session

from huanjian.core.scope import Scope
from huanjian.ingest import reader, repository
from huanjian.ingest.models import IngestReading

T0 = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)
RECEIVED = datetime(2026, 3, 3, tzinfo=UTC)


def _rows() -> list[dict[str, object]]:
    rng = np.random.default_rng(5)
    rows: list[dict[str, object]] = []
    rid = 7_000_000
    for mn in ("MNA", "MNB", "MNC"):
        for k in range(-3, 130):
            for code in ("a21026", "a19001"):
                rid += 1
                avg = None if k % 11 == 0 else round(float(rng.normal(20, 3)), 3)
                rows.append(
                    {
                        "record_id": rid,
                        "pollutant": code,
                        "data_time": T0 + timedelta(minutes=k),
                        "mn": mn,
                        "period": "minute" if k % 17 else "hour",
                        "wire_code": code,
                        "avg": avg,
                        "rtd": None if k % 22 == 0 else 1.5 * k,
                        "flag": [None, "N", "d", "Mx", ""][k % 5],
                        # the last minutes arrived a day later (as-of view), some are old versions
                        "received_at": RECEIVED + timedelta(days=1 if k > 100 else 0),
                        "current": k % 29 != 5,
                        "conflict": False,
                    }
                )
    return rows


def _expected(session: Session, mns: set[str], period: str, end: datetime, before: datetime | None) -> list:
    out = []
    for r in repository.readings(session, Scope(everything=True), start=T0, end=end, period=period):
        if r.mn not in mns or (before is not None and r.received_at > before):
            continue
        v = r.avg if r.avg is not None else r.rtd
        flag = (r.flag or "")[:1].upper()
        out.append((r.mn, r.pollutant, int(r.data_time.timestamp()), np.nan if v is None else v, flag))
    return sorted(out, key=lambda x: (x[0], x[1], x[2]))


def _got(cols: reader.ReadingColumns) -> list:
    out = [
        (cols.mns[m], cols.pollutants[p], int(t), float(v), chr(f) if f else "")
        for m, p, t, v, f in zip(cols.mn, cols.pollutant, cols.times_s, cols.values, cols.flags, strict=True)
    ]
    return sorted(out, key=lambda x: (x[0], x[1], x[2]))


def test_columns_match_the_orm_rows(session: Session) -> None:
    session.execute(insert(IngestReading), _rows())
    end = T0 + timedelta(minutes=120)
    for mns, period, before in (
        ({"MNA", "MNB"}, "minute", None),
        ({"MNC"}, "hour", None),
        ({"MNA"}, "minute", RECEIVED),
    ):
        cols = reader.columns(session, sorted(mns), period, T0, end, received_before=before)
        expected = _expected(session, mns, period, end, before)
        got = _got(cols)
        assert len(got) == len(expected) > 0
        for g, e in zip(got, expected, strict=True):
            assert g[:3] == e[:3] and g[4] == e[4]
            assert (np.isnan(g[3]) and np.isnan(e[3])) or g[3] == e[3]
    one = reader.columns(session, ["MNA", "MNB"], "minute", T0, end).of("MNB")
    assert one.mns == ("MNB",) and len(one) == len(_expected(session, {"MNB"}, "minute", end, None))
    assert len(reader.columns(session, ["NOPE"], "minute", T0, end)) == 0
    assert len(reader.columns(session, [], "minute", T0, end)) == 0
