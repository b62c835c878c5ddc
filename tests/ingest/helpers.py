"""Frame builders shared by the ingestion tests."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from huanjian.hj212 import encode
from huanjian.ingest.pipeline import Incoming

MN = "010000A8900016F000169DC0"
NOW = datetime(2024, 3, 1, 4, 30, tzinfo=UTC)  # 12:30 CST


def minute_frame(
    data_time: str = "20240301122900",
    *,
    mn: str = MN,
    qn: str | None = None,
    so2: str = "12.3",
    ack: bool = True,
    pw: str = "123456",
    cn: str = "2051",
    version: str = "2017",
    pnum: int | None = None,
    pno: int | None = None,
    items: dict[str, dict[str, Decimal | str]] | None = None,
) -> bytes:
    return encode(
        qn=qn or f"{data_time}000",
        st="31",
        cn=cn,
        pw=pw,
        mn=mn,
        ack=ack,
        version=version,  # type: ignore[arg-type]
        pnum=pnum,
        pno=pno,
        params={"DataTime": data_time},
        items=items
        or {
            "a21026": {"Avg": Decimal(so2), "Min": Decimal("1.0"), "Max": Decimal("20.5"), "Flag": "N"},
            "a19001": {"Avg": Decimal("8.1"), "Flag": "N"},
        },
    )


def incoming(
    raw: bytes, at: datetime = NOW, peer: str = "10.0.0.1:5000", source: str = "gateway"
) -> Incoming:
    return Incoming(raw=raw, peer=peer, received_at=at, source=source)
