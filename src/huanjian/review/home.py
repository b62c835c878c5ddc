"""The off-site supervision home (非现场监管): outlets on the map with one status each, the
district grid, KPI tiles, trends by jurisdiction and what needs attention today."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from huanjian.access.policy import Principal, authorize
from huanjian.core.scope import jurisdiction_filter
from huanjian.core.time import CST, utcnow
from huanjian.core.tx import Tx
from huanjian.ingest.models import IngestLogger
from huanjian.review import districts as district_grid
from huanjian.review import repository as repo
from huanjian.review.models import ExceedanceEvent, ReviewLayer, ReviewResult, SelfMonitoringResult
from huanjian.review.views import exceedances, indicators
from huanjian.settings import get_settings


def home(tx: Tx, principal: Principal, *, offline_after: timedelta = timedelta(hours=1)) -> dict[str, Any]:
    """Off-site supervision home: outlets with status, KPI tiles, what needs attention today."""
    authorize(principal, "review.read")
    from huanjian.register.service import scope_for

    scope = scope_for(tx, principal)
    now = utcnow()
    infos = repo.outlets(tx.session, scope)
    seen = dict(tx.session.execute(select(IngestLogger.mn, IngestLogger.last_seen_at)).all()) if infos else {}
    e = ExceedanceEvent
    recent_events = tx.session.execute(
        select(e.outlet_id, func.max(e.end_at)).where(e.withdrawn_at.is_(None)).group_by(e.outlet_id)
    ).all()
    latest_event = dict(recent_events)
    # "exceeding": an event ending within a day of the outlet's latest reviewed hour
    latest_hour = dict(
        tx.session.execute(
            select(ReviewResult.outlet_id, func.max(ReviewResult.period_start))
            .where(ReviewResult.period == "hour", ReviewResult.received > 0)
            .group_by(ReviewResult.outlet_id)
        ).all()
    )
    clue_outlets = _open_clue_outlets(tx, principal)
    points = []
    counts = {"online": 0, "offline": 0, "exceeding": 0, "clue": 0}
    for info in infos:
        last = max((seen[m] for m in info.mns if seen.get(m)), default=None)
        online = last is not None and now - last <= offline_after
        ref = latest_hour.get(info.id)
        exceeding = bool(
            latest_event.get(info.id) and ref and latest_event[info.id] >= ref - timedelta(hours=23)
        )
        # one colour per outlet, the most urgent first
        status = (
            "exceeding"
            if exceeding
            else "clue"
            if info.id in clue_outlets
            else ("online" if online else "offline")
        )
        counts[status] += 1
        points.append(
            {
                "id": info.id,
                "name": f"{info.enterprise_name} {info.outlet_code}",
                "lon": info.longitude,
                "lat": info.latitude,
                "status": status,
                "kind": info.kind,
                "online": online,
                "clue_open": info.id in clue_outlets,
                "district": (info.jurisdiction_code or "")[:6],
            }
        )
    t = ReviewLayer
    visible = jurisdiction_filter(scope, t.jurisdiction_code, t.enterprise_id)
    pending = (
        tx.session.scalar(select(func.count()).select_from(t).where(visible, t.status == "pending")) or 0
    )
    suspects = (
        tx.session.scalar(
            select(func.count())
            .select_from(t)
            .where(visible, t.kind == "suspect", t.effective_until.is_(None))
        )
        or 0
    )
    s = SelfMonitoringResult
    disagreements = tx.session.scalars(
        select(s)
        .where(jurisdiction_filter(scope, s.jurisdiction_code, s.enterprise_id), s.disagrees.is_(True))
        .order_by(s.sampled_at.desc())
        .limit(20)
    ).all()
    today = now.astimezone(CST).date()
    return {
        "points": points,
        "counts": counts,
        "kpis": {
            "outlets": len(infos),
            "pending": pending,
            "suspects": suspects,
            "disagreements": len(disagreements),
        },
        "exceedances": exceedances(tx, principal, limit=20),
        "queue": [x for x in _queue(tx, principal)][:20],
        "disagreements": disagreements,
        "indicators": indicators(
            tx,
            principal,
            level="jurisdiction",
            period="month",
            start_day=today - timedelta(days=62),
            end_day=today,
        ),
        "offline": [p for p in points if p["status"] == "offline"][:50],
        "districts": districts(tx, points),
    }


#: Clue states that colour an outlet on the map: not yet dismissed, confirmed or handed on.
OPEN_CLUE_STATES = ("new", "under_verification")


def _open_clue_outlets(tx: Tx, principal: Principal) -> set[int]:
    """Outlets with a clue still open, read through the detection domain's search."""
    if not principal.can("clues.read"):
        return set()
    from huanjian.detect import service as detect

    return {c.outlet_id for c in detect.search(tx, principal, status=OPEN_CLUE_STATES, limit=None)}


def districts(tx: Tx, points: list[dict[str, Any]]) -> dict[str, Any]:
    """The district grid of the map: Voronoi cells of the district centres (``review.districts``).

    No district outline package with a licence that allows redistribution was found on
    npm (docs/review.md), so cells drawn from approximate centres stand in for outlines.
    Every district with a centre is drawn (geography, not tenant data); the outlet counts
    are those of the visible points.
    """
    from huanjian.geo.models import Jurisdiction

    grid = district_grid.outlines(get_settings().district_outlines)
    if not grid["cells"]:
        return {"extent": None, "cells": []}
    counts: dict[str, int] = defaultdict(int)
    for p in points:
        if p["district"]:
            counts[p["district"]] += 1
    codes = [c["code"] for c in grid["cells"]]
    names = dict(
        tx.session.execute(
            select(Jurisdiction.code, Jurisdiction.name).where(Jurisdiction.code.in_(codes))
        ).all()
    )
    return {
        "extent": grid["extent"],
        "source": grid["source"],
        "cells": [
            {**c, "name": names.get(c["code"], c["code"]), "outlets": counts.get(c["code"], 0)}
            for c in grid["cells"]
        ],
    }


def _queue(tx: Tx, principal: Principal) -> list[ReviewLayer]:
    from huanjian.review import layers

    return layers.queue(tx, principal)
