"""/api/v1 routes of the audit trail: per object, searchable, verifiable."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from fastapi import APIRouter, Query

from huanjian.access.policy import authorize
from huanjian.audit import repository, service
from huanjian.audit.schemas import AuditEntryOut, VerificationOut
from huanjian.errors import NotFound, PermissionDenied
from huanjian.web.deps import PrincipalDep, TxDep

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("", response_model=list[AuditEntryOut])
def search(
    principal: PrincipalDep,
    tx: TxDep,
    object_type: str | None = None,
    object_id: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    q: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    request_id: str | None = None,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
) -> list[AuditEntryOut]:
    authorize(principal, "audit.read")
    rows = repository.search(
        tx.session,
        principal.scope,
        object_type=object_type,
        object_id=object_id,
        actor=actor,
        action=action,
        text=q,
        since=since,
        until=until,
        request_id=request_id,
        limit=limit,
        offset=offset,
    )
    return [AuditEntryOut.model_validate(r) for r in rows]


@router.get("/verify", response_model=VerificationOut)
def verify(principal: PrincipalDep, tx: TxDep) -> VerificationOut:
    authorize(principal, "audit.verify")
    if not principal.scope.everything:
        # The chain spans every jurisdiction: only platform-wide administrators verify it.
        raise PermissionDenied("only a platform administrator may verify the whole audit chain")
    result = service.verify(tx.session, tx.audit_key)
    return VerificationOut(**asdict(result))


@router.get("/{entry_id}", response_model=AuditEntryOut)
def get_entry(entry_id: int, principal: PrincipalDep, tx: TxDep) -> AuditEntryOut:
    authorize(principal, "audit.read")
    entry = repository.get(tx.session, entry_id)
    if entry is None or not principal.scope.sees(entry.jurisdiction_code, entry.organisation_id):
        raise NotFound(f"audit entry {entry_id} not found")
    return AuditEntryOut.model_validate(entry)
