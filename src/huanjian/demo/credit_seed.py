"""Demo credit inputs, recorded through the domains' own actions, so that an annual run on the
demo (``huanjian credit run --scheme enterprise|lab|contractor --period YEAR``) meets deductions of
several kinds, each on a stored record it links to:

* filings (备案) of the demo labs and contractors, one lab left unfiled (priority supervision);
* penalties and orders of this year for a few enterprises, through the register's
  ``supervision`` import (the register feed the enterprise scheme reads);
* a warning and a fine for labs, an order to correct for a contractor (credit findings);
* a check-in anomaly uploaded by the demo contractor for an enterprise it serves.

Everything is dated this year (CST) up to today, so the current year's annual run sees it.
Idempotent: does nothing once a filing exists.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from huanjian.access import repository as users
from huanjian.access.policy import Principal
from huanjian.core.time import CST, utcnow
from huanjian.core.tx import Tx
from huanjian.credit import filing
from huanjian.credit.models import Filing
from huanjian.register import importer
from huanjian.register import repository as register_repo
from huanjian.register.models import Organisation, Outlet, Staff

SEED = 9


@dataclass
class CreditSeedReport:
    filed: int = 0
    findings: int = 0
    supervision: int = 0
    service_records: int = 0
    skipped: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = (
            f"{self.filed} filings, {self.findings} findings, {self.supervision} penalties/orders, "
            f"{self.service_records} service records"
        )
        return text + (f" (skipped: {'; '.join(self.skipped)})" if self.skipped else "")


def seed_credit(tx: Tx, today: date | None = None) -> CreditSeedReport:
    report = CreditSeedReport()
    if tx.session.scalar(select(Filing.id).limit(1)) is not None:
        report.skipped.append("filings exist")
        return report
    today = today or utcnow().astimezone(CST).date()
    rnd = random.Random(SEED)
    system = Principal.system()

    def this_year(days_ago: int) -> date:
        return max(date(today.year, 1, 1), today - timedelta(days=days_ago))

    providers = tx.session.scalars(
        select(Organisation).where(Organisation.kind.in_(("lab", "contractor"))).order_by(Organisation.id)
    ).all()
    labs = [o for o in providers if o.kind == "lab"]
    contractors = [o for o in providers if o.kind == "contractor"]
    for org in providers:
        if labs and org is labs[-1]:
            continue  # one lab serves without filing: it shows on the unfiled list
        staff = tx.session.scalars(select(Staff).where(Staff.organisation_id == org.id)).all()
        filing.register_filing(
            tx,
            system,
            org.id,
            jurisdiction_code="310000",
            certification={
                "kind": "CMA" if org.kind == "lab" else "运维资质",
                "number": org.certificate_number or f"DEMO-{org.id}",
                "valid_until": str(org.certification_valid_until or date(today.year + 2, 12, 31)),
            },
            staff=[{"name": s.name, "staff_number": s.staff_number} for s in staff],
            equipment=[],
        )
        report.filed += 1
    findings = [
        (labs[:1], "warning", None, "警告：检测报告缺少质控记录（演示）"),
        (labs[1:2], "fine", 30_000.0, "罚款：超资质范围出具报告（演示）"),
        (contractors[:1], "order_to_correct", None, "责令改正：运维记录不完整（演示）"),
    ]
    for orgs, kind, amount, text in findings:
        for org in orgs:
            filing.record_finding(
                tx,
                system,
                organisation_id=org.id,
                kind=kind,
                occurred_on=this_year(rnd.randint(20, 120)),
                description=text,
                amount=amount,
            )
            report.findings += 1
    report.supervision = _penalties(tx, rnd, this_year)
    report.service_records = _check_in_anomaly(tx, this_year(10), report)
    return report


def _penalties(tx: Tx, rnd: random.Random, this_year: Callable[[int], date]) -> int:
    """Two fines and an order of this year for enterprises, as the register feed brings them."""
    enterprises = tx.session.scalars(
        select(Organisation)
        .where(Organisation.kind == "enterprise", Organisation.status == "operating")
        .order_by(Organisation.id)
    ).all()
    picks = rnd.sample(list(enterprises), min(3, len(enterprises)))
    rows = []
    for n, (org, kind) in enumerate(zip(picks, ("penalty", "penalty", "order"), strict=False), start=1):
        on = this_year(rnd.randint(30, 200))
        rows.append(
            {
                "record_number": f"沪环{'罚' if kind == 'penalty' else '改'}〔{on.year}〕演示{n}号",
                "credit_code": org.credit_code or "",
                "kind": kind,
                "record_date": on.isoformat(),
                "authority": "上海市生态环境局",
                "result": "罚款" if kind == "penalty" else "责令改正",
                "penalty_amount": str(rnd.choice([20_000, 80_000, 150_000])) if kind == "penalty" else "",
            }
        )
    if not rows:
        return 0
    report = importer.import_rows(
        tx, importer.get_kind("supervision"), list(rows[0]), rows, source="demo: credit inputs"
    )
    return sum(1 for r in report.rows if not r.errors)


def _check_in_anomaly(tx: Tx, on: date, report: CreditSeedReport) -> int:
    user = users.by_username(tx.session, "contractor")
    if user is None or user.organisation_id is None:
        report.skipped.append("no demo contractor user")
        return 0
    served = register_repo.served_enterprise_ids(tx.session, user.organisation_id, on)
    outlet = (
        tx.session.scalars(select(Outlet).where(Outlet.enterprise_id.in_(served)).order_by(Outlet.id)).first()
        if served
        else None
    )
    if outlet is None:
        report.skipped.append("the demo contractor serves no outlet under contract")
        return 0
    filing.upload(
        tx,
        Principal.of(user),
        kind="check_in",
        enterprise_id=outlet.enterprise_id,
        performed_on=on,
        content=f"签到 {on} GPS 偏离排口 2.4 km（演示）".encode(),
        file_name="check-in.json",
        summary="GPS 偏离排口 2.4 km",
        result="anomaly",
        outlet_id=outlet.id,
    )
    return 1
