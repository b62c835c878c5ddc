"""Self-monitoring results (自行监测): import (CSV/XLSX template) and disagreement flags.

Template columns: ``credit_code``, ``outlet_code``, ``pollutant`` (HJ 212 code),
``sampled_at`` (ISO 8601; without a zone read as China Standard Time), ``value``,
``unit``, ``method``, ``lab``.  A result is compared with the automatic hourly
mean of the hour containing the sampling time (``rules/self_monitoring.toml``):
it *disagrees* when ``|manual − automatic| > max(absolute, relative × |manual|)``.
The comparison is refreshed whenever the hour is reviewed again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from huanjian.access.policy import Principal, authorize
from huanjian.core.time import CST, utcnow
from huanjian.core.tx import Tx
from huanjian.errors import ValidationError
from huanjian.register.importer import read_rows
from huanjian.review import repository as repo
from huanjian.review.models import ReviewResult, SelfMonitoringResult
from huanjian.review.rules import load_ruleset

COLUMNS = ("credit_code", "outlet_code", "pollutant", "sampled_at", "value", "unit", "method", "lab")


@dataclass(frozen=True, slots=True)
class Tolerance:
    relative: float
    absolute: float

    @classmethod
    def load(cls, rule_id: str = "self_monitoring") -> Tolerance:
        """``self_monitoring`` or ``enforcement`` (same shape, tuned apart)."""
        rs = load_ruleset(rule_id)
        rs.str_("compare_with", choices=("corrected_hourly",))
        return cls(
            relative=rs.float_("relative_tolerance", low=0.0, high=10.0),
            absolute=rs.float_("absolute_tolerance", low=0.0),
        )


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


def _time(text: Any) -> datetime:
    value = text if isinstance(text, datetime) else datetime.fromisoformat(str(text).strip())
    return (value if value.tzinfo else value.replace(tzinfo=CST)).astimezone(CST)


def compare(session: Session, row: SelfMonitoringResult, tol: Tolerance) -> None:
    hour = row.sampled_at.replace(minute=0, second=0, microsecond=0)
    r = ReviewResult
    found = session.execute(
        select(r.corrected, r.value, r.valid).where(
            r.outlet_id == row.outlet_id,
            r.pollutant == row.pollutant,
            r.period == "hour",
            r.period_start == hour,
        )
    ).first()
    automatic = None
    if found is not None:
        automatic = found[0] if found[0] is not None else (found[1] if found[2] else None)
    row.automatic_value = automatic
    if automatic is None:
        row.difference = row.tolerance = row.disagrees = None
        return
    row.difference = row.value - automatic
    row.tolerance = max(tol.absolute, tol.relative * abs(row.value))
    row.disagrees = abs(row.difference) > row.tolerance


def refresh(session: Session, outlet_id: int, start: datetime, end: datetime) -> None:
    """Recompare the results sampled in [start, end) after a review of those hours."""
    refresh_many(session, [(outlet_id, start, end)])


def refresh_many(session: Session, windows: Sequence[tuple[int, datetime, datetime]]) -> None:
    """:func:`refresh` for several (outlet, [start, end)) windows: one query for all."""
    if not windows:
        return
    s = SelfMonitoringResult
    lo, hi = min(w[1] for w in windows), max(w[2] for w in windows)
    span = {oid: (a, b) for oid, a, b in windows}
    rows = session.scalars(
        select(s).where(s.outlet_id.in_(list(span)), s.sampled_at >= lo, s.sampled_at < hi)
    ).all()
    tol = Tolerance.load() if rows else None
    for row in rows:
        a, b = span[row.outlet_id]
        if tol is not None and a <= row.sampled_at < b:
            compare(session, row, tol)


def import_file(tx: Tx, principal: Principal, data: bytes, filename: str) -> ImportReport:
    authorize(principal, "review.import")
    from huanjian.register.service import scope_for

    scope = scope_for(tx, principal)
    _, rows = read_rows(data, filename)
    tol = Tolerance.load()
    report = ImportReport()
    now = utcnow()
    for n, raw in enumerate(rows, start=2):
        if not raw:
            continue
        row = {k: (str(v).strip() if v is not None else "") for k, v in raw.items()}
        try:
            missing = [
                c
                for c in ("credit_code", "outlet_code", "pollutant", "sampled_at", "value", "unit")
                if not row.get(c)
            ]
            if missing:
                raise ValidationError(f"missing {', '.join(missing)}")
            outlet_id = repo.outlet_by_code(tx.session, row["credit_code"], row["outlet_code"])
            info = repo.outlet(tx.session, scope, outlet_id) if outlet_id else None
            if info is None:
                raise ValidationError(f"outlet {row['credit_code']}/{row['outlet_code']} not found")
            try:
                sampled = _time(raw.get("sampled_at"))
                value = float(row["value"])
            except ValueError as exc:
                raise ValidationError(f"bad sampled_at or value: {exc}") from None
        except ValidationError as exc:
            report.errors.append({"row": n, "message": exc.message})
            continue
        s = SelfMonitoringResult
        lab = row.get("lab", "")
        existing = tx.session.scalars(
            select(s).where(
                s.outlet_id == info.id, s.pollutant == row["pollutant"], s.sampled_at == sampled, s.lab == lab
            )
        ).first()
        if existing is None:
            existing = SelfMonitoringResult(
                outlet_id=info.id,
                pollutant=row["pollutant"],
                sampled_at=sampled,
                lab=lab,
                enterprise_id=info.enterprise_id,
                jurisdiction_code=info.jurisdiction_code,
                value=value,
                unit=row["unit"],
                source=filename[:300],
                imported_at=now,
                imported_by=tx.ctx.actor_name,
            )
            tx.session.add(existing)
            report.created += 1
        else:
            report.updated += 1
        existing.value, existing.unit, existing.method = value, row["unit"], row.get("method") or None
        existing.source, existing.imported_at, existing.imported_by = filename[:300], now, tx.ctx.actor_name
        tx.session.flush()
        compare(tx.session, existing, tol)
        tx.audit(
            "review.selfmon.import",
            "review_self_monitoring",
            existing.id,
            after={"outlet_id": info.id, "pollutant": existing.pollutant, "sampled_at": sampled.isoformat(),
                   "value": value, "lab": lab, "source": filename},
            jurisdiction_code=info.jurisdiction_code,
            organisation_id=info.enterprise_id,
        )  # fmt: skip
    return report


def template_csv() -> bytes:
    example = (
        "91310115MA000101XX,DA001,a21026,2024-03-01T10:20:00+08:00,28.4,mg/m3,HJ 57-2017,上海某检测有限公司"
    )
    return ("\ufeff" + ",".join(COLUMNS) + "\n" + example + "\n").encode("utf-8")


def results(session: Session, outlet_id: int, start: datetime, end: datetime) -> list[SelfMonitoringResult]:
    s = SelfMonitoringResult
    stmt = select(s).where(s.outlet_id == outlet_id, s.sampled_at >= start, s.sampled_at < end + timedelta(0))
    return list(session.scalars(stmt.order_by(s.sampled_at)))
