"""/api/v1 routes of the jurisdiction hierarchy, scoped to the caller's subtree."""

from __future__ import annotations

from fastapi import APIRouter

from huanjian.geo import service
from huanjian.geo.schemas import JurisdictionOut
from huanjian.web.deps import PrincipalDep, TxDep

router = APIRouter(prefix="/jurisdictions", tags=["jurisdictions"])


@router.get("", response_model=list[JurisdictionOut])
def list_jurisdictions(
    principal: PrincipalDep, tx: TxDep, parent: str | None = None, level: str | None = None
) -> list[JurisdictionOut]:
    return [JurisdictionOut.model_validate(j) for j in service.list_visible(tx, principal, parent, level)]


@router.get("/{code}", response_model=JurisdictionOut)
def get_jurisdiction(code: str, principal: PrincipalDep, tx: TxDep) -> JurisdictionOut:
    return JurisdictionOut.model_validate(service.get_visible(tx, principal, code))
