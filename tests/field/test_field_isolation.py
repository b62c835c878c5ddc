"""Cross-tenant cases for the field routes, merged into the route-walking isolation test
(tests/access/test_isolation.py: ``CASES.update(FIELD_CASES)``; its ``world`` fixture
calls :func:`field_world`).

The victims are all Minhang's (other domains' cases in that world expect an empty
Pudong): a field record with a sample and its custody, a drafted report, a comparison
test of enterprise 乙, and the lab's report on 乙 (seen by Minhang staff and the lab,
not by Pudong nor by an enterprise).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from huanjian.access.policy import Principal
from huanjian.casework.files import FileStore
from huanjian.core.runtime import Runtime
from huanjian.core.tx import Tx
from huanjian.field import comparison, labs, planning, reports
from huanjian.field import service as field
from huanjian.field.compare.inputs import CST
from tests.factories import PASSWORD, People
from tests.field.builders import build_on, full_visit

if TYPE_CHECKING:
    from tests.access.test_isolation import World

Case = Callable[["World"], None]
MH_SAMPLE = "S-MH-0001"
LAB_CONTENT: dict[str, Any] = {
    "medium": "air",
    "results": [{"sample_code": "L-1", "pollutant": "a21026", "value": 20.0, "unit": "mg/m3"}],
    "original_records": [{"sample_code": "L-1", "pollutant": "a21026", "value": 20.0, "unit": "mg/m3"}],
    "qc": [],
}


def field_world(tx: Tx, runtime: Runtime, people: People) -> dict[str, int]:
    fw = build_on(tx, people, outlet_code="DA009", pudong=False)
    mh = Principal.of(fw.users["mh_sampler"])
    ups = [
        field.Upload(e["uuid"], e["kind"], e["payload"], datetime.fromisoformat(e["device_time"]), 1)
        for e in full_visit(MH_SAMPLE)
    ]
    field.upload(tx, mh, FileStore(runtime.settings.data_dir), fw.records["yi"], ups)
    report = reports.draft(
        tx,
        mh,
        record_id=fw.records["yi"],
        lab_results=[{"sample_code": MH_SAMPLE, "pollutant": "a21026", "value": 30, "unit": "mg/m3"}],
    )
    t0 = datetime(2026, 3, 2, 9, tzinfo=CST)
    pairs = [
        {
            "start": t0 + timedelta(minutes=15 * i),
            "end": t0 + timedelta(minutes=15 * i + 10),
            "reference": 100,
            "cems": 100,
        }
        for i in range(9)
    ]
    test = comparison.record(
        tx, Principal.of(fw.minhang_chief), device_id=fw.devices["yi"], unit="mg/m3", pairs=pairs
    )
    lab_report = labs.upload(
        tx,
        Principal.of(fw.users["lab"]),
        report_number="ZX-PD-1",
        outlet_id=fw.outlets["yi"],
        sampled_on=date(2026, 3, 2),
        content=LAB_CONTENT,
        file=labs.LabFile("ZX-PD-1.pdf", "application/pdf", b"%PDF-1.4 minhang"),
        store=FileStore(runtime.settings.data_dir),
    )
    plan = planning.create(tx, Principal.system(), year=2027, jurisdiction_code="310112")
    return {
        "f_mh_record": fw.records["yi"],
        "f_mh_case": fw.cases["yi"],
        "f_mh_outlet": fw.outlets["yi"],
        "f_mh_device": fw.devices["yi"],
        "f_mh_report": report.id,
        "f_mh_comparison": test.id,
        "f_lab_report": lab_report.id,
        "f_mh_plan": plan.id,
    }


def _denied(status: int) -> bool:
    return status in (403, 404)


def _lab(w: World) -> dict[str, str]:
    r = w.client.post("/api/v1/auth/tokens", json={"username": "lab_user", "password": PASSWORD})
    assert r.status_code in (200, 201), r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def _mh_record(w: World) -> str:
    return f"/api/v1/field/records/{w.ids['f_mh_record']}"


def case_methods(w: World) -> None:
    assert w.client.get("/api/v1/field/methods", headers=w.h["pudong"]).status_code == 200
    assert w.client.get("/api/v1/field/methods", headers=w.h["ent_a"]).status_code == 403


def case_records(w: World) -> None:
    assert w.client.get("/api/v1/field/records", headers=w.h["pudong"]).json() == []
    ids = {r["id"] for r in w.client.get("/api/v1/field/records", headers=w.h["minhang"]).json()}
    assert ids == {w.ids["f_mh_record"]}
    assert w.client.get("/api/v1/field/records", headers=w.h["ent_b"]).status_code == 403


def case_create_record(w: World) -> None:
    body = {
        "case_id": w.ids["f_mh_case"],
        "outlet_id": w.ids["f_mh_outlet"],
        "method": "hj57_so2",
        "assignee": "mh_sampler",
    }
    assert w.client.post("/api/v1/field/records", json=body, headers=w.h["pudong"]).status_code == 404


def _record_case(suffix: str, method: str = "GET", body: dict[str, Any] | None = None) -> Case:
    def case(w: World) -> None:
        kwargs: dict[str, Any] = {"json": body} if body is not None else {}
        r = w.client.request(method, _mh_record(w) + suffix, headers=w.h["pudong"], **kwargs)
        assert r.status_code == 404, r.text
        if method == "GET":
            assert w.client.get(_mh_record(w) + suffix, headers=w.h["minhang"]).status_code == 200

    return case


def case_resolve(w: World) -> None:
    events = w.client.get(_mh_record(w), headers=w.h["minhang"]).json()["events"]
    r = w.client.post(
        f"/api/v1/field/events/{events[0]['uuid']}/resolve",
        json={"decision": "discard", "reason": "x"},
        headers=w.h["pudong"],
    )
    assert r.status_code == 404


def _sample_case(suffix: str) -> Case:
    def case(w: World) -> None:
        assert (
            w.client.get(f"/api/v1/field/samples/{MH_SAMPLE}{suffix}", headers=w.h["pudong"]).status_code
            == 404
        )
        assert (
            w.client.get(f"/api/v1/field/samples/{MH_SAMPLE}{suffix}", headers=w.h["minhang"]).status_code
            == 200
        )

    return case


def case_comparisons(w: World) -> None:
    ids = {t["id"] for t in w.client.get("/api/v1/field/comparison-tests", headers=w.h["pudong"]).json()}
    assert w.ids["f_mh_comparison"] not in ids
    assert w.client.get("/api/v1/field/comparison-tests", headers=w.h["contractor"]).status_code == 403


def case_record_comparison(w: World) -> None:
    body = {"device_id": w.ids["f_mh_device"], "unit": "mg/m3", "pairs": []}
    assert (
        w.client.post("/api/v1/field/comparison-tests", json=body, headers=w.h["pudong"]).status_code == 404
    )


def case_comparison(w: World) -> None:
    path = f"/api/v1/field/comparison-tests/{w.ids['f_mh_comparison']}"
    assert w.client.get(path, headers=w.h["pudong"]).status_code == 404
    assert w.client.get(path, headers=w.h["minhang"]).status_code == 200


def case_reports(w: World) -> None:
    ids = {r["id"] for r in w.client.get("/api/v1/field/reports", headers=w.h["pudong"]).json()}
    assert w.ids["f_mh_report"] not in ids
    assert w.client.get("/api/v1/field/reports", headers=w.h["ent_b"]).status_code == 403


def case_draft_report(w: World) -> None:
    body = {"record_id": w.ids["f_mh_record"], "lab_results": []}
    assert _denied(w.client.post("/api/v1/field/reports", json=body, headers=w.h["pudong"]).status_code)
    assert _denied(w.client.post("/api/v1/field/reports", json=body, headers=w.h["pudong_admin"]).status_code)


def _report_case(suffix: str, method: str = "GET", body: dict[str, Any] | None = None) -> Case:
    def case(w: World) -> None:
        path = f"/api/v1/field/reports/{w.ids['f_mh_report']}{suffix}"
        kwargs: dict[str, Any] = {"json": body} if body is not None else {}
        assert w.client.request(method, path, headers=w.h["pudong_admin"], **kwargs).status_code == 404
        assert w.client.request(method, path, headers=w.h["pudong"], **kwargs).status_code == 404

    return case


def case_lab_reports(w: World) -> None:
    assert w.client.get("/api/v1/field/lab-reports", headers=w.h["pudong"]).json() == []
    ids = {r["id"] for r in w.client.get("/api/v1/field/lab-reports", headers=w.h["minhang"]).json()}
    assert ids == {w.ids["f_lab_report"]}
    assert {r["id"] for r in w.client.get("/api/v1/field/lab-reports", headers=_lab(w)).json()} == ids
    assert w.client.get("/api/v1/field/lab-reports", headers=w.h["ent_a"]).status_code == 403


def case_upload_lab_report(w: World) -> None:
    body = {
        "report_number": "X",
        "outlet_id": w.ids["f_mh_outlet"],
        "sampled_on": "2027-01-04",  # the lab's contract with 乙 ended on 2026-06-30
        "content": LAB_CONTENT,
    }
    assert w.client.post("/api/v1/field/lab-reports", json=body, headers=w.h["ent_b"]).status_code == 403
    assert (
        w.client.post("/api/v1/field/lab-reports", json=body, headers=_lab(w)).status_code == 404
    )  # not served on that date


def case_lab_report(w: World) -> None:
    path = f"/api/v1/field/lab-reports/{w.ids['f_lab_report']}"
    assert w.client.get(path, headers=w.h["pudong"]).status_code == 404
    assert w.client.get(path, headers=w.h["minhang"]).status_code == 200


def case_recheck(w: World) -> None:
    path = f"/api/v1/field/lab-reports/{w.ids['f_lab_report']}/recheck"
    assert w.client.post(path, json={}, headers=w.h["pudong"]).status_code == 404
    assert w.client.post(path, json={"out_of_plan_reason": "x"}, headers=_lab(w)).status_code == 403


def case_page_index(w: World) -> None:
    page = w.client.get("/field", headers=w.h["pudong"])
    assert page.status_code == 200
    assert f"/field/records/{w.ids['f_mh_record']}" in w.client.get("/field", headers=w.h["minhang"]).text
    assert f"/field/records/{w.ids['f_mh_record']}" not in page.text
    assert f"/field/reports/{w.ids['f_mh_report']}" not in page.text


def case_page_record(w: World) -> None:
    assert w.client.get(f"/field/records/{w.ids['f_mh_record']}", headers=w.h["pudong"]).status_code == 404
    assert w.client.get(f"/field/records/{w.ids['f_mh_record']}", headers=w.h["minhang"]).status_code == 200


def case_page_report(w: World) -> None:
    assert w.client.get(f"/field/reports/{w.ids['f_mh_report']}", headers=w.h["pudong"]).status_code == 404
    assert w.client.get(f"/field/reports/{w.ids['f_mh_report']}", headers=w.h["minhang"]).status_code == 200


def case_spot_plans(w: World) -> None:
    ids = {p["id"] for p in w.client.get("/api/v1/field/spot-plans", headers=w.h["pudong"]).json()}
    assert w.ids["f_mh_plan"] not in ids
    ids = {p["id"] for p in w.client.get("/api/v1/field/spot-plans", headers=w.h["minhang"]).json()}
    assert w.ids["f_mh_plan"] in ids
    assert w.client.get("/api/v1/field/spot-plans", headers=w.h["contractor"]).status_code == 403


def case_create_spot_plan(w: World) -> None:
    body = {"year": 2029, "jurisdiction_code": "310112"}
    assert _denied(w.client.post("/api/v1/field/spot-plans", json=body, headers=w.h["pudong"]).status_code)
    assert w.client.post("/api/v1/field/spot-plans", json=body, headers=w.h["contractor"]).status_code == 403


def _plan_case(prefix: str) -> Case:
    def case(w: World) -> None:
        path = f"{prefix}/{w.ids['f_mh_plan']}"
        assert w.client.get(path, headers=w.h["pudong"]).status_code == 404
        assert w.client.get(path, headers=w.h["minhang"]).status_code == 200

    return case


def case_upload_lab_report_file(w: World) -> None:
    body = {
        "report_number": "X",
        "outlet_id": w.ids["f_mh_outlet"],
        "sampled_on": "2027-01-04",
        "content": LAB_CONTENT,
    }
    form = {"report": json.dumps(body)}
    files = {"file": ("x.pdf", b"%PDF", "application/pdf")}
    path = "/api/v1/field/lab-reports/upload"
    assert w.client.post(path, data=form, files=files, headers=w.h["ent_b"]).status_code == 403
    assert w.client.post(path, data=form, files=files, headers=_lab(w)).status_code == 404  # not served then


def case_lab_report_file(w: World) -> None:
    path = f"/api/v1/field/lab-reports/{w.ids['f_lab_report']}/file"
    assert w.client.get(path, headers=w.h["pudong"]).status_code == 404
    got = w.client.get(path, headers=w.h["minhang"])
    assert got.status_code == 200 and got.content == b"%PDF-1.4 minhang"


def case_page_spot_plans(w: World) -> None:
    link = f"/field/spot-plans/{w.ids['f_mh_plan']}"
    assert link not in w.client.get("/field/spot-plans", headers=w.h["pudong"]).text
    assert link in w.client.get("/field/spot-plans", headers=w.h["minhang"]).text
    assert w.client.get("/field/spot-plans", headers=w.h["ent_b"]).status_code == 403


def case_page_create_spot_plan(w: World) -> None:
    form = {"year": "2029", "jurisdiction_code": "310112"}
    r = w.client.post("/field/spot-plans", data=form, headers=w.h["pudong"], follow_redirects=False)
    assert _denied(r.status_code)


def case_page_draft_report(w: World) -> None:
    form = {"record_id": str(w.ids["f_mh_record"]), "lab_results": ""}
    for user in ("pudong", "pudong_admin"):
        r = w.client.post("/field/reports", data=form, headers=w.h[user], follow_redirects=False)
        assert _denied(r.status_code), r.text


def _page_report_case(suffix: str, form: dict[str, str]) -> Case:
    def case(w: World) -> None:
        path = f"/field/reports/{w.ids['f_mh_report']}{suffix}"
        for user in ("pudong", "pudong_admin"):
            r = w.client.post(path, data=form, headers=w.h[user], follow_redirects=False)
            assert r.status_code == 404, r.text

    return case


def case_page_lab_upload_form(w: World) -> None:
    assert w.client.get("/field/lab-reports/new", headers=w.h["ent_b"]).status_code == 403
    page = w.client.get("/field/lab-reports/new", headers=_lab(w))
    # The lab's contract with 乙 ended on 2026-06-30: its outlet is not offered.
    assert page.status_code == 200 and f'value="{w.ids["f_mh_outlet"]}"' not in page.text


def case_page_lab_upload(w: World) -> None:
    form = {
        "report_number": "X",
        "outlet_id": str(w.ids["f_mh_outlet"]),
        "sampled_on": "2027-01-04",
        "content": '{"results": [{"sample_code": "L", "pollutant": "a21026", "value": 1, "unit": "mg/m3"}], '
        '"original_records": [], "qc": []}',
    }
    assert w.client.post("/field/lab-reports", data=form, headers=w.h["ent_b"]).status_code == 403
    assert w.client.post("/field/lab-reports", data=form, headers=_lab(w)).status_code == 404


def case_page_lab_report(w: World) -> None:
    path = f"/field/lab-reports/{w.ids['f_lab_report']}"
    assert w.client.get(path, headers=w.h["pudong"]).status_code == 404
    assert w.client.get(path, headers=w.h["minhang"]).status_code == 200


def case_page_recheck(w: World) -> None:
    path = f"/field/lab-reports/{w.ids['f_lab_report']}/recheck"
    assert w.client.post(path, data={}, headers=w.h["pudong"], follow_redirects=False).status_code == 404
    form = {"out_of_plan_reason": "x"}
    assert w.client.post(path, data=form, headers=_lab(w), follow_redirects=False).status_code == 403


FIELD_CASES: dict[tuple[str, str], Case] = {
    ("GET", "/api/v1/field/methods"): case_methods,
    ("GET", "/api/v1/field/records"): case_records,
    ("POST", "/api/v1/field/records"): case_create_record,
    ("GET", "/api/v1/field/records/{record_id}"): _record_case(""),
    ("POST", "/api/v1/field/records/{record_id}/events"): _record_case("/events", "POST", {"events": []}),
    ("POST", "/api/v1/field/records/{record_id}/reassign"): _record_case(
        "/reassign", "POST", {"assignee": "pudong", "reason": "x"}
    ),
    ("POST", "/api/v1/field/records/{record_id}/cancel"): _record_case("/cancel", "POST", {"reason": "x"}),
    ("GET", "/api/v1/field/records/{record_id}/live"): _record_case("/live"),
    ("POST", "/api/v1/field/events/{event_uuid}/resolve"): case_resolve,
    ("GET", "/api/v1/field/samples/{code}"): _sample_case(""),
    ("GET", "/api/v1/field/samples/{code}/label.svg"): _sample_case("/label.svg"),
    ("GET", "/api/v1/field/comparison-tests"): case_comparisons,
    ("POST", "/api/v1/field/comparison-tests"): case_record_comparison,
    ("GET", "/api/v1/field/comparison-tests/{test_id}"): case_comparison,
    ("GET", "/api/v1/field/reports"): case_reports,
    ("POST", "/api/v1/field/reports"): case_draft_report,
    ("GET", "/api/v1/field/reports/{report_id}"): _report_case(""),
    ("POST", "/api/v1/field/reports/{report_id}/check"): _report_case("/check", "POST"),
    ("POST", "/api/v1/field/reports/{report_id}/return"): _report_case("/return", "POST", {"reason": "x"}),
    ("POST", "/api/v1/field/reports/{report_id}/sign"): _report_case("/sign", "POST"),
    ("POST", "/api/v1/field/reports/{report_id}/correct"): _report_case("/correct", "POST", {"reason": "x"}),
    ("GET", "/api/v1/field/reports/{report_id}/pdf"): _report_case("/pdf"),
    ("GET", "/api/v1/field/lab-reports"): case_lab_reports,
    ("POST", "/api/v1/field/lab-reports"): case_upload_lab_report,
    ("GET", "/api/v1/field/lab-reports/{report_id}"): case_lab_report,
    ("POST", "/api/v1/field/lab-reports/{report_id}/recheck"): case_recheck,
    ("GET", "/field"): case_page_index,
    ("GET", "/field/records/{record_id}"): case_page_record,
    ("GET", "/field/reports/{report_id}"): case_page_report,
    ("GET", "/api/v1/field/spot-plans"): case_spot_plans,
    ("POST", "/api/v1/field/spot-plans"): case_create_spot_plan,
    ("GET", "/api/v1/field/spot-plans/{plan_id}"): _plan_case("/api/v1/field/spot-plans"),
    ("POST", "/api/v1/field/lab-reports/upload"): case_upload_lab_report_file,
    ("GET", "/api/v1/field/lab-reports/{report_id}/file"): case_lab_report_file,
    ("GET", "/field/spot-plans"): case_page_spot_plans,
    ("POST", "/field/spot-plans"): case_page_create_spot_plan,
    ("GET", "/field/spot-plans/{plan_id}"): _plan_case("/field/spot-plans"),
    ("POST", "/field/reports"): case_page_draft_report,
    ("POST", "/field/reports/{report_id}/check"): _page_report_case("/check", {}),
    ("POST", "/field/reports/{report_id}/return"): _page_report_case("/return", {"reason": "x"}),
    ("POST", "/field/reports/{report_id}/sign"): _page_report_case("/sign", {}),
    ("GET", "/field/lab-reports/new"): case_page_lab_upload_form,
    ("POST", "/field/lab-reports"): case_page_lab_upload,
    ("GET", "/field/lab-reports/{report_id}"): case_page_lab_report,
    ("POST", "/field/lab-reports/{report_id}/recheck"): case_page_recheck,
}
