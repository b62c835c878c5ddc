"""/api/v1 routes of credit; the public lists need no login (published information only)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile

from huanjian.casework.files import FileStore
from huanjian.credit import consequences, filing, service, views
from huanjian.credit import jobs as _jobs  # noqa: F401 — registers the credit job kinds and schedules
from huanjian.credit.schemas import (
    ClassIn,
    DecisionIn,
    EvaluationOut,
    ExplainedOut,
    FilingChangeIn,
    FilingIn,
    FilingOut,
    FindingIn,
    ItemOut,
    ObjectionIn,
    ObjectionOut,
    RunIn,
    RunOut,
    Scheme,
    SchemeIn,
    SelfAssessmentIn,
    ServiceRecordOut,
)
from huanjian.web.deps import PrincipalDep, SettingsDep, TxDep

router = APIRouter(prefix="/credit", tags=["credit"])
public_router = APIRouter(prefix="/public/credit", tags=["published information"])


@router.get("/schemes/{scheme}")
def get_scheme(scheme: Scheme, principal: PrincipalDep, tx: TxDep) -> dict[str, Any]:
    versions = service.scheme_versions(tx, principal, scheme)
    version, body = service.current_scheme(tx, scheme)
    return {"scheme": scheme, "version": version, "body": body, "versions": versions}


@router.post("/schemes/{scheme}", status_code=201)
def edit_scheme(scheme: Scheme, body: SchemeIn, principal: PrincipalDep, tx: TxDep) -> dict[str, Any]:
    row = service.edit_scheme(tx, principal, scheme, body.body, body.reason)
    return {"scheme": scheme, "version": row.version}


@router.get("/runs", response_model=list[RunOut])
def list_runs(principal: PrincipalDep, tx: TxDep, scheme: Scheme | None = None) -> list[RunOut]:
    return [RunOut.of(r) for r in service.list_runs(tx, principal, scheme)]


@router.post("/runs", response_model=RunOut, status_code=201)
def start_run(body: RunIn, principal: PrincipalDep, tx: TxDep) -> RunOut:
    return RunOut.of(
        service.run(tx, principal, body.scheme, body.period, jurisdiction=body.jurisdiction_code or None)
    )


@router.get("/runs/{run_id}")
def get_run(run_id: int, principal: PrincipalDep, tx: TxDep) -> dict[str, Any]:
    run = service.get_run(tx, principal, run_id)
    evaluations = service.run_evaluations(tx, principal, run_id)
    return {"run": RunOut.of(run), "evaluations": [EvaluationOut.of(e) for e in evaluations]}


@router.post("/runs/{run_id}/publish", response_model=RunOut)
def publish(run_id: int, principal: PrincipalDep, tx: TxDep) -> RunOut:
    return RunOut.of(service.publish(tx, principal, run_id))


@router.get("/evaluations/{evaluation_id}", response_model=ExplainedOut)
def get_evaluation(evaluation_id: int, principal: PrincipalDep, tx: TxDep) -> ExplainedOut:
    data = service.explain(tx, service.get_evaluation(tx, principal, evaluation_id))
    return ExplainedOut(
        evaluation=EvaluationOut.of(data["evaluation"]),
        run=RunOut.of(data["run"]),
        status=data["status"],
        items=[ItemOut.of(i) for i in data["items"]],
        objections=[ObjectionOut.of(o) for o in data["objections"]],
    )


@router.post("/evaluations/{evaluation_id}/self-assessment", response_model=EvaluationOut)
def self_assess(
    evaluation_id: int, body: SelfAssessmentIn, principal: PrincipalDep, tx: TxDep
) -> EvaluationOut:
    return EvaluationOut.of(service.self_assess(tx, principal, evaluation_id, body.score, body.note))


@router.post("/evaluations/{evaluation_id}/objections", response_model=ObjectionOut, status_code=201)
def object_to(evaluation_id: int, body: ObjectionIn, principal: PrincipalDep, tx: TxDep) -> ObjectionOut:
    if body.kind == "repair":
        if body.item_id is None:
            from huanjian.errors import ValidationError

            raise ValidationError("a repair names the item it is about", field="item_id")
        return ObjectionOut.of(service.request_repair(tx, principal, evaluation_id, body.item_id, body.text))
    return ObjectionOut.of(service.object_to(tx, principal, evaluation_id, body.text, body.item_id))


@router.post("/objections/{objection_id}/decision", response_model=ObjectionOut)
def decide(objection_id: int, body: DecisionIn, principal: PrincipalDep, tx: TxDep) -> ObjectionOut:
    return ObjectionOut.of(service.decide(tx, principal, objection_id, body.uphold, body.reason))


@router.get("/findings")
def list_findings(principal: PrincipalDep, tx: TxDep) -> list[dict[str, Any]]:
    return [
        {
            "id": f.id,
            "organisation_id": f.organisation_id,
            "kind": f.kind,
            "occurred_on": f.occurred_on,
            "amount": f.amount,
            "description": f.description,
            "evidence": f"{f.evidence_type}:{f.evidence_id}",
        }
        for f in filing.list_findings(tx, principal)
    ]


@router.post("/findings", status_code=201)
def record_finding(body: FindingIn, principal: PrincipalDep, tx: TxDep) -> dict[str, Any]:
    f = filing.record_finding(tx, principal, **body.model_dump())
    return {"id": f.id, "kind": f.kind}


@router.get("/filings", response_model=list[FilingOut])
def list_filings(principal: PrincipalDep, tx: TxDep) -> list[FilingOut]:
    return [FilingOut.of(f) for f in filing.list_filings(tx, principal)]


@router.post("/filings", response_model=FilingOut, status_code=201)
def register_filing(body: FilingIn, principal: PrincipalDep, tx: TxDep) -> FilingOut:
    data = body.model_dump()
    return FilingOut.of(filing.register_filing(tx, principal, data.pop("organisation_id"), **data))


@router.post("/filings/{filing_id}/changes", response_model=FilingOut)
def report_change(filing_id: int, body: FilingChangeIn, principal: PrincipalDep, tx: TxDep) -> FilingOut:
    filing.report_change(tx, principal, filing_id, body.changed_on, body.changes)
    return FilingOut.of(filing.get_filing(tx, principal, filing_id))


@router.get("/service-records", response_model=list[ServiceRecordOut])
def list_service_records(principal: PrincipalDep, tx: TxDep) -> list[ServiceRecordOut]:
    return [ServiceRecordOut.of(s) for s in filing.list_service_records(tx, principal)]


@router.post("/service-records", response_model=ServiceRecordOut, status_code=201)
async def upload_service_record(
    principal: PrincipalDep,
    tx: TxDep,
    settings: SettingsDep,
    kind: Annotated[str, Form()],
    enterprise_id: Annotated[int, Form()],
    performed_on: Annotated[date, Form()],
    file: Annotated[UploadFile, File(description="The record itself; stored by its SHA-256.")],
    summary: Annotated[str, Form()] = "",
    result: Annotated[str | None, Form()] = None,
    outlet_id: Annotated[int | None, Form()] = None,
    device_id: Annotated[int | None, Form()] = None,
) -> ServiceRecordOut:
    content = await file.read()
    rec = filing.upload(
        tx,
        principal,
        kind=kind,
        enterprise_id=enterprise_id,
        performed_on=performed_on,
        content=content,
        file_name=file.filename,
        summary=summary,
        result=result or None,
        outlet_id=outlet_id,
        device_id=device_id,
        store=FileStore(settings.data_dir),
    )
    return ServiceRecordOut.of(rec)


@router.get("/enterprises/{enterprise_id}/class")
def get_class(enterprise_id: int, principal: PrincipalDep, tx: TxDep) -> dict[str, Any]:
    d = consequences.get_decision(tx, principal, enterprise_id)
    return {
        "enterprise_id": enterprise_id,
        "computed": d.computed_class,
        "rule": d.rule,
        "inputs": d.inputs,
        "override": d.override_class,
        "override_reason": d.override_reason,
        "effective": d.effective_class,
    }


@router.post("/enterprises/{enterprise_id}/class")
def set_class(enterprise_id: int, body: ClassIn, principal: PrincipalDep, tx: TxDep) -> dict[str, Any]:
    if body.action == "override":
        d = consequences.override(tx, principal, enterprise_id, body.supervision_class, body.reason)
    else:
        d = consequences.classify(tx, principal, enterprise_id, risk=body.risk)
    return {
        "enterprise_id": enterprise_id,
        "computed": d.computed_class,
        "effective": d.effective_class,
        "rule": d.rule,
    }


@router.get("/organisations/{organisation_id}")
def organisation(organisation_id: int, principal: PrincipalDep, tx: TxDep) -> dict[str, Any]:
    return views.organisation(tx, principal, organisation_id)


@public_router.get("")
def public_lists(tx: TxDep) -> dict[str, list[dict[str, Any]]]:
    """Published grades and the red and poor lists; nothing unpublished."""
    return consequences.public_lists(tx.session)
