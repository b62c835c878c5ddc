"""Field records: reading and views, creating, reassigning and cancelling (server-side events)."""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from huanjian.access.policy import Principal, authorize, check_visible
from huanjian.access.roles import STAFF_ROLES
from huanjian.casework import repository as cases_repo
from huanjian.casework import service as cases
from huanjian.core.time import utcnow
from huanjian.core.tx import Tx
from huanjian.errors import Conflict, NotFound, ValidationError
from huanjian.field import repository
from huanjian.field.models import CustodyLink, FieldEvent, FieldRecord
from huanjian.field.rules import (
    methods,
    rules,
    sha256_of,
    template,
)
from huanjian.field.service.common import _iso
from huanjian.field.service.events import (
    _append,
)

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
