"""Demo history with falsification among the simulated loggers (``huanjian demo --history DAYS``).

A few outlets of the demo register get ``DAYS`` days of minute data up to today (CST)
from the detection generator (:mod:`huanjian.detect.generate`): eight air outlets each carry
one trick of the air catalogue at the ``strong`` strength (range narrowed, particulate slope,
coefficient change, preset data, dilution, borrowed data, piling under the limit, false
flags), one water outlet carries the water contradiction, and one air and one water outlet
stay honest (and lend their data to the borrowed-data trick).  The values are scaled to the
limits filed in the register, encoded as HJ 212 minute frames (CN 2051) and written through
the ingest store (:meth:`huanjian.ingest.store.IngestStore.write`, as the gateway would);
then :func:`huanjian.detect.service.run` runs over the days, so the clue inbox shows a clue of
every falsification kind with its evidence.

The tricks are placed by the generator's seeded random choices; before anything is written
the plan is checked in memory (every trick found by the detectors on the planned data) and
the next seed is tried when one is not — so the demo does show every kind, with
``DAYS`` ≥ 30 (a shorter history cuts the month and may cut an episode).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np

from huanjian.access.policy import Principal
from huanjian.core.context import ActionContext
from huanjian.core.runtime import Runtime
from huanjian.core.scope import Scope
from huanjian.core.time import CST, utcnow
from huanjian.detect import catalogue
from huanjian.detect.clues import build
from huanjian.detect.generate import (
    AIR_TRICKS,
    DAYS_PER_MONTH,
    Episode,
    Truth,
    apply_trick,
    honest_air,
    honest_water,
)
from huanjian.detect.model import O2, LoggerData
from huanjian.detect.view import o2_factor
from huanjian.hj212 import encode
from huanjian.ingest.pipeline import Incoming
from huanjian.review import repository as review_repo

SEED = 2026
AIR_NEEDED = ("a21026", "a21002", "a34013")
WATER_NEEDED = ("w01018", "w21003")
BATCH = 5000
DECIMALS = 3
PEER = "demo:history"
#: Tricks the generator defines against the limit (applied to O2-corrected values here).
LIMIT_TRICKS = frozenset({"under_limit_piling", "false_flags"})


@dataclass
class Planned:
    info: review_repo.OutletInfo
    mn: str
    data: LoggerData
    trick: str | None = None
    episode: Episode | None = None


@dataclass
class HistoryReport:
    days: int
    seed: int
    loggers: int = 0
    frames: int = 0
    tricks: dict[str, str] = field(default_factory=dict)  # MN → trick
    found: dict[str, int] = field(default_factory=dict)  # trick → falsification clues
    seconds_write: float = 0.0
    seconds_detect: float = 0.0

    def missing(self) -> list[str]:
        return sorted(set(self.tricks.values()) - {t for t, n in self.found.items() if n})


def _candidates(
    rt: Runtime,
) -> tuple[
    list[review_repo.OutletInfo],
    list[review_repo.OutletInfo],
    dict[int, dict[str, float]],
    dict[int, dict[str, float]],
]:
    """Air and water outlets with the limits the generator needs; limits and reference O2."""
    today = utcnow().astimezone(CST).date()
    air, water, limits = [], [], {}
    refs: dict[int, dict[str, float]] = {}
    with rt.db.unit_of_work() as session:
        for info in review_repo.outlets(session, Scope(everything=True)):
            if not info.mns or _taken(session, info.mns[0]):
                continue
            specs = [
                s
                for s in review_repo.limits(session, info.id, today)
                if s.upper is not None and s.period == ("hour" if info.kind == "air" else "day")
            ]
            lim = {s.pollutant: float(s.upper) for s in specs}  # type: ignore[arg-type]
            if info.kind == "air":
                refs[info.id] = {
                    s.pollutant: float(s.reference_o2) for s in specs if s.reference_o2 is not None
                }
            if info.kind == "air" and all(c in lim for c in AIR_NEEDED):
                air.append(info)
            elif info.kind == "water" and all(c in lim for c in WATER_NEEDED):
                water.append(info)
            limits[info.id] = lim
    key = lambda i: i.mns[0]  # noqa: E731 — deterministic order
    return sorted(air, key=key), sorted(water, key=key), limits, refs


def _taken(session: Any, mn: str) -> bool:
    """Readings that another demo seeder wrote (ours come as frames from ``demo:history``)."""
    from sqlalchemy import exists, select

    from huanjian.ingest.models import IngestFrame, IngestReading

    has_readings = session.scalar(select(exists().where(IngestReading.mn == mn)))
    ours = session.scalar(select(exists().where(IngestFrame.mn == mn, IngestFrame.peer == PEER)))
    return bool(has_readings and not ours)


def _month(kind: str, seed: int, k: int, m: int) -> tuple[LoggerData, Truth]:
    gen = honest_air if kind == "air" else honest_water
    return gen(seed, k, m, near_limit=True, level=(0.85, 0.98))


def _scaled(data: LoggerData, limits: dict[str, float], refs: dict[str, float]) -> None:
    """Values scaled so that what the limit judges — the O2-corrected concentration where the
    limit has a reference O2, as detection from the store sees it — sits where the generator
    put it relative to its own limit."""
    for code, gen_limit in list(data.limits.items()):
        if code in limits and code in data.values and gen_limit > 0:
            f = (
                float(np.nanmean(o2_factor(data.values[O2], refs[code])))
                if code in refs and O2 in data.values
                else 1.0
            )
            data.values[code] = data.values[code] * (limits[code] / f / gen_limit)
            data.limits[code] = limits[code]
            if code in refs and O2 in data.values:
                data.reference_o2[code] = refs[code]


def _apply_judged(
    rng: np.random.Generator, data: LoggerData, truth: Truth, trick: str, peer: LoggerData | None
) -> Episode:
    """The trick applied to the values as the limit judges them (O2-corrected), for the tricks
    defined against the limit: piling just under it and flagging its exceedances invalid.
    A fraudster aims at the corrected figure, which is what the bureau compares."""
    if trick not in LIMIT_TRICKS or not data.reference_o2:
        return apply_trick(rng, data, truth, trick, "strong", peer)
    factors = {code: o2_factor(data.values[O2], ref) for code, ref in data.reference_o2.items()}
    for code, f in factors.items():
        data.values[code] = data.values[code] * f
    episode = apply_trick(rng, data, truth, trick, "strong", peer)
    for code, f in factors.items():
        data.values[code] = data.values[code] / f
    return episode


def _concat(parts: list[LoggerData], minutes: int, start: datetime, mn: str) -> LoggerData:
    """The last ``minutes`` of consecutive generated months, re-dated to ``start``."""
    n_all = sum(p.n for p in parts)
    cut = n_all - minutes
    values = {c: np.concatenate([p.values[c] for p in parts])[cut:] for c in parts[0].values}
    flags = np.concatenate([p.flags for p in parts])[cut:]
    last = parts[-1]
    return LoggerData(
        mn=mn,
        kind=last.kind,
        start=start,
        values=values,
        flags=flags,
        limits=dict(last.limits),
        reference_o2=dict(last.reference_o2),
        outlet_code=last.outlet_code,
    )


def plan(rt: Runtime, days: int, seed: int = SEED) -> list[Planned]:
    """Which outlets get which trick, and their minute data (in memory)."""
    air, water, limits, refs = _candidates(rt)
    if len(air) < len(AIR_TRICKS) + 1 or len(water) < 2:
        raise RuntimeError("the demo register has too few outlets with limits for the detection demo")
    end = datetime.combine(utcnow().astimezone(CST).date(), datetime.min.time(), tzinfo=CST)
    start = end - timedelta(days=days)
    months = max(1, math.ceil(days / DAYS_PER_MONTH))
    chosen: list[tuple[review_repo.OutletInfo, str | None]] = [
        *zip(air[: len(AIR_TRICKS)], AIR_TRICKS, strict=True),
        (air[len(AIR_TRICKS)], None),
        (water[0], "water_contradiction"),
        (water[1], None),
    ]
    months_of: list[list[tuple[LoggerData, Truth]]] = []
    for k, (info, _trick) in enumerate(chosen):
        parts = [_month(info.kind, seed, k, m) for m in range(months)]
        for d, _ in parts:
            d.mn = info.mns[0]
            _scaled(d, limits.get(info.id, {}), refs.get(info.id, {}))
        months_of.append(parts)
    honest = {info.kind: months_of[k][-1][0] for k, (info, trick) in enumerate(chosen) if trick is None}
    rng = np.random.default_rng([seed, 7])
    out: list[Planned] = []
    for (info, trick), parts in zip(chosen, months_of, strict=True):
        episode = None
        if trick:
            last, truth = parts[-1]
            peer = honest[info.kind] if trick == "borrowed_data" else None
            episode = _apply_judged(rng, last, truth, trick, peer)
        data = _concat([d for d, _ in parts], days * 1440, start, info.mns[0])
        data.outlet_code = info.outlet_code
        out.append(Planned(info, info.mns[0], data, trick, episode))
    return out


def found_in_memory(planned: list[Planned]) -> dict[str, int]:
    loggers = [p.data for p in planned]
    clues = build(catalogue.run(loggers), loggers)
    by_mn = {p.mn: p.trick for p in planned}
    found: dict[str, int] = {}
    for c in clues:
        if c.category == "falsification" and c.raised and by_mn.get(c.mn):
            t = by_mn[c.mn]
            assert t is not None
            found[t] = found.get(t, 0) + 1
    return found


def frames(p: Planned, password: str | None) -> Iterator[bytes]:
    d = p.data
    st = "31" if d.kind == "air" else "32"
    codes = sorted(d.values)
    cols = {c: d.values[c] for c in codes}
    q = Decimal(1).scaleb(-DECIMALS)
    for k in range(d.n):
        flag = str(d.flags[k])
        items: dict[str, dict[str, Any]] = {}
        for c in codes:
            v = cols[c][k]
            if math.isfinite(v):
                items[c] = {"Avg": Decimal(float(v)).quantize(q), "Flag": flag}
        if not items:
            continue
        local = d.time_of(k).astimezone(CST)
        dt = local.strftime("%Y%m%d%H%M%S")
        yield encode(qn=f"{dt}{k % 1000:03d}", st=st, cn="2051", pw=password, mn=p.mn, ack=False,
                     params={"DataTime": dt}, items=items)  # fmt: skip


def inject(
    rt: Runtime,
    days: int,
    *,
    seed: int = SEED,
    tries: int = 6,
    progress: Callable[[str, int, int], None] | None = None,
) -> HistoryReport:
    """Plan (checking that every trick is found), write the frames, run detection."""
    import time

    from huanjian.detect import service as detect
    from huanjian.ingest import service as ingest_service
    from huanjian.ingest.service import store_for
    from huanjian.register.models import Logger

    planned: list[Planned] = []
    used = seed
    for attempt in range(tries):
        used = seed + attempt
        planned = plan(rt, days, used)
        wanted = {p.trick for p in planned if p.trick}
        if wanted <= set(found_in_memory(planned)):
            break
    report = HistoryReport(days=days, seed=used, loggers=len(planned))
    report.tricks = {p.mn: p.trick for p in planned if p.trick}
    t0 = time.perf_counter()
    store = store_for(rt, channel="demo")
    with rt.db.unit_of_work() as session:
        passwords = {
            lg.mn: lg.password for lg in session.query(Logger).filter(Logger.mn.in_([p.mn for p in planned]))
        }
    total = sum(p.data.n for p in planned)
    done = 0
    now = datetime.now(UTC)
    for p in planned:
        batch: list[Incoming] = []
        for raw in frames(p, passwords.get(p.mn)):
            batch.append(Incoming(raw, PEER, now, source="replay"))
            if len(batch) >= BATCH:
                store.write(batch, now)
                report.frames += len(batch)
                done += len(batch)
                batch = []
                if progress:
                    progress("write", done, total)
        if batch:
            store.write(batch, now)
            report.frames += len(batch)
            done += len(batch)
    ctx = ActionContext.system("demo", "demo")
    with rt.tx(ctx) as tx:  # the settled days into day packs, as the hourly ingest.pack job would
        ingest_service.pack_days(tx)
    report.seconds_write = time.perf_counter() - t0
    t1 = time.perf_counter()
    start = planned[0].data.start.date()
    end = (planned[0].data.start + timedelta(days=days - 1)).date()
    with rt.tx(ctx) as tx:
        detect.run(tx, Principal.system(), start, end)
        rows = detect.search(
            tx, Principal.system(), category="falsification", start_day=start, end_day=end, limit=None
        )
        for r in rows:
            t = report.tricks.get(r.mn)
            if t and r.status == "new":
                report.found[t] = report.found.get(t, 0) + 1
    report.seconds_detect = time.perf_counter() - t1
    return report
