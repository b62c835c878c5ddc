"""Demo review data: a few days of minute readings for a handful of seeded air outlets,
written straight into the readings store, then reviewed — so the demo shows an
exceedance, a marked maintenance period, a self-monitoring disagreement and indicators,
the loggers' calibrations at 02:00 as QA events, and one logger hourly value that
disagrees with the platform's (the first outlet's SO2 at 03:00 on the first day).

Deterministic and idempotent: outlets that already have readings are left alone.
Values are plausible, not measured: SO2 around 20 mg/m³ at 8.5 % O2 (about 24 at the
6 % reference), one outlet at 40 (48 corrected, above the 35 limit) for three hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
from sqlalchemy import exists, insert, select

from huanjian.access.policy import Principal
from huanjian.core.scope import Scope
from huanjian.core.time import CST, utcnow
from huanjian.core.tx import Tx
from huanjian.ingest.models import IngestLogger, IngestReading
from huanjian.register.models import Logger, Organisation, Outlet
from huanjian.review import layers, selfmon, service
from huanjian.review import repository as repo

DAYS = 2
OUTLETS = 4
TYPICAL = {
    "a21026": 20.0,
    "a21002": 30.0,
    "a34013": 3.0,
    "a19001": 8.5,
    "a01011": 12.0,
    "a01012": 95.0,
    "a01013": -0.2,
    "a01014": 9.0,
    "a00000": 42.0,
}
_RECORD_BASE = 9_000_000_000


@dataclass
class ReviewSeedReport:
    outlets: int = 0
    readings: int = 0
    events: int = 0

    def summary(self) -> str:
        return f"{self.outlets} outlets, {self.readings} readings, {self.events} exceedance events"


def _outlets(tx: Tx) -> list[int]:
    stmt = (
        select(Outlet.id)
        .join(Organisation, Organisation.id == Outlet.enterprise_id)
        .where(Outlet.kind == "air", Outlet.id.in_(select(Logger.outlet_id)))
        .order_by(Organisation.credit_code.like("%MD%").desc(), Outlet.id)  # the demo enterprise first
        .limit(OUTLETS)
    )
    return list(tx.session.scalars(stmt))


#: The hour (CST, first day) whose logger-computed SO2 mean the demo logger gets wrong by 15 %.
OFF_HOUR = 3


def _logger_hours(
    minute_rows: list[dict[str, object]], mn: str, t0: datetime, outlet_id: int, now: datetime
) -> list[dict[str, object]]:
    """Hourly means of the N-flagged minutes of the first day, as a logger computes them."""
    out: list[dict[str, object]] = []
    by: dict[str, list[dict[str, object]]] = {}
    for row in minute_rows:
        by.setdefault(str(row["pollutant"]), []).append(row)
    for pollutant, rows in sorted(by.items()):
        values = np.asarray([r["avg"] for r in rows[:1440]], dtype=np.float64).reshape(24, 60)
        normal = np.asarray([r["flag"] == "N" for r in rows[:1440]]).reshape(24, 60)
        means = (values * normal).sum(axis=1) / normal.sum(axis=1)
        if pollutant == "a21026":
            means[OFF_HOUR] *= 1.15
        for h in range(24):
            out.append(
                {
                    "record_id": _RECORD_BASE + outlet_id * 100_000 + 90_000 + h,
                    "pollutant": pollutant,
                    "data_time": t0 + timedelta(hours=h),
                    "mn": mn,
                    "period": "hour",
                    "wire_code": pollutant,
                    "avg": round(float(means[h]), 3),
                    "flag": "N",
                    "received_at": now,
                    "current": True,
                    "conflict": False,
                }
            )
    return out


def seed_review(tx: Tx, today: date | None = None) -> ReviewSeedReport:
    report = ReviewSeedReport()
    today = today or utcnow().astimezone(CST).date()
    first = today - timedelta(days=DAYS)
    t0 = datetime(first.year, first.month, first.day, tzinfo=CST).astimezone(UTC)
    rnd = np.random.default_rng(310000)
    system = Principal.system()
    now = utcnow()
    for n, outlet_id in enumerate(_outlets(tx)):
        info = repo.outlet(tx.session, Scope(everything=True), outlet_id)
        if info is None or not info.mns:
            continue
        mn = info.mns[0]
        if tx.session.scalar(select(exists().where(IngestReading.mn == mn))):
            continue
        minutes = DAYS * 1440
        rows = []
        for pollutant in sorted(info.pollutant_mn):
            base = TYPICAL.get(pollutant, 10.0)
            values = base * (1 + rnd.normal(0, 0.03, minutes))
            if pollutant == "a21026" and n == 0:  # three hours at twice the usual SO2 on the first day
                values[10 * 60 : 13 * 60] = 40.0 * (1 + rnd.normal(0, 0.02, 180))
            flags = np.full(minutes, "N", dtype=object)
            flags[2 * 60 : 2 * 60 + 10] = "C"  # the daily calibration at 02:00
            for k in range(minutes):
                rows.append(
                    {
                        "record_id": _RECORD_BASE + outlet_id * 100_000 + k,
                        "pollutant": pollutant,
                        "data_time": t0 + timedelta(minutes=k),
                        "mn": mn,
                        "period": "minute",
                        "wire_code": pollutant,
                        "avg": round(float(values[k]), 3),
                        "flag": flags[k],
                        "received_at": now,
                        "current": True,
                        "conflict": False,
                    }
                )
        if n == 0:  # the logger's own hourly values of the first day (CN 2061), one of them off
            rows += _logger_hours(rows, mn, t0, outlet_id, now)
        tx.session.execute(insert(IngestReading), rows)
        report.readings += len(rows)
        if tx.session.get(IngestLogger, mn) is None:
            tx.session.add(
                IngestLogger(
                    mn=mn,
                    first_seen_at=now,
                    last_seen_at=now,
                    last_peer="demo",
                    last_cn="2051",
                    last_verdict="ok",
                    last_data_time=t0 + timedelta(minutes=minutes - 1),
                    version="2017",
                    frames=minutes,
                    records=minutes,
                    quarantined=False,
                    jurisdiction_code=info.jurisdiction_code,
                    organisation_id=info.enterprise_id,
                )
            )
        service.recompute(tx, outlet_id, first, today - timedelta(days=1))
        if n == 1:  # a marked maintenance period (the enterprise's mark, filed in time)
            layers.file_mark(
                tx,
                system,
                outlet_id=outlet_id,
                code="maintenance",
                start=t0 + timedelta(hours=14),
                end=t0 + timedelta(hours=16),
                reason="更换采样管线（演示）",
                now=t0 + timedelta(hours=17),
            )
        if n == 0 and info.credit_code:  # a self-monitoring result far from the automatic hour
            lab = "HJ 57-2017,上海申检环境检测有限公司"
            lines = ["credit_code,outlet_code,pollutant,sampled_at,value,unit,method,lab"]
            for hours, value in ((9, 55), (30, 25)):  # 55 at 09:20 (automatic ≈ 24): disagrees
                at = (t0 + timedelta(hours=hours, minutes=20)).astimezone(CST).isoformat()
                lines.append(f"{info.credit_code},{info.outlet_code},a21026,{at},{value},mg/m3,{lab}")
            csv = "\n".join(lines) + "\n"
            selfmon.import_file(tx, system, csv.encode(), "demo-self-monitoring.csv")
        report.outlets += 1
    from huanjian.review.models import ExceedanceEvent

    report.events = len(tx.session.scalars(select(ExceedanceEvent.id)).all())
    return report
