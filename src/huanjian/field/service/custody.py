"""Chain of custody, samples, idempotent upload, conflict resolution and live automatic data."""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Sequence
from typing import Any

from huanjian.access.policy import Principal, authorize
from huanjian.casework.files import FileStore
from huanjian.core.time import ensure_utc, utcnow
from huanjian.core.tx import Tx
from huanjian.errors import Conflict, NotFound, PermissionDenied, ValidationError
from huanjian.field import repository
from huanjian.field.models import FieldEvent, FieldRecord, FieldSample
from huanjian.field.rules import (
    sha256_of,
    template,
)
from huanjian.field.service.common import (
    CORRECTABLE,
    DEVICE_KINDS,
    ZERO_HASH,
    _iso,
    custody_hash,
)
from huanjian.field.service.events import (
    Upload,
    UploadResult,
    _append,
    _apply,
    _conflicts,
    _store_image,
    _validate,
)
from huanjian.field.service.records import (
    get_record,
)


def verify_custody(tx: Tx, actor: Principal, sample_code: str) -> dict[str, Any]:
    smp, _record = get_sample(tx, actor, sample_code)
    chain = repository.custody_of(tx.session, [smp.id])
    problems = []
    prev = ZERO_HASH
    for link in chain:
        if link.prev_hash != prev:
            problems.append(f"link {link.position}: previous hash does not match")
        if custody_hash(smp.code, link) != link.hash:
            problems.append(f"link {link.position}: content does not match its hash")
        prev = link.hash
    return {"sample": smp.code, "links": len(chain), "ok": not problems, "problems": problems}


def get_sample(tx: Tx, actor: Principal, code: str) -> tuple[FieldSample, FieldRecord]:
    authorize(actor, "field.read")
    smp = repository.sample_by_code(tx.session, code.upper())
    if smp is None:
        raise NotFound(f"sample {code} not found")
    record = get_record(tx, actor, smp.record_id)
    return smp, record


def upload(
    tx: Tx, actor: Principal, store: FileStore, record_id: int, events: Sequence[Upload]
) -> list[UploadResult]:
    """Store each event once; see the module docstring for what wins when the server changed."""
    record = get_record(tx, actor, record_id, for_update=True)
    authorize(actor, "field.write")
    tpl = template(record.method)
    results: list[UploadResult] = []
    for up in events:
        results.append(_upload_one(tx, actor, store, record, tpl, up))
    record.updated_at = utcnow()
    return results


def _client_sha(up: Upload) -> str:
    return sha256_of({"kind": up.kind, "payload": up.payload, "supersedes": up.supersedes})


def _upload_one(
    tx: Tx, actor: Principal, store: FileStore, record: FieldRecord, tpl: dict[str, Any], up: Upload
) -> UploadResult:
    try:
        event_uuid = str(uuidlib.UUID(up.uuid))
    except (ValueError, AttributeError, TypeError):
        return UploadResult(str(up.uuid), "rejected", reason="uuid: not a UUID")
    existing = repository.event_by_uuid(tx.session, event_uuid)
    if existing is not None:
        if existing.record_id != record.id:
            return UploadResult(event_uuid, "rejected", reason="uuid already used by another record")
        return UploadResult(
            event_uuid,
            existing.status,
            duplicate=True,
            differs=existing.payload_sha256 != _client_sha(up),
            seq=existing.seq,
            reason=existing.conflict_reason,
        )
    kind, payload = up.kind, dict(up.payload or {})
    try:
        if kind not in DEVICE_KINDS:
            raise ValidationError(f"kind {kind!r}: one of {', '.join(DEVICE_KINDS)}", field="kind")
        device_time = ensure_utc(up.device_time) if up.device_time else None
        target_kind = None
        if kind == "correction":
            target = repository.event_by_uuid(tx.session, up.supersedes or "")
            if target is None or target.record_id != record.id or target.kind not in CORRECTABLE:
                raise ValidationError(
                    f"a correction names an accepted {'/'.join(CORRECTABLE)} of this record",
                    field="supersedes",
                )
            target_kind = target.kind
            stored, derived = _validate(tx, record, target.kind, payload, tpl)
            stored["_target_kind"] = target.kind
        else:
            if up.supersedes:
                raise ValidationError("only a correction supersedes another event", field="supersedes")
            stored, derived = _validate(tx, record, kind, payload, tpl)
    except (ValidationError, ValueError) as exc:
        return UploadResult(event_uuid, "rejected", reason=str(exc))
    content = derived.pop("_content", None)
    reasons = _conflicts(tx, actor, record, up, stored)
    if content is not None:
        purpose = "field_photo" if kind == "photo" else "custody_signature"
        derived["attachment_id"] = _store_image(
            tx,
            actor,
            store,
            record,
            content,
            str(stored.get("content_type")),
            purpose,
            f"{kind}-{event_uuid}",
        )
    e = _append(
        tx,
        actor,
        record,
        event_uuid=event_uuid,
        kind=kind,
        origin="device",
        payload=stored,
        payload_sha=_client_sha(up),
        derived=derived,
        device_time=device_time,
        base_seq=up.base_seq,
        supersedes=up.supersedes if kind == "correction" else None,
        status="conflict" if reasons else "accepted",
        conflict_reason="; ".join(reasons) or None,
    )
    if not reasons:
        _apply(tx, record, e)
    tx.audit(
        "field.event.conflict" if reasons else "field.event.accept",
        "field_record",
        record.id,
        after={
            "uuid": e.uuid,
            "seq": e.seq,
            "kind": kind,
            "target_kind": target_kind,
            "payload_sha256": e.payload_sha256,
            "device_time": _iso(e.device_time),
            "hash": e.hash,
            "conflict": e.conflict_reason,
        },
        jurisdiction_code=record.jurisdiction_code,
    )
    return UploadResult(e.uuid, e.status, seq=e.seq, reason=e.conflict_reason)


def resolve(tx: Tx, actor: Principal, event_uuid: str, *, decision: str, reason: str) -> FieldEvent:
    """Decide on a conflict: ``discard`` keeps the server's state (the offline version stays
    stored, marked resolved); ``apply`` re-submits it as a new accepted event."""
    e = repository.event_by_uuid(tx.session, event_uuid)
    if e is None:
        raise NotFound(f"field event {event_uuid} not found")
    record = get_record(tx, actor, e.record_id, for_update=True)
    authorize(actor, "field.write")
    if decision not in ("apply", "discard"):
        raise ValidationError("decision: apply or discard", field="decision")
    if not reason.strip():
        raise ValidationError("a resolution needs a reason", field="reason")
    if e.status != "conflict":
        raise Conflict(f"event {event_uuid} is {e.status}, not a conflict")
    into = None
    if decision == "apply":
        if record.status != "open":
            raise Conflict(f"field record {record.number} is {record.status}: its server state stands")
        if record.assignee_id != actor.user_id and not actor.can("field.manage"):
            raise PermissionDenied(f"field record {record.number} is assigned to {record.assignee_name}")
        if e.kind == "sample" and repository.sample_by_code(tx.session, e.payload["code"]) is not None:
            raise Conflict(f"sample code {e.payload['code']} is already registered")
        if e.kind == "custody":
            smp = repository.sample_by_code(tx.session, e.payload["sample"])
            if smp is None or smp.record_id != record.id:
                raise Conflict(f"sample {e.payload['sample']} is not an accepted sample of this record")
        new = _append(
            tx,
            actor,
            record,
            event_uuid=str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, f"huanjian:field:apply:{e.uuid}")),
            kind=e.kind,
            origin="device",
            payload=e.payload,
            payload_sha=e.payload_sha256,
            derived={**e.derived, "applied_from": e.uuid},
            device_time=e.device_time,
            base_seq=record.last_seq,
            supersedes=e.supersedes,
            status="accepted",
            conflict_reason=None,
        )
        _apply(tx, record, new)
        into = new.uuid
    e.status, e.resolution = "resolved", ("applied" if decision == "apply" else "discarded")
    e.resolved_by, e.resolved_at, e.resolved_into = tx.ctx.actor_name, utcnow(), into
    tx.audit(
        "field.event.resolve",
        "field_record",
        record.id,
        before={"uuid": e.uuid, "status": "conflict", "conflict": e.conflict_reason},
        after={"uuid": e.uuid, "resolution": e.resolution, "into": into},
        reason=reason,
        jurisdiction_code=record.jurisdiction_code,
    )
    return e


def live_data(tx: Tx, actor: Principal, record_id: int) -> list[dict[str, Any]]:
    """The enterprise's latest automatic data for the record's outlet, shown beside the field record."""
    record = get_record(tx, actor, record_id)
    mns = [lg.mn for lg in repository.loggers_of_outlet(tx.session, record.outlet_id)]
    return [
        {
            "mn": r.mn,
            "pollutant": r.pollutant,
            "period": r.period,
            "data_time": r.data_time.isoformat(),
            "value": r.avg if r.avg is not None else r.rtd,
            "flag": r.flag,
        }
        for r in repository.latest_readings(tx.session, mns)
    ]
