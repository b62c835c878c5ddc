"""Attachments of a case: who may attach, storing by SHA-256, reading back with the hash re-checked."""

from __future__ import annotations

from huanjian.access.policy import Principal
from huanjian.access.roles import OUTSIDE_ROLES
from huanjian.casework import repository
from huanjian.casework.files import FileStore
from huanjian.casework.models import (
    Attachment,
    Case,
)
from huanjian.casework.service.common import (
    _audit,
    _case_for_write,
    get_case,
)
from huanjian.core.time import utcnow
from huanjian.core.tx import Tx
from huanjian.errors import NotFound, ValidationError

# --------------------------------------------------------------------------- attachments


def _may_attach(tx: Tx, actor: Principal, case: Case) -> None:
    if actor.role in OUTSIDE_ROLES:
        orders = repository.orders_of(tx.session, case.id)
        if not any(o.addressee_id == actor.organisation_id for o in orders):
            raise NotFound(f"case {case.id} not found")
        return
    _case_for_write(tx, actor, case.id)


def _case_for_party(tx: Tx, actor: Principal, case_id: int) -> Case:
    """Staff see cases of their jurisdiction; outside parties only cases with an order to them."""
    case = repository.get_case(tx.session, case_id)
    if case is None:
        raise NotFound(f"case {case_id} not found")
    if actor.role in OUTSIDE_ROLES:
        if not any(
            o.addressee_id == actor.organisation_id for o in repository.orders_of(tx.session, case.id)
        ):
            raise NotFound(f"case {case_id} not found")
        return case
    return get_case(tx, actor, case_id)


def add_attachment(
    tx: Tx,
    actor: Principal,
    store: FileStore,
    case_id: int,
    *,
    name: str,
    content: bytes,
    content_type: str = "application/octet-stream",
    purpose: str = "document",
) -> Attachment:
    case = _case_for_party(tx, actor, case_id)
    _may_attach(tx, actor, case)
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not name:
        raise ValidationError("the file needs a name", field="file")
    digest = store.put(content)
    att = Attachment(
        case_id=case.id,
        name=name[:255],
        content_type=(content_type or "application/octet-stream")[:100],
        size=len(content),
        sha256=digest,
        purpose=purpose[:30],
        uploaded_by=tx.ctx.actor_name,
        uploaded_by_id=actor.user_id,
        uploaded_at=utcnow(),
    )
    repository.add(tx.session, att)
    _audit(
        tx,
        "case.attachment.add",
        "case_attachment",
        att.id,
        case,
        after={"name": att.name, "size": att.size, "sha256": digest, "purpose": att.purpose},
        organisation_id=actor.organisation_id,
    )
    return att


def read_attachment(
    tx: Tx, actor: Principal, store: FileStore, case_id: int, attachment_id: int
) -> tuple[Attachment, bytes]:
    case = _case_for_party(tx, actor, case_id)
    att = repository.get_attachment(tx.session, attachment_id)
    if att is None or att.case_id != case.id:
        raise NotFound(f"attachment {attachment_id} not found")
    return att, store.get(att.sha256)
