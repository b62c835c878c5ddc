"""Timestamps are aware UTC in storage on both backends, shown in China Standard Time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from huanjian.audit.models import AuditHead
from huanjian.core.time import CST, iso_cst, parse_local, to_cst
from huanjian.core.tx import Tx


def test_cst_day_boundary() -> None:
    assert iso_cst(datetime(2026, 3, 1, 16, 0, tzinfo=UTC)) == "2026-03-02T00:00:00+08:00"
    assert parse_local("2026-03-02T00:00:00") == datetime(2026, 3, 1, 16, 0, tzinfo=UTC)
    assert parse_local("2026-03-01T23:59:00", offset_hours=9) == datetime(2026, 3, 1, 14, 59, tzinfo=UTC)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        to_cst(datetime(2026, 1, 1))


@given(
    st.datetimes(
        min_value=datetime(1990, 1, 1),
        max_value=datetime(2100, 1, 1),
        timezones=st.sampled_from([UTC, CST, timezone(timedelta(hours=-5))]),
    )
)
def test_cst_round_trip(value: datetime) -> None:
    assert to_cst(value) == value
    assert to_cst(value).utcoffset() == timedelta(hours=8)


def test_utc_survives_the_database(tx: Tx) -> None:
    local = datetime(2026, 1, 1, 0, 0, 0, 123456, tzinfo=CST)
    tx.session.add(AuditHead(id=99, count=0, head_hash="x", mac="y", updated_at=local))
    tx.session.flush()
    tx.session.expire_all()
    stored = tx.session.scalars(select(AuditHead).where(AuditHead.id == 99)).one().updated_at
    assert stored.tzinfo is not None and stored.utcoffset() == timedelta(0)
    assert stored == local


def test_naive_datetime_is_not_stored(tx: Tx) -> None:
    from sqlalchemy.exc import StatementError

    tx.session.add(AuditHead(id=98, count=0, head_hash="x", mac="y", updated_at=datetime(2026, 1, 1)))
    with pytest.raises(StatementError, match="naive"):
        tx.session.flush()
    tx.session.rollback()


def test_cst_day_start_is_utc_16_00_the_day_before() -> None:
    from datetime import date

    from huanjian.core.time import cst_day_start

    assert cst_day_start(date(2026, 3, 2)) == datetime(2026, 3, 1, 16, 0, tzinfo=UTC)


@given(st.dates(), st.integers(min_value=0, max_value=400), st.integers(min_value=1, max_value=62))
def test_day_slices_cover_the_range_exactly(first: object, span: int, max_days: int) -> None:
    from datetime import date

    from huanjian.core.time import day_slices

    assert isinstance(first, date)
    if first > date(9000, 1, 1):
        return
    last = first + timedelta(days=span)
    slices = list(day_slices(first, last, max_days))
    assert all(1 <= n <= max_days for _, n in slices)
    day = first
    for start, n in slices:  # contiguous, no gap, no overlap
        assert start == day
        day += timedelta(days=n)
    assert day == last + timedelta(days=1)
    assert list(day_slices(last, first - timedelta(days=1), max_days)) == []
