"""Demo CN 3020 parameter reports: one demo logger reports its particulate meter's slope.

The third review-demo outlet's logger (which has minute data for the review demo) reports
with CN 3020 (HJ 212-2017 table B.10, ``i13008`` slope) its filed slope 1 at 06:00 on the
first day and 0.7 at 15:00 — a particulate slope lowered against the register's filed value,
which ``fz_filed_parameters`` turns into a clue when detection runs.  The frames go through
the ingest store as the gateway would write them; a second run stores nothing new (same
content, counted as copies).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from huanjian.core.context import ActionContext
from huanjian.core.runtime import Runtime
from huanjian.core.time import CST, utcnow
from huanjian.demo import review_seed
from huanjian.hj212 import encode
from huanjian.ingest.pipeline import Incoming
from huanjian.register.models import Device, FiledParameter, Logger

PEER = "demo:3020"
OUTLET_INDEX = 2  # the review demo's third outlet: the first two carry the exceedance and the power demo
REPORTS = ((6, "1"), (15, "0.7"))  # (hour CST on the first day, reported slope)


@dataclass
class InfoSeedReport:
    frames: int = 0
    mn: str | None = None

    def summary(self) -> str:
        return f"{self.frames} CN 3020 reports" + (f" from {self.mn}" if self.mn else "")


def seed_info(rt: Runtime, today: date | None = None) -> InfoSeedReport:
    from huanjian.ingest.service import store_for

    report = InfoSeedReport()
    today = today or utcnow().astimezone(CST).date()
    first = today - timedelta(days=review_seed.DAYS)
    with rt.tx(ActionContext.system("demo", "demo")) as tx:
        outlets = review_seed._outlets(tx)
        if len(outlets) <= OUTLET_INDEX:
            return report
        row = tx.session.execute(
            select(Logger.mn, Logger.password)
            .join(Device, Device.logger_id == Logger.id)
            .join(FiledParameter, FiledParameter.device_id == Device.id)
            .where(Logger.outlet_id == outlets[OUTLET_INDEX], Device.pollutant == "a34013")
            .where(FiledParameter.name == "slope")
        ).first()
    if row is None:
        return report
    mn, password = row
    batch = []
    for hour, slope in REPORTS:
        at = datetime(first.year, first.month, first.day, hour, tzinfo=CST)
        text = at.strftime("%Y%m%d%H%M%S")
        raw = encode(
            qn=f"{text}000", st="31", cn="3020", pw=password or "123456", mn=mn,
            params={"DataTime": text, "PolId": "a34013"}, items={"i13008": {"Info": Decimal(slope)}},
        )  # fmt: skip
        batch.append(Incoming(raw=raw, peer=PEER, received_at=at.astimezone(UTC), source="replay"))
    store_for(rt, channel="demo").write(batch, utcnow())
    report.frames, report.mn = len(batch), mn
    return report
