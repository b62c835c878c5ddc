"""Simulated data loggers: an honest data generator and a load-generating TCP client.

The generator (:func:`honest_frames`) produces what a well-behaved site sends:
flue-gas CEMS (2051 minute data of SO2, NOx, particulate, O2, velocity,
temperature, pressure, humidity, flow) or water outlets (2061 hourly COD, NH3-N,
TP, TN, pH, flow) with a plausible diurnal load, start-ups and shutdowns (flag
F, values near zero), a daily calibration (C at 02:00–02:10), maintenance (M),
occasional instrument faults (D), and protocol quirks seen in the field when
``quirks`` is on (lower-case CRC, missing CRLF).  It is seeded per MN, so a given
logger always says the same thing.  The detection issue extends it with
falsification.

:class:`SimLogger` speaks to a gateway like a logger: sends frames with the A bit
at a given rate, matches 9014 replies by QN, resends unanswered frames after the
standard's timeout (3 retries by default), and reconnects after a lost
connection, resending whatever was not yet acknowledged.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from huanjian.core.time import CST
from huanjian.hj212 import FrameSplitter, encode

AIR = (
    # code, typical value at full load, spread, decimals
    ("a21026", 35.0, 0.25, 2),  # SO2 mg/m3
    ("a21002", 80.0, 0.2, 2),  # NOx
    ("a34013", 8.0, 0.3, 2),  # particulate
    ("a19001", 8.5, 0.05, 2),  # O2 %
    ("a01011", 12.0, 0.1, 2),  # velocity m/s
    ("a01012", 95.0, 0.05, 1),  # temperature
    ("a01013", -0.2, 0.2, 3),  # pressure kPa
    ("a01014", 9.0, 0.1, 2),  # humidity %
    ("a00000", 150000.0, 0.1, 1),  # flow m3/h
)
WATER = (
    ("w01018", 45.0, 0.3, 2),  # COD mg/L
    ("w21003", 2.5, 0.4, 3),  # NH3-N
    ("w21011", 0.4, 0.3, 3),  # TP
    ("w21001", 12.0, 0.3, 2),  # TN
    ("w01001", 7.2, 0.03, 2),  # pH
    ("w00000", 80.0, 0.3, 2),  # flow L/s
)

_QN = re.compile(rb"QN=(\d+)")


def sim_mn(i: int) -> str:
    """A deterministic 24-hex-digit 2017 MN for simulated logger ``i``."""
    return f"51300000{i:016X}"


def _load(local: datetime, rnd: random.Random) -> float:
    """Production load 0..1: low at night, high by day, a little noise."""
    hour = local.hour + local.minute / 60
    return max(0.05, 0.65 + 0.3 * math.sin((hour - 8) / 24 * 2 * math.pi) + rnd.gauss(0, 0.03))


@dataclass
class SiteState:
    running: bool = True
    maintenance_until: datetime | None = None
    fault_until: datetime | None = None


def honest_frames(
    mn: str,
    start: datetime,
    count: int,
    *,
    kind: str = "air",
    pw: str = "123456",
    seed: int | None = None,
    quirks: bool = False,
    ack: bool = True,
) -> Iterator[bytes]:
    """``count`` consecutive frames (air: minute 2051; water: hourly 2061) from ``start`` (aware)."""
    rnd = random.Random(seed if seed is not None else hash(mn) & 0xFFFFFFFF)
    params = AIR if kind == "air" else WATER
    step = timedelta(minutes=1) if kind == "air" else timedelta(hours=1)
    cn = "2051" if kind == "air" else "2061"
    site = SiteState()
    t = start.astimezone(CST).replace(second=0, microsecond=0)
    for n in range(count):
        local = t + step * n
        # Start-ups and shutdowns: rare, lasting hours.
        if site.running and rnd.random() < 0.0005:
            site.running = False
        elif not site.running and rnd.random() < 0.01:
            site.running = True
        if site.maintenance_until is None and rnd.random() < 0.0002:
            site.maintenance_until = local + timedelta(hours=2)
        if site.fault_until is None and rnd.random() < 0.0001:
            site.fault_until = local + timedelta(minutes=30)
        calibrating = local.hour == 2 and local.minute < 10
        flag = "N"
        if not site.running:
            flag = "F"
        elif site.maintenance_until is not None:
            flag = "M"
            if local >= site.maintenance_until:
                site.maintenance_until = None
        elif site.fault_until is not None:
            flag = "D"
            if local >= site.fault_until:
                site.fault_until = None
        elif calibrating:
            flag = "C"
        load = _load(local, rnd) if site.running else 0.02
        items: dict[str, dict[str, Decimal | str]] = {}
        for code, typical, spread, decimals in params:
            scale = load if code not in ("a19001", "a01012", "a01013", "w01001") else 1.0
            avg = typical * scale * (1 + rnd.gauss(0, spread / 3))
            lo, hi = avg * (1 - spread / 2), avg * (1 + spread / 2)
            if lo > hi:
                lo, hi = hi, lo
            q = Decimal(1).scaleb(-decimals)
            items[code] = {
                "Avg": Decimal(avg).quantize(q),
                "Min": Decimal(lo).quantize(q),
                "Max": Decimal(hi).quantize(q),
                "Flag": flag,
            }
        dt = local.strftime("%Y%m%d%H%M%S")
        qn = f"{dt}{n % 1000:03d}"
        raw = encode(qn=qn, st="31" if kind == "air" else "32", cn=cn, pw=pw, mn=mn, ack=ack,
                     params={"DataTime": dt}, items=items)  # fmt: skip
        if quirks and rnd.random() < 0.01:
            raw = raw[:-6] + raw[-6:-2].lower() + raw[-2:]  # lower-case CRC
        if quirks and rnd.random() < 0.01:
            raw = raw[:-2]  # no CRLF
        yield raw


def qn_of(raw: bytes) -> str | None:
    m = _QN.search(raw)
    return m.group(1).decode() if m else None


@dataclass
class SimStats:
    sent: int = 0
    resent: int = 0
    acked: int = 0
    gave_up: int = 0
    connects: int = 0
    latencies: list[float] = field(default_factory=list)


class SimLogger:
    """One simulated logger connection (see module docstring)."""

    def __init__(
        self,
        mn: str,
        frames: list[bytes],
        *,
        rate: float = 1.0,
        ack_timeout: float = 10.0,
        retries: int | None = 3,
        stats: SimStats | None = None,
        split_writes: bool = False,
    ) -> None:
        self.mn = mn
        self.frames = frames
        self.rate = rate
        self.ack_timeout = ack_timeout
        self.retries = retries
        self.stats = stats or SimStats()
        self.split_writes = split_writes
        self.acked: set[str] = set()
        self._unacked: dict[str, tuple[bytes, float, int]] = {}
        self._next = 0

    @property
    def done(self) -> bool:
        return self._next >= len(self.frames) and not self._unacked

    async def run(self, host: str, port: int, deadline: float) -> None:
        while not self.done and time.monotonic() < deadline:
            try:
                reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 5.0)
            except (OSError, TimeoutError):
                await asyncio.sleep(0.2)
                continue
            self.stats.connects += 1
            try:
                await self._session(reader, writer, deadline)
            except (ConnectionError, OSError, asyncio.IncompleteReadError):
                pass
            finally:
                writer.close()
                with contextlib.suppress(Exception):
                    await writer.wait_closed()
            if not self.done:
                await asyncio.sleep(0.1)

    async def _session(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, deadline: float
    ) -> None:
        receiver = asyncio.create_task(self._receive(reader))
        try:
            # After a reconnect, whatever was not acknowledged goes again first.
            for qn, (raw, _, attempts) in list(self._unacked.items()):
                await self._send(writer, qn, raw, attempts + 1, resend=True)
            interval = 1.0 / self.rate if self.rate > 0 else 0.0
            next_at = time.monotonic()
            unacked = self._unacked
            while not self.done and time.monotonic() < deadline:
                if receiver.done():
                    receiver.result()
                    return  # connection closed by the gateway
                now = time.monotonic()
                # ``_unacked`` is in send order (a resend moves a frame to the end), so only
                # the oldest entries can be due: no scan of everything in flight per tick.
                while unacked:
                    qn, (raw, sent, attempts) = next(iter(unacked.items()))
                    if now - sent <= self.ack_timeout:
                        break
                    if self.retries is not None and attempts > self.retries:
                        del unacked[qn]
                        self.stats.gave_up += 1
                    else:
                        await self._send(writer, qn, raw, attempts + 1, resend=True)
                if self._next < len(self.frames) and now >= next_at:
                    raw = self.frames[self._next]
                    self._next += 1
                    await self._send(writer, qn_of(raw) or str(self._next), raw, 1)
                    next_at += interval
                    continue
                # Sleep until the next frame or the oldest timeout, at most 0.25 s (to notice a close).
                wake = next_at if self._next < len(self.frames) else now + 0.25
                if unacked:
                    wake = min(wake, next(iter(unacked.values()))[1] + self.ack_timeout)
                await asyncio.sleep(min(0.25, max(0.001, wake - time.monotonic())))
        finally:
            receiver.cancel()
            with contextlib.suppress(BaseException):
                await receiver

    async def _send(
        self, writer: asyncio.StreamWriter, qn: str, raw: bytes, attempts: int, resend: bool = False
    ) -> None:
        self._unacked.pop(qn, None)  # a resend goes to the end: the dict stays in send order
        self._unacked[qn] = (raw, time.monotonic(), attempts)
        if self.split_writes and len(raw) > 20:
            writer.write(raw[:17])
            await writer.drain()
            writer.write(raw[17:])
        else:
            writer.write(raw)
        await writer.drain()
        if resend:
            self.stats.resent += 1
        else:
            self.stats.sent += 1

    async def _receive(self, reader: asyncio.StreamReader) -> None:
        splitter = FrameSplitter()
        while True:
            data = await reader.read(65536)
            if not data:
                return
            for seg in splitter.feed(data):
                if seg.kind != "frame" or b"CN=9014" not in seg.data:
                    continue
                qn = qn_of(seg.data)
                hit = self._unacked.pop(qn, None) if qn else None
                if hit is not None and qn is not None:
                    self.acked.add(qn)
                    self.stats.acked += 1
                    self.stats.latencies.append(time.monotonic() - hit[1])


async def run_loggers(
    host: str,
    port: int,
    *,
    count: int,
    rate: float,
    frames_per_logger: int,
    start: datetime,
    duration: float,
    quirks: bool = False,
) -> tuple[SimStats, list[SimLogger]]:
    """``count`` loggers, each sending ``frames_per_logger`` frames at ``rate`` frames/s."""
    stats = SimStats()
    loggers = [
        SimLogger(
            sim_mn(i),
            list(honest_frames(sim_mn(i), start, frames_per_logger, seed=i, quirks=quirks)),
            rate=rate,
            stats=stats,
        )
        for i in range(count)
    ]
    deadline = time.monotonic() + duration
    await asyncio.gather(*(lg.run(host, port, deadline) for lg in loggers))
    return stats, loggers


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1)]
