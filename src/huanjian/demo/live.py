"""Live simulated devices for `huanjian demo`: registered loggers that report as they go.

A handful of the demo register's loggers (the demo enterprise's first) connect to the
demo's own HJ 212 gateway and send what an honest site sends (:func:`honest_frames`):
flue-gas outlets a 2051 minute frame every minute, water outlets a 2061 hourly frame
every hour, DataTime the current minute, with the password the register holds, so that
the device status pages, the latest readings and the dashboards move while one looks.
They are ordinary clients of the gateway (:class:`SimLogger`): acknowledged after the
commit, resent when unanswered, reconnecting when the gateway restarts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from huanjian.core.time import utcnow
from huanjian.demo.register_seed import DEMO_ENTERPRISE
from huanjian.ingest.simulate import SimLogger, honest_frames
from huanjian.register.models import Logger, Organisation, Outlet

log = logging.getLogger("huanjian.demo")

#: How long one start of the demo keeps its devices reporting (frames are made up front).
HOURS = 24


@dataclass(frozen=True, slots=True)
class LiveDevice:
    mn: str
    password: str
    kind: str  # air | water


def devices(session: Session, count: int) -> list[LiveDevice]:
    """``count`` registered loggers, the demo enterprise's first."""
    if count <= 0:
        return []
    rows = session.execute(
        select(Logger.mn, Logger.password, Outlet.kind)
        .join(Outlet, Outlet.id == Logger.outlet_id)
        .join(Organisation, Organisation.id == Logger.enterprise_id)
        .where(Outlet.kind.in_(("air", "water")))
        .order_by((Organisation.credit_code == DEMO_ENTERPRISE).desc(), Logger.id)
        .limit(count)
    ).all()
    return [LiveDevice(mn, password or "123456", kind) for mn, password, kind in rows]


def _loggers(found: list[LiveDevice]) -> list[SimLogger]:
    start = utcnow().replace(second=0, microsecond=0)
    out = []
    for d in found:
        per_hour = 60 if d.kind == "air" else 1
        frames = list(honest_frames(d.mn, start, HOURS * per_hour, kind=d.kind, pw=d.password))
        # retries=None: a frame the gateway could not store yet is resent until it is.
        out.append(SimLogger(d.mn, frames, rate=per_hour / 3600, retries=None))
    return out


async def run(host: str, port: int, found: list[LiveDevice], stop: asyncio.Event) -> None:
    """Drive the devices against the gateway at ``host:port`` until ``stop`` is set."""
    if not found:
        return
    loggers = await asyncio.to_thread(_loggers, found)
    deadline = time.monotonic() + timedelta(hours=HOURS).total_seconds()
    tasks = [asyncio.create_task(lg.run(host, port, deadline), name=f"demo-device-{lg.mn}") for lg in loggers]
    log.info("%d live demo devices report to %s:%d", len(tasks), host, port)
    try:
        await stop.wait()
    finally:
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(BaseException):
                await t
