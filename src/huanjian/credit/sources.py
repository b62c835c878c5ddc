"""Read-only SQL over the records other domains keep: the events and measures credit scores from.

Where each event comes from (the item keeps the table and row id):

* ``supervision_record`` (register feed): ``penalty`` → ``fine`` (amount), ``order`` → ``order_to_correct``;
* ``supervision_order`` (casework): to labs and contractors an ``order_to_correct``; to anyone
  answered after its deadline, or not answered by then, ``late_order_answer``;
* ``notification`` with a due time, to a user of the organisation, acknowledged late →
  ``late_acknowledgement``;
* ``credit_finding`` (this domain): warnings, fines, CMA revoked, criminal liability, veto items…;
* ``field_lab_finding`` (technical re-checks) → ``technical_check_failed``;
* ``filing`` / ``filing_change`` (this domain) → ``not_filed``, ``late_change_report``;
* ``organisation.certification_valid_until`` before the period ends → ``certification_lapsed``;
* ``service_record`` ``check_in`` with result ``anomaly`` → ``check_in_anomaly``.

Measures (contractors): data quality per served outlet (``credit.inputs``), comparison tests
(``field_comparison_test`` verdicts), certified staff (``staff``/``certificate``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from huanjian.access.models import User
from huanjian.casework.models import SupervisionOrder
from huanjian.core.time import CST
from huanjian.credit import inputs
from huanjian.credit.models import CreditFinding, Filing, FilingChange, ServiceRecord
from huanjian.credit.scoring import Event, Part
from huanjian.field.models import ComparisonTest, LabFinding
from huanjian.notify.models import Notification
from huanjian.register.models import (
    Certificate,
    Device,
    Logger,
    Organisation,
    Outlet,
    ServiceContract,
    Staff,
    SupervisionRecord,
)


def _day(value: datetime) -> date:
    return value.astimezone(CST).date()


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    lo = datetime(start.year, start.month, start.day, tzinfo=CST)
    hi = datetime(end.year, end.month, end.day, tzinfo=CST) + timedelta(days=1)
    return lo, hi


def events(
    session: Session, scheme: str, org_ids: Sequence[int], start: date, end: date, now: datetime
) -> dict[int, list[Event]]:
    """Events of each organisation from ``start`` to ``end`` (inclusive)."""
    out: dict[int, list[Event]] = defaultdict(list)
    ids = list(org_ids)
    if not ids:
        return out
    lo, hi = _bounds(start, end)
    for f in session.scalars(
        select(CreditFinding).where(
            CreditFinding.organisation_id.in_(ids),
            CreditFinding.withdrawn_at.is_(None),
            CreditFinding.occurred_on >= start,
            CreditFinding.occurred_on <= end,
        )
    ):
        out[f.organisation_id].append(
            Event(f.kind, f.occurred_on, "credit_finding", str(f.id), f.description, f.amount)
        )
    if scheme == "enterprise":
        for r in session.scalars(
            select(SupervisionRecord).where(
                SupervisionRecord.enterprise_id.in_(ids),
                SupervisionRecord.record_date >= start,
                SupervisionRecord.record_date <= end,
                SupervisionRecord.kind.in_(("penalty", "order")),
            )
        ):
            kind = "fine" if r.kind == "penalty" else "order_to_correct"
            label = f"{r.record_number} {r.result or ''} ({r.authority or '-'})".strip()
            amount = r.penalty_amount if r.kind == "penalty" else None
            out[r.enterprise_id].append(
                Event(kind, r.record_date, "supervision_record", str(r.id), label, amount)
            )
    for o in session.scalars(
        select(SupervisionOrder).where(
            SupervisionOrder.addressee_id.in_(ids),
            or_(
                SupervisionOrder.issued_at.between(lo, hi),
                SupervisionOrder.deadline.between(lo, hi),
            ),
        )
    ):
        if scheme != "enterprise" and lo <= o.issued_at < hi:
            out[o.addressee_id].append(
                Event(
                    "order_to_correct", _day(o.issued_at), "supervision_order", str(o.id), f"order {o.number}"
                )
            )
        late = o.answered_at > o.deadline if o.answered_at else o.deadline < now
        if late and lo <= o.deadline < hi:
            how = (
                f"answered {o.answered_at.astimezone(CST):%Y-%m-%d %H:%M}"
                if o.answered_at
                else "not answered"
            )
            out[o.addressee_id].append(
                Event(
                    "late_order_answer",
                    _day(o.deadline),
                    "supervision_order",
                    str(o.id),
                    f"order {o.number}: deadline {o.deadline.astimezone(CST):%Y-%m-%d %H:%M}, {how}",
                )
            )
    for n, org in session.execute(
        select(Notification, User.organisation_id)
        .join(User, User.id == Notification.user_id)
        .where(User.organisation_id.in_(ids), Notification.due_at.between(lo, hi))
    ):
        assert n.due_at is not None
        late = n.acknowledged_at > n.due_at if n.acknowledged_at else n.due_at < now
        if late and org is not None:
            out[org].append(
                Event(
                    "late_acknowledgement",
                    _day(n.due_at),
                    "notification",
                    str(n.id),
                    f"notification '{n.title}' due {n.due_at.astimezone(CST):%Y-%m-%d %H:%M}",
                )
            )
    if scheme == "lab":
        _lab_events(session, ids, start, end, lo, hi, out)
    if scheme == "contractor":
        for s in session.scalars(
            select(ServiceRecord).where(
                ServiceRecord.organisation_id.in_(ids),
                ServiceRecord.kind == "check_in",
                ServiceRecord.result == "anomaly",
                ServiceRecord.performed_on >= start,
                ServiceRecord.performed_on <= end,
            )
        ):
            out[s.organisation_id].append(
                Event(
                    "check_in_anomaly",
                    s.performed_on,
                    "service_record",
                    str(s.id),
                    f"check-in anomaly: {s.summary}",
                )
            )
    return out


def _lab_events(
    session: Session,
    ids: list[int],
    start: date,
    end: date,
    lo: datetime,
    hi: datetime,
    out: dict[int, list[Event]],
) -> None:
    for f in session.scalars(
        select(LabFinding).where(LabFinding.lab_id.in_(ids), LabFinding.created_at.between(lo, hi))
    ):
        out[f.lab_id].append(
            Event(
                "technical_check_failed",
                _day(f.created_at),
                "field_lab_finding",
                str(f.id),
                f"technical re-check {f.technical_check_id}: {f.rule} — {f.description}",
            )
        )
    filings = {
        f.organisation_id: f for f in session.scalars(select(Filing).where(Filing.organisation_id.in_(ids)))
    }
    for org in session.scalars(select(Organisation).where(Organisation.id.in_(ids))):
        filing = filings.get(org.id)
        if filing is None or _day(filing.filed_at) > end:
            out[org.id].append(
                Event("not_filed", end, "organisation", str(org.id), f"{org.name}: not filed on {end}")
            )
        until = org.certification_valid_until
        if until is not None and until < end:
            on = max(until + timedelta(days=1), start)
            out[org.id].append(
                Event(
                    "certification_lapsed",
                    on,
                    "organisation",
                    str(org.id),
                    f"certification {org.certificate_number or ''} valid until {until}",
                )
            )
    for ch, org_id in session.execute(
        select(FilingChange, Filing.organisation_id)
        .join(Filing, Filing.id == FilingChange.filing_id)
        .where(
            Filing.organisation_id.in_(ids),
            FilingChange.late.is_(True),
            FilingChange.reported_at.between(lo, hi),
        )
    ):
        out[org_id].append(
            Event(
                "late_change_report",
                _day(ch.reported_at),
                "filing_change",
                str(ch.id),
                f"change of {ch.changed_on} reported {_day(ch.reported_at)}",
            )
        )


@dataclass
class Station:
    outlet_id: int
    name: str
    effective: float | None = None
    failed_comparisons: list[int] = field(default_factory=list)
    anomalies: list[int] = field(default_factory=list)


@dataclass
class ContractorMeasures:
    parts: dict[str, list[Part]]
    stations: dict[int, Station]


def served_outlets(session: Session, ids: Sequence[int], start: date, end: date) -> dict[int, set[int]]:
    """Outlets each contractor operates: devices it is named on, and O&M contracts in force in the period."""
    out: dict[int, set[int]] = defaultdict(set)
    for org, outlet in session.execute(
        select(Device.contractor_id, Logger.outlet_id)
        .join(Logger, Logger.id == Device.logger_id)
        .where(Device.contractor_id.in_(list(ids)))
    ):
        if org is not None:
            out[org].add(outlet)
    for org, outlet in session.execute(
        select(ServiceContract.provider_id, Outlet.id)
        .join(Outlet, Outlet.enterprise_id == ServiceContract.enterprise_id)
        .where(
            ServiceContract.provider_id.in_(list(ids)),
            ServiceContract.service == "operation_maintenance",
            ServiceContract.valid_from <= end,
            or_(ServiceContract.valid_until.is_(None), ServiceContract.valid_until >= start),
        )
    ):
        out[org].add(outlet)
    return out


def contractor_measures(
    session: Session, ids: Sequence[int], start: date, end: date
) -> dict[int, ContractorMeasures]:
    served = served_outlets(session, ids, start, end)
    all_outlets = sorted({o for s in served.values() for o in s})
    names = {
        oid: code
        for oid, code in session.execute(
            select(Outlet.id, Outlet.outlet_code).where(Outlet.id.in_(all_outlets))
        )
    }
    quality = inputs.data_quality(session, all_outlets, start, end)
    lo, hi = _bounds(start, end)
    tests: dict[int, list[ComparisonTest]] = defaultdict(list)
    for t in session.scalars(
        select(ComparisonTest)
        .where(ComparisonTest.contractor_id.in_(list(ids)), ComparisonTest.period_end.between(lo, hi))
        .order_by(ComparisonTest.id)
    ):
        assert t.contractor_id is not None
        tests[t.contractor_id].append(t)
    anomalies: dict[int, list[ServiceRecord]] = defaultdict(list)
    for s in session.scalars(
        select(ServiceRecord).where(
            ServiceRecord.organisation_id.in_(list(ids)),
            ServiceRecord.kind == "check_in",
            ServiceRecord.result == "anomaly",
            ServiceRecord.performed_on.between(start, end),
        )
    ):
        anomalies[s.organisation_id].append(s)
    staff = certified_staff(session, ids, end)
    result: dict[int, ContractorMeasures] = {}
    for org in ids:
        outlets = sorted(served.get(org, ()))
        stations = {o: Station(o, names.get(o, str(o))) for o in outlets}
        parts: dict[str, list[Part]] = {}
        dq = [quality[o] for o in outlets if o in quality]
        expected = sum(q.expected for q in dq)
        if expected:
            parts["effective_transmission"] = [
                Part(
                    q.expected / expected,
                    q.effective_transmission_rate,
                    "outlet",
                    str(q.outlet_id),
                    f"outlet {names.get(q.outlet_id)} effective transmission",
                )
                for q in dq
            ]
            received = sum(q.received for q in dq)
            if received:
                parts["validity"] = [
                    Part(
                        q.received / received,
                        q.validity_rate,
                        "outlet",
                        str(q.outlet_id),
                        f"outlet {names.get(q.outlet_id)} validity",
                    )
                    for q in dq
                    if q.received
                ]
        for q in dq:
            if q.outlet_id in stations:
                stations[q.outlet_id].effective = q.effective_transmission_rate
        mine = tests.get(org, [])
        if mine:
            parts["comparison_pass"] = [
                Part(
                    1 / len(mine),
                    1.0 if t.verdict == "pass" else 0.0,
                    "field_comparison_test",
                    str(t.id),
                    f"comparison test {t.id} ({t.parameter}) {t.verdict}",
                    _day(t.period_end),
                )
                for t in mine
            ]
        for t in mine:
            if t.verdict == "fail":
                stations.setdefault(
                    t.outlet_id, Station(t.outlet_id, names.get(t.outlet_id, str(t.outlet_id)))
                )
                stations[t.outlet_id].failed_comparisons.append(t.id)
        for s in anomalies.get(org, []):
            if s.outlet_id is not None and s.outlet_id in stations:
                stations[s.outlet_id].anomalies.append(s.id)
        people = staff.get(org, [])
        if people:
            parts["capability"] = [
                Part(
                    1 / len(people),
                    1.0 if ok else 0.0,
                    "staff",
                    str(sid),
                    f"staff {name}: {'certified' if ok else 'no valid certificate'} on {end}",
                )
                for sid, name, ok in people
            ]
        result[org] = ContractorMeasures(parts, stations)
    return result


def certified_staff(session: Session, ids: Sequence[int], on: date) -> dict[int, list[tuple[int, str, bool]]]:
    valid = set(
        session.scalars(
            select(Certificate.staff_id).where(
                or_(Certificate.valid_from.is_(None), Certificate.valid_from <= on),
                or_(Certificate.valid_until.is_(None), Certificate.valid_until >= on),
            )
        )
    )
    out: dict[int, list[tuple[int, str, bool]]] = defaultdict(list)
    for s in session.scalars(select(Staff).where(Staff.organisation_id.in_(list(ids))).order_by(Staff.id)):
        out[s.organisation_id].append((s.id, s.name, s.id in valid))
    return out
