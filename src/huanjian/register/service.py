"""Register actions: scoping, search, the enterprise profile, imports, edits and
match decisions. Each state change is audited in its transaction."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from huanjian.access.policy import Principal, authorize, check_visible
from huanjian.access.roles import OUTSIDE_ROLES
from huanjian.core.scope import Scope
from huanjian.core.time import CST, utcnow
from huanjian.core.tx import Tx
from huanjian.errors import Conflict, NotFound, ValidationError
from huanjian.register import history, importer, repository
from huanjian.register.importer import Report
from huanjian.register.kinds import KINDS
from huanjian.register.models import EnforcementObject, Enterprise, Organisation
from huanjian.register.rules import ORGANISATION_KINDS

#: Kinds whose objects belong to one enterprise (shown in its profile).
ENTERPRISE_KINDS = ("permits", "outlets", "loggers", "limits", "contracts", "eia", "supervision", "credit")


def today() -> date:
    return utcnow().astimezone(CST).date()


def parse_dates(as_of: str | None, known_at: str | None) -> tuple[date | None, datetime | None]:
    """``as_of`` a date (YYYY-MM-DD); ``known_at`` an ISO time, China Standard Time if no offset."""
    day = known = None
    if as_of:
        try:
            day = date.fromisoformat(as_of)
        except ValueError:
            raise ValidationError(f"as_of {as_of!r}: expected a date YYYY-MM-DD", field="as_of") from None
    if known_at:
        try:
            known = datetime.fromisoformat(known_at)
        except ValueError:
            raise ValidationError(
                f"known_at {known_at!r}: expected an ISO time such as 2026-03-02T08:00:00+08:00",
                field="known_at",
            ) from None
        known = known if known.tzinfo else known.replace(tzinfo=CST)
    return day, known


def scope_for(tx: Tx, principal: Principal) -> Scope:
    """The principal's scope for register objects: contractors and labs also see
    the enterprises they serve under a service contract in force today."""
    scope = principal.scope
    if principal.role in OUTSIDE_ROLES and principal.role != "enterprise" and principal.organisation_id:
        served = repository.served_enterprise_ids(tx.session, principal.organisation_id, today())
        scope = dataclasses.replace(scope, organisation_ids=(*scope.organisation_ids, *served))
    return scope


# --------------------------------------------------------------------------- organisations


def create_organisation(
    tx: Tx,
    actor: Principal,
    *,
    kind: str,
    name: str,
    credit_code: str | None = None,
    jurisdiction_code: str | None = None,
) -> Organisation:
    """Create a non-enterprise organisation directly (enterprises: :func:`import_rows`)."""
    authorize(actor, "register.write")
    if kind not in ORGANISATION_KINDS or kind == "enterprise":
        raise ValidationError(
            f"kind {kind!r}: one of contractor, lab, consultancy, bureau, station", field="kind"
        )
    if credit_code and repository.organisation_by_code(tx.session, credit_code) is not None:
        raise Conflict(f"an organisation with credit code {credit_code} exists", field="credit_code")
    org = Organisation(
        kind=kind,
        name=name,
        credit_code=credit_code,
        jurisdiction_code=jurisdiction_code,
        former_names=[],
        updated_at=utcnow(),
    )
    repository.add(tx.session, org)
    tx.audit(
        "register.organisation.create",
        "organisation",
        org.id,
        after={"kind": kind, "name": name, "credit_code": credit_code},
        jurisdiction_code=jurisdiction_code,
        organisation_id=org.id,
    )
    return org


def list_organisations(tx: Tx, actor: Principal, kind: str | None = None) -> Sequence[Organisation]:
    authorize(actor, "register.read")
    return repository.list_organisations(tx.session, scope_for(tx, actor), kind)


# --------------------------------------------------------------------------- enterprises


def search(
    tx: Tx,
    actor: Principal,
    *,
    q: str | None = None,
    district: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, Sequence[Enterprise]]:
    authorize(actor, "register.read")
    return repository.search_enterprises(
        tx.session, scope_for(tx, actor), q=q, district=district, limit=min(limit, 500), offset=offset
    )


def get_enterprise(tx: Tx, actor: Principal, enterprise_id: int) -> Enterprise:
    authorize(actor, "register.read")
    ent = repository.get_enterprise(tx.session, enterprise_id)
    if ent is None:
        raise NotFound(f"enterprise {enterprise_id} not found")
    scope = scope_for(tx, actor)
    if not scope.sees(ent.jurisdiction_code, ent.id):
        raise NotFound(f"enterprise {enterprise_id} not found")
    return ent


def profile(
    tx: Tx,
    actor: Principal,
    enterprise_id: int,
    *,
    as_of: date | None = None,
    known_at: datetime | None = None,
) -> dict[str, Any]:
    """一企一档: everything known about an enterprise, as of a date and as known at a time."""
    ent = get_enterprise(tx, actor, enterprise_id)
    identity = history.query(
        tx.session, "enterprises", as_of=as_of, known_at=known_at, keys=[ent.credit_code or ""]
    )
    sections: dict[str, list[dict[str, Any]]] = {}
    for kind in ENTERPRISE_KINDS:
        versions = history.query(tx.session, kind, as_of=as_of, known_at=known_at, enterprise_ids=[ent.id])
        sections[kind] = [
            {**v.data, "valid_from": v.valid_from, "valid_until": v.valid_until, "recorded_at": v.recorded_at}
            for v in versions
        ]
    providers = {
        o.credit_code: o
        for o in repository.organisations_by_codes(
            tx.session, [c["provider_credit_code"] for c in sections["contracts"]]
        )
    }
    for c in sections["contracts"]:
        org = providers.get(c["provider_credit_code"])
        c["provider_name"] = org.name if org else None
        c["provider_kind"] = org.kind if org else None
    links = repository.enforcement_objects_of(tx.session, ent.id)
    return {
        "id": ent.id,
        "as_of": as_of,
        "known_at": known_at,
        "identity": identity[0].data if identity else None,
        "supervising_level": ent.supervising_level,
        "supervising_level_rule": ent.supervising_level_rule,
        **sections,
        "enforcement_objects": [
            {"object_code": o.object_code, "name": o.name, "status": o.status, "confidence": o.confidence}
            for o in links
        ],
        "history": history.changes(history.of_enterprise(tx.session, ent.id)),
    }


# --------------------------------------------------------------------------- imports and exports


def import_file(
    tx: Tx,
    actor: Principal,
    kind: str,
    data: bytes,
    filename: str,
    *,
    strict: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Report:
    authorize(actor, "register.import")
    report = importer.import_file(tx, kind, data, filename, strict=strict, progress=progress)
    _check_import_scope(tx, actor, report)
    return report


def _check_import_scope(tx: Tx, actor: Principal, report: Report) -> None:
    """A district bureau may only write objects inside its own jurisdiction: the
    batch is refused (and rolled back by the caller's transaction) otherwise."""
    scope = actor.scope
    if scope.everything or report.batch_id is None:
        return
    for jurisdiction, _enterprise in repository.batch_scopes(tx.session, report.batch_id):
        if jurisdiction is not None and not scope.sees_jurisdiction(jurisdiction):
            raise NotFound(
                f"the file touches objects in jurisdiction {jurisdiction}, outside yours: "
                "nothing was imported"
            )


def export(
    tx: Tx,
    actor: Principal,
    kind: str,
    *,
    as_of: date | None = None,
    known_at: datetime | None = None,
) -> list[dict[str, Any]]:
    authorize(actor, "register.read")
    scope = scope_for(tx, actor)
    spec = importer.get_kind(kind)
    return importer.export_records(
        tx, spec, as_of=as_of, known_at=known_at, jurisdiction_filter=lambda j, e: scope.sees(j, e)
    )


def edit_enterprise(
    tx: Tx, actor: Principal, enterprise_id: int, changes: dict[str, Any], reason: str
) -> Report:
    """Change enterprise fields through the same path as an import (versioned, audited)."""
    authorize(actor, "register.write")
    ent = get_enterprise(tx, actor, enterprise_id)
    current = history.query(tx.session, "enterprises", keys=[ent.credit_code or ""])
    if not current:
        raise NotFound(f"enterprise {enterprise_id} has no register record")
    unknown = set(changes) - {c.name for c in KINDS["enterprises"].columns} | ({"credit_code"} & set(changes))
    if unknown:
        raise ValidationError(f"cannot edit: {', '.join(sorted(unknown))}", field=sorted(unknown)[0])
    row = {**current[0].data, **changes}
    kind = KINDS["enterprises"]
    text_row = {k: importer._cell(v) for k, v in row.items()}
    report = importer.import_rows(tx, kind, list(text_row), [text_row], source=f"edit: {reason}"[:300])
    rejected = [r for r in report.rows if r.errors]
    if rejected:
        problem = rejected[0].errors[0]
        raise ValidationError(f"{problem['field']}: {problem['message']}", field=problem["field"])
    _check_import_scope(tx, actor, report)
    return report


# --------------------------------------------------------------------------- matching review


def review_queue(
    tx: Tx, actor: Principal, status: str | None = "review", limit: int = 100
) -> Sequence[EnforcementObject]:
    authorize(actor, "register.match")
    return repository.enforcement_objects(tx.session, actor.scope, status=status, limit=limit)


def get_object(tx: Tx, actor: Principal, object_id: int) -> EnforcementObject:
    authorize(actor, "register.match")
    obj = repository.get_enforcement_object(tx.session, object_id)
    if obj is None:
        raise NotFound(f"enforcement object {object_id} not found")
    check_visible(actor, obj.jurisdiction_code, None, f"enforcement object {object_id}")
    return obj


def decide(
    tx: Tx,
    actor: Principal,
    object_id: int,
    decision: str,
    *,
    enterprise_id: int | None = None,
    reason: str = "",
) -> EnforcementObject:
    """accept (the top candidate or ``enterprise_id``), reject (no match), or pick another."""
    obj = get_object(tx, actor, object_id)
    before = {"status": obj.status, "enterprise_id": obj.enterprise_id, "confidence": obj.confidence}
    if decision == "accept":
        target = enterprise_id or (obj.candidates[0].enterprise_id if obj.candidates else None)
        if target is None:
            raise ValidationError("no candidate to accept: give enterprise_id", field="enterprise_id")
        get_enterprise(tx, actor, target)  # must exist and be visible
        obj.status, obj.enterprise_id = "linked", target
        cand = next((c for c in obj.candidates if c.enterprise_id == target), None)
        obj.confidence = cand.confidence if cand else None
    elif decision == "reject":
        obj.status, obj.enterprise_id, obj.confidence = "no_match", None, None
    else:
        raise ValidationError(f"decision {decision!r}: accept or reject", field="decision")
    tx.audit(
        f"register.match.{decision}",
        "enforcement_object",
        obj.id,
        before=before,
        after={"status": obj.status, "enterprise_id": obj.enterprise_id, "object_code": obj.object_code},
        reason=reason or None,
        jurisdiction_code=obj.jurisdiction_code,
    )
    return obj
