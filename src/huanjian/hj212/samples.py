"""Sample frames for tests, benchmarks and demos: the same bytes everywhere, so a
benchmark measures exactly the frame the tests prove correct."""

from __future__ import annotations

from decimal import Decimal

from huanjian.hj212.encode import encode


def typical_2051(seed: int = 0, *, codes: int = 9) -> bytes:
    """A ~700-byte 2051 flue-gas minute frame: 9 parameters with Avg/Min/Max/Flag."""
    names = ["a21026", "a21002", "a34013", "a19001", "a01011", "a01012", "a01013", "a01014", "a00000"]
    items: dict[str, dict[str, Decimal | str]] = {}
    for i, code in enumerate(names[:codes]):
        base = 1 + (seed * 7919 + i * 104729) % 50000 / 100
        items[code] = {
            "Avg": Decimal(f"{base:.3f}"),
            "Min": Decimal(f"{base * 0.9:.3f}"),
            "Max": Decimal(f"{base * 1.1:.3f}"),
            "Flag": "N",
        }
    minute = seed % 60
    return encode(
        qn=f"202403011{minute % 10}{minute:02d}00{seed % 1000:03d}",
        st="31",
        cn="2051",
        pw="123456",
        mn="010000A8900016F000169DC0",
        ack=True,
        params={"DataTime": f"2024030112{minute:02d}00"},
        items=items,
    )
