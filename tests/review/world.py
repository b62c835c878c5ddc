"""A small review world: enterprises with an air outlet, its logger and limits, minute readings
written straight into the readings store (``ingest_reading``), as the ingestion store would."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import numpy as np
from sqlalchemy import insert

from huanjian.core.time import CST
from huanjian.core.tx import Tx
from huanjian.ingest.models import IngestReading
from huanjian.register import importer
from huanjian.review import repository as repo
from tests.factories import credit_code

DAY = date(2024, 3, 1)
T0 = datetime(2024, 3, 1, tzinfo=CST).astimezone(UTC)  # 2024-02-29T16:00Z
_record = iter(range(1_000_000, 10_000_000))


def _import(tx: Tx, kind: str, rows: list[dict[str, str]]) -> None:
    report = importer.import_rows(tx, importer.get_kind(kind), list(rows[0]), rows, source="test")
    assert not any(r.errors for r in report.rows), [r.errors for r in report.rows]


def make_air_outlet(
    tx: Tx,
    n: int,
    mn: str,
    *,
    outlet_code: str = "DA001",
    jurisdiction: str = "310115103",
    so2_limit: str = "35",
    day_limit: str | None = None,
    reference_o2: str = "6",
    longitude: str = "121.55",
    latitude: str = "31.35",
) -> int:
    code = credit_code(n, jurisdiction[:6])
    _import(
        tx,
        "outlets",
        [
            {
                "credit_code": code,
                "outlet_code": outlet_code,
                "kind": "air",
                "name": "1号锅炉",
                "longitude": longitude,
                "latitude": latitude,
            }
        ],
    )
    _import(
        tx,
        "loggers",
        [
            {"mn": mn, "credit_code": code, "outlet_code": outlet_code, "pollutant": p}
            for p in ("a21026", "a19001")
        ],
    )
    limits = [
        {
            "credit_code": code,
            "outlet_code": outlet_code,
            "pollutant": "a21026",
            "averaging_period": "hour",
            "value": so2_limit,
            "unit": "mg/m3",
            "reference_o2": reference_o2,
            "standard": "GB 13223-2011",
            "valid_from": "2020-01-01",
        }
    ]
    if day_limit:
        limits.append({**limits[0], "averaging_period": "day", "value": day_limit})
    _import(tx, "limits", limits)
    outlet_id = repo.outlet_by_mn(tx.session, mn)
    assert outlet_id is not None
    return outlet_id


def write_minutes(
    tx: Tx,
    mn: str,
    start: datetime,
    values: dict[str, Sequence[float] | np.ndarray],
    *,
    flags: dict[str, Sequence[str]] | None = None,
    received_at: datetime | None = None,
) -> None:
    """Minute readings from ``start`` (UTC), one per element, as the store holds them."""
    rows = []
    received_at = received_at or datetime.now(UTC)
    for pollutant, series in values.items():
        for k, v in enumerate(series):
            t = start + timedelta(minutes=k)
            rows.append(
                {
                    "record_id": next(_record),
                    "pollutant": pollutant,
                    "data_time": t,
                    "mn": mn,
                    "period": "minute",
                    "wire_code": pollutant,
                    "avg": float(v),
                    "flag": (flags or {}).get(pollutant, ["N"] * len(series))[k],
                    "received_at": received_at,
                    "current": True,
                    "conflict": False,
                }
            )
    tx.session.execute(insert(IngestReading), rows)


def day_profile(
    so2: float = 20.0, o2: float = 8.5, high_hours: Sequence[int] = (), high: float = 50.0
) -> dict[str, np.ndarray]:
    """One CST day of minutes: SO2 constant except ``high_hours`` (CST), O2 constant."""
    so2_values = np.full(1440, so2)
    for h in high_hours:
        so2_values[h * 60 : h * 60 + 60] = high
    return {"a21026": so2_values, "a19001": np.full(1440, o2)}
