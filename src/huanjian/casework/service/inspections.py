"""On-site inspection records (现场检查笔录) and their signatures."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from huanjian.access.policy import Principal
from huanjian.casework import repository
from huanjian.casework.models import (
    InspectionRecord,
    Signature,
)
from huanjian.casework.service.common import (
    SIGNER_ROLES,
    _audit,
    _case_for_write,
    _own_attachments,
    canonical_hash,
)
from huanjian.core.time import CST, ensure_utc, utcnow
from huanjian.core.tx import Tx
from huanjian.errors import Conflict, NotFound, ValidationError

# --------------------------------------------------------------------------- inspection records


def record_inspection(
    tx: Tx,
    actor: Principal,
    case_id: int,
    *,
    inspected_at: datetime,
    place: str,
    inspectors: Sequence[str],
    items: Sequence[str],
    findings: str,
    enterprise_statement: str = "",
    photo_ids: Sequence[int] = (),
) -> InspectionRecord:
    case = _case_for_write(tx, actor, case_id)
    if case.state == "closed":
        raise Conflict(f"case {case.number} is closed")
    if len([i for i in inspectors if i.strip()]) < 1 or not findings.strip() or not place.strip():
        raise ValidationError("an inspection record names the inspectors, the place and the findings")
    photos = _own_attachments(tx, case, photo_ids)
    inspected_at = ensure_utc(inspected_at if inspected_at.tzinfo else inspected_at.replace(tzinfo=CST))
    content = {
        "case": case.number,
        "inspected_at": inspected_at.isoformat(),
        "place": place,
        "inspectors": list(inspectors),
        "items": list(items),
        "findings": findings,
        "enterprise_statement": enterprise_statement,
        "photos": [p.sha256 for p in photos],
    }
    rec = InspectionRecord(
        case_id=case.id,
        inspected_at=inspected_at,
        place=place,
        inspectors=list(inspectors),
        items=list(items),
        findings=findings,
        enterprise_statement=enterprise_statement,
        photo_ids=[p.id for p in photos],
        content_hash=canonical_hash(content),
        created_by=tx.ctx.actor_name,
        created_at=utcnow(),
    )
    repository.add(tx.session, rec)
    _audit(
        tx,
        "case.inspection.record",
        "inspection_record",
        rec.id,
        case,
        after={**content, "hash": rec.content_hash},
    )
    return rec


def signature_hash(rec: InspectionRecord, sig: Signature) -> str:
    return canonical_hash(
        {
            "record": rec.content_hash,
            "role": sig.role,
            "signer": sig.signer_name,
            "image": sig.image_sha256,
            "device_time": ensure_utc(sig.device_time).isoformat(),
            "server_time": ensure_utc(sig.server_time).isoformat(),
        }
    )


def sign_inspection(
    tx: Tx,
    actor: Principal,
    record_id: int,
    *,
    role: str,
    signer_name: str,
    image_id: int,
    device_time: datetime,
) -> Signature:
    rec = repository.get_inspection(tx.session, record_id)
    if rec is None:
        raise NotFound(f"inspection record {record_id} not found")
    case = _case_for_write(tx, actor, rec.case_id)
    if role not in SIGNER_ROLES:
        raise ValidationError(f"role {role!r}: one of {', '.join(SIGNER_ROLES)}", field="role")
    if not signer_name.strip():
        raise ValidationError("the signer's name", field="signer_name")
    (image,) = _own_attachments(tx, case, [image_id])
    sig = Signature(
        record_id=rec.id,
        role=role,
        signer_name=signer_name.strip(),
        image_id=image.id,
        image_sha256=image.sha256,
        device_time=ensure_utc(device_time if device_time.tzinfo else device_time.replace(tzinfo=CST)),
        server_time=utcnow(),
        hash="",
    )
    sig.hash = signature_hash(rec, sig)
    repository.add(tx.session, sig)
    _audit(
        tx,
        "case.inspection.sign",
        "inspection_record",
        rec.id,
        case,
        after={
            "signature": sig.id,
            "role": role,
            "signer": sig.signer_name,
            "image_sha256": image.sha256,
            "device_time": sig.device_time.isoformat(),
            "server_time": sig.server_time.isoformat(),
            "hash": sig.hash,
        },
    )
    return sig
