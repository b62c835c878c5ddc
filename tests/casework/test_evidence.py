"""The evidence package of a case with automatic data, a field visit and a signed report:
the reviewed data with validity, reasons and review level; the field record with its
custody chain; the signed report's PDF; an index PDF; SHA256SUMS over every file."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

from huanjian.access.policy import Principal
from huanjian.casework import evidence
from huanjian.casework import service as cases
from huanjian.casework.files import FileStore
from huanjian.core.time import CST
from huanjian.core.tx import Tx
from huanjian.field import evidence as field_evidence  # noqa: F401  (registers the field section)
from huanjian.field import reports
from huanjian.field import service as field
from huanjian.register.models import Staff
from huanjian.review import layers
from huanjian.review import service as review
from huanjian.settings import Settings
from tests.factories import make_user
from tests.field.builders import MN_JIA, SAMPLED_ON, FieldWorld, build, full_visit
from tests.review.world import write_minutes

DAY0 = datetime(SAMPLED_ON.year, SAMPLED_ON.month, SAMPLED_ON.day, tzinfo=CST).astimezone(UTC)
H = timedelta(hours=1)
LAB = [
    {"sample_code": "S-JIA-0001", "pollutant": "a21026", "value": 41.2, "unit": "mg/m3", "lab": "上海丁检测"}
]


def unzip(content: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(content))


def pdf_text(pdf: bytes) -> str:
    """The text drawn on the pages (ReportLab writes the CID font's text as escaped UTF-16BE strings)."""
    out = []
    for m in re.finditer(rb"\(((?:\\.|[^\\)])*)\) Tj", pdf):
        raw, i, buf = m.group(1), 0, bytearray()
        while i < len(raw):
            if raw[i] == 0x5C:  # backslash: octal code or escaped character
                octal = re.match(rb"[0-7]{1,3}", raw[i + 1 : i + 4])
                if octal:
                    buf.append(int(octal.group(), 8))
                    i += 1 + len(octal.group())
                    continue
                buf.append({ord("n"): 10, ord("r"): 13, ord("t"): 9}.get(raw[i + 1], raw[i + 1]))
                i += 2
                continue
            buf.append(raw[i])
            i += 1
        out.append(bytes(buf).decode("utf-16-be"))
    return "\n".join(out)


def assert_sums_match(zf: zipfile.ZipFile) -> set[str]:
    """Every file but SHA256SUMS is listed once, with its SHA-256."""
    listed = {}
    for line in zf.read("SHA256SUMS").decode().splitlines():
        digest, name = line.split("  ", 1)
        assert hashlib.sha256(zf.read(name)).hexdigest() == digest, name
        listed[name] = digest
    assert set(listed) == set(zf.namelist()) - {"SHA256SUMS"}
    return set(listed)


def _case_with_data(tx: Tx, fw: FieldWorld, store: FileStore) -> tuple[int, int]:
    """A case naming the outlet and the hour, its data (one faulty hour, a maintenance mark, a
    reviewer's exclusion, the day approved except the excluded hour's re-opening), a field visit and
    a signed report."""
    chief = Principal.of(fw.users["chief"])
    case = cases.open_case(
        tx,
        chief,
        enterprise_id=fw.ent_a,
        source="exceedance",
        title="DA001 二氧化硫超标",
        source_ref=f"exceedance:DA001:a21026:{SAMPLED_ON.isoformat()}T10",
    )
    cases.transition(tx, chief, case.id, "accept")
    cases.transition(tx, chief, case.id, "task_monitoring")
    sampler = tx.session.scalars(select(Staff.id).where(Staff.name == "王监测")).one()
    cases.assign(
        tx, chief, case.id, kind="monitoring", staff_id=sampler, method="HJ 57-2017", pollutant="a21026"
    )
    so2 = np.full(1440, 20.0)
    so2[10 * 60 : 11 * 60] = 60.0  # the exceedance hour
    flags = ["N"] * 1440
    flags[3 * 60 : 4 * 60] = ["D"] * 60  # a whole hour the analyser reported a fault
    write_minutes(tx, MN_JIA, DAY0, {"a21026": so2}, flags={"a21026": flags})
    outlet = fw.outlets["jia"]
    review.recompute(tx, outlet, SAMPLED_ON, SAMPLED_ON)
    approver = Principal.of(make_user(tx, "pd_approver", "bureau", "310115", permissions=("review.approve",)))
    layers.set_level(
        tx, approver, outlet_id=outlet, start=DAY0, end=DAY0 + 24 * H, level="approved", reason="审核通过"
    )
    layers.file_mark(
        tx,
        Principal.of(fw.people.enterprise_a),
        outlet_id=outlet,
        code="maintenance",
        start=DAY0 + 14 * H,
        end=DAY0 + 15 * H,
        reason="更换采样探头",
        now=DAY0 + 16 * H,
    )
    layers.reviewer_action(
        tx, approver, outlet_id=outlet, kind="exclude", start=DAY0 + 20 * H, end=DAY0 + 21 * H, reason="吹扫"
    )
    record = field.create_record(
        tx, chief, case_id=case.id, outlet_id=outlet, method="hj57_so2", assignee="pd_sampler"
    )
    events = [
        field.Upload(
            e["uuid"], e["kind"], e["payload"], datetime.fromisoformat(e["device_time"]), e["base_seq"]
        )
        for e in full_visit("S-JIA-0009")
    ]
    field.upload(tx, Principal.of(fw.users["sampler"]), store, record.id, events)
    lab = [{**LAB[0], "sample_code": "S-JIA-0009"}]
    rid = reports.draft(tx, Principal.of(fw.users["drafter"]), record_id=record.id, lab_results=lab).id
    reports.check(tx, Principal.of(fw.users["checker"]), rid)
    reports.sign(tx, Principal.of(fw.users["signer"]), store, rid)
    return case.id, rid


@pytest.fixture
def fw(tx: Tx) -> FieldWorld:
    return build(tx)


def test_package_holds_reviewed_data_field_record_and_signed_report(
    fw: FieldWorld, tx: Tx, settings: Settings
) -> None:
    store = FileStore(settings.data_dir)
    case_id, report_id = _case_with_data(tx, fw, store)
    package = evidence.export(tx, Principal.of(fw.users["chief"]), store, case_id)
    zf = unzip(package.content)
    names = assert_sums_match(zf)
    assert {"index.pdf", "index.html", "case.json", "data/reviewed-data.json"} <= names
    verification = json.loads(zf.read("verification.json"))
    assert verification["ok"], verification

    # Reviewed data: the outlet and day the case names, with validity, reasons and review level.
    data = json.loads(zf.read("data/reviewed-data.json"))
    assert data["from"] <= SAMPLED_ON.isoformat() <= data["to"]
    [outlet] = data["outlets"]
    assert outlet["outlet_code"] == "DA001"
    hours: dict[int, dict[str, Any]] = {
        datetime.fromisoformat(h["period_start"]).hour: h
        for h in outlet["hour"]
        if h["pollutant"] == "a21026" and h["period_start"].startswith(SAMPLED_ON.isoformat())
    }
    assert len(hours) == 24
    assert hours[3]["valid"] is False
    assert {"kind": "data_flag", "code": "D", "meaning": "fault"} in hours[3]["reasons"]
    assert hours[10]["exceedance"] and hours[10]["reasons"] == []
    maintenance = [r for r in hours[14]["reasons"] if r["kind"] == "mark"]
    assert (
        maintenance and maintenance[0]["code"] == "maintenance" and maintenance[0]["reason"] == "更换采样探头"
    )
    assert [r["reason"] for r in hours[20]["reasons"] if r["kind"] == "exclude"] == ["吹扫"]
    # Approval covered the day; layers filed after it re-open their hours (review's rule).
    assert hours[9]["review_level"] == "approved" and hours[14]["review_level"] == "unreviewed"
    assert [a["code"] for a in outlet["approvals"]] == ["approved"]
    csv_text = zf.read("data/DA001-hour.csv").decode()
    assert "reasons" in csv_text.splitlines()[0] and "更换采样探头" in csv_text

    # Field record with its custody chain, and the signed report's PDF as stored.
    record_files = [n for n in names if n.startswith("field/record-")]
    assert len(record_files) == 1
    rec = json.loads(zf.read(record_files[0]))
    assert [s["code"] for s in rec["samples"]] == ["S-JIA-0009"] and rec["readings"]
    row = reports.get(tx, Principal.of(fw.users["chief"]), report_id)
    pdf_name = f"field/report-{row.number}-v1.pdf"
    assert hashlib.sha256(zf.read(pdf_name)).hexdigest() == row.pdf_sha256
    custody = [c for c in verification["sections"] if "S-JIA-0009" in c["what"]]
    assert custody and all(c["ok"] for c in custody)
    assert any("报告 PDF" in c["what"] and c["ok"] for c in verification["sections"])

    # The index PDF is a PDF naming the package's files by SHA-256.
    pdf = zf.read("index.pdf")
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert "审计链校验 audit verify：通过 OK" in text and "证据包 package：通过 OK" in text
    for name in names - {"index.pdf"}:  # every other file, with its SHA-256
        assert name in text and hashlib.sha256(zf.read(name)).hexdigest() in text, name
    assert row.pdf_sha256 is not None and row.pdf_sha256 in zf.read("index.html").decode()


def test_a_tampered_report_pdf_fails_the_package(fw: FieldWorld, tx: Tx, settings: Settings) -> None:
    store = FileStore(settings.data_dir)
    case_id, report_id = _case_with_data(tx, fw, store)
    row = reports.get(tx, Principal.of(fw.users["chief"]), report_id)
    assert row.pdf_sha256 is not None
    store.path(row.pdf_sha256).write_bytes(b"%PDF-1.4 altered")
    package = evidence.export(tx, Principal.of(fw.users["chief"]), store, case_id)
    verification = json.loads(unzip(package.content).read("verification.json"))
    assert verification["ok"] is False
    bad = [c for c in verification["sections"] if not c["ok"]]
    assert bad and "altered" in str(bad[0]["problem"])


def test_without_outlets_or_field_work_the_package_has_no_such_sections(tx: Tx, settings: Settings) -> None:
    from tests.casework.builders import build as case_world

    w = case_world(tx)
    actor = Principal.of(w.people.pudong)
    case = cases.open_case(tx, actor, enterprise_id=w.ent_a, source="complaint", title="投诉")
    zf = unzip(evidence.export(tx, actor, FileStore(settings.data_dir), case.id).content)
    names = assert_sums_match(zf)
    assert not any(n.startswith(("data/", "field/")) for n in names)
    assert json.loads(zf.read("verification.json"))["ok"] is True
