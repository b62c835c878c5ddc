"""The 3020 and electricity detectors through the store: 3020 frames written by the real
ingest store, the register's filed parameters, meters fed through ``power.service.import_feed``,
then ``detect.service.run`` — on both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest
from sqlalchemy import select

from huanjian.access.policy import Principal
from huanjian.core.runtime import Runtime
from huanjian.core.time import CST
from huanjian.core.tx import Tx
from huanjian.detect import service
from huanjian.detect.model import LoggerData
from huanjian.detect.models import DetectClue
from huanjian.hj212 import encode
from huanjian.ingest.service import store_for
from huanjian.power import service as power
from huanjian.review.qa import record_qa_event
from tests.detect.conftest import plain_air
from tests.detect.store import CODES, write_logger
from tests.factories import credit_code, seed_people
from tests.ingest.helpers import incoming
from tests.review.world import _import, make_air_outlet

MN = "31011500000001A0000E0001"
POWER_MN = "31011500000001A0000E0002"
START = datetime(2026, 1, 5, tzinfo=CST)
FROM, TO = date(2026, 1, 5), date(2026, 1, 6)
CODE = credit_code(101, "310115")


def _frame(when: datetime, pol: str, items: dict[str, Decimal]) -> bytes:
    text = when.astimezone(CST).strftime("%Y%m%d%H%M%S")
    return encode(
        qn=f"{text}{pol[-3:]}", st="31", cn="3020", pw="123456", mn=MN,
        params={"DataTime": text, "PolId": pol}, items={c: {"Info": v} for c, v in items.items()},
    )  # fmt: skip


def _feed_rows() -> bytes:
    lines = ["credit_code,facility_code,meter_code,quantity,period,data_time,value,state"]
    for h in range(48):
        at = (START + timedelta(hours=h)).isoformat()
        lines.append(f"{CODE},MF0001,P1,power_kw,hour,{at},50,")
        lines.append(f"{CODE},TA001,T1,power_kw,hour,{at},{0 if 9 <= h < 12 else 20},")
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def outlet(runtime: Runtime, tx: Tx) -> int:
    seed_people(tx)
    outlet = make_air_outlet(tx, 101, MN, jurisdiction="310115103")
    _import(tx, "loggers", [{"mn": MN, "credit_code": CODE, "outlet_code": "DA001", "pollutant": "a21026",
                             "parameters": "slope=1;intercept=0;range=0..200"}])  # fmt: skip
    _import(tx, "outlets", [{"credit_code": CODE, "outlet_code": "DA001",
                             "treatment_facilities": "TA001 布袋除尘器;TA002 脱硫塔",
                             "production_facilities": "MF0001 1号锅炉"}])  # fmt: skip
    system = Principal.system()
    power.register_meter(tx, system, credit_code=CODE, facility_code="MF0001", meter_code="P1",
                         quantity="power_kw", running_threshold=10.0)  # fmt: skip
    power.register_meter(tx, system, credit_code=CODE, facility_code="TA001", meter_code="T1",
                         quantity="power_kw", running_threshold=5.0)  # fmt: skip
    power.register_meter(tx, system, credit_code=CODE, facility_code="TA002", meter_code="T2",
                         quantity="current_a", running_threshold=10.0, mn=POWER_MN, item_code="e10001",
                         subfield="avg")  # fmt: skip
    power.import_feed(tx, system, _feed_rows(), "power.csv")
    tx.session.commit()
    at = START + timedelta(hours=10)
    # Two instruments report at the same second: two records (ingestion keys 3020 by PolId too).
    frames = [_frame(at, "a21026", {"i13008": Decimal("1.25"), "i13001": Decimal("200")}),
              _frame(at, "a19001", {"i13008": Decimal("1.0")})]  # fmt: skip
    store_for(runtime).write([incoming(f, at=at.astimezone(UTC)) for f in frames], now=at.astimezone(UTC))
    # Minute data after the store made the month's partition (PostgreSQL).
    data = plain_air(days=2, mn=MN)
    data.start = START
    data.values = {k: v for k, v in data.values.items() if k in CODES}
    flags = data.flags.copy()
    flags[20 * 60 : 23 * 60] = "F"  # the logger says stopped 20:00-23:00 while the boiler runs
    write_logger(tx, data, flags)
    # TA002's meter comes over HJ 212: running in the first hour, stopped in the second.
    current = np.r_[np.full(60, 15.0), np.full(60, 1.0)]
    write_logger(tx, LoggerData(POWER_MN, "air", START, {"e10001": current}, np.full(120, "N")))
    return outlet


def _by_detector(tx: Tx) -> dict[str, DetectClue]:
    rows = tx.session.scalars(select(DetectClue).where(DetectClue.category == "falsification"))
    return {c.detector: c for c in rows}


def test_stored_3020_reports_and_electricity_give_clues(tx: Tx, outlet: int) -> None:
    service.run(tx, Principal.system(), FROM, TO, outlet_id=outlet)
    clues = _by_detector(tx)
    filed = clues["fz_filed_parameters"]
    assert filed.trick == "coefficient_change" and filed.pollutants == ["a21026"] and filed.status == "new"
    assert filed.start_at == START + timedelta(hours=10)
    assert filed.statistic == 1.25 and filed.threshold == 1.0 and "i13008" in filed.explanation_en
    off = clues["fz_treatment_off"]
    assert off.trick == "treatment_off" and off.status == "new"
    assert (off.start_at, off.end_at) == (START + timedelta(hours=9), START + timedelta(hours=12))
    assert "TA001 布袋除尘器" in off.explanation_zh and off.evidence[0]["statistic"]["value"] == 3
    flag = clues["fz_power_false_flags"]
    assert flag.trick == "false_flags" and flag.status == "new"
    assert (flag.start_at, flag.end_at) == (START + timedelta(hours=20), START + timedelta(hours=23))
    assert "180 minutes F" in flag.explanation_en


def test_a_calibration_before_the_3020_change_suppresses_its_clue(tx: Tx, outlet: int) -> None:
    service.run(tx, Principal.system(), FROM, TO, outlet_id=outlet)
    assert _by_detector(tx)["fz_filed_parameters"].status == "new"
    at = START + timedelta(hours=9, minutes=30)  # ends 10 min before the 10:00 report
    record_qa_event(tx, outlet_id=outlet, kind="calibration", start=at, end=at + timedelta(minutes=20),
                    source="manual", pollutant="a19001")  # fmt: skip
    service.run(tx, Principal.system(), FROM, TO, outlet_id=outlet)
    assert _by_detector(tx)["fz_filed_parameters"].status == "new"  # the O2 analyser's calibration
    record_qa_event(tx, outlet_id=outlet, kind="calibration", start=at, end=at + timedelta(minutes=20),
                    source="manual", pollutant="a21026")  # fmt: skip
    service.run(tx, Principal.system(), FROM, TO, outlet_id=outlet)
    clue = _by_detector(tx)["fz_filed_parameters"]
    assert clue.status == "suppressed" and "QA event before the report" in clue.causes
    assert "QA event starting" in clue.explanation_en
    # The electricity clues are not excused by it (the event is over long before 09:00).
    assert _by_detector(tx)["fz_treatment_off"].status == "new"


def test_power_hours_per_meter_come_from_one_grouped_read(tx: Tx, outlet: int) -> None:
    from huanjian.detect.repository import power_hours

    p = power_hours(tx.session, outlet, START, START + timedelta(days=2))
    assert p is not None and p.production_facilities == ("MF0001",)
    assert set(p.treatment) == {"TA001", "TA002"}
    assert p.production.shape == (48,) and np.all(p.production == 1.0)
    t = p.treatment["TA001"]
    assert np.all(t[9:12] == 0.0) and np.all(t[:9] == 1.0) and np.all(t[12:] == 1.0)
    t2 = p.treatment["TA002"]  # over HJ 212, by the meter's running threshold
    assert t2[0] == 1.0 and t2[1] == 0.0 and np.isnan(t2[2:]).all()
    assert power_hours(tx.session, outlet + 999, START, START + timedelta(days=2)) is None
