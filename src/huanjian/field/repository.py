"""All SQL of the field domain, including its reads of the register, users and readings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from huanjian.access.models import User
from huanjian.core.scope import Scope, jurisdiction_filter, subtree_prefix
from huanjian.field.models import (
    ComparisonTest,
    CustodyLink,
    FieldEvent,
    FieldRecord,
    FieldSample,
    LabFinding,
    LabReport,
    MonitoringReport,
    SpotPlan,
    SpotPlanItem,
    TechnicalCheck,
)
from huanjian.ingest.models import IngestReading
from huanjian.register.models import Device, Enterprise, Limit, Logger, Organisation, Outlet


def add(session: Session, obj: object) -> None:
    session.add(obj)
    session.flush()


# --------------------------------------------------------------------------- records and events


def get_record(session: Session, record_id: int) -> FieldRecord | None:
    return session.get(FieldRecord, record_id)


def list_records(session: Session, scope: Scope, *, limit: int = 300) -> Sequence[FieldRecord]:
    stmt = select(FieldRecord).where(jurisdiction_filter(scope, FieldRecord.jurisdiction_code))
    return session.scalars(stmt.order_by(FieldRecord.id.desc()).limit(limit)).all()


def count_records(session: Session, case_id: int) -> int:
    return int(session.scalar(select(func.count()).where(FieldRecord.case_id == case_id)) or 0)


def event_by_uuid(session: Session, uuid: str) -> FieldEvent | None:
    return session.scalar(select(FieldEvent).where(FieldEvent.uuid == uuid))


def events_of(session: Session, record_id: int) -> Sequence[FieldEvent]:
    return session.scalars(
        select(FieldEvent).where(FieldEvent.record_id == record_id).order_by(FieldEvent.seq)
    ).all()


def server_changes_after(
    session: Session, record_id: int, seq: int, kinds: Sequence[str]
) -> Sequence[FieldEvent]:
    return session.scalars(
        select(FieldEvent)
        .where(
            FieldEvent.record_id == record_id,
            FieldEvent.seq > seq,
            FieldEvent.origin == "server",
            FieldEvent.kind.in_(kinds),
        )
        .order_by(FieldEvent.seq)
    ).all()


def corrections_after(session: Session, target_uuid: str, seq: int) -> Sequence[FieldEvent]:
    return session.scalars(
        select(FieldEvent)
        .where(
            FieldEvent.supersedes == target_uuid,
            FieldEvent.seq > seq,
            FieldEvent.status == "accepted",
        )
        .order_by(FieldEvent.seq)
    ).all()


def sample_by_code(session: Session, code: str) -> FieldSample | None:
    return session.scalar(select(FieldSample).where(FieldSample.code == code))


def samples_of(session: Session, record_id: int) -> Sequence[FieldSample]:
    return session.scalars(
        select(FieldSample).where(FieldSample.record_id == record_id).order_by(FieldSample.id)
    ).all()


def custody_of(session: Session, sample_ids: Sequence[int]) -> Sequence[CustodyLink]:
    if not sample_ids:
        return []
    return session.scalars(
        select(CustodyLink)
        .where(CustodyLink.sample_id.in_(sample_ids))
        .order_by(CustodyLink.sample_id, CustodyLink.position)
    ).all()


# --------------------------------------------------------------------------- register and readings


def get_outlet(session: Session, outlet_id: int) -> Outlet | None:
    return session.get(Outlet, outlet_id)


def limits_on(session: Session, outlet_id: int, on: date) -> Sequence[Limit]:
    return session.scalars(
        select(Limit)
        .where(
            Limit.outlet_id == outlet_id,
            Limit.valid_from <= on,
            or_(Limit.valid_until.is_(None), Limit.valid_until >= on),
        )
        .order_by(Limit.pollutant, Limit.averaging_period)
    ).all()


def outlets_of_enterprises(session: Session, enterprise_ids: Sequence[int]) -> Sequence[tuple[Outlet, str]]:
    """(outlet, enterprise name) of these enterprises, for a lab's upload form."""
    rows = session.execute(
        select(Outlet, Organisation.name)
        .join(Organisation, Organisation.id == Outlet.enterprise_id)
        .where(Outlet.enterprise_id.in_(list(enterprise_ids)))
        .order_by(Organisation.name, Outlet.outlet_code)
    ).all()
    return [(o, name) for o, name in rows]


def get_device(session: Session, device_id: int) -> Device | None:
    return session.get(Device, device_id)


def loggers_of_outlet(session: Session, outlet_id: int) -> Sequence[Logger]:
    return session.scalars(select(Logger).where(Logger.outlet_id == outlet_id).order_by(Logger.id)).all()


def readings(
    session: Session, mns: Sequence[str], pollutant: str, start: datetime, end: datetime, period: str = "hour"
) -> Sequence[IngestReading]:
    if not mns:
        return []
    return session.scalars(
        select(IngestReading)
        .where(
            IngestReading.mn.in_(mns),
            IngestReading.pollutant == pollutant,
            IngestReading.period == period,
            IngestReading.data_time >= start,
            IngestReading.data_time <= end,
            IngestReading.current.is_(True),
        )
        .order_by(IngestReading.data_time)
    ).all()


def latest_readings(session: Session, mns: Sequence[str], limit: int = 40) -> Sequence[IngestReading]:
    if not mns:
        return []
    return session.scalars(
        select(IngestReading)
        .where(IngestReading.mn.in_(mns), IngestReading.current.is_(True))
        .order_by(IngestReading.data_time.desc())
        .limit(limit)
    ).all()


def user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def user_by_name(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def users_of_organisation(session: Session, organisation_id: int) -> Sequence[int]:
    return session.scalars(
        select(User.id).where(User.organisation_id == organisation_id, User.active.is_(True))
    ).all()


# --------------------------------------------------------------------------- comparison tests


def get_comparison(session: Session, test_id: int) -> ComparisonTest | None:
    return session.get(ComparisonTest, test_id)


def list_comparisons(session: Session, scope: Scope, *, limit: int = 300) -> Sequence[ComparisonTest]:
    stmt = select(ComparisonTest).where(jurisdiction_filter(scope, ComparisonTest.jurisdiction_code))
    return session.scalars(stmt.order_by(ComparisonTest.id.desc()).limit(limit)).all()


def last_pass_before(
    session: Session, device_id: int, parameter: str, before: datetime
) -> ComparisonTest | None:
    return session.scalar(
        select(ComparisonTest)
        .where(
            ComparisonTest.device_id == device_id,
            ComparisonTest.parameter == parameter,
            ComparisonTest.verdict == "pass",
            ComparisonTest.period_end <= before,
        )
        .order_by(ComparisonTest.period_end.desc())
        .limit(1)
    )


# --------------------------------------------------------------------------- reports


def get_report(session: Session, report_id: int) -> MonitoringReport | None:
    return session.get(MonitoringReport, report_id)


def list_reports(session: Session, scope: Scope, *, limit: int = 300) -> Sequence[MonitoringReport]:
    stmt = select(MonitoringReport).where(jurisdiction_filter(scope, MonitoringReport.jurisdiction_code))
    return session.scalars(stmt.order_by(MonitoringReport.id.desc()).limit(limit)).all()


def count_report_numbers(session: Session, prefix: str) -> int:
    return int(
        session.scalar(
            select(func.count(func.distinct(MonitoringReport.number))).where(
                MonitoringReport.number.startswith(prefix, autoescape=True)
            )
        )
        or 0
    )


def versions_of(session: Session, number: str) -> Sequence[MonitoringReport]:
    return session.scalars(
        select(MonitoringReport).where(MonitoringReport.number == number).order_by(MonitoringReport.version)
    ).all()


# --------------------------------------------------------------------------- lab reports


def get_lab_report(session: Session, report_id: int) -> LabReport | None:
    return session.get(LabReport, report_id)


def list_lab_reports(session: Session, scope: Scope, *, limit: int = 300) -> Sequence[LabReport]:
    stmt = select(LabReport).where(jurisdiction_filter(scope, LabReport.jurisdiction_code, LabReport.lab_id))
    return session.scalars(stmt.order_by(LabReport.id.desc()).limit(limit)).all()


def lab_report_count(session: Session, lab_id: int, start: datetime, end: datetime) -> int:
    return int(
        session.scalar(
            select(func.count()).where(
                LabReport.lab_id == lab_id, LabReport.uploaded_at >= start, LabReport.uploaded_at < end
            )
        )
        or 0
    )


def technical_check_of(session: Session, lab_report_id: int) -> TechnicalCheck | None:
    return session.scalar(select(TechnicalCheck).where(TechnicalCheck.lab_report_id == lab_report_id))


def findings_of(session: Session, check_id: int) -> Sequence[LabFinding]:
    return session.scalars(
        select(LabFinding).where(LabFinding.technical_check_id == check_id).order_by(LabFinding.id)
    ).all()


# --------------------------------------------------------------------------- of a case (evidence package)


def records_of_case(session: Session, case_id: int) -> Sequence[FieldRecord]:
    return session.scalars(
        select(FieldRecord).where(FieldRecord.case_id == case_id).order_by(FieldRecord.id)
    ).all()


def reports_of_case(session: Session, case_id: int) -> Sequence[MonitoringReport]:
    stmt = select(MonitoringReport).where(MonitoringReport.case_id == case_id)
    return session.scalars(stmt.order_by(MonitoringReport.number, MonitoringReport.version)).all()


def comparisons_of_case(session: Session, case_id: int) -> Sequence[ComparisonTest]:
    stmt = select(ComparisonTest).where(ComparisonTest.case_id == case_id)
    return session.scalars(stmt.order_by(ComparisonTest.id)).all()


# --------------------------------------------------------------------------- spot-test plans


def contractors(session: Session) -> Sequence[Organisation]:
    """Every O&M contractor in the register, operating or not (a suspended one still has devices)."""
    return session.scalars(
        select(Organisation).where(Organisation.kind == "contractor").order_by(Organisation.id)
    ).all()


def served_devices(session: Session, jurisdiction_code: str) -> Sequence[tuple[Device, str, int, str]]:
    """(device, MN, enterprise id, enterprise jurisdiction) of devices with a contractor in the subtree."""
    prefix = subtree_prefix(jurisdiction_code)
    rows = session.execute(
        select(Device, Logger.mn, Logger.enterprise_id, Organisation.jurisdiction_code)
        .join(Logger, Logger.id == Device.logger_id)
        .join(Enterprise, Enterprise.id == Logger.enterprise_id)
        .join(Organisation, Organisation.id == Enterprise.id)
        .where(
            Device.contractor_id.is_not(None),
            Organisation.jurisdiction_code.startswith(prefix, autoescape=True),
        )
        .order_by(Device.id)
    ).all()
    return [(d, mn, eid, code or "") for d, mn, eid, code in rows]


def failed_comparisons(session: Session, contractor_id: int, start: datetime, end: datetime) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(ComparisonTest)
            .where(
                ComparisonTest.contractor_id == contractor_id,
                ComparisonTest.verdict == "fail",
                ComparisonTest.period_start >= start,
                ComparisonTest.period_start < end,
            )
        )
        or 0
    )


def spot_plan_for(session: Session, year: int, jurisdiction_code: str) -> SpotPlan | None:
    return session.scalar(
        select(SpotPlan).where(SpotPlan.year == year, SpotPlan.jurisdiction_code == jurisdiction_code)
    )


def get_spot_plan(session: Session, plan_id: int) -> SpotPlan | None:
    return session.get(SpotPlan, plan_id)


def list_spot_plans(session: Session, scope: Scope) -> Sequence[SpotPlan]:
    stmt = select(SpotPlan).where(jurisdiction_filter(scope, SpotPlan.jurisdiction_code))
    return session.scalars(stmt.order_by(SpotPlan.year.desc(), SpotPlan.id.desc())).all()


def spot_items(session: Session, plan_id: int) -> Sequence[SpotPlanItem]:
    return session.scalars(
        select(SpotPlanItem)
        .where(SpotPlanItem.plan_id == plan_id)
        .order_by(SpotPlanItem.contractor_id, SpotPlanItem.position)
    ).all()


def open_spot_item(session: Session, device_id: int, year: int) -> SpotPlanItem | None:
    """The earliest open item of the year for this device (any plan: they may nest by jurisdiction)."""
    return session.scalar(
        select(SpotPlanItem)
        .join(SpotPlan, SpotPlan.id == SpotPlanItem.plan_id)
        .where(
            SpotPlanItem.device_id == device_id,
            SpotPlan.year == year,
            SpotPlanItem.comparison_id.is_(None),
        )
        .order_by(SpotPlanItem.quarter, SpotPlanItem.id)
        .limit(1)
    )
