"""Field events uploaded from the phone: validation, conflicts with the server state, images, applying."""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from huanjian.access.policy import Principal
from huanjian.casework import service as cases
from huanjian.casework.files import FileStore
from huanjian.core.time import utcnow
from huanjian.core.tx import Tx
from huanjian.errors import ValidationError
from huanjian.field import repository
from huanjian.field.models import CustodyLink, FieldEvent, FieldRecord, FieldSample
from huanjian.field.rules import (
    CUSTODY_ROLES,
    checkpoint,
    distance_m,
    rules,
    sha256_of,
    unit_problem,
)
from huanjian.field.service.common import (
    DEVICE_KINDS,
    MAX_IMAGE_BYTES,
    SAMPLE_CODE,
    ZERO_HASH,
    _iso,
    custody_hash,
)

# --------------------------------------------------------------------------- events


@dataclass
class Upload:
    """One event as the phone sends it."""

    uuid: str
    kind: str
    payload: dict[str, Any]
    device_time: datetime | None = None
    base_seq: int = 0
    supersedes: str | None = None


@dataclass
class UploadResult:
    uuid: str
    status: str  # accepted | conflict | resolved | rejected
    duplicate: bool = False
    differs: bool = False  # a resend under the same uuid with other content
    seq: int | None = None
    reason: str | None = None


def event_hash(record: FieldRecord, e: FieldEvent) -> str:
    return sha256_of(
        {
            "record": record.number,
            "seq": e.seq,
            "uuid": e.uuid,
            "kind": e.kind,
            "payload": e.payload_sha256,
            "device_time": _iso(e.device_time),
            "server_time": _iso(e.server_time),
            "actor": e.actor_name,
        }
    )


def _append(
    tx: Tx,
    actor: Principal,
    record: FieldRecord,
    *,
    event_uuid: str,
    kind: str,
    origin: str,
    payload: dict[str, Any],
    payload_sha: str,
    derived: dict[str, Any],
    device_time: datetime | None,
    base_seq: int | None,
    supersedes: str | None,
    status: str,
    conflict_reason: str | None,
) -> FieldEvent:
    record.last_seq += 1
    e = FieldEvent(
        record_id=record.id,
        seq=record.last_seq,
        uuid=event_uuid,
        kind=kind,
        origin=origin,
        payload=payload,
        payload_sha256=payload_sha,
        derived=derived,
        supersedes=supersedes,
        base_seq=base_seq,
        device_time=device_time,
        server_time=utcnow(),
        actor_id=actor.user_id,
        actor_name=tx.ctx.actor_name,
        status=status,
        conflict_reason=conflict_reason,
        hash="",
    )
    e.hash = event_hash(record, e)
    repository.add(tx.session, e)
    return e


def _num(payload: dict[str, Any], key: str, *, required: bool = True) -> float | None:
    value = payload.get(key)
    if value is None or value == "":
        if required:
            raise ValidationError(f"{key}: a number is required", field=key)
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{key}: {value!r} is not a number", field=key) from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValidationError(f"{key}: not a finite number", field=key)
    return number


def _text(payload: dict[str, Any], key: str, *, required: bool = True, limit: int = 500) -> str:
    value = str(payload.get(key) or "").strip()
    if required and not value:
        raise ValidationError(f"{key}: required", field=key)
    return value[:limit]


def _image(payload: dict[str, Any]) -> tuple[bytes, str]:
    """The image of a photo or signature (data URL or base64) and the SHA-256 the device computed."""
    raw = str(payload.get("image") or "")
    content_type = "image/png"
    if raw.startswith("data:"):
        head, _, raw = raw.partition(",")
        content_type = head[5:].split(";")[0] or content_type
    try:
        content = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError("image: not valid base64", field="image") from None
    if not content:
        raise ValidationError("image: empty", field="image")
    if len(content) > MAX_IMAGE_BYTES:
        raise ValidationError(f"image: larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MB", field="image")
    digest = hashlib.sha256(content).hexdigest()
    claimed = str(payload.get("sha256") or "").lower()
    if claimed and claimed != digest:
        raise ValidationError(
            f"image: the device's SHA-256 {claimed[:12]}… does not match the received file's {digest[:12]}…",
            field="sha256",
        )
    return content, content_type


def _validate(
    tx: Tx, record: FieldRecord, kind: str, payload: dict[str, Any], tpl: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(payload as stored, derived figures); raises ValidationError for a malformed event."""
    derived: dict[str, Any] = {}
    if kind == "check_in":
        lat, lon = _num(payload, "lat"), _num(payload, "lon")
        assert lat is not None and lon is not None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValidationError("lat/lon out of range", field="lat")
        stored: dict[str, Any] = {
            "lat": lat,
            "lon": lon,
            "accuracy_m": _num(payload, "accuracy_m", required=False),
        }
        outlet = repository.get_outlet(tx.session, record.outlet_id)
        threshold = float(rules()["checkin"]["max_distance_m"])
        if outlet is not None and outlet.latitude is not None and outlet.longitude is not None:
            d = distance_m(lat, lon, outlet.latitude, outlet.longitude)
            derived = {"distance_m": round(d, 1), "threshold_m": threshold, "flagged": d > threshold}
        else:
            derived = {"distance_m": None, "threshold_m": threshold, "flagged": True, "why": "no coordinates"}
        return stored, derived
    if kind == "checkpoint":
        key = _text(payload, "key", limit=60)
        cp = checkpoint(tpl, key)
        if cp is None:
            raise ValidationError(
                f"checkpoint {key!r} is not in the method template {record.method}", field="key"
            )
        value = _num(payload, "value", required=False)
        stored = {
            "key": key,
            "ok": bool(payload.get("ok")),
            "value": value,
            "note": _text(payload, "note", required=False),
        }
        met = True
        if value is not None and "max_abs_error_pct" in cp:
            met = abs(value) <= float(cp["max_abs_error_pct"])
        if value is not None and "min_ratio" in cp:
            met = float(cp["min_ratio"]) <= value <= float(cp["max_ratio"])
        derived = {"required": bool(cp.get("required")), "source": cp["source"], "acceptance_met": met}
        return stored, derived
    if kind == "reading":
        unit = _text(payload, "unit", limit=20)
        stored = {
            "parameter": _text(payload, "parameter", limit=20),
            "value": _num(payload, "value"),
            "unit": unit,
            "instrument": _text(payload, "instrument", required=False, limit=100),
        }
        problem = unit_problem(unit, str(tpl["medium"]))
        return stored, ({"unit_problem": problem} if problem else {})
    if kind == "note":
        return {"text": _text(payload, "text", limit=2000)}, {}
    if kind == "photo":
        content, content_type = _image(payload)
        stored = {
            "sha256": hashlib.sha256(content).hexdigest(),
            "content_type": content_type,
            "size": len(content),
            "lat": _num(payload, "lat", required=False),
            "lon": _num(payload, "lon", required=False),
            "taken_at": _text(payload, "taken_at", required=False, limit=40),
            "caption": _text(payload, "caption", required=False),
        }
        return stored, {"_content": content}
    if kind == "sample":
        code = _text(payload, "code", limit=40).upper()
        if not SAMPLE_CODE.match(code):
            raise ValidationError(f"sample code {code!r}: 4–40 of A–Z, 0–9 and '-'", field="code")
        pollutant = _text(payload, "pollutant", limit=10)
        return {
            "code": code,
            "pollutant": pollutant,
            "container": _text(payload, "container", required=False, limit=100),
            "preservation": _text(payload, "preservation", required=False, limit=200),
        }, {}
    if kind == "custody":
        role = _text(payload, "role", limit=20)
        if role not in CUSTODY_ROLES:
            raise ValidationError(f"role {role!r}: one of {', '.join(CUSTODY_ROLES)}", field="role")
        content, content_type = _image(payload)
        return {
            "sample": _text(payload, "sample", limit=40).upper(),
            "role": role,
            "signer_name": _text(payload, "signer_name", limit=100),
            "image_sha256": hashlib.sha256(content).hexdigest(),
            "content_type": content_type,
        }, {"_content": content}
    raise ValidationError(f"kind {kind!r}: one of {', '.join(DEVICE_KINDS)}", field="kind")


def _conflicts(
    tx: Tx, actor: Principal, record: FieldRecord, up: Upload, stored: dict[str, Any]
) -> list[str]:
    """Why the server's state wins over this event (empty: it applies)."""
    s = tx.session
    reasons: list[str] = []
    changes = repository.server_changes_after(s, record.id, up.base_seq, ("reassign", "cancel"))
    for change in changes:
        when = change.server_time.isoformat(timespec="seconds")
        if change.kind == "cancel":
            reasons.append(f"the record was cancelled at {when} by {change.actor_name}")
        else:
            reasons.append(
                f"the record was reassigned to {change.payload.get('assignee')} at {when} "
                f"by {change.actor_name}"
            )
    if record.status == "cancelled" and not any("cancelled" in r for r in reasons):
        reasons.append("the record is cancelled")
    if record.assignee_id != actor.user_id and not changes:
        reasons.append(f"the record is assigned to {record.assignee_name}")
    if up.kind == "correction" and up.supersedes:
        for other in repository.corrections_after(s, up.supersedes, up.base_seq):
            reasons.append(
                f"the same {other.payload.get('_target_kind', 'entry')} was edited elsewhere by "
                f"{other.actor_name} at {other.server_time.isoformat(timespec='seconds')}"
            )
    if up.kind == "sample":
        existing = repository.sample_by_code(s, stored["code"])
        if existing is not None:
            reasons.append(f"sample code {stored['code']} is already registered")
    if up.kind == "custody":
        smp = repository.sample_by_code(s, stored["sample"])
        if smp is None or smp.record_id != record.id:
            reasons.append(f"sample {stored['sample']} is not an accepted sample of this record")
    return reasons


def _store_image(
    tx: Tx,
    actor: Principal,
    store: FileStore,
    record: FieldRecord,
    content: bytes,
    content_type: str,
    purpose: str,
    name: str,
) -> int:
    """Photos and signature images are case attachments (content-addressed by SHA-256)."""
    att = cases.add_attachment(
        tx,
        actor,
        store,
        record.case_id,
        name=name,
        content=content,
        content_type=content_type,
        purpose=purpose,
    )
    return att.id


def _apply(tx: Tx, record: FieldRecord, e: FieldEvent) -> None:
    """Projections of an accepted event: samples and custody links."""
    s = tx.session
    if e.kind == "sample":
        repository.add(
            s,
            FieldSample(
                record_id=record.id,
                code=e.payload["code"],
                pollutant=e.payload["pollutant"],
                container=e.payload.get("container") or "",
                preservation=e.payload.get("preservation") or "",
                event_uuid=e.uuid,
                taken_at=e.device_time,
                created_at=e.server_time,
            ),
        )
    elif e.kind == "custody":
        smp = repository.sample_by_code(s, e.payload["sample"])
        assert smp is not None
        chain = repository.custody_of(s, [smp.id])
        link = CustodyLink(
            sample_id=smp.id,
            position=len(chain) + 1,
            role=e.payload["role"],
            signer_name=e.payload["signer_name"],
            image_sha256=e.payload["image_sha256"],
            attachment_id=e.derived.get("attachment_id"),
            device_time=e.device_time,
            server_time=e.server_time,
            event_uuid=e.uuid,
            prev_hash=chain[-1].hash if chain else ZERO_HASH,
            hash="",
        )
        link.hash = custody_hash(smp.code, link)
        repository.add(s, link)
