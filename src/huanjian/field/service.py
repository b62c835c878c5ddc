"""Field records: an append-only stream of events, uploaded idempotently from the phone.

Offline, defined (issue 8):

* Every step is an event with a UUID generated on the device. Uploading an
  event whose UUID the server already has returns the stored event
  (``duplicate``); resending never adds a row.
* Device time and server time are both kept; the server assigns the order
  (``seq``) in which it received the events.
* The client sends ``base_seq``, the last server ``seq`` it had seen. When the
  server changed meanwhile — the record was reassigned or cancelled, or the
  same reading/checkpoint was corrected elsewhere — the server's state wins:
  the event is stored with status ``conflict`` (kept, not applied) and shown
  until someone resolves it (``apply`` re-submits it as a new accepted event,
  ``discard`` keeps the server's state). Nothing is dropped.
* Malformed events are answered ``rejected`` with the reason and not stored;
  the phone keeps them in its queue and shows them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import uuid as uuidlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from huanjian.access.policy import Principal, authorize, check_visible
from huanjian.access.roles import STAFF_ROLES
from huanjian.casework import repository as cases_repo
from huanjian.casework import service as cases
from huanjian.casework.files import FileStore
from huanjian.core.time import ensure_utc, utcnow
from huanjian.core.tx import Tx
from huanjian.errors import Conflict, NotFound, PermissionDenied, ValidationError
from huanjian.field import repository
from huanjian.field.models import CustodyLink, FieldEvent, FieldRecord, FieldSample
from huanjian.field.rules import (
    CUSTODY_ROLES,
    checkpoint,
    distance_m,
    methods,
    rules,
    sha256_of,
    template,
    unit_problem,
)

DEVICE_KINDS = ("check_in", "checkpoint", "reading", "photo", "sample", "custody", "note", "correction")
SERVER_KINDS = ("create", "reassign", "cancel")
#: Kinds a correction may correct (samples, custody and photos are facts: a new event, never an edit).
CORRECTABLE = ("checkpoint", "reading", "note")
SAMPLE_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{3,39}$")
MAX_IMAGE_BYTES = 8 * 1024 * 1024
ZERO_HASH = "0" * 64


# --------------------------------------------------------------------------- reading


def get_record(tx: Tx, actor: Principal, record_id: int, *, for_update: bool = False) -> FieldRecord:
    authorize(actor, "field.read")
    if for_update:
        record = tx.session.get(FieldRecord, record_id, with_for_update=True)
    else:
        record = repository.get_record(tx.session, record_id)
    if record is None:
        raise NotFound(f"field record {record_id} not found")
    check_visible(actor, record.jurisdiction_code, None, f"field record {record_id}")
    return record


def list_records(tx: Tx, actor: Principal) -> Sequence[FieldRecord]:
    authorize(actor, "field.read")
    return repository.list_records(tx.session, actor.scope)


@dataclass
class RecordView:
    """A record as the phone and the pages show it: the effective state and what awaits resolution."""

    record: FieldRecord
    template: dict[str, Any]
    outlet: dict[str, Any]
    events: Sequence[FieldEvent]
    effective: dict[str, FieldEvent] = field(default_factory=dict)  # uuid → accepted, corrected payload
    conflicts: list[FieldEvent] = field(default_factory=list)
    checkpoints: list[dict[str, Any]] = field(default_factory=list)
    readings: list[dict[str, Any]] = field(default_factory=list)
    photos: list[dict[str, Any]] = field(default_factory=list)
    check_ins: list[dict[str, Any]] = field(default_factory=list)
    samples: list[dict[str, Any]] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        r = self.record
        return {
            "record": {
                "id": r.id,
                "number": r.number,
                "case_id": r.case_id,
                "enterprise_id": r.enterprise_id,
                "outlet_id": r.outlet_id,
                "method": r.method,
                "pollutants": r.pollutants,
                "assignee_id": r.assignee_id,
                "assignee_name": r.assignee_name,
                "status": r.status,
                "last_seq": r.last_seq,
            },
            "template": self.template,
            "outlet": self.outlet,
            "checkpoints": self.checkpoints,
            "readings": self.readings,
            "photos": self.photos,
            "check_ins": self.check_ins,
            "samples": self.samples,
            "notes": self.notes,
            "conflicts": [event_dict(e) for e in self.conflicts],
            "events": [event_dict(e) for e in self.events],
        }


def event_dict(e: FieldEvent) -> dict[str, Any]:
    return {
        "uuid": e.uuid,
        "seq": e.seq,
        "kind": e.kind,
        "origin": e.origin,
        "payload": e.payload,
        "derived": e.derived,
        "supersedes": e.supersedes,
        "base_seq": e.base_seq,
        "device_time": e.device_time.isoformat() if e.device_time else None,
        "server_time": e.server_time.isoformat(),
        "actor_name": e.actor_name,
        "status": e.status,
        "conflict_reason": e.conflict_reason,
        "resolution": e.resolution,
        "resolved_by": e.resolved_by,
        "resolved_into": e.resolved_into,
        "hash": e.hash,
    }


def view(tx: Tx, actor: Principal, record_id: int) -> RecordView:
    record = get_record(tx, actor, record_id)
    return build_view(tx, record)


def build_view(tx: Tx, record: FieldRecord) -> RecordView:
    s = tx.session
    tpl = template(record.method)
    outlet = repository.get_outlet(s, record.outlet_id)
    events = repository.events_of(s, record.id)
    v = RecordView(
        record=record,
        template=tpl,
        outlet={
            "id": record.outlet_id,
            "code": outlet.outlet_code if outlet else None,
            "name": outlet.name if outlet else None,
            "latitude": outlet.latitude if outlet else None,
            "longitude": outlet.longitude if outlet else None,
        },
        events=events,
    )
    # Effective payloads: accepted events, with the latest accepted correction applied.
    for e in events:
        if e.status == "conflict":
            v.conflicts.append(e)
        if e.status != "accepted" or e.origin != "device":
            continue
        if e.kind == "correction" and e.supersedes:
            target = v.effective.get(e.supersedes)
            if target is not None:
                v.effective[e.supersedes] = _with_payload(target, e)
            continue
        v.effective[e.uuid] = e
    done: dict[str, FieldEvent] = {}
    for e in v.effective.values():
        item = {"uuid": e.uuid, **e.payload, "derived": e.derived, "device_time": _iso(e.device_time)}
        if e.kind == "checkpoint":
            done[str(e.payload.get("key"))] = e
        elif e.kind == "reading":
            v.readings.append(item)
        elif e.kind == "photo":
            v.photos.append(item)
        elif e.kind == "check_in":
            v.check_ins.append(item)
        elif e.kind == "note":
            v.notes.append(item)
    for cp in tpl["checkpoints"]:
        ev = done.get(cp["key"])
        v.checkpoints.append(
            {
                **cp,
                "done": ev is not None,
                "ok": bool(ev.payload.get("ok")) and ev.derived.get("acceptance_met", True) if ev else None,
                "value": ev.payload.get("value") if ev else None,
                "note": ev.payload.get("note") if ev else None,
                "uuid": ev.uuid if ev else None,
            }
        )
    samples = repository.samples_of(s, record.id)
    links = repository.custody_of(s, [x.id for x in samples])
    for smp in samples:
        chain = [link for link in links if link.sample_id == smp.id]
        v.samples.append(
            {
                "code": smp.code,
                "pollutant": smp.pollutant,
                "container": smp.container,
                "custody": [
                    {
                        "position": link.position,
                        "role": link.role,
                        "signer_name": link.signer_name,
                        "image_sha256": link.image_sha256,
                        "device_time": _iso(link.device_time),
                        "server_time": _iso(link.server_time),
                        "hash": link.hash,
                    }
                    for link in chain
                ],
                "custody_complete": custody_complete(chain),
            }
        )
    return v


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


class _Corrected:
    """An accepted event seen through its latest correction (same uuid and kind, new payload)."""

    def __init__(self, original: FieldEvent, correction: FieldEvent) -> None:
        self.uuid = original.uuid
        self.kind = original.kind
        self.payload = correction.payload
        self.derived = {**correction.derived, "corrected_by": correction.uuid}
        self.device_time = correction.device_time


def _with_payload(original: FieldEvent, correction: FieldEvent) -> FieldEvent:
    return _Corrected(original, correction)  # type: ignore[return-value]


def custody_complete(chain: Sequence[CustodyLink]) -> bool:
    roles = {link.role for link in chain}
    return set(rules()["custody_roles"]["complete_needs"]) <= roles


# --------------------------------------------------------------------------- records


def _assignee(tx: Tx, record_jurisdiction: str, username: str) -> Any:
    user = repository.user_by_name(tx.session, username)
    if user is None or not user.active:
        raise NotFound(f"user {username!r} not found")
    principal = Principal.of(user)
    if user.role not in STAFF_ROLES or not principal.can("field.write"):
        raise ValidationError(f"{username} cannot record field work (role {user.role})", field="assignee")
    if not principal.scope.sees_jurisdiction(record_jurisdiction):
        raise ValidationError(f"{username} does not work in {record_jurisdiction}", field="assignee")
    return user


def _server_event(
    tx: Tx, actor: Principal, record: FieldRecord, kind: str, payload: dict[str, Any], reason: str | None
) -> FieldEvent:
    body = {**payload, **({"reason": reason} if reason else {})}
    return _append(
        tx,
        actor,
        record,
        event_uuid=str(uuidlib.uuid4()),
        kind=kind,
        origin="server",
        payload=body,
        payload_sha=sha256_of(body),
        derived={},
        device_time=None,
        base_seq=record.last_seq,
        supersedes=None,
        status="accepted",
        conflict_reason=None,
    )


def create_record(
    tx: Tx,
    actor: Principal,
    *,
    case_id: int,
    outlet_id: int,
    method: str,
    assignee: str,
    pollutants: Sequence[str] = (),
) -> FieldRecord:
    """A field record for a case's monitoring task, on the person assigned (with its checks) to it."""
    authorize(actor, "field.manage")
    case = cases.get_case(tx, actor, case_id)
    if case.state != "monitoring_task":
        raise Conflict(f"case {case.number} is in {case.state}: field records belong to a monitoring task")
    assignment = next(
        (
            a
            for a in cases_repo.assignments_of(tx.session, case.id)
            if a.kind == "monitoring" and a.status in ("assigned", "overridden")
        ),
        None,
    )
    if assignment is None:
        raise Conflict(
            "no one is assigned to the monitoring task of this case (assign with its recusal and "
            "qualification checks first)"
        )
    outlet = repository.get_outlet(tx.session, outlet_id)
    if outlet is None or outlet.enterprise_id != case.enterprise_id:
        raise ValidationError(
            f"outlet {outlet_id} is not an outlet of the case's enterprise", field="outlet_id"
        )
    tpl = template(method)
    chosen = list(pollutants) or list(tpl["pollutants"])
    user = _assignee(tx, case.jurisdiction_code, assignee)
    now = utcnow()
    record = FieldRecord(
        number=f"XC-{case.number}-{repository.count_records(tx.session, case.id) + 1:02d}",
        case_id=case.id,
        assignment_id=assignment.id,
        enterprise_id=case.enterprise_id,
        outlet_id=outlet.id,
        jurisdiction_code=case.jurisdiction_code,
        method=method,
        methods_version=str(methods()["version"]),
        pollutants=chosen,
        assignee_id=user.id,
        assignee_name=user.full_name,
        status="open",
        last_seq=0,
        created_by=tx.ctx.actor_name,
        created_at=now,
        updated_at=now,
    )
    repository.add(tx.session, record)
    _server_event(
        tx,
        actor,
        record,
        "create",
        {"assignee": user.username, "method": method, "outlet": outlet.outlet_code, "pollutants": chosen},
        None,
    )
    tx.audit(
        "field.record.create",
        "field_record",
        record.id,
        after={
            "number": record.number,
            "case": case.id,
            "assignment": assignment.id,
            "outlet": outlet.id,
            "method": method,
            "assignee": user.username,
        },
        jurisdiction_code=record.jurisdiction_code,
    )
    return record


def _record_for_manage(tx: Tx, actor: Principal, record_id: int) -> FieldRecord:
    record = get_record(tx, actor, record_id, for_update=True)
    authorize(actor, "field.manage")
    if record.status != "open":
        raise Conflict(f"field record {record.number} is {record.status}")
    return record


def reassign(tx: Tx, actor: Principal, record_id: int, *, assignee: str, reason: str) -> FieldRecord:
    record = _record_for_manage(tx, actor, record_id)
    if not reason.strip():
        raise ValidationError("a reassignment needs a reason", field="reason")
    user = _assignee(tx, record.jurisdiction_code, assignee)
    before = record.assignee_name
    record.assignee_id, record.assignee_name, record.updated_at = user.id, user.full_name, utcnow()
    ev = _server_event(tx, actor, record, "reassign", {"assignee": user.username, "from": before}, reason)
    tx.audit(
        "field.record.reassign",
        "field_record",
        record.id,
        before={"assignee": before},
        after={"assignee": user.username, "seq": ev.seq},
        reason=reason,
        jurisdiction_code=record.jurisdiction_code,
    )
    return record


def cancel(tx: Tx, actor: Principal, record_id: int, *, reason: str) -> FieldRecord:
    record = _record_for_manage(tx, actor, record_id)
    if not reason.strip():
        raise ValidationError("a cancellation needs a reason", field="reason")
    record.status, record.updated_at = "cancelled", utcnow()
    ev = _server_event(tx, actor, record, "cancel", {}, reason)
    tx.audit(
        "field.record.cancel",
        "field_record",
        record.id,
        before={"status": "open"},
        after={"status": "cancelled", "seq": ev.seq},
        reason=reason,
        jurisdiction_code=record.jurisdiction_code,
    )
    return record


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


def custody_hash(sample_code: str, link: CustodyLink) -> str:
    """Each link hashes the one before it, so a changed or removed link breaks every later hash."""
    return sha256_of(
        {
            "sample": sample_code,
            "position": link.position,
            "role": link.role,
            "signer": link.signer_name,
            "image": link.image_sha256,
            "device_time": _iso(link.device_time),
            "server_time": _iso(link.server_time),
            "event": link.event_uuid,
            "prev": link.prev_hash,
        }
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
