"""Time handling (ADR 0002).

Storage is timezone-aware UTC. Display and exports are China Standard Time
(UTC+08:00, no daylight saving since 1991), so a fixed offset is exact and
needs no tz database.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone

CST = timezone(timedelta(hours=8), "CST")


def utcnow() -> datetime:
    return datetime.now(UTC)


def ensure_utc(value: datetime) -> datetime:
    """Return ``value`` in UTC; naive datetimes are refused, never guessed."""
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value.isoformat()} has no time zone; refusing to guess")
    return value.astimezone(UTC)


def to_cst(value: datetime) -> datetime:
    return ensure_utc(value).astimezone(CST)


def iso_cst(value: datetime | None) -> str | None:
    """ISO 8601 with +08:00, the export convention of the glossary."""
    return None if value is None else to_cst(value).isoformat()


def parse_local(text: str, offset_hours: float = 8.0) -> datetime:
    """Parse a zone-less local time (e.g. HJ 212 DataTime) given the source's offset."""
    naive = datetime.fromisoformat(text)
    if naive.tzinfo is not None:
        return naive.astimezone(UTC)
    return naive.replace(tzinfo=timezone(timedelta(hours=offset_hours))).astimezone(UTC)


def cst_day_start(day: date) -> datetime:
    """The UTC instant at which China Standard Time day ``day`` begins."""
    return datetime(day.year, day.month, day.day, tzinfo=CST).astimezone(UTC)


def day_slices(first: date, last: date, max_days: int) -> Iterator[tuple[date, int]]:
    """Consecutive runs ``(start, n_days)`` of at most ``max_days`` covering ``first``..``last`` inclusive;
    long recomputations (review, detection) read and write one slice at a time."""
    day = first
    while day <= last:
        n = min(max_days, (last - day).days + 1)
        yield day, n
        day += timedelta(days=n)
