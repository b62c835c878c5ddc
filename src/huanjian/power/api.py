"""/api/v1 routes of electricity monitoring: meters, the feed, a meter's series."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import Response

from huanjian.core.time import ensure_utc
from huanjian.errors import ValidationError
from huanjian.power import service
from huanjian.power.feed import template_csv
from huanjian.power.schemas import ImportOut, MeterIn, MeterOut, PointOut
from huanjian.web.deps import PrincipalDep, TxDep

router = APIRouter(prefix="/power", tags=["power"])


@router.get("/meters", response_model=list[MeterOut])
def meters(principal: PrincipalDep, tx: TxDep, enterprise_id: int | None = None) -> list[MeterOut]:
    return [
        MeterOut.model_validate(m) for m in service.list_meters(tx, principal, enterprise_id=enterprise_id)
    ]


@router.post("/meters", response_model=MeterOut, status_code=201)
def register_meter(body: MeterIn, principal: PrincipalDep, tx: TxDep) -> MeterOut:
    m = service.register_meter(tx, principal, **body.model_dump())
    return MeterOut.model_validate(m)


@router.get("/meters/{meter_id}", response_model=MeterOut)
def meter(meter_id: int, principal: PrincipalDep, tx: TxDep) -> MeterOut:
    return MeterOut.model_validate(service.get_meter(tx, principal, meter_id))


@router.get("/meters/{meter_id}/readings", response_model=list[PointOut])
def readings(
    meter_id: int,
    principal: PrincipalDep,
    tx: TxDep,
    start: datetime = Query(alias="from"),
    end: datetime = Query(alias="to"),
    period: str | None = None,
) -> list[PointOut]:
    if start.tzinfo is None or end.tzinfo is None:
        raise ValidationError("from and to need a time zone (e.g. +08:00)", field="from")
    pts = service.series(tx, principal, meter_id, ensure_utc(start), ensure_utc(end), period)
    return [PointOut.model_validate(p) for p in pts]


@router.post("/feed", response_model=ImportOut)
def import_feed(principal: PrincipalDep, tx: TxDep, file: UploadFile = File(...)) -> ImportOut:
    report = service.import_feed(tx, principal, file.file.read(), file.filename or "upload.csv")
    return ImportOut(**report.as_dict())


@router.get("/feed/template.csv")
def feed_template(principal: PrincipalDep) -> Response:
    return Response(template_csv(), media_type="text/csv; charset=utf-8")
