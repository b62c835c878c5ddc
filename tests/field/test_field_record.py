"""Field record: idempotent upload, conflicts kept and resolved, custody chain hashes, check-in distance."""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise
from typing import Any

import pytest
from sqlalchemy import func, select

from huanjian.access.policy import Principal
from huanjian.casework.files import FileStore
from huanjian.core.tx import Tx
from huanjian.errors import Conflict, NotFound, ValidationError
from huanjian.field import repository as field_repository
from huanjian.field import service as field
from huanjian.field.models import CustodyLink, FieldEvent
from huanjian.settings import Settings
from tests.field.builders import JIA_LAT, JIA_LON, FieldWorld, build, data_url, ev, full_visit, png


@pytest.fixture
def fw(tx: Tx) -> FieldWorld:
    return build(tx)


def _uploads(events: list[dict[str, Any]]) -> list[field.Upload]:
    return [
        field.Upload(
            uuid=e["uuid"],
            kind=e["kind"],
            payload=e["payload"],
            device_time=datetime.fromisoformat(e["device_time"]),
            base_seq=e["base_seq"],
            supersedes=e.get("supersedes"),
        )
        for e in events
    ]


def _send(
    tx: Tx, settings: Settings, who: Any, record: int, events: list[dict[str, Any]]
) -> list[field.UploadResult]:
    return field.upload(tx, Principal.of(who), FileStore(settings.data_dir), record, _uploads(events))


def _count(tx: Tx, record: int) -> int:
    return int(tx.session.scalar(select(func.count()).where(FieldEvent.record_id == record)) or 0)


def test_upload_is_idempotent(fw: FieldWorld, tx: Tx, settings: Settings) -> None:
    rec = fw.records["jia"]
    visit = full_visit()
    first = _send(tx, settings, fw.users["sampler"], rec, visit)
    assert [r.status for r in first] == ["accepted"] * len(visit), [r.reason for r in first]
    n = _count(tx, rec)
    assert n == len(visit) + 1  # + the server's create event
    again = _send(tx, settings, fw.users["sampler"], rec, visit)  # the phone did not hear the answer
    assert all(r.duplicate and not r.differs for r in again)
    assert [r.seq for r in again] == [r.seq for r in first]
    assert _count(tx, rec) == n
    # The same uuid with other content is not stored a second time, and the phone is told.
    changed = [dict(visit[6], payload={**visit[6]["payload"], "value": 99.0})]
    (answer,) = _send(tx, settings, fw.users["sampler"], rec, changed)
    assert answer.duplicate and answer.differs and _count(tx, rec) == n

    v = field.view(tx, Principal.of(fw.users["sampler"]), rec)
    assert all(cp["done"] and cp["ok"] for cp in v.checkpoints)
    assert v.readings[0]["value"] == 28.4
    (sample,) = v.samples
    assert [c["role"] for c in sample["custody"]] == ["sampler", "enterprise", "transporter", "receiver"]
    assert sample["custody_complete"]
    assert v.check_ins[0]["derived"]["flagged"] is False and v.check_ins[0]["derived"]["distance_m"] < 50


def test_device_and_server_time_are_both_kept(fw: FieldWorld, tx: Tx, settings: Settings) -> None:
    rec = fw.records["jia"]
    (r,) = _send(
        tx, settings, fw.users["sampler"], rec, [ev("note", {"text": "到达"}, at="2026-03-02T08:30:00+08:00")]
    )
    e = tx.session.scalar(select(FieldEvent).where(FieldEvent.uuid == r.uuid))
    assert e is not None and e.device_time is not None
    assert e.device_time.isoformat() == "2026-03-02T00:30:00+00:00"
    assert e.server_time > e.device_time and e.hash == field.event_hash(
        field_repository.get_record(tx.session, rec), e
    )  # type: ignore[arg-type]


def test_check_in_far_from_the_outlet_is_flagged(fw: FieldWorld, tx: Tx, settings: Settings) -> None:
    rec = fw.records["jia"]
    _send(tx, settings, fw.users["sampler"], rec, [ev("check_in", {"lat": JIA_LAT + 0.01, "lon": JIA_LON})])
    (check_in,) = field.view(tx, Principal.of(fw.users["sampler"]), rec).check_ins
    assert check_in["derived"]["flagged"] is True
    assert 1_000 < check_in["derived"]["distance_m"] < 1_200  # 0.01° of latitude ≈ 1.11 km


def test_malformed_events_are_rejected_not_stored(fw: FieldWorld, tx: Tx, settings: Settings) -> None:
    rec = fw.records["jia"]
    bad = [
        ev("checkpoint", {"key": "no_such_step", "ok": True}),
        ev("reading", {"parameter": "a21026", "value": "lots", "unit": "mg/m3"}),
        ev("photo", {"image": "data:image/png;base64,AAAA", "sha256": "0" * 64}),
        {**ev("note", {"text": "x"}), "uuid": "not-a-uuid"},
    ]
    n = _count(tx, rec)
    results = _send(tx, settings, fw.users["sampler"], rec, bad)
    assert [r.status for r in results] == ["rejected"] * 4 and all(r.reason for r in results)
    assert _count(tx, rec) == n


def test_reassigned_meanwhile_server_wins_and_offline_steps_are_kept(
    fw: FieldWorld, tx: Tx, settings: Settings
) -> None:
    rec = fw.records["jia"]
    base = field.view(tx, Principal.of(fw.users["sampler"]), rec).record.last_seq
    offline = full_visit(base_seq=base)
    field.reassign(tx, Principal.of(fw.users["chief"]), rec, assignee="pd_sampler2", reason="换人")
    results = _send(tx, settings, fw.users["sampler"], rec, offline)
    assert {r.status for r in results} == {"conflict"}
    assert all("reassigned to pd_sampler2" in (r.reason or "") for r in results)
    v = field.view(tx, Principal.of(fw.users["sampler2"]), rec)
    assert len(v.conflicts) == len(offline) and not v.samples and not v.readings  # kept, not applied
    assert v.record.assignee_name == "Pd_Sampler2"
    # Resend: still once each.
    again = _send(tx, settings, fw.users["sampler"], rec, offline)
    assert all(r.duplicate and r.status == "conflict" for r in again)
    assert len(field.view(tx, Principal.of(fw.users["sampler2"]), rec).conflicts) == len(offline)

    # Resolve: the new assignee applies the sample, and discards the reading (server state wins).
    sample_event = next(e for e in v.conflicts if e.kind == "sample")
    reading_event = next(e for e in v.conflicts if e.kind == "reading")
    new_owner = Principal.of(fw.users["sampler2"])
    applied = field.resolve(tx, new_owner, sample_event.uuid, decision="apply", reason="样品已采集，有效")
    assert applied.resolution == "applied" and applied.resolved_into
    field.resolve(tx, new_owner, reading_event.uuid, decision="discard", reason="重测")
    with pytest.raises(Conflict):
        field.resolve(tx, new_owner, reading_event.uuid, decision="apply", reason="again")
    v = field.view(tx, new_owner, rec)
    assert [s["code"] for s in v.samples] == ["S-JIA-0001"] and not v.readings
    kept = tx.session.scalar(select(FieldEvent).where(FieldEvent.uuid == reading_event.uuid))
    assert kept is not None and kept.payload["value"] == 28.4 and kept.resolution == "discarded"


def test_cancelled_record_keeps_late_events_as_conflicts(fw: FieldWorld, tx: Tx, settings: Settings) -> None:
    rec = fw.records["jia"]
    field.cancel(tx, Principal.of(fw.users["chief"]), rec, reason="企业停产")
    (r,) = _send(tx, settings, fw.users["sampler"], rec, [ev("note", {"text": "已到现场"})])
    assert r.status == "conflict" and "cancelled" in (r.reason or "")
    with pytest.raises(Conflict):
        field.resolve(tx, Principal.of(fw.users["sampler"]), r.uuid, decision="apply", reason="x")


def test_same_reading_edited_elsewhere_is_a_conflict(fw: FieldWorld, tx: Tx, settings: Settings) -> None:
    rec = fw.records["jia"]
    (reading,) = _send(
        tx,
        settings,
        fw.users["sampler"],
        rec,
        [ev("reading", {"parameter": "a21026", "value": 28.4, "unit": "mg/m3"})],
    )
    base = reading.seq or 0
    # Corrected online (another tab / the sampler's colleague on the same account)...
    online_fix = ev(
        "correction",
        {"parameter": "a21026", "value": 27.9, "unit": "mg/m3"},
        supersedes=reading.uuid,
        base_seq=base,
    )
    assert _send(tx, settings, fw.users["sampler"], rec, [online_fix])[0].status == "accepted"
    # ...while the phone, offline since `base`, corrected the same reading differently.
    offline_fix = ev(
        "correction",
        {"parameter": "a21026", "value": 30.0, "unit": "mg/m3"},
        supersedes=reading.uuid,
        base_seq=base,
    )
    (r,) = _send(tx, settings, fw.users["sampler"], rec, [offline_fix])
    assert r.status == "conflict" and "edited elsewhere" in (r.reason or "")
    v = field.view(tx, Principal.of(fw.users["sampler"]), rec)
    assert [x["value"] for x in v.readings] == [27.9]  # the server's edit stands
    assert [c.payload["value"] for c in v.conflicts] == [30.0]  # the offline one is shown


def test_custody_chain_hashes(fw: FieldWorld, tx: Tx, settings: Settings) -> None:
    rec = fw.records["jia"]
    _send(tx, settings, fw.users["sampler"], rec, full_visit())
    sampler = Principal.of(fw.users["sampler"])
    assert field.verify_custody(tx, sampler, "S-JIA-0001") == {
        "sample": "S-JIA-0001",
        "links": 4,
        "ok": True,
        "problems": [],
    }
    links = tx.session.scalars(select(CustodyLink).order_by(CustodyLink.position)).all()
    assert links[0].prev_hash == "0" * 64
    assert all(b.prev_hash == a.hash for a, b in pairwise(links))
    assert len({link.hash for link in links}) == 4
    # A signer's name altered in the table breaks that link's hash.
    links[1].signer_name = "别人"
    tx.session.flush()
    report = field.verify_custody(tx, sampler, "S-JIA-0001")
    assert not report["ok"] and report["problems"] == ["link 2: content does not match its hash"]


def test_custody_for_unknown_sample_is_kept_as_conflict(fw: FieldWorld, tx: Tx, settings: Settings) -> None:
    rec = fw.records["jia"]
    e = ev(
        "custody",
        {"sample": "S-NOPE-1", "role": "sampler", "signer_name": "王", "image": data_url(png(seed=5))},
    )
    (r,) = _send(tx, settings, fw.users["sampler"], rec, [e])
    assert r.status == "conflict" and "not an accepted sample" in (r.reason or "")


def test_other_jurisdiction_cannot_see_or_write(fw: FieldWorld, tx: Tx, settings: Settings) -> None:
    with pytest.raises(NotFound):
        _send(tx, settings, fw.users["mh_sampler"], fw.records["jia"], [ev("note", {"text": "x"})])
    with pytest.raises(NotFound):
        field.view(tx, Principal.of(fw.users["mh_sampler"]), fw.records["jia"])


def test_record_needs_a_monitoring_assignment(fw: FieldWorld, tx: Tx) -> None:
    from huanjian.casework import service as cases

    chief = Principal.of(fw.users["chief"])
    case = cases.open_case(tx, chief, enterprise_id=fw.ent_a, source="complaint", title="t")
    with pytest.raises(Conflict):
        field.create_record(
            tx, chief, case_id=case.id, outlet_id=fw.outlets["jia"], method="hj57_so2", assignee="pd_sampler"
        )
    cases.transition(tx, chief, case.id, "accept")
    cases.transition(tx, chief, case.id, "task_monitoring")
    with pytest.raises(Conflict, match="no one is assigned"):
        field.create_record(
            tx, chief, case_id=case.id, outlet_id=fw.outlets["jia"], method="hj57_so2", assignee="pd_sampler"
        )
    with pytest.raises(ValidationError):
        field.create_record(
            tx,
            chief,
            case_id=fw.cases["jia"],
            outlet_id=fw.outlets["jia"],
            method="nope",
            assignee="pd_sampler",
        )
