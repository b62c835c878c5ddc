"""Demo: one case of the demo enterprise in its monitoring task, with a field record
assigned to the demo user ``station``, so the phone page has something to work on."""

from __future__ import annotations

from sqlalchemy import select

from huanjian.access.policy import Principal
from huanjian.casework import service as cases
from huanjian.core.tx import Tx
from huanjian.demo.register_seed import DEMO_ENTERPRISE
from huanjian.field import service as field
from huanjian.field.models import FieldRecord
from huanjian.register import repository as register
from huanjian.register.models import Organisation, Outlet, Staff


def seed_field(tx: Tx) -> str:
    """Idempotent: does nothing when a field record exists already."""
    if tx.session.scalar(select(FieldRecord.id).limit(1)) is not None:
        return "field record exists"
    org = register.organisation_by_code(tx.session, DEMO_ENTERPRISE)
    if org is None:
        return "no demo enterprise"
    outlet = tx.session.scalar(
        select(Outlet)
        .where(Outlet.enterprise_id == org.id, Outlet.kind == "air")
        .order_by(Outlet.outlet_code)
    )
    if outlet is None:
        return "no air outlet"
    system = Principal.system()
    case = cases.open_case(
        tx, system, enterprise_id=org.id, source="complaint", title="群众投诉：锅炉烟囱冒黑烟（演示）"
    )
    cases.transition(tx, system, case.id, "accept")
    cases.transition(tx, system, case.id, "task_monitoring")
    staff = tx.session.scalars(
        select(Staff)
        .join(Organisation, Staff.organisation_id == Organisation.id)
        .where(Organisation.kind == "lab")
    ).all()
    for person in staff:
        row = cases.assign(tx, system, case.id, kind="monitoring", staff_id=person.id, pollutant="a21026")
        if row.status == "assigned":
            break
    else:
        return "no qualified, unconflicted sampler"
    record = field.create_record(
        tx, system, case_id=case.id, outlet_id=outlet.id, method="hj57_so2", assignee="station"
    )
    return f"field record {record.number} (id {record.id}) for station"
