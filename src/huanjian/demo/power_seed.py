"""Demo electricity data: meters on the production and treatment facilities of the first
demo outlets, and two days of hourly active power through the real feed (audited).

Deterministic and idempotent: a second run re-imports the same rows and stores nothing.
The second enterprise's dust collector is off for three hours on the first afternoon
while its boiler runs — what a reviewer should notice on `/power`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from huanjian.access.policy import Principal
from huanjian.core.time import CST, utcnow
from huanjian.core.tx import Tx
from huanjian.power import service
from huanjian.power.feed import COLUMNS
from huanjian.register.models import Facility, Logger, Organisation, Outlet

ENTERPRISES = 2
DAYS = 2
PRODUCTION_KW, TREATMENT_KW = 850.0, 120.0


@dataclass
class PowerSeedReport:
    meters: int = 0
    stored: int = 0
    duplicates: int = 0

    def summary(self) -> str:
        return f"{self.meters} meters, {self.stored} readings stored, {self.duplicates} already there"


def _facilities(tx: Tx) -> list[tuple[str, str, str]]:
    """(credit code, production facility, treatment facility) for the first demo air outlets."""
    stmt = (
        select(Organisation.credit_code, Outlet.id)
        .join(Organisation, Organisation.id == Outlet.enterprise_id)
        .where(Outlet.kind == "air", Outlet.id.in_(select(Logger.outlet_id)))
        .order_by(Organisation.credit_code.like("%MD%").desc(), Outlet.id)
    )
    out: list[tuple[str, str, str]] = []
    for code, outlet_id in tx.session.execute(stmt):
        facs = tx.session.scalars(select(Facility).where(Facility.outlet_id == outlet_id)).all()
        prod = next((f.facility_code for f in facs if f.kind == "production"), None)
        treat = sorted(f.facility_code for f in facs if f.kind == "treatment")
        if code and prod and treat and all(c != code for c, _, _ in out):
            out.append((code, prod, treat[-1]))
        if len(out) == ENTERPRISES:
            break
    return out


def _kw(nominal: float, hour: int, off: bool) -> float:
    if off or not 6 <= hour < 22:  # production runs 06:00–22:00 CST
        return round(nominal * 0.01, 2)
    return round(nominal * (0.85 + 0.1 * ((hour * 7) % 5) / 4), 2)


def seed_power(tx: Tx, today: date | None = None) -> PowerSeedReport:
    report = PowerSeedReport()
    today = today or utcnow().astimezone(CST).date()
    system = Principal.system()
    lines = [",".join(COLUMNS)]
    start = datetime(today.year, today.month, today.day, tzinfo=CST) - timedelta(days=DAYS)
    for n, (code, prod, treat) in enumerate(_facilities(tx)):
        for fac, meter, nominal in ((prod, "P1", PRODUCTION_KW), (treat, "T1", TREATMENT_KW)):
            service.register_meter(
                tx, system, credit_code=code, facility_code=fac, meter_code=meter, quantity="power_kw",
                running_threshold=round(nominal * 0.1, 1),
            )  # fmt: skip
            report.meters += 1
            for h in range(DAYS * 24):
                t = start + timedelta(hours=h)
                off = n == 1 and meter == "T1" and h in (14, 15, 16)
                lines.append(
                    f"{code},{fac},{meter},power_kw,hour,{t.isoformat()},{_kw(nominal, t.hour, off)},"
                )
    if report.meters:
        result = service.import_feed(tx, system, ("\n".join(lines) + "\n").encode(), "demo-power.csv")
        report.stored, report.duplicates = result.stored, result.duplicates
    return report
