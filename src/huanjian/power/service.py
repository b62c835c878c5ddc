"""Electricity monitoring: meter registration, the CSV feed, and one series per meter.

Every write is one audited action.  A feed file is checked whole before anything
is written: one bad row rejects the file with every error located by row and
column, so a half-imported file never exists.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from huanjian.access.policy import Principal, authorize
from huanjian.core.scope import Scope
from huanjian.core.time import utcnow
from huanjian.core.tx import Tx
from huanjian.errors import Conflict, NotFound, ValidationError
from huanjian.power import repository as repo
from huanjian.power.feed import RowError, catalogue, parse_rows
from huanjian.power.models import PowerMeter, PowerReading
from huanjian.power.repository import Row5
from huanjian.register.importer import read_rows
from huanjian.register.service import scope_for


def _scope(tx: Tx, principal: Principal) -> Scope:
    # Contractors and labs also see the enterprises they serve under contract.
    return scope_for(tx, principal)


def _meter_after(m: PowerMeter) -> dict[str, Any]:
    return {
        "enterprise_id": m.enterprise_id,
        "facility_id": m.facility_id,
        "meter_code": m.meter_code,
        "quantity": m.quantity,
        "running_threshold": m.running_threshold,
        "mn": m.mn,
        "item_code": m.item_code,
        "subfield": m.subfield,
    }


def register_meter(
    tx: Tx,
    principal: Principal,
    *,
    credit_code: str,
    facility_code: str,
    meter_code: str,
    quantity: str,
    running_threshold: float | None = None,
    mn: str | None = None,
    item_code: str | None = None,
    subfield: str | None = None,
) -> PowerMeter:
    """Register a meter on a register facility, or update how its data arrive."""
    authorize(principal, "power.write")
    cat = catalogue()
    if quantity not in cat.quantities:
        raise ValidationError(f"quantity {quantity!r}: one of {', '.join(cat.quantities)}", field="quantity")
    if subfield is not None and subfield not in cat.subfields:
        raise ValidationError(f"subfield {subfield!r}: one of {', '.join(cat.subfields)}", field="subfield")
    if (mn is None) != (item_code is None):
        raise ValidationError(
            "mn and item_code go together (the HJ 212 logger and the item it sends)", field="mn"
        )
    if running_threshold is not None and running_threshold < 0:
        raise ValidationError("running_threshold must be ≥ 0", field="running_threshold")
    found = repo.facility(tx.session, credit_code, facility_code)
    if found is None or not _scope(tx, principal).sees(found[1].jurisdiction_code, found[1].id):
        raise NotFound(
            f"facility {credit_code}/{facility_code} not found in the register", field="facility_code"
        )
    fac, org = found
    m = repo.meter_by_code(tx.session, org.id, meter_code)
    before = _meter_after(m) if m is not None else None
    if m is not None and m.facility_id != fac.id:
        raise Conflict(
            f"meter {meter_code} is registered on another facility of this enterprise", field="meter_code"
        )
    if m is None:
        m = PowerMeter(
            enterprise_id=org.id,
            facility_id=fac.id,
            meter_code=meter_code,
            jurisdiction_code=org.jurisdiction_code,
            created_at=utcnow(),
            created_by=tx.ctx.actor_name,
            quantity=quantity,
        )
        tx.session.add(m)
    m.quantity, m.running_threshold = quantity, running_threshold
    m.mn, m.item_code, m.subfield = mn, item_code, (subfield or ("rtd" if mn else None))
    tx.session.flush()
    tx.audit(
        "power.meter.register" if before is None else "power.meter.update",
        "power_meter",
        m.id,
        before=before,
        after=_meter_after(m),
        jurisdiction_code=m.jurisdiction_code,
        organisation_id=m.enterprise_id,
    )
    return m


@dataclass
class ImportReport:
    batch_sha: str
    rows: int = 0
    stored: int = 0
    duplicates: int = 0
    conflicts: int = 0
    meters: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "batch_sha": self.batch_sha,
            "rows": self.rows,
            "stored": self.stored,
            "duplicates": self.duplicates,
            "conflicts": self.conflicts,
            "meters": self.meters,
        }


def import_feed(tx: Tx, principal: Principal, data: bytes, filename: str) -> ImportReport:
    """Store a feed file: all rows or none.  Re-importing the same file stores nothing new."""
    authorize(principal, "power.import")
    header, raw_rows = read_rows(data, filename)
    rows, errors = parse_rows(raw_rows, header)
    scope = _scope(tx, principal)
    meters: dict[tuple[str, str], PowerMeter] = {}
    for row in rows:
        key = (row.credit_code, row.meter_code)
        if key in meters:
            m: PowerMeter | None = meters[key]
        else:
            found = repo.facility(tx.session, row.credit_code, row.facility_code)
            if found is None or not scope.sees(found[1].jurisdiction_code, found[1].id):
                errors.append(
                    RowError(
                        row.row_no,
                        "facility_code",
                        f"{row.credit_code}/{row.facility_code}: no such facility in the register",
                    )
                )
                continue
            m = repo.meter_by_code(tx.session, found[1].id, row.meter_code)
            if m is None:
                errors.append(
                    RowError(
                        row.row_no,
                        "meter_code",
                        f"meter {row.meter_code} is not registered (huanjian power meter add)",
                    )
                )
                continue
            if m.facility_id != found[0].id:
                errors.append(
                    RowError(
                        row.row_no, "facility_code", f"meter {row.meter_code} belongs to another facility"
                    )
                )
                continue
            meters[key] = m
        if m is not None and row.quantity != m.quantity:
            errors.append(
                RowError(
                    row.row_no,
                    "quantity",
                    f"meter {row.meter_code} measures {m.quantity}, not {row.quantity}",
                )
            )
    if errors:
        errors.sort(key=lambda e: (e.row, e.column))
        shown = "; ".join(f"row {e.row} {e.column}: {e.message}" for e in errors[:10])
        more = f" (and {len(errors) - 10} more)" if len(errors) > 10 else ""
        raise ValidationError(
            f"{filename}: {len(errors)} error(s), nothing stored — {shown}{more}",
            field="file",
            errors=[e.as_dict() for e in errors],
        )
    sha = hashlib.sha256(data).hexdigest()
    report = ImportReport(batch_sha=sha, rows=len(rows))
    now = utcnow()
    keyed = [(meters[(r.credit_code, r.meter_code)].id, r.period, r.data_time) for r in rows]
    stored = repo.current_readings(tx.session, keyed)
    seen_in_file: dict[tuple[int, str, datetime], PowerReading] = {}
    for row, k in zip(rows, keyed, strict=True):
        versions = ([seen_in_file[k]] if k in seen_in_file else []) + stored.get(k, [])
        cur = versions[0] if versions else None
        if cur is not None and cur.value == row.value and cur.state == row.state:
            report.duplicates += 1
            continue
        new = PowerReading(
            meter_id=k[0],
            period=row.period,
            data_time=row.data_time,
            value=row.value,
            state=row.state,
            current=True,
            conflict=cur is not None,
            batch_sha=sha,
            row_no=row.row_no,
            received_at=now,
            received_by=tx.ctx.actor_name,
        )
        if cur is not None:
            report.conflicts += 1
            cur.current, cur.conflict = False, True  # the earlier version stays, superseded
        tx.session.add(new)
        seen_in_file[k] = new
        report.stored += 1
    tx.session.flush()
    report.meters = sorted({k[0] for k in keyed})
    by_org = {m.enterprise_id: m.jurisdiction_code for m in meters.values()}
    for org_id, jurisdiction in sorted(by_org.items(), key=lambda kv: kv[0]):
        tx.audit(
            "power.feed.import",
            "power_feed",
            sha[:16],
            after={**report.as_dict(), "file": filename, "enterprise_id": org_id},
            jurisdiction_code=jurisdiction,
            organisation_id=org_id,
        )
    return report


def list_meters(tx: Tx, principal: Principal, *, enterprise_id: int | None = None) -> list[PowerMeter]:
    authorize(principal, "power.read")
    return list(repo.meters(tx.session, _scope(tx, principal), enterprise_id=enterprise_id))


def get_meter(tx: Tx, principal: Principal, meter_id: int) -> PowerMeter:
    authorize(principal, "power.read")
    m = repo.meter(tx.session, _scope(tx, principal), meter_id)
    if m is None:
        raise NotFound(f"meter {meter_id} not found")
    return m


@dataclass(frozen=True, slots=True)
class Point:
    data_time: datetime
    period: str
    value: float | None
    state: str | None
    """``running``/``stopped`` as sent, else from the meter's threshold, else None."""
    source: str  # feed | hj212
    flag: str | None
    conflict: bool


def _state(value: float | None, given: str | None, threshold: float | None) -> str | None:
    if given is not None:
        return given
    if threshold is None or value is None:
        return None
    return "running" if value >= threshold else "stopped"


def _points(m: PowerMeter, feed: Sequence[Row5], hj212: Sequence[Row5]) -> list[Point]:
    """Points of both channels in time order (feed rows carry a state, HJ 212 rows a flag)."""
    points = [Point(t, p, v, _state(v, s, m.running_threshold), "feed", None, c) for t, p, v, s, c in feed]
    points += [Point(t, p, v, _state(v, None, m.running_threshold), "hj212", f, c) for t, p, v, f, c in hj212]
    points.sort(key=lambda pt: (pt.data_time, pt.period, pt.source))
    return points


def series(
    tx: Tx, principal: Principal, meter_id: int, start: datetime, end: datetime, period: str | None = None
) -> list[Point]:
    """The meter's readings in [start, end) from both channels, in time order."""
    m = get_meter(tx, principal, meter_id)
    return _points(
        m,
        repo.feed_series(tx.session, m.id, start, end, period),
        repo.hj212_series(tx.session, m, start, end, period),
    )


def latest(tx: Tx, meters: Sequence[PowerMeter], start: datetime, end: datetime) -> dict[int, Point]:
    """The last point of each (already authorised) meter in [start, end): what :func:`series`
    would end with, without reading the whole period (one query for the feed, one per HJ 212
    meter)."""
    feed = repo.latest_feed(tx.session, [m.id for m in meters], start, end)
    out: dict[int, Point] = {}
    for m in meters:
        hj = repo.hj212_series(tx.session, m, start, end, None, newest_only=True)
        points = _points(m, feed.get(m.id, []), hj)
        if points:
            out[m.id] = points[-1]
    return out
