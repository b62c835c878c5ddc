"""/api/v1/review: outlet series (and as-of views), layers and their actions, queue,
exceedances, indicators, self-monitoring import, review runs and exports."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Literal

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.encoders import jsonable_encoder
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from huanjian.core.time import cst_day_start
from huanjian.review import amounts, crosscheck, export, layers, selfmon, service, views
from huanjian.review import jobs as _jobs  # noqa: F401 — registers review.recompute
from huanjian.review.models import ReviewLayer
from huanjian.web.deps import PrincipalDep, TxDep

router = APIRouter(prefix="/review", tags=["review"])


class MarkIn(BaseModel):
    code: str
    start: datetime
    end: datetime
    reason: str = Field(min_length=1)
    pollutant: str | None = None
    attachments: list[dict[str, Any]] = []


class ActionIn(BaseModel):
    kind: Literal["flag", "exclude", "substitute"]
    start: datetime
    end: datetime
    reason: str = Field(min_length=1)
    pollutant: str | None = None
    code: str | None = None
    value: float | None = None


class LevelIn(BaseModel):
    level: Literal["reviewed", "approved"]
    start: datetime
    end: datetime
    reason: str = Field(min_length=1)
    pollutant: str | None = None


class SuspectIn(BaseModel):
    start: datetime
    end: datetime
    reason: str = Field(min_length=1)
    pollutant: str | None = None


class DecisionIn(BaseModel):
    accept: bool
    reason: str = ""


class ReasonIn(BaseModel):
    reason: str = Field(min_length=1)


class RunIn(BaseModel):
    start: date = Field(alias="from")
    end: date = Field(alias="to")
    outlet_id: int | None = None


def layer_out(row: ReviewLayer) -> dict[str, Any]:
    return {
        c: getattr(row, c)
        for c in (
            "id",
            "kind",
            "outlet_id",
            "pollutant",
            "start_at",
            "end_at",
            "code",
            "value",
            "reason",
            "attachments",
            "status",
            "effective_from",
            "effective_until",
            "recorded_at",
            "recorded_by",
            "source",
            "decided_at",
            "decided_by",
            "decision_reason",
        )
    }


@router.get("/outlets/{outlet_id}/series")
def outlet_series(
    outlet_id: int,
    principal: PrincipalDep,
    tx: TxDep,
    start: date = Query(alias="from"),
    end: date = Query(alias="to"),
    as_of: datetime | None = None,
) -> Any:
    """Hourly figures (raw, valid mean, corrected, limit, marks, flags); ``as_of`` replays the layers then."""
    data = views.series(tx, principal, outlet_id, start, end, as_of=as_of)
    info = data.pop("outlet")
    return jsonable_encoder({"outlet_id": info.id, "outlet_code": info.outlet_code, **data})


@router.get("/outlets/{outlet_id}/layers")
def outlet_layers(
    outlet_id: int,
    principal: PrincipalDep,
    tx: TxDep,
    start: datetime = Query(alias="from"),
    end: datetime = Query(alias="to"),
) -> Any:
    """Every layer row (in force or not) over the period: the history of marks and actions."""
    return jsonable_encoder([layer_out(r) for r in layers.of_outlet(tx, principal, outlet_id, start, end)])


@router.get("/outlets/{outlet_id}/explain")
def outlet_explain(
    outlet_id: int,
    principal: PrincipalDep,
    tx: TxDep,
    pollutant: str,
    period_start: datetime,
    earlier: datetime,
    period: Literal["hour", "day"] = "hour",
    later: datetime | None = None,
) -> Any:
    """One figure as of two times and the layer rows that changed it in between."""
    return jsonable_encoder(
        service.explain(tx, principal, outlet_id, pollutant, period, period_start, earlier, later)
    )


@router.get("/outlets/{outlet_id}/logger-check")
def outlet_logger_check(
    outlet_id: int,
    principal: PrincipalDep,
    tx: TxDep,
    start: date = Query(alias="from"),
    end: date = Query(alias="to"),
    period: Literal["hour", "day"] = "hour",
) -> Any:
    """The loggers' own hourly/daily values (CN 2061/2031) against the computed ones: differing periods."""
    return jsonable_encoder(crosscheck.logger_check_for(tx, principal, outlet_id, period, start, end))


@router.get("/outlets/{outlet_id}/enforcement")
def outlet_enforcement(
    outlet_id: int,
    principal: PrincipalDep,
    tx: TxDep,
    start: date = Query(alias="from"),
    end: date = Query(alias="to"),
) -> Any:
    """Signed enforcement monitoring results against the automatic data (disagreement flags)."""
    service.outlet_for(tx, principal, outlet_id)
    s, e = cst_day_start(start), cst_day_start(end) + timedelta(days=1)
    return jsonable_encoder(crosscheck.enforcement_results(tx.session, outlet_id, s, e))


@router.get("/outlets/{outlet_id}/amounts")
def outlet_amounts(outlet_id: int, principal: PrincipalDep, tx: TxDep, year: int) -> Any:
    """Monthly and yearly emission amounts (t) and the share of the enterprise's permitted amount."""
    return jsonable_encoder(amounts.for_outlet(tx, principal, outlet_id, year))


@router.get("/enterprises/{enterprise_id}/amounts")
def enterprise_amounts(enterprise_id: int, principal: PrincipalDep, tx: TxDep, year: int) -> Any:
    """The enterprise's outlets summed per pollutant and month against its permitted annual amounts."""
    return jsonable_encoder(amounts.for_enterprise(tx, principal, enterprise_id, year))


@router.post("/outlets/{outlet_id}/marks", status_code=201)
def file_mark(outlet_id: int, body: MarkIn, principal: PrincipalDep, tx: TxDep) -> Any:
    row = layers.file_mark(tx, principal, outlet_id=outlet_id, **body.model_dump())
    return jsonable_encoder(layer_out(row))


@router.post("/outlets/{outlet_id}/actions", status_code=201)
def reviewer_action(outlet_id: int, body: ActionIn, principal: PrincipalDep, tx: TxDep) -> Any:
    row = layers.reviewer_action(tx, principal, outlet_id=outlet_id, **body.model_dump())
    return jsonable_encoder(layer_out(row))


@router.post("/outlets/{outlet_id}/levels", status_code=201)
def set_level(outlet_id: int, body: LevelIn, principal: PrincipalDep, tx: TxDep) -> Any:
    row = layers.set_level(tx, principal, outlet_id=outlet_id, **body.model_dump())
    return jsonable_encoder(layer_out(row))


@router.post("/outlets/{outlet_id}/suspects", status_code=201)
def mark_suspect(outlet_id: int, body: SuspectIn, principal: PrincipalDep, tx: TxDep) -> Any:
    row = layers.mark_suspect(tx, principal, outlet_id=outlet_id, **body.model_dump())
    return jsonable_encoder(layer_out(row))


@router.post("/layers/{layer_id}/decision")
def decide(layer_id: int, body: DecisionIn, principal: PrincipalDep, tx: TxDep) -> Any:
    return jsonable_encoder(
        layer_out(layers.decide(tx, principal, layer_id, accept=body.accept, reason=body.reason))
    )


@router.post("/layers/{layer_id}/withdraw")
def withdraw(layer_id: int, body: ReasonIn, principal: PrincipalDep, tx: TxDep) -> Any:
    return jsonable_encoder(layer_out(layers.withdraw(tx, principal, layer_id, reason=body.reason)))


@router.post("/layers/{layer_id}/resolve")
def resolve(layer_id: int, body: ReasonIn, principal: PrincipalDep, tx: TxDep) -> Any:
    return jsonable_encoder(layer_out(layers.resolve_suspect(tx, principal, layer_id, reason=body.reason)))


@router.get("/queue")
def queue(principal: PrincipalDep, tx: TxDep) -> Any:
    """Declarations waiting for the bureau, and open suspect periods."""
    return jsonable_encoder([layer_out(r) for r in layers.queue(tx, principal)])


@router.get("/exceedances")
def list_exceedances(
    principal: PrincipalDep,
    tx: TxDep,
    start: datetime | None = Query(None, alias="from"),
    end: datetime | None = Query(None, alias="to"),
) -> Any:
    return jsonable_encoder(views.exceedances(tx, principal, start=start, end=end))


@router.get("/indicators")
def list_indicators(
    principal: PrincipalDep,
    tx: TxDep,
    start: date = Query(alias="from"),
    end: date = Query(alias="to"),
    level: Literal["logger", "enterprise", "contractor", "jurisdiction"] = "jurisdiction",
    period: Literal["day", "month"] = "day",
) -> Any:
    """Rates from summed counts (formulas: docs/review.md)."""
    return jsonable_encoder(
        views.indicators(tx, principal, level=level, period=period, start_day=start, end_day=end)
    )


@router.post("/self-monitoring")
def import_self_monitoring(principal: PrincipalDep, tx: TxDep, file: UploadFile = File(...)) -> Any:
    report = selfmon.import_file(tx, principal, file.file.read(), file.filename or "upload.csv")
    return {"created": report.created, "updated": report.updated, "errors": report.errors}


@router.post("/runs")
def run(body: RunIn, principal: PrincipalDep, tx: TxDep) -> Any:
    """Review whole CST days now (idempotent); large ranges belong to ``huanjian review run``."""
    if (body.end - body.start).days > 31:
        from huanjian.errors import ValidationError

        raise ValidationError("at most 31 days per request", field="to")
    report = service.run(tx, principal, body.start, body.end, outlet_id=body.outlet_id)
    return {
        "outlets": report.outlets,
        "days": report.days,
        "events_created": report.events_created,
        "events_updated": report.events_updated,
        "events_withdrawn": report.events_withdrawn,
    }


@router.get("/export")
def export_rows(
    principal: PrincipalDep,
    tx: TxDep,
    start: date = Query(alias="from"),
    end: date = Query(alias="to"),
    period: Literal["hour", "day", "month"] = "hour",
    format: Literal["csv", "json"] = "json",
) -> Any:
    """The export of ``huanjian review export``: one row per outlet, pollutant and period."""
    items = list(export.rows(tx, principal, period, start, end))  # read inside the request's transaction
    if format == "csv":
        return StreamingResponse(export.to_csv(iter(items)), media_type="text/csv; charset=utf-8")
    return items
