"""Actions on the layers over the raw data: marks and declarations, reviewer actions,
suspect periods, review levels.  Each is one audited action; nothing is deleted.

A layer row takes effect at ``effective_from`` and stops at ``effective_until``:

* an enterprise **mark** of a category without declaration takes effect when filed
  (within the category's deadline after the marked period ends, else it is
  ``late`` and never takes effect); a category that needs a **declaration**
  (fault, long shutdown, process abnormality) is ``pending`` until the bureau
  accepts it (effect from the acceptance) or rejects it (no effect);
  a bureau may also reject a mark already in effect (the effect stops then);
* reviewer actions (**flag**, **exclude**, **substitute**) and **suspect** periods
  take effect when recorded; a suspect period stops when resolved;
* **levels** (``reviewed``, ``approved``) cover a period; approval needs the person
  permission ``review.approve`` and no open suspect period;
* the filer (or a reviewer) may **withdraw** a row: its effect stops then.

Each change recomputes the days it covers, so stored figures follow at once, and
the as-of view (:func:`huanjian.review.service.figures`) replays the rows in force
at any earlier time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from huanjian.access.policy import Principal, authorize, require_permission
from huanjian.core.time import ensure_utc, utcnow
from huanjian.core.tx import Tx
from huanjian.errors import Conflict, NotFound, PermissionDenied, ValidationError
from huanjian.review import repository as repo
from huanjian.review import service
from huanjian.review.marks import mark_type
from huanjian.review.models import LEVELS, ReviewLayer

REVIEWER_KINDS = ("flag", "exclude", "substitute")
MAX_SPAN = timedelta(days=400)


def _snapshot(row: ReviewLayer) -> dict[str, Any]:
    return {
        "kind": row.kind,
        "outlet_id": row.outlet_id,
        "pollutant": row.pollutant,
        "start_at": row.start_at.isoformat(),
        "end_at": row.end_at.isoformat(),
        "code": row.code,
        "value": row.value,
        "status": row.status,
        "effective_from": row.effective_from.isoformat() if row.effective_from else None,
        "effective_until": row.effective_until.isoformat() if row.effective_until else None,
    }


def _check_span(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    start, end = ensure_utc(start), ensure_utc(end)
    if end <= start:
        raise ValidationError("the period must end after it starts", field="end")
    if end - start > MAX_SPAN:
        raise ValidationError("a layer covers at most 400 days", field="end")
    return start, end


def _new(
    tx: Tx,
    principal: Principal,
    info: repo.OutletInfo,
    *,
    kind: str,
    code: str,
    start: datetime,
    end: datetime,
    reason: str,
    pollutant: str | None,
    status: str,
    effective_from: datetime | None,
    source: str,
    value: float | None = None,
    attachments: Sequence[dict[str, Any]] = (),
    qa_event_id: int | None = None,
) -> ReviewLayer:
    if not reason.strip():
        raise ValidationError("give a reason", field="reason")
    row = ReviewLayer(
        kind=kind,
        outlet_id=info.id,
        pollutant=pollutant or None,
        start_at=start,
        end_at=end,
        code=code,
        value=value,
        reason=reason.strip(),
        attachments=list(attachments),
        status=status,
        effective_from=effective_from,
        recorded_at=utcnow(),
        recorded_by=tx.ctx.actor_name,
        recorded_by_id=principal.user_id,
        source=source,
        qa_event_id=qa_event_id,
        enterprise_id=info.enterprise_id,
        jurisdiction_code=info.jurisdiction_code,
    )
    tx.session.add(row)
    tx.session.flush()
    tx.audit(
        f"review.{kind}.create",
        "review_layer",
        row.id,
        after=_snapshot(row),
        reason=row.reason,
        jurisdiction_code=info.jurisdiction_code,
        organisation_id=info.enterprise_id,
    )
    if effective_from is not None:
        service.touch_layer_days(tx, row)
    return row


def file_mark(
    tx: Tx,
    principal: Principal,
    *,
    outlet_id: int,
    code: str,
    start: datetime,
    end: datetime,
    reason: str,
    pollutant: str | None = None,
    attachments: Sequence[dict[str, Any]] = (),
    now: datetime | None = None,
) -> ReviewLayer:
    """An enterprise marks a period (or files a declaration, for categories that need one).

    ``now`` is the filing time judged against the category's deadline (default: now);
    the mark's effect, when it has one at once, always starts at the recording time.
    """
    authorize(principal, "review.mark")
    info = service.outlet_for(tx, principal, outlet_id)
    mt = mark_type(code)
    start, end = _check_span(start, end)
    filed = now or utcnow()  # the filing time judged against the deadline (tests pass it)
    if mt.declaration_required and not attachments and principal.role == "enterprise":
        raise ValidationError(
            f"a {mt.en.lower()} declaration needs at least one attachment", field="attachments"
        )
    late = mt.deadline_hours > 0 and filed > end + timedelta(hours=mt.deadline_hours)
    if late:
        status, effective = "late", None
    elif mt.declaration_required:
        status, effective = "pending", None
    else:
        status, effective = "effective", utcnow()
    return _new(
        tx, principal, info, kind="mark", code=code, start=start, end=end, reason=reason,
        pollutant=pollutant, status=status, effective_from=effective, source="enterprise",
        attachments=attachments,
    )  # fmt: skip


def _get(tx: Tx, principal: Principal, layer_id: int) -> tuple[ReviewLayer, repo.OutletInfo]:
    row = tx.session.get(ReviewLayer, layer_id)
    if row is None:
        raise NotFound(f"layer {layer_id} not found")
    info = service.outlet_for(tx, principal, row.outlet_id)  # not visible → not found
    return row, info


def _stop(
    tx: Tx, row: ReviewLayer, info: repo.OutletInfo, action: str, status: str, reason: str
) -> ReviewLayer:
    if not reason.strip():
        raise ValidationError("give a reason", field="reason")
    before = _snapshot(row)
    had_effect = row.effective_from is not None and row.effective_until is None
    now = utcnow()
    row.status = status
    if had_effect:
        row.effective_until = now
    row.decided_at, row.decided_by, row.decision_reason = now, tx.ctx.actor_name, reason.strip()
    tx.session.flush()
    tx.audit(
        action,
        "review_layer",
        row.id,
        before=before,
        after=_snapshot(row),
        reason=reason,
        jurisdiction_code=info.jurisdiction_code,
        organisation_id=info.enterprise_id,
    )
    if had_effect:
        service.touch_layer_days(tx, row)
    return row


def decide(tx: Tx, principal: Principal, layer_id: int, *, accept: bool, reason: str) -> ReviewLayer:
    """The bureau accepts or rejects a mark or declaration."""
    authorize(principal, "review.decide")
    row, info = _get(tx, principal, layer_id)
    if row.kind != "mark":
        raise Conflict("only marks and declarations are accepted or rejected")
    if accept:
        if row.status != "pending":
            raise Conflict(f"the mark is {row.status}, not pending")
        before = _snapshot(row)
        now = utcnow()
        row.status, row.effective_from = "accepted", now
        row.decided_at, row.decided_by, row.decision_reason = now, tx.ctx.actor_name, reason.strip() or None
        tx.session.flush()
        tx.audit("review.mark.accept", "review_layer", row.id, before=before, after=_snapshot(row),
                 reason=reason or None, jurisdiction_code=info.jurisdiction_code,
                 organisation_id=info.enterprise_id)  # fmt: skip
        service.touch_layer_days(tx, row)
        return row
    if row.status not in ("pending", "effective", "accepted"):
        raise Conflict(f"the mark is {row.status}")
    return _stop(tx, row, info, "review.mark.reject", "rejected", reason)


def withdraw(tx: Tx, principal: Principal, layer_id: int, *, reason: str) -> ReviewLayer:
    row, info = _get(tx, principal, layer_id)
    if row.source == "enterprise":
        authorize(principal, "review.mark")
    else:
        authorize(principal, "review.act")
    if principal.role == "enterprise" and row.source != "enterprise":
        raise PermissionDenied("an enterprise withdraws only its own marks")
    if row.status in ("withdrawn", "rejected", "resolved", "late"):
        raise Conflict(f"the layer is already {row.status}")
    if row.kind == "level":
        require_permission(principal, "review.approve") if row.code == "approved" else None
    return _stop(tx, row, info, f"review.{row.kind}.withdraw", "withdrawn", reason)


def reviewer_action(
    tx: Tx,
    principal: Principal,
    *,
    outlet_id: int,
    kind: str,
    start: datetime,
    end: datetime,
    reason: str,
    pollutant: str | None = None,
    code: str | None = None,
    value: float | None = None,
) -> ReviewLayer:
    """Flag (annotate), exclude (records do not count) or substitute (HJ 75 or a given value)."""
    authorize(principal, "review.act")
    if kind not in REVIEWER_KINDS:
        raise ValidationError(f"kind must be one of {REVIEWER_KINDS}", field="kind")
    info = service.outlet_for(tx, principal, outlet_id)
    start, end = _check_span(start, end)
    if kind == "substitute" and pollutant is None:
        raise ValidationError("a substitution names its pollutant", field="pollutant")
    label = (
        code
        or {"flag": "doubt", "exclude": "excluded", "substitute": "hj75" if value is None else "manual"}[kind]
    )
    return _new(
        tx, principal, info, kind=kind, code=label[:30], start=start, end=end, reason=reason,
        pollutant=pollutant, status="effective", effective_from=utcnow(), source="reviewer", value=value,
    )  # fmt: skip


def mark_suspect(
    tx: Tx,
    principal: Principal | None,
    *,
    outlet_id: int,
    start: datetime,
    end: datetime,
    reason: str,
    pollutant: str | None = None,
    qa_event_id: int | None = None,
) -> ReviewLayer:
    """Doubt a period: shown, and kept out of approval until resolved."""
    actor = principal or Principal.system()
    authorize(actor, "review.act")
    info = service.outlet_for(tx, actor, outlet_id)
    start, end = _check_span(start, end)
    return _new(
        tx, actor, info, kind="suspect", code="suspect", start=start, end=end, reason=reason,
        pollutant=pollutant, status="effective", effective_from=utcnow(),
        source="qa" if qa_event_id else "reviewer", qa_event_id=qa_event_id,
    )  # fmt: skip


def resolve_suspect(tx: Tx, principal: Principal, layer_id: int, *, reason: str) -> ReviewLayer:
    authorize(principal, "review.act")
    row, info = _get(tx, principal, layer_id)
    if row.kind != "suspect" or row.effective_until is not None:
        raise Conflict("not an open suspect period")
    return _stop(tx, row, info, "review.suspect.resolve", "resolved", reason)


def set_level(
    tx: Tx,
    principal: Principal,
    *,
    outlet_id: int,
    start: datetime,
    end: datetime,
    level: str,
    reason: str,
    pollutant: str | None = None,
) -> ReviewLayer:
    """Mark a period ``reviewed`` or ``approved`` (approval: person permission ``review.approve``)."""
    authorize(principal, "review.act")
    if level not in LEVELS[1:]:
        raise ValidationError(f"level must be one of {LEVELS[1:]}", field="level")
    if level == "approved":
        require_permission(principal, "review.approve")
    info = service.outlet_for(tx, principal, outlet_id)
    start, end = _check_span(start, end)
    if level == "approved":
        suspects = repo.layers(tx.session, info.id, start, end, kinds=("suspect",))
        open_ = [s for s in suspects if s.pollutant in (None, pollutant) or pollutant is None]
        if open_:
            raise Conflict(
                f"suspect period(s) {', '.join(str(s.id) for s in open_)} must be resolved before approval"
            )
    return _new(
        tx, principal, info, kind="level", code=level, start=start, end=end, reason=reason,
        pollutant=pollutant, status="effective", effective_from=utcnow(), source="reviewer",
    )  # fmt: skip


def queue(
    tx: Tx, principal: Principal, *, status: Sequence[str] = ("pending",), limit: int = 200
) -> list[ReviewLayer]:
    """Layer rows waiting for a decision (pending declarations) or open suspects, in the principal's scope."""
    authorize(principal, "review.read")
    from huanjian.core.scope import jurisdiction_filter
    from huanjian.register.service import scope_for

    scope = scope_for(tx, principal)
    t = ReviewLayer
    stmt = (
        select(t)
        .where(jurisdiction_filter(scope, t.jurisdiction_code, t.enterprise_id))
        .where(t.status.in_(list(status)) | ((t.kind == "suspect") & t.effective_until.is_(None)))
        .order_by(t.recorded_at.desc(), t.id.desc())
        .limit(limit)
    )
    return list(tx.session.scalars(stmt))


def of_outlet(
    tx: Tx, principal: Principal, outlet_id: int, start: datetime, end: datetime
) -> list[ReviewLayer]:
    """Every layer row of the outlet overlapping [start, end), in force or not (the history)."""
    info = service.outlet_for(tx, principal, outlet_id)
    t = ReviewLayer
    stmt = select(t).where(t.outlet_id == info.id, t.start_at < end, t.end_at > start).order_by(t.id)
    return list(tx.session.scalars(stmt))
