"""Draw actions: plan, commit, run, publish, redraw (two people), verify. Each is audited."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from huanjian.access.policy import Principal, authorize, check_visible, require_permission
from huanjian.core.time import utcnow
from huanjian.core.tx import Tx
from huanjian.credit import consequences as credit
from huanjian.draw import ranking, repository
from huanjian.draw.models import RandomDraw
from huanjian.draw.states import next_state
from huanjian.errors import Conflict, NotFound, PermissionDenied, ValidationError
from huanjian.geo import repository as geo


def _candidates(draw: RandomDraw) -> list[ranking.Candidate]:
    return [
        ranking.Candidate(str(c["id"]), str(c["stratum"]), c.get("credit"), str(c.get("risk") or "normal"))
        for c in draw.library
    ]


def _state(draw: RandomDraw) -> dict[str, Any]:
    return {
        "status": draw.status,
        "commitment": draw.commitment,
        "result": [p["id"] for p in draw.result] if draw.result else None,
    }


def _transition(tx: Tx, actor: Principal, draw: RandomDraw, action: str, reason: str | None = None) -> None:
    before = _state(draw)
    draw.status = next_state(action, draw.status)
    tx.audit(
        f"draw.{action}",
        "random_draw",
        draw.id,
        before=before,
        after=_state(draw),
        reason=reason,
        jurisdiction_code=draw.jurisdiction_code,
    )


def get(tx: Tx, actor: Principal, draw_id: int) -> RandomDraw:
    authorize(actor, "draws.read")
    draw = repository.get(tx.session, draw_id)
    if draw is None:
        raise NotFound(f"draw {draw_id} not found")
    check_visible(actor, draw.jurisdiction_code, None, f"draw {draw_id}")
    return draw


def list_draws(tx: Tx, actor: Principal) -> Sequence[RandomDraw]:
    authorize(actor, "draws.read")
    return repository.list_scoped(tx.session, actor.scope)


def plan(tx: Tx, actor: Principal, *, title: str, jurisdiction_code: str, period: str) -> RandomDraw:
    """Freeze the object library and the rules as they are now."""
    require_permission(actor, "draw.run")
    if geo.get(tx.session, jurisdiction_code) is None:
        raise ValidationError(f"jurisdiction {jurisdiction_code} does not exist", field="jurisdiction_code")
    if not actor.scope.sees_jurisdiction(jurisdiction_code):
        raise PermissionDenied("you may only plan draws inside your own jurisdiction")
    # The register gives class and official grade; credit overlays the grade that counts
    # (official, else published computed) and the risk, each with its provenance.
    library = credit.draw_library(tx.session, repository.object_library(tx.session, jurisdiction_code))
    if not library:
        raise ValidationError(f"no operating enterprise in {jurisdiction_code}: nothing to draw from")
    draw = RandomDraw(
        title=title,
        jurisdiction_code=jurisdiction_code,
        period=period,
        status="planned",
        library=library,
        rules=ranking.default_rules(),
        created_at=utcnow(),
        created_by=tx.ctx.actor_name,
    )
    repository.add(tx.session, draw)
    tx.audit(
        "draw.plan",
        "random_draw",
        draw.id,
        after={"title": title, "period": period, "library_size": len(library)},
        jurisdiction_code=jurisdiction_code,
    )
    return draw


def commit(tx: Tx, actor: Principal, draw_id: int) -> RandomDraw:
    """Generate the seed and fix its SHA-256 commitment, published before the draw runs."""
    draw = get(tx, actor, draw_id)
    require_permission(actor, "draw.run")
    draw.seed = ranking.new_seed()
    draw.commitment = ranking.commitment(draw.seed)
    draw.committed_at = utcnow()
    _transition(tx, actor, draw, "commit")
    return draw


def run(tx: Tx, actor: Principal, draw_id: int) -> RandomDraw:
    draw = get(tx, actor, draw_id)
    require_permission(actor, "draw.run")
    next_state("run", draw.status)  # refuse before computing anything
    if draw.seed is None:
        raise Conflict(f"draw {draw_id} has no committed seed")
    picks, summary = ranking.draw(draw.seed, _candidates(draw), draw.rules)
    draw.result = [{"id": p.id, "stratum": p.stratum, "rank": p.rank, "score": p.score} for p in picks]
    draw.summary = [{"stratum": s.stratum, "size": s.size, "rate": s.rate, "drawn": s.drawn} for s in summary]
    draw.drawn_at, draw.drawn_by = utcnow(), tx.ctx.actor_name
    _transition(tx, actor, draw, "run")
    return draw


def publish(tx: Tx, actor: Principal, draw_id: int) -> RandomDraw:
    draw = get(tx, actor, draw_id)
    require_permission(actor, "draw.run")
    draw.published_at = utcnow()
    _transition(tx, actor, draw, "publish")
    return draw


def request_redraw(tx: Tx, actor: Principal, draw_id: int, reason: str) -> RandomDraw:
    draw = get(tx, actor, draw_id)
    require_permission(actor, "draw.run")
    if not reason.strip():
        raise ValidationError("a redraw needs a reason", field="reason")
    if draw.status not in ("drawn", "published"):
        raise Conflict(f"cannot request a redraw of a draw that is {draw.status}")
    draw.redraw_reason, draw.redraw_requested_by, draw.redraw_approved_by = reason, actor.user_id, None
    tx.audit(
        "draw.request_redraw",
        "random_draw",
        draw.id,
        after={"reason": reason},
        reason=reason,
        jurisdiction_code=draw.jurisdiction_code,
    )
    return draw


def approve_redraw(tx: Tx, approver: Principal, draw_id: int) -> RandomDraw:
    """A second person approves; the old draw is superseded and a new one planned from the same library."""
    draw = get(tx, approver, draw_id)
    require_permission(approver, "draw.run")
    if draw.redraw_requested_by is None:
        raise Conflict(f"no redraw was requested for draw {draw_id}")
    if draw.redraw_requested_by == approver.user_id:
        raise PermissionDenied("a redraw must be approved by a second person, not the one who asked for it")
    draw.redraw_approved_by = approver.user_id
    _transition(tx, approver, draw, "approve_redraw", reason=draw.redraw_reason)
    new = RandomDraw(
        title=draw.title,
        jurisdiction_code=draw.jurisdiction_code,
        period=draw.period,
        status="planned",
        library=draw.library,
        rules=draw.rules,
        created_at=utcnow(),
        created_by=tx.ctx.actor_name,
        redraw_of_id=draw.id,
        redraw_reason=draw.redraw_reason,
    )
    repository.add(tx.session, new)
    tx.audit(
        "draw.plan",
        "random_draw",
        new.id,
        after={"redraw_of": draw.id, "library_size": len(new.library)},
        reason=draw.redraw_reason,
        jurisdiction_code=draw.jurisdiction_code,
    )
    return new


def verify(draw: RandomDraw) -> list[str]:
    """Re-run a draw from its seed and frozen library; empty when it checks out."""
    if draw.seed is None or draw.commitment is None or draw.result is None:
        return [f"draw {draw.id} has not run yet"]
    return ranking.verify(
        draw.seed, draw.commitment, _candidates(draw), [p["id"] for p in draw.result], draw.rules
    )


def public_get(tx: Tx, draw_id: int) -> RandomDraw:
    """Public from commitment on: the commitment first, the seed and result once published."""
    draw = repository.get(tx.session, draw_id)
    if draw is None or draw.committed_at is None:
        raise NotFound(f"draw {draw_id} not found")
    return draw


def public_list(tx: Tx) -> Sequence[RandomDraw]:
    return repository.public(tx.session)
