"""/api/v1/field routes: field records and their events (the phone's sync), samples and labels,
comparison tests, monitoring reports under three-level review, labs' reports and their re-check."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Response, UploadFile
from pydantic import ValidationError as BodyError

from huanjian.access.policy import authorize
from huanjian.casework.files import FileStore
from huanjian.core.tx import Tx
from huanjian.errors import ValidationError
from huanjian.field import comparison, labels, labs, planning, reports
from huanjian.field import service as field
from huanjian.field.models import SpotPlan
from huanjian.field.rules import methods
from huanjian.field.schemas import (
    ComparisonIn,
    ComparisonOut,
    CorrectIn,
    EventsIn,
    LabReportIn,
    LabReportOut,
    ReasonIn,
    ReassignIn,
    RecheckIn,
    RecheckOut,
    RecordIn,
    RecordOut,
    ReportIn,
    ReportOut,
    ResolveIn,
    SpotItemOut,
    SpotPlanIn,
    SpotPlanOut,
    SyncOut,
    UploadOut,
)
from huanjian.web.deps import PrincipalDep, SettingsDep, TxDep

router = APIRouter(prefix="/field", tags=["field"])


# --------------------------------------------------------------------------- records


@router.get("/methods")
def list_methods(principal: PrincipalDep) -> dict[str, Any]:
    """Method templates with their checkpoints, each with its source (field/methods.json)."""
    authorize(principal, "field.read")
    return methods()


@router.get("/records", response_model=list[RecordOut])
def list_records(principal: PrincipalDep, tx: TxDep) -> list[RecordOut]:
    return [RecordOut.model_validate(r) for r in field.list_records(tx, principal)]


@router.post("/records", response_model=RecordOut, status_code=201)
def create_record(body: RecordIn, principal: PrincipalDep, tx: TxDep) -> RecordOut:
    return RecordOut.model_validate(field.create_record(tx, principal, **body.model_dump()))


@router.get("/records/{record_id}")
def get_record(record_id: int, principal: PrincipalDep, tx: TxDep) -> dict[str, Any]:
    """The record's effective state, its conflicts awaiting resolution and every event."""
    return field.view(tx, principal, record_id).as_dict()


@router.post("/records/{record_id}/events", response_model=SyncOut)
def upload_events(
    record_id: int, body: EventsIn, principal: PrincipalDep, tx: TxDep, settings: SettingsDep
) -> SyncOut:
    """Idempotent upload: each event once by its uuid; when the server changed meanwhile the
    event is kept as a conflict (not applied) and reported."""
    ups = [
        field.Upload(e.uuid, e.kind, e.payload, e.device_time, e.base_seq, e.supersedes) for e in body.events
    ]
    results = field.upload(tx, principal, FileStore(settings.data_dir), record_id, ups)
    v = field.view(tx, principal, record_id)
    return SyncOut(
        results=[UploadOut(**r.__dict__) for r in results],
        last_seq=v.record.last_seq,
        status=v.record.status,
        assignee_name=v.record.assignee_name,
        conflicts=len(v.conflicts),
    )


@router.post("/records/{record_id}/reassign", response_model=RecordOut)
def reassign(record_id: int, body: ReassignIn, principal: PrincipalDep, tx: TxDep) -> RecordOut:
    return RecordOut.model_validate(
        field.reassign(tx, principal, record_id, assignee=body.assignee, reason=body.reason)
    )


@router.post("/records/{record_id}/cancel", response_model=RecordOut)
def cancel(record_id: int, body: ReasonIn, principal: PrincipalDep, tx: TxDep) -> RecordOut:
    return RecordOut.model_validate(field.cancel(tx, principal, record_id, reason=body.reason))


@router.get("/records/{record_id}/live")
def live(record_id: int, principal: PrincipalDep, tx: TxDep) -> list[dict[str, Any]]:
    """The enterprise's latest automatic data at this outlet, shown beside the field record."""
    return field.live_data(tx, principal, record_id)


@router.post("/events/{event_uuid}/resolve")
def resolve(event_uuid: str, body: ResolveIn, principal: PrincipalDep, tx: TxDep) -> dict[str, Any]:
    e = field.resolve(tx, principal, event_uuid, decision=body.decision, reason=body.reason)
    return field.event_dict(e)


@router.get("/samples/{code}")
def sample(code: str, principal: PrincipalDep, tx: TxDep) -> dict[str, Any]:
    """A sample with its chain of custody and the verification of the chain's hashes."""
    smp, record = field.get_sample(tx, principal, code)
    v = field.build_view(tx, record)
    info = next(s for s in v.samples if s["code"] == smp.code)
    return {**info, "record": record.number, "verification": field.verify_custody(tx, principal, code)}


@router.get("/samples/{code}/label.svg")
def sample_label(code: str, principal: PrincipalDep, tx: TxDep) -> Response:
    smp, record = field.get_sample(tx, principal, code)
    taken = smp.taken_at.strftime("%Y-%m-%d %H:%M UTC") if smp.taken_at else ""
    svg = labels.sample_label_svg(smp.code, [f"{smp.pollutant}  {record.number}", taken])
    return Response(svg, media_type="image/svg+xml")


# --------------------------------------------------------------------------- comparison tests


@router.get("/comparison-tests", response_model=list[ComparisonOut])
def list_comparisons(principal: PrincipalDep, tx: TxDep) -> list[ComparisonOut]:
    return [ComparisonOut.model_validate(r) for r in comparison.list_tests(tx, principal)]


@router.post("/comparison-tests", response_model=ComparisonOut, status_code=201)
def record_comparison(body: ComparisonIn, principal: PrincipalDep, tx: TxDep) -> ComparisonOut:
    """Evaluate (field.compare), write the QA event (and suspect period when failed), notify, open a case."""
    return ComparisonOut.model_validate(comparison.record(tx, principal, **body.model_dump()))


@router.get("/comparison-tests/{test_id}", response_model=ComparisonOut)
def get_comparison(test_id: int, principal: PrincipalDep, tx: TxDep) -> ComparisonOut:
    return ComparisonOut.model_validate(comparison.get(tx, principal, test_id))


# --------------------------------------------------------------------------- spot-test plans


def _plan_out(tx: Tx, plan: SpotPlan, *, verify: bool = False) -> SpotPlanOut:
    out = SpotPlanOut.model_validate(plan)
    items = planning.items(tx, plan)
    out.items = [SpotItemOut.model_validate(i) for i in items]
    if verify:
        out.problems = planning.verify(plan, items)
    return out


@router.get("/spot-plans", response_model=list[SpotPlanOut])
def list_spot_plans(principal: PrincipalDep, tx: TxDep) -> list[SpotPlanOut]:
    """Yearly spot comparison-test plans (without their items; get one for those)."""
    return [SpotPlanOut.model_validate(p) for p in planning.list_plans(tx, principal)]


@router.post("/spot-plans", response_model=SpotPlanOut, status_code=201)
def create_spot_plan(body: SpotPlanIn, principal: PrincipalDep, tx: TxDep) -> SpotPlanOut:
    """Plan the year: every contractor, tests by grade and risk, devices by HMAC draw (409 if one exists)."""
    plan = planning.create(tx, principal, year=body.year, jurisdiction_code=body.jurisdiction_code)
    return _plan_out(tx, plan)


@router.get("/spot-plans/{plan_id}", response_model=SpotPlanOut)
def get_spot_plan(plan_id: int, principal: PrincipalDep, tx: TxDep) -> SpotPlanOut:
    """The plan with its items and ``problems``: the recomputation from the seed (empty: verified)."""
    return _plan_out(tx, planning.get(tx, principal, plan_id), verify=True)


# --------------------------------------------------------------------------- reports


@router.get("/reports", response_model=list[ReportOut])
def list_reports(principal: PrincipalDep, tx: TxDep) -> list[ReportOut]:
    return [ReportOut.model_validate(r) for r in reports.list_reports(tx, principal)]


@router.post("/reports", response_model=ReportOut, status_code=201)
def draft_report(body: ReportIn, principal: PrincipalDep, tx: TxDep) -> ReportOut:
    return ReportOut.model_validate(reports.draft(tx, principal, **body.model_dump()))


@router.get("/reports/{report_id}", response_model=ReportOut)
def get_report(report_id: int, principal: PrincipalDep, tx: TxDep) -> ReportOut:
    return ReportOut.model_validate(reports.get(tx, principal, report_id))


@router.post("/reports/{report_id}/check", response_model=ReportOut)
def check_report(report_id: int, principal: PrincipalDep, tx: TxDep) -> ReportOut:
    return ReportOut.model_validate(reports.check(tx, principal, report_id))


@router.post("/reports/{report_id}/return", response_model=ReportOut)
def return_report(report_id: int, body: ReasonIn, principal: PrincipalDep, tx: TxDep) -> ReportOut:
    return ReportOut.model_validate(reports.send_back(tx, principal, report_id, reason=body.reason))


@router.post("/reports/{report_id}/sign", response_model=ReportOut)
def sign_report(report_id: int, principal: PrincipalDep, tx: TxDep, settings: SettingsDep) -> ReportOut:
    """Refused (409, rule report.check_failed) while an automatic technical check fails."""
    return ReportOut.model_validate(reports.sign(tx, principal, FileStore(settings.data_dir), report_id))


@router.post("/reports/{report_id}/correct", response_model=ReportOut, status_code=201)
def correct_report(report_id: int, body: CorrectIn, principal: PrincipalDep, tx: TxDep) -> ReportOut:
    return ReportOut.model_validate(reports.correct(tx, principal, report_id, **body.model_dump()))


@router.get("/reports/{report_id}/pdf")
def report_pdf(report_id: int, principal: PrincipalDep, tx: TxDep, settings: SettingsDep) -> Response:
    row, content = reports.pdf_of(tx, principal, FileStore(settings.data_dir), report_id)
    name = f"{row.number}-v{row.version}.pdf"
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )


# --------------------------------------------------------------------------- labs' reports


@router.get("/lab-reports", response_model=list[LabReportOut])
def list_lab_reports(principal: PrincipalDep, tx: TxDep) -> list[LabReportOut]:
    return [LabReportOut.model_validate(r) for r in labs.list_reports(tx, principal)]


@router.post("/lab-reports", response_model=LabReportOut, status_code=201)
def upload_lab_report(body: LabReportIn, principal: PrincipalDep, tx: TxDep) -> LabReportOut:
    return LabReportOut.model_validate(labs.upload(tx, principal, **body.model_dump()))


@router.post("/lab-reports/upload", response_model=LabReportOut, status_code=201)
async def upload_lab_report_file(
    principal: PrincipalDep,
    tx: TxDep,
    settings: SettingsDep,
    report: Annotated[str, Form(description="the JSON body of POST /lab-reports")],
    file: Annotated[UploadFile, File(description="the report as issued (PDF or other); kept by SHA-256")],
) -> LabReportOut:
    """The lab's report as multipart: its JSON (``report``) with the issued file alongside."""
    try:
        body = LabReportIn.model_validate_json(report)
    except BodyError as exc:
        raise ValidationError(f"report: {exc.errors()[0]['msg']}", field="report") from exc
    upload = labs.LabFile(file.filename or "report", file.content_type or "", await file.read())
    row = labs.upload(tx, principal, **body.model_dump(), file=upload, store=FileStore(settings.data_dir))
    return LabReportOut.model_validate(row)


@router.get("/lab-reports/{report_id}/file")
def lab_report_file(report_id: int, principal: PrincipalDep, tx: TxDep, settings: SettingsDep) -> Response:
    """The file as the lab uploaded it (409 integrity error if it no longer matches its SHA-256)."""
    row, content = labs.file_of(tx, principal, FileStore(settings.data_dir), report_id)
    return Response(
        content,
        media_type=row.file_type or "application/octet-stream",
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(row.file_name or 'report')}",
            "X-Content-SHA256": row.file_sha256 or "",
        },
    )


@router.get("/lab-reports/{report_id}", response_model=LabReportOut)
def get_lab_report(report_id: int, principal: PrincipalDep, tx: TxDep) -> LabReportOut:
    return LabReportOut.model_validate(labs.get(tx, principal, report_id))


@router.post("/lab-reports/{report_id}/recheck", response_model=RecheckOut, status_code=201)
def recheck(report_id: int, body: RecheckIn, principal: PrincipalDep, tx: TxDep) -> RecheckOut:
    tc = labs.recheck(tx, principal, report_id, **body.model_dump())
    out = RecheckOut.model_validate(tc)
    out.findings = [
        {"rule": f.rule, "description": f.description, "credit_points": f.credit_points}
        for f in labs.findings_of(tx, tc)
    ]
    return out
