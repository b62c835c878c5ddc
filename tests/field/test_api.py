"""The field API end to end, and every write route's audit entry per X-Request-ID
(listed in tests/web/test_audit_every_write.py COVERED_ELSEWHERE)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from huanjian.audit.models import AuditEntry
from huanjian.core.runtime import Runtime
from huanjian.core.tx import Tx
from huanjian.web.app import create_app
from tests.factories import bearer
from tests.field.builders import FieldWorld, build, ev, full_visit

FIELD_WRITES = {
    ("POST", "/api/v1/field/records"): "field.record.create",
    ("POST", "/api/v1/field/records/{record_id}/events"): "field.event.accept",
    ("POST", "/api/v1/field/records/{record_id}/reassign"): "field.record.reassign",
    ("POST", "/api/v1/field/records/{record_id}/cancel"): "field.record.cancel",
    ("POST", "/api/v1/field/events/{event_uuid}/resolve"): "field.event.resolve",
    ("POST", "/api/v1/field/comparison-tests"): "field.comparison.record",
    ("POST", "/api/v1/field/reports"): "field.report.draft",
    ("POST", "/api/v1/field/reports/{report_id}/check"): "field.report.check",
    ("POST", "/api/v1/field/reports/{report_id}/return"): "field.report.return",
    ("POST", "/api/v1/field/reports/{report_id}/sign"): "field.report.sign",
    ("POST", "/api/v1/field/reports/{report_id}/correct"): "field.report.correct",
    ("POST", "/api/v1/field/lab-reports"): "field.lab_report.upload",
    ("POST", "/api/v1/field/lab-reports/{report_id}/recheck"): "field.technical_check.record",
    ("POST", "/api/v1/field/lab-reports/upload"): "field.lab_report.upload",
    ("POST", "/api/v1/field/spot-plans"): "field.spot_plan.create",
    # The pages' forms (a 303 to the page the action leads to).
    ("POST", "/field/reports"): "field.report.draft",
    ("POST", "/field/reports/{report_id}/check"): "field.report.check",
    ("POST", "/field/reports/{report_id}/return"): "field.report.return",
    ("POST", "/field/reports/{report_id}/sign"): "field.report.sign",
    ("POST", "/field/lab-reports"): "field.lab_report.upload",
    ("POST", "/field/lab-reports/{report_id}/recheck"): "field.technical_check.record",
    ("POST", "/field/spot-plans"): "field.spot_plan.create",
}
LAB = [{"sample_code": "S-JIA-0001", "pollutant": "a21026", "value": 41.2, "unit": "mg/m3"}]


@pytest.fixture
def setup(runtime: Runtime, tx: Tx) -> tuple[TestClient, FieldWorld, dict[str, dict[str, str]]]:
    fw = build(tx)
    headers = {name: bearer(tx, u) for name, u in fw.users.items()}
    tx.session.commit()
    return TestClient(create_app(runtime)), fw, headers


def test_api_writes_are_audited(setup: Any, tx: Tx) -> None:
    client, fw, h = setup
    seen: set[tuple[str, str]] = set()

    def call(
        route: tuple[str, str],
        user: str,
        path: str,
        body: Any = None,
        status: int = 200,
        *,
        form: dict[str, Any] | None = None,
        files: dict[str, Any] | None = None,
    ) -> Any:
        rid = f"field-{len(seen)}-{route[1][-12:]}"
        headers = {**h[user], "X-Request-ID": rid}
        if form is not None or files is not None:
            r = client.post(path, data=form, files=files, headers=headers, follow_redirects=False)
        else:
            r = client.post(path, json=body, headers=headers)
        assert r.status_code == status, (route, r.status_code, r.text)
        tx.session.expire_all()
        actions = [
            e.action for e in tx.session.scalars(select(AuditEntry).where(AuditEntry.request_id == rid))
        ]
        assert any(a.startswith(FIELD_WRITES[route]) for a in actions), (route, actions)
        seen.add(route)
        return r.headers["location"] if r.status_code == 303 else r.json()

    rec = fw.records["jia"]
    new = call(
        ("POST", "/api/v1/field/records"),
        "chief",
        "/api/v1/field/records",
        {
            "case_id": fw.cases["jia"],
            "outlet_id": fw.outlets["jia"],
            "method": "hj57_so2",
            "assignee": "pd_sampler",
        },
        201,
    )
    sync = call(
        ("POST", "/api/v1/field/records/{record_id}/events"),
        "sampler",
        f"/api/v1/field/records/{rec}/events",
        {"events": full_visit()},
    )
    assert {r["status"] for r in sync["results"]} == {"accepted"} and sync["conflicts"] == 0
    call(
        ("POST", "/api/v1/field/records/{record_id}/reassign"),
        "chief",
        f"/api/v1/field/records/{new['id']}/reassign",
        {"assignee": "pd_sampler2", "reason": "换人"},
    )
    late = client.post(
        f"/api/v1/field/records/{new['id']}/events",
        json={"events": [ev("note", {"text": "x"})]},
        headers=h["sampler"],
    ).json()
    assert late["results"][0]["status"] == "conflict" and late["conflicts"] == 1
    call(
        ("POST", "/api/v1/field/events/{event_uuid}/resolve"),
        "sampler2",
        f"/api/v1/field/events/{late['results'][0]['uuid']}/resolve",
        {"decision": "discard", "reason": "重测"},
    )
    call(
        ("POST", "/api/v1/field/records/{record_id}/cancel"),
        "chief",
        f"/api/v1/field/records/{new['id']}/cancel",
        {"reason": "重复任务"},
    )
    pairs = [
        {
            "start": f"2026-03-02T09:{10 * i:02d}:00+08:00",
            "end": f"2026-03-02T09:{10 * i + 5:02d}:00+08:00",
            "reference": 100,
            "cems": 101,
        }
        for i in range(5)
    ] + [
        {
            "start": f"2026-03-02T10:{10 * i:02d}:00+08:00",
            "end": f"2026-03-02T10:{10 * i + 5:02d}:00+08:00",
            "reference": 100,
            "cems": 99,
        }
        for i in range(4)
    ]
    test = call(
        ("POST", "/api/v1/field/comparison-tests"),
        "chief",
        "/api/v1/field/comparison-tests",
        {"device_id": fw.devices["jia"], "unit": "mg/m3", "pairs": pairs},
        201,
    )
    assert test["verdict"] == "pass" and test["qa_event_id"]
    report = call(
        ("POST", "/api/v1/field/reports"),
        "drafter",
        "/api/v1/field/reports",
        {"record_id": rec, "lab_results": LAB},
        201,
    )
    assert report["checks_ok"], report["checks"]
    base = f"/api/v1/field/reports/{report['id']}"
    call(("POST", "/api/v1/field/reports/{report_id}/check"), "checker", f"{base}/check")
    call(
        ("POST", "/api/v1/field/reports/{report_id}/return"), "checker", f"{base}/return", {"reason": "补充"}
    )
    client.post(f"{base}/check", headers=h["checker"]).raise_for_status()
    signed = call(("POST", "/api/v1/field/reports/{report_id}/sign"), "signer", f"{base}/sign")
    pdf = client.get(f"{base}/pdf", headers=h["drafter"])
    assert pdf.headers["content-type"] == "application/pdf"
    assert hashlib.sha256(pdf.content).hexdigest() == signed["pdf_sha256"]
    v2 = call(
        ("POST", "/api/v1/field/reports/{report_id}/correct"),
        "drafter",
        f"{base}/correct",
        {"reason": "更正"},
        201,
    )
    assert v2["version"] == 2 and v2["previous_id"] == report["id"]
    lab_report = call(
        ("POST", "/api/v1/field/lab-reports"),
        "lab",
        "/api/v1/field/lab-reports",
        {
            "report_number": "ZX-2026-9",
            "outlet_id": fw.outlets["jia"],
            "sampled_on": "2026-03-02",
            "content": {"results": LAB, "original_records": LAB, "qc": []},
        },
        201,
    )
    assert lab_report["selected"]
    recheck = call(
        ("POST", "/api/v1/field/lab-reports/{report_id}/recheck"),
        "chief",
        f"/api/v1/field/lab-reports/{lab_report['id']}/recheck",
        {"findings": ["原始记录缺少复核签字"]},
        201,
    )
    assert recheck["conclusion"] == "findings" and recheck["findings"][-1]["rule"] == "reviewer"
    pdf_bytes = b"%PDF-1.4 lab report as issued"
    with_file = call(
        ("POST", "/api/v1/field/lab-reports/upload"),
        "lab",
        "/api/v1/field/lab-reports/upload",
        status=201,
        form={
            "report": json.dumps(
                {
                    "report_number": "ZX-2026-10",
                    "outlet_id": fw.outlets["jia"],
                    "sampled_on": "2026-03-03",
                    "content": {"results": LAB, "original_records": LAB, "qc": []},
                }
            )
        },
        files={"file": ("ZX-2026-10.pdf", pdf_bytes, "application/pdf")},
    )
    assert with_file["file_sha256"] == hashlib.sha256(pdf_bytes).hexdigest()
    got = client.get(f"/api/v1/field/lab-reports/{with_file['id']}/file", headers=h["chief"])
    assert got.content == pdf_bytes and got.headers["content-type"] == "application/pdf"
    plan = call(
        ("POST", "/api/v1/field/spot-plans"),
        "chief",
        "/api/v1/field/spot-plans",
        {"year": 2027, "jurisdiction_code": "310115"},
        201,
    )
    assert plan["items"] and {i["device_id"] for i in plan["items"]} == {fw.devices["jia"]}

    # The pages' forms.
    page = call(
        ("POST", "/field/reports"),
        "drafter",
        "/field/reports",
        status=303,
        form={"record_id": str(rec), "lab_results": "S-JIA-0001 a21026 41.2 mg/m3"},
    )
    base = page.rstrip("/")
    call(("POST", "/field/reports/{report_id}/check"), "checker", f"{base}/check", status=303, form={})
    call(
        ("POST", "/field/reports/{report_id}/return"),
        "checker",
        f"{base}/return",
        status=303,
        form={"reason": "补充"},
    )
    client.post(f"{base}/check", headers=h["checker"], follow_redirects=False)
    call(("POST", "/field/reports/{report_id}/sign"), "signer", f"{base}/sign", status=303, form={})
    assert "signed" in client.get(base, headers=h["drafter"]).text
    lab_page = call(
        ("POST", "/field/lab-reports"),
        "lab",
        "/field/lab-reports",
        status=303,
        form={
            "report_number": "ZX-2026-11",
            "outlet_id": str(fw.outlets["jia"]),
            "sampled_on": "2026-03-04",
            "content": json.dumps({"results": LAB, "original_records": LAB, "qc": []}),
        },
        files={"file": ("scan.pdf", pdf_bytes, "application/pdf")},
    )
    call(
        ("POST", "/field/lab-reports/{report_id}/recheck"),
        "chief",
        f"{lab_page}/recheck",
        status=303,
        form={"findings": "", "out_of_plan_reason": "投诉线索"},
    )
    call(
        ("POST", "/field/spot-plans"),
        "chief",
        "/field/spot-plans",
        status=303,
        form={"year": "2028", "jurisdiction_code": "310115"},
    )
    assert seen == set(FIELD_WRITES)


def test_sign_refused_over_the_api_names_the_failing_check(setup: Any) -> None:
    client, fw, h = setup
    client.post(
        f"/api/v1/field/records/{fw.records['jia']}/events",
        json={"events": full_visit()},
        headers=h["sampler"],
    )
    wrong = [{**LAB[0], "standard": "GB 13223-2011", "limit": 100, "limit_unit": "mg/m3"}]
    report = client.post(
        "/api/v1/field/reports",
        json={"record_id": fw.records["jia"], "lab_results": LAB, "results": wrong},
        headers=h["drafter"],
    ).json()
    client.post(f"/api/v1/field/reports/{report['id']}/check", headers=h["checker"]).raise_for_status()
    r = client.post(f"/api/v1/field/reports/{report['id']}/sign", headers=h["signer"])
    assert r.status_code == 409 and r.json()["error"]["details"]["rule"] == "report.check_failed"
    page = client.get(f"/field/reports/{report['id']}", headers=h["drafter"])
    assert page.status_code == 200 and "standard_and_limit" in page.text


def test_phone_page_and_label(setup: Any) -> None:
    client, fw, h = setup
    client.post(
        f"/api/v1/field/records/{fw.records['jia']}/events",
        json={"events": full_visit()},
        headers=h["sampler"],
    )
    page = client.get(f"/field/records/{fw.records['jia']}", headers=h["sampler"])
    assert page.status_code == 200 and "/static/js/field.js" in page.text and "现场监测记录" in page.text
    label = client.get("/api/v1/field/samples/S-JIA-0001/label.svg", headers=h["sampler"])
    assert label.headers["content-type"].startswith("image/svg+xml") and "S-JIA-0001" in label.text
    sample = client.get("/api/v1/field/samples/S-JIA-0001", headers=h["sampler"]).json()
    assert sample["verification"]["ok"] and sample["custody_complete"]
    assert client.get("/static/js/field.js").status_code == 200
