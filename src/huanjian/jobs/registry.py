"""Job kinds and periodic schedules, registered the way extensions would be.

Domains register their handlers at import time::

    @job("credit.evaluate")
    def evaluate(tx: Tx, payload: dict[str, Any]) -> dict[str, Any] | None: ...

    schedule("credit.evaluate", every=timedelta(days=1))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from huanjian.core.tx import Tx

Handler = Callable[[Tx, dict[str, Any]], dict[str, Any] | None]


@dataclass(frozen=True, slots=True)
class Schedule:
    kind: str
    every: timedelta
    payload: dict[str, Any]


HANDLERS: dict[str, Handler] = {}
SCHEDULES: list[Schedule] = []


def job(kind: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        if kind in HANDLERS and HANDLERS[kind] is not fn:
            raise ValueError(f"job kind {kind!r} registered twice")
        HANDLERS[kind] = fn
        return fn

    return register


def schedule(kind: str, every: timedelta, payload: dict[str, Any] | None = None) -> None:
    if all(s.kind != kind for s in SCHEDULES):
        SCHEDULES.append(Schedule(kind, every, payload or {}))
