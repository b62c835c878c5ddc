"""Detection worlds in the database: a registered air outlet whose logger sent eight days
of minute data (written into the readings store as the ingest store holds them), with
preset data (SO2 at a constant level with 0.5 % jitter) on days 3 and 4."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
from sqlalchemy import insert

from huanjian.core.tx import Tx
from huanjian.detect.model import LoggerData
from huanjian.ingest.models import IngestReading
from tests.detect.conftest import plain_air
from tests.review.world import make_air_outlet

DAYS = 8
CODES = ("a21026", "a21002", "a34013", "a19001", "a01011")
PRESET = (3 * 1440, 5 * 1440)  # minutes of the preset episode
_record = iter(range(20_000_000, 90_000_000))


def preset_logger(mn: str, start: datetime) -> LoggerData:
    d = plain_air(days=DAYS, mn=mn)
    d.start = start
    d.values = {k: v for k, v in d.values.items() if k in CODES}
    rng = np.random.default_rng(1)
    s, e = PRESET
    d.values["a21026"][s:e] = np.round(40 * (1 + rng.normal(0, 0.005, e - s)), 2)
    return d


def write_logger(tx: Tx, data: LoggerData, flags: np.ndarray | None = None) -> None:
    """Every minute of ``data`` as current minute readings of its MN."""
    received = datetime.now(UTC)
    times = [data.time_of(k).astimezone(UTC) for k in range(data.n)]
    f = data.flags if flags is None else flags
    rows = [
        {
            "record_id": next(_record),
            "pollutant": code,
            "data_time": times[k],
            "mn": data.mn,
            "period": "minute",
            "wire_code": code,
            "avg": float(x[k]),
            "flag": str(f[k]),
            "received_at": received,
            "current": True,
            "conflict": False,
        }
        for code, x in data.values.items()
        for k in range(data.n)
    ]
    tx.session.execute(insert(IngestReading), rows)


def preset_world(tx: Tx, n: int, mn: str, jurisdiction: str, start: datetime) -> tuple[int, LoggerData]:
    """An outlet (enterprise ``n`` in ``jurisdiction``) with the preset logger's data stored."""
    outlet = make_air_outlet(tx, n, mn, jurisdiction=jurisdiction, so2_limit="50")
    data = preset_logger(mn, start)
    write_logger(tx, data)
    return outlet, data


def small_clue_world(tx: Tx, n: int, mn: str, jurisdiction: str, outlet_code: str = "DA001") -> int:
    """A quick stored clue: two days of SO2 and O2 with three hours stuck at one value
    (``dq_constant``), detected through :func:`huanjian.detect.service.run`; returns its id."""
    from datetime import date

    from huanjian.access.policy import Principal
    from huanjian.core.time import CST
    from huanjian.detect import service
    from huanjian.detect.models import DetectClue

    start = datetime(2026, 1, 5, tzinfo=CST)
    outlet = make_air_outlet(tx, n, mn, jurisdiction=jurisdiction, outlet_code=outlet_code)
    rng = np.random.default_rng([n, int(mn[-4:], 16)])
    so2 = np.round(20 + rng.normal(0, 1.5, 2 * 1440), 2)
    so2[600:780] = 20.0
    o2 = np.round(8.5 + rng.normal(0, 0.2, 2 * 1440), 2)
    data = LoggerData(mn, "air", start, {"a21026": so2, "a19001": o2}, np.full(2 * 1440, "N", dtype="<U1"))
    write_logger(tx, data)
    service.run(tx, Principal.system(), date(2026, 1, 5), date(2026, 1, 6), outlet_id=outlet)
    clue = tx.session.query(DetectClue).filter_by(mn=mn, detector="dq_constant").first()
    assert clue is not None
    return clue.id
