"""Helpers for the comparison-test (比对监测) tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from huanjian.field.compare.inputs import CST, ComparisonInput, Pair

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=CST)


def pairs_of(refs: list[Decimal], cems: list[Decimal]) -> tuple[Pair, ...]:
    return tuple(
        Pair(T0 + timedelta(minutes=15 * i), T0 + timedelta(minutes=15 * i + 10), r, c)
        for i, (r, c) in enumerate(zip(refs, cems, strict=True))
    )


def constant(parameter: str, unit: str, ref: Decimal | str, cems: Decimal | str, n: int) -> ComparisonInput:
    """``n`` identical pairs: S_d = 0, so cc = 0 and RA = |d̄| / RM̄ × 100 exactly."""
    r, c = Decimal(ref), Decimal(cems)
    return ComparisonInput(parameter, unit, pairs_of([r] * n, [c] * n))


def doc(parameter: str, unit: str, refs: list[float], cems: list[float]) -> dict[str, object]:
    return {
        "parameter": parameter,
        "unit": unit,
        "pairs": [
            {
                "start": (T0 + timedelta(minutes=15 * i)).isoformat(),
                "end": (T0 + timedelta(minutes=15 * i + 10)).isoformat(),
                "reference": r,
                "cems": c,
            }
            for i, (r, c) in enumerate(zip(refs, cems, strict=True))
        ],
    }
