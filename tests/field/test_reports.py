"""Reports under three-level review: three people, checks block signing, signed is final, PDF matches."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import pytest

from huanjian.access.policy import Principal
from huanjian.casework.files import FileStore
from huanjian.core.tx import Tx
from huanjian.errors import Conflict, PermissionDenied
from huanjian.field import reports
from huanjian.field import service as field
from huanjian.field.rules import sha256_of
from huanjian.settings import Settings
from tests.field.builders import FieldWorld, build, ev, full_visit

LAB = [
    {"sample_code": "S-JIA-0001", "pollutant": "a21026", "value": 41.2, "unit": "mg/m3", "lab": "上海丁检测"}
]


@pytest.fixture
def fw(tx: Tx, settings: Settings) -> FieldWorld:
    world = build(tx)
    events = [
        field.Upload(
            e["uuid"], e["kind"], e["payload"], datetime.fromisoformat(e["device_time"]), e["base_seq"]
        )
        for e in full_visit()
    ]
    field.upload(
        tx, Principal.of(world.users["sampler"]), FileStore(settings.data_dir), world.records["jia"], events
    )
    return world


def _p(fw: FieldWorld, name: str) -> Principal:
    return Principal.of(fw.users[name])


def _draft(tx: Tx, fw: FieldWorld, **kwargs: Any) -> int:
    return reports.draft(tx, _p(fw, "drafter"), record_id=fw.records["jia"], lab_results=LAB, **kwargs).id


def test_three_people_and_a_pdf_that_matches(fw: FieldWorld, tx: Tx, settings: Settings) -> None:
    store = FileStore(settings.data_dir)
    rid = _draft(tx, fw)
    row = reports.get(tx, _p(fw, "drafter"), rid)
    assert row.checks_ok, row.checks
    c = row.content
    assert c["results"][0]["standard"] == "GB 13223-2011" and c["results"][0]["limit"] == 35
    assert c["results"][0]["exceeds"] and "超过执行标准限值" in c["conclusion"]
    assert [q["done"] for q in c["qc"]] == [True] * 5 and c["sampled_on"] == "2026-03-02"

    with pytest.raises(PermissionDenied):  # the signatory cannot sign before the check
        reports.check(tx, _p(fw, "drafter"), rid)  # nor can the drafter hold report.check
    # checker holds report.check and report.draft; drafting and checking the same report is refused
    own = reports.draft(tx, _p(fw, "checker"), record_id=fw.records["jia"], lab_results=LAB)
    with pytest.raises(PermissionDenied, match="drafted"):
        reports.check(tx, _p(fw, "checker"), own.id)
    reports.check(tx, _p(fw, "checker"), rid)
    with pytest.raises(PermissionDenied):
        reports.sign(tx, _p(fw, "checker"), store, rid)  # no report.sign
    # signer holds report.check too: had it checked, it could not sign.
    reports.send_back(tx, _p(fw, "signer"), rid, reason="复核")
    reports.check(tx, _p(fw, "signer"), rid)
    with pytest.raises(PermissionDenied, match="third person"):
        reports.sign(tx, _p(fw, "signer"), store, rid)
    reports.send_back(tx, _p(fw, "checker"), rid, reason="换人审核")
    reports.check(tx, _p(fw, "checker"), rid)
    signed = reports.sign(tx, _p(fw, "signer"), store, rid)
    assert signed.state == "signed" and signed.pdf_sha256 and signed.fields_sha256

    row, content = reports.pdf_of(tx, _p(fw, "drafter"), store, rid)
    assert content.startswith(b"%PDF") and hashlib.sha256(content).hexdigest() == row.pdf_sha256
    assert f"fields-sha256:{row.fields_sha256}".encode() in content
    assert reports.verify_pdf(row, content)["ok"]
    # The fields it shows come from the stored data: change one stored figure and it no longer matches.
    fields = reports.report_fields(row)
    assert any("41.2 mg/m3" in line for line in fields["results"])
    row.content = {**row.content, "results": [{**row.content["results"][0], "value": 4.12}]}
    assert not reports.verify_pdf(row, content)["ok"]


def test_signed_report_is_final_and_corrected_by_a_new_version(
    fw: FieldWorld, tx: Tx, settings: Settings
) -> None:
    store = FileStore(settings.data_dir)
    rid = _draft(tx, fw)
    reports.check(tx, _p(fw, "checker"), rid)
    reports.sign(tx, _p(fw, "signer"), store, rid)
    before = sha256_of(reports.get(tx, _p(fw, "drafter"), rid).content)
    for action in (
        lambda: reports.check(tx, _p(fw, "checker"), rid),
        lambda: reports.send_back(tx, _p(fw, "checker"), rid, reason="x"),
        lambda: reports.sign(tx, _p(fw, "signer"), store, rid),
    ):
        with pytest.raises(Conflict, match="signed"):
            action()
    fixed = [{**LAB[0], "value": 40.2}]
    v2 = reports.correct(tx, _p(fw, "drafter"), rid, reason="原始记录誊写错误", lab_results=fixed)
    assert (v2.number, v2.version, v2.previous_id) == (reports.get(tx, _p(fw, "drafter"), rid).number, 2, rid)
    assert v2.content["previous"]["sha256"] == before and v2.state == "draft"
    assert sha256_of(reports.get(tx, _p(fw, "drafter"), rid).content) == before
    with pytest.raises(Conflict, match="later version"):
        reports.correct(tx, _p(fw, "drafter"), rid, reason="again")


def test_a_failing_check_blocks_signing(fw: FieldWorld, tx: Tx, settings: Settings) -> None:
    store = FileStore(settings.data_dir)
    wrong_limit = [
        {**LAB[0], "standard": "GB 13223-2011", "limit": 50, "limit_unit": "mg/m3"},
    ]
    rid = _draft(tx, fw, results=wrong_limit)
    reports.check(tx, _p(fw, "checker"), rid)
    with pytest.raises(Conflict, match="standard_and_limit") as err:
        reports.sign(tx, _p(fw, "signer"), store, rid)
    assert err.value.details["rule"] == "report.check_failed"
    assert reports.get(tx, _p(fw, "drafter"), rid).state == "checked"


@pytest.mark.parametrize(
    ("results", "failing"),
    [
        (
            [{**LAB[0], "value": 4.12, "standard": "GB 13223-2011", "limit": 35, "limit_unit": "mg/m3"}],
            "consistent_with_records",
        ),
        (
            [{**LAB[0], "unit": "ppm", "standard": "GB 13223-2011", "limit": 35, "limit_unit": "mg/m3"}],
            "legal_units",
        ),
        (
            [
                {
                    **LAB[0],
                    "sample_code": "S-OTHER-1",
                    "standard": "GB 13223-2011",
                    "limit": 35,
                    "limit_unit": "mg/m3",
                }
            ],
            "consistent_with_records",
        ),
    ],
)
def test_each_check_catches_its_problem(
    fw: FieldWorld, tx: Tx, results: list[dict[str, Any]], failing: str
) -> None:
    rid = _draft(tx, fw, results=results)
    row = reports.get(tx, _p(fw, "drafter"), rid)
    by = {c["check"]: c for c in row.checks}
    assert by[failing]["status"] == "fail", row.checks
    assert not row.checks_ok


def test_incomplete_qc_fails(fw: FieldWorld, tx: Tx, settings: Settings) -> None:
    # Another record with only the check-in: the method's checkpoints are not done.
    from huanjian.casework import service as cases

    chief = _p(fw, "chief")
    field.cancel(tx, chief, fw.records["jia"], reason="重新采样")
    rec = field.create_record(
        tx,
        chief,
        case_id=fw.cases["jia"],
        outlet_id=fw.outlets["jia"],
        method="hj57_so2",
        assignee="pd_sampler",
    )
    e = ev("note", {"text": "x"}, base_seq=rec.last_seq)
    field.upload(
        tx,
        _p(fw, "sampler"),
        FileStore(settings.data_dir),
        rec.id,
        [field.Upload(e["uuid"], "note", e["payload"], None, rec.last_seq)],
    )
    row = reports.draft(tx, _p(fw, "drafter"), record_id=rec.id, lab_results=LAB)
    by = {c["check"]: c for c in row.checks}
    assert by["qc_complete"]["status"] == "fail" and "leak_check: not done" in by["qc_complete"]["messages"]
    assert by["consistent_with_records"]["status"] == "fail"  # S-JIA-0001 belongs to the other record
    assert cases.get_case(tx, chief, fw.cases["jia"]).state == "monitoring_task"


def test_other_jurisdiction_cannot_read_a_report(fw: FieldWorld, tx: Tx) -> None:
    from huanjian.errors import NotFound

    rid = _draft(tx, fw)
    with pytest.raises(NotFound):
        reports.get(tx, Principal.of(fw.people.minhang), rid)
