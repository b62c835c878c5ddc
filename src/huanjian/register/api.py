"""/api/v1/register routes: enterprises and their profile, imports, exports, matching."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Response, UploadFile

from huanjian.register import importer
from huanjian.register import service as register
from huanjian.register.schemas import (
    DecisionIn,
    EnterpriseEdit,
    EnterpriseOut,
    EnterprisePage,
    ObjectOut,
    OrganisationOut,
    ReportOut,
    enterprise_out,
    object_out,
)
from huanjian.web.deps import PrincipalDep, TxDep

router = APIRouter(prefix="/register", tags=["register"])

AsOf = Annotated[str | None, Query(description="What applied on this date (YYYY-MM-DD).")]
KnownAt = Annotated[str | None, Query(description="What the register knew at this time (ISO 8601).")]


@router.get("/enterprises", response_model=EnterprisePage)
def search(
    principal: PrincipalDep,
    tx: TxDep,
    q: str | None = None,
    district: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> EnterprisePage:
    """Search by name (partial, former names too), credit code, MN; filter by district or town."""
    total, rows = register.search(tx, principal, q=q, district=district, limit=limit, offset=offset)
    return EnterprisePage(total=total, items=[enterprise_out(e) for e in rows])


@router.get("/enterprises/{enterprise_id}")
def profile(
    enterprise_id: int, principal: PrincipalDep, tx: TxDep, as_of: AsOf = None, known_at: KnownAt = None
) -> dict[str, Any]:
    """一企一档: the enterprise profile, optionally as of a date and as known at a time."""
    day, known = register.parse_dates(as_of, known_at)
    return register.profile(tx, principal, enterprise_id, as_of=day, known_at=known)


@router.patch("/enterprises/{enterprise_id}", response_model=EnterpriseOut)
def edit(enterprise_id: int, body: EnterpriseEdit, principal: PrincipalDep, tx: TxDep) -> EnterpriseOut:
    """Change enterprise fields (versioned and audited like an import)."""
    register.edit_enterprise(tx, principal, enterprise_id, body.changes, body.reason)
    return enterprise_out(register.get_enterprise(tx, principal, enterprise_id))


@router.get("/organisations", response_model=list[OrganisationOut])
def organisations(principal: PrincipalDep, tx: TxDep, kind: str | None = None) -> list[OrganisationOut]:
    return [
        OrganisationOut(
            id=o.id,
            kind=o.kind,
            name=o.name,
            credit_code=o.credit_code,
            jurisdiction_code=o.jurisdiction_code,
            certification=o.certification,
            certification_valid_until=o.certification_valid_until,
        )
        for o in register.list_organisations(tx, principal, kind)
    ]


@router.post("/imports/{kind}", response_model=ReportOut)
async def import_file(
    kind: str,
    principal: PrincipalDep,
    tx: TxDep,
    file: Annotated[UploadFile, File(description="CSV or XLSX in the kind's template.")],
    strict: bool = False,
) -> ReportOut:
    """Import a file of KIND; the row report says what happened to each row."""
    data = await file.read()
    report = register.import_file(tx, principal, kind, data, file.filename or "upload.csv", strict=strict)
    return ReportOut.model_validate(report.to_dict())


@router.get("/templates/{kind}")
def template(kind: str, principal: PrincipalDep, format: str = "csv") -> Response:
    """The import template of KIND: CSV (header, example row) or XLSX with Chinese notes."""
    spec = importer.get_kind(kind)
    if format == "xlsx":
        return Response(
            importer.template_xlsx(spec),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="{kind}.xlsx"'},
        )
    return Response(
        importer.template_csv(spec).encode("utf-8-sig"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{kind}.csv"'},
    )


@router.get("/exports/{kind}")
def export(
    kind: str,
    principal: PrincipalDep,
    tx: TxDep,
    format: str = "json",
    as_of: AsOf = None,
    known_at: KnownAt = None,
) -> Response:
    """The register of KIND in the template's columns (scoped), as CSV or JSON."""
    day, known = register.parse_dates(as_of, known_at)
    records = register.export(tx, principal, kind, as_of=day, known_at=known)
    if format == "csv":
        return Response(importer.export_csv(importer.get_kind(kind), records), media_type="text/csv")
    body = "[" + ",".join(importer.export_json(records)) + "]"
    return Response(body, media_type="application/json")


@router.get("/matches", response_model=list[ObjectOut])
def review_queue(principal: PrincipalDep, tx: TxDep, status: str | None = "review") -> list[ObjectOut]:
    """Enforcement objects by match status (review queue by default)."""
    return [object_out(o) for o in register.review_queue(tx, principal, status or None)]


@router.post("/matches/{object_id}", response_model=ObjectOut)
def decide(object_id: int, body: DecisionIn, principal: PrincipalDep, tx: TxDep) -> ObjectOut:
    """Accept (the top candidate, or enterprise_id) or reject a match; audited."""
    obj = register.decide(
        tx, principal, object_id, body.decision, enterprise_id=body.enterprise_id, reason=body.reason
    )
    return object_out(obj)
