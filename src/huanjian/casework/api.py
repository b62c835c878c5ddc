"""/api/v1 routes of casework: cases and their steps, files, assignments, inspection
records, supervision orders, evidence packages, declared ties, campaigns."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Response, UploadFile

from huanjian.casework import evidence, service
from huanjian.casework import jobs as _jobs  # noqa: F401 — registers the order reminder/escalation jobs
from huanjian.casework.files import FileStore
from huanjian.casework.rules import legal_bases
from huanjian.casework.schemas import (
    AnswerIn,
    AssignIn,
    AssignmentOut,
    AttachmentOut,
    BoardOut,
    CampaignIn,
    CampaignOut,
    CaseFileOut,
    CaseOpenIn,
    CaseOut,
    DrawAssignIn,
    DrawCommitIn,
    DrawCommitmentOut,
    InspectionIn,
    InspectionOut,
    OrderOut,
    ReasonIn,
    SignatureIn,
    SignatureOut,
    TieIn,
    TieOut,
    TransitionIn,
    case_file_out,
    kpis_out,
)
from huanjian.web.deps import PrincipalDep, SettingsDep, TxDep

router = APIRouter(tags=["cases"])


def _download(content: bytes, name: str, media_type: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )


# --------------------------------------------------------------------------- cases


@router.get("/cases", response_model=list[CaseOut])
def list_cases(
    principal: PrincipalDep, tx: TxDep, state: str | None = None, enterprise_id: int | None = None
) -> list[CaseOut]:
    cases = service.list_cases(tx, principal, state=state, enterprise_id=enterprise_id)
    return [CaseOut.model_validate(c) for c in cases]


@router.post("/cases", response_model=CaseOut, status_code=201)
def open_case(body: CaseOpenIn, principal: PrincipalDep, tx: TxDep) -> CaseOut:
    return CaseOut.model_validate(service.open_case(tx, principal, **body.model_dump()))


@router.get("/cases/board", response_model=BoardOut)
def board(principal: PrincipalDep, tx: TxDep) -> BoardOut:
    """Cases of your jurisdiction with KPIs (definitions: casework/kpis.py) and overdue orders."""
    b = service.board(tx, principal)
    return BoardOut(
        kpis=kpis_out(b.kpis),
        overdue=[OrderOut.model_validate(o) for o in b.overdue],
        cases=[CaseOut.model_validate(c) for c in b.cases],
    )


@router.get("/cases/legal-bases")
def list_legal_bases(principal: PrincipalDep) -> list[dict[str, Any]]:
    """Legal bases a penalty decision may cite, each with its source and confidence."""
    return legal_bases()


@router.get("/cases/{case_id}", response_model=CaseFileOut)
def get_case(case_id: int, principal: PrincipalDep, tx: TxDep) -> CaseFileOut:
    return case_file_out(service.case_file(tx, principal, case_id))


@router.post("/cases/{case_id}/transitions", response_model=CaseOut)
def transition(case_id: int, body: TransitionIn, principal: PrincipalDep, tx: TxDep) -> CaseOut:
    """Take one action of the state table (casework/states.py) with its reason and files."""
    case = service.transition(
        tx,
        principal,
        case_id,
        body.action,
        reason=body.reason,
        attachment_ids=body.attachment_ids,
        data=body.data,
    )
    return CaseOut.model_validate(case)


@router.post("/cases/{case_id}/attachments", response_model=AttachmentOut, status_code=201)
async def upload(
    case_id: int,
    principal: PrincipalDep,
    tx: TxDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="Any file; stored by its SHA-256.")],
    purpose: Annotated[str, Form()] = "document",
) -> AttachmentOut:
    content = await file.read()
    att = service.add_attachment(
        tx,
        principal,
        FileStore(settings.data_dir),
        case_id,
        name=file.filename or "upload",
        content=content,
        content_type=file.content_type or "application/octet-stream",
        purpose=purpose,
    )
    return AttachmentOut.model_validate(att)


@router.get("/cases/{case_id}/attachments/{attachment_id}")
def download(
    case_id: int, attachment_id: int, principal: PrincipalDep, tx: TxDep, settings: SettingsDep
) -> Response:
    att, content = service.read_attachment(
        tx, principal, FileStore(settings.data_dir), case_id, attachment_id
    )
    return _download(content, att.name, att.content_type)


@router.post("/cases/{case_id}/evidence")
def export_evidence(case_id: int, principal: PrincipalDep, tx: TxDep, settings: SettingsDep) -> Response:
    """The evidence package (ZIP, HTML index); the export is audited with the package's SHA-256."""
    package = evidence.export(tx, principal, FileStore(settings.data_dir), case_id)
    response = _download(package.content, package.filename, "application/zip")
    response.headers["X-Package-SHA256"] = package.sha256
    response.headers["X-Package-Verified"] = "true" if package.verification["ok"] else "false"
    return response


# --------------------------------------------------------------------------- assignments


@router.post("/cases/{case_id}/assignments", response_model=AssignmentOut, status_code=201)
def assign(case_id: int, body: AssignIn, principal: PrincipalDep, tx: TxDep) -> AssignmentOut:
    """Assign a person; a failed check stores the assignment as ``blocked`` with the rules that blocked it."""
    return AssignmentOut.model_validate(service.assign(tx, principal, case_id, **body.model_dump()))


@router.post(
    "/cases/{case_id}/assignments/draw-commitments", response_model=DrawCommitmentOut, status_code=201
)
def commit_draw(case_id: int, body: DrawCommitIn, principal: PrincipalDep, tx: TxDep) -> DrawCommitmentOut:
    """Publish the SHA-256 of the assignment draw's seed before drawing (commit–reveal)."""
    row = service.commit_assignment_draw(tx, principal, case_id, **body.model_dump())
    [out] = [d for d in service.case_draws(tx, principal, case_id) if d["id"] == row.id]
    return DrawCommitmentOut.model_validate(out)


@router.get("/cases/{case_id}/assignment-draws", response_model=list[DrawCommitmentOut])
def case_draws(case_id: int, principal: PrincipalDep, tx: TxDep) -> list[DrawCommitmentOut]:
    """Each assignment draw of the case: commitment, seed once drawn, and its verification."""
    return [DrawCommitmentOut.model_validate(d) for d in service.case_draws(tx, principal, case_id)]


@router.post("/cases/{case_id}/assignments/draw", response_model=list[AssignmentOut], status_code=201)
def draw_assign(case_id: int, body: DrawAssignIn, principal: PrincipalDep, tx: TxDep) -> list[AssignmentOut]:
    rows = service.draw_assignment(tx, principal, case_id, **body.model_dump())
    return [AssignmentOut.model_validate(r) for r in rows]


@router.post("/assignments/{assignment_id}/override-request", response_model=AssignmentOut)
def request_override(assignment_id: int, body: ReasonIn, principal: PrincipalDep, tx: TxDep) -> AssignmentOut:
    return AssignmentOut.model_validate(service.request_override(tx, principal, assignment_id, body.reason))


@router.post("/assignments/{assignment_id}/override-approve", response_model=AssignmentOut)
def approve_override(assignment_id: int, principal: PrincipalDep, tx: TxDep) -> AssignmentOut:
    return AssignmentOut.model_validate(service.approve_override(tx, principal, assignment_id))


@router.post("/declared-ties", response_model=TieOut, status_code=201)
def declare_tie(body: TieIn, principal: PrincipalDep, tx: TxDep) -> TieOut:
    return TieOut.model_validate(service.declare_tie(tx, principal, **body.model_dump()))


# --------------------------------------------------------------------------- inspection records


@router.post("/cases/{case_id}/inspections", response_model=InspectionOut, status_code=201)
def record_inspection(case_id: int, body: InspectionIn, principal: PrincipalDep, tx: TxDep) -> InspectionOut:
    return InspectionOut.model_validate(
        service.record_inspection(tx, principal, case_id, **body.model_dump())
    )


@router.post("/inspections/{record_id}/signatures", response_model=SignatureOut, status_code=201)
def sign(record_id: int, body: SignatureIn, principal: PrincipalDep, tx: TxDep) -> SignatureOut:
    return SignatureOut.model_validate(service.sign_inspection(tx, principal, record_id, **body.model_dump()))


# --------------------------------------------------------------------------- supervision orders


@router.get("/orders", response_model=list[OrderOut])
def list_orders(principal: PrincipalDep, tx: TxDep, open_only: bool = False) -> list[OrderOut]:
    return [OrderOut.model_validate(o) for o in service.list_orders(tx, principal, open_only=open_only)]


@router.get("/orders/{order_id}", response_model=OrderOut)
def get_order(order_id: int, principal: PrincipalDep, tx: TxDep) -> OrderOut:
    return OrderOut.model_validate(service.get_order(tx, principal, order_id)[0])


@router.post("/orders/{order_id}/answer", response_model=OrderOut)
def answer_order(order_id: int, body: AnswerIn, principal: PrincipalDep, tx: TxDep) -> OrderOut:
    order = service.answer_order(tx, principal, order_id, text=body.text, attachment_ids=body.attachment_ids)
    return OrderOut.model_validate(order)


@router.post("/orders/{order_id}/accept", response_model=OrderOut)
def accept_order(order_id: int, principal: PrincipalDep, tx: TxDep) -> OrderOut:
    return OrderOut.model_validate(service.decide_order(tx, principal, order_id, accept=True))


@router.post("/orders/{order_id}/return", response_model=OrderOut)
def return_order(order_id: int, body: ReasonIn, principal: PrincipalDep, tx: TxDep) -> OrderOut:
    order = service.decide_order(tx, principal, order_id, accept=False, reason=body.reason)
    return OrderOut.model_validate(order)


# --------------------------------------------------------------------------- campaigns


@router.get("/campaigns", response_model=list[CampaignOut])
def list_campaigns(principal: PrincipalDep, tx: TxDep) -> list[CampaignOut]:
    return [CampaignOut.model_validate(c) for c in service.list_campaigns(tx, principal)]


@router.post("/campaigns", response_model=CampaignOut, status_code=201)
def create_campaign(body: CampaignIn, principal: PrincipalDep, tx: TxDep) -> CampaignOut:
    campaign = service.create_campaign(tx, principal, **body.model_dump())
    return CampaignOut.model_validate(campaign).model_copy(
        update={"targets": sorted(set(body.enterprise_ids))}
    )


@router.get("/campaigns/{campaign_id}", response_model=CampaignOut)
def get_campaign(campaign_id: int, principal: PrincipalDep, tx: TxDep) -> CampaignOut:
    campaign, targets = service.get_campaign(tx, principal, campaign_id)
    return CampaignOut.model_validate(campaign).model_copy(update={"targets": list(targets)})


@router.post("/campaigns/{campaign_id}/cases", response_model=list[CaseOut], status_code=201)
def open_campaign_cases(campaign_id: int, principal: PrincipalDep, tx: TxDep) -> list[CaseOut]:
    """Open one case (source ``campaign``) per target that has none in this campaign yet."""
    return [CaseOut.model_validate(c) for c in service.open_campaign_cases(tx, principal, campaign_id)]
