"""Cross-tenant cases for credit routes, merged into tests/access/test_isolation.py.

``credit_world`` adds to the shared world: an enterprise run of 2026 (draft) with an
objection on Minhang's enterprise, a finding against it, its supervision class decision,
and a lab filed in Minhang.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from huanjian.access.policy import Principal
from huanjian.core.tx import Tx
from huanjian.credit import consequences, filing, repository, service
from tests.factories import People, make_organisation

SYSTEM = Principal.system()
ENT_B = "上海乙化工有限公司"


def credit_world(tx: Tx, people: People) -> dict[str, int]:
    ent_b = people.enterprise_b.organisation_id
    assert ent_b is not None
    finding = filing.record_finding(
        tx,
        SYSTEM,
        organisation_id=ent_b,
        kind="warning",
        occurred_on=date(2026, 5, 1),
        description="闵行警告",
    )
    run = service.run(tx, SYSTEM, "enterprise", "2026")
    ev = next(e for e in repository.evaluations(tx.session, run.id) if e.organisation_id == ent_b)
    objection = service.object_to(tx, SYSTEM, ev.id, "异议")
    consequences.classify(tx, SYSTEM, ent_b, apply=False)
    lab = make_organisation(tx, "lab", "上海闵检测有限公司", 402)
    f = filing.register_filing(
        tx,
        SYSTEM,
        lab,
        jurisdiction_code="310112",
        certification={"number": "CMA-9", "valid_until": "2099-12-31"},
        staff=[],
        equipment=[],
    )
    return {
        "credit_run": run.id,
        "credit_eval_b": ev.id,
        "credit_objection": objection.id,
        "credit_finding_b": finding.id,
        "ent_b": ent_b,
        "mh_lab": lab,
        "mh_filing": f.id,
    }


def _ids(w: Any, key: str) -> int:
    return int(w.ids[key])


def case_scheme_get(w: Any) -> None:
    r = w.client.get("/api/v1/credit/schemes/lab", headers=w.h["ent_a"])
    assert r.status_code == 200 and r.json()["body"]["scheme"] == "lab"  # no tenant data in a scheme


def case_scheme_edit(w: Any) -> None:
    body = {"body": {"scheme": "lab"}, "reason": "x"}
    assert (
        w.client.post("/api/v1/credit/schemes/lab", json=body, headers=w.h["pudong_admin"]).status_code == 403
    )
    assert w.client.post("/api/v1/credit/schemes/lab", json=body, headers=w.h["ent_a"]).status_code == 403


def case_runs(w: Any) -> None:
    assert w.client.get("/api/v1/credit/runs", headers=w.h["ent_a"]).status_code == 403
    assert w.client.get("/api/v1/credit/runs", headers=w.h["pudong"]).status_code == 200


def case_run_start(w: Any) -> None:
    body = {"scheme": "enterprise", "period": "2026"}
    assert w.client.post("/api/v1/credit/runs", json=body, headers=w.h["pudong"]).status_code == 403
    assert w.client.post("/api/v1/credit/runs", json=body, headers=w.h["ent_a"]).status_code == 403


def case_run_get(w: Any) -> None:
    r = w.client.get(f"/api/v1/credit/runs/{_ids(w, 'credit_run')}", headers=w.h["pudong"])
    assert r.status_code == 200
    assert _ids(w, "ent_b") not in {e["organisation_id"] for e in r.json()["evaluations"]}


def case_run_publish(w: Any) -> None:
    r = w.client.post(f"/api/v1/credit/runs/{_ids(w, 'credit_run')}/publish", headers=w.h["pudong"])
    assert r.status_code == 403


def _eval_write(suffix: str, body: dict[str, Any]) -> Callable[[Any], None]:
    def case(w: Any) -> None:
        path = f"/api/v1/credit/evaluations/{_ids(w, 'credit_eval_b')}{suffix}"
        for user in ("ent_a", "pudong", "contractor"):
            r = w.client.request("POST" if body else "GET", path, json=body or None, headers=w.h[user])
            assert r.status_code in (403, 404), (user, r.status_code)

    return case


def case_eval_get(w: Any) -> None:
    path = f"/api/v1/credit/evaluations/{_ids(w, 'credit_eval_b')}"
    for user in ("ent_a", "pudong", "contractor"):
        assert w.client.get(path, headers=w.h[user]).status_code == 404
    assert w.client.get(path, headers=w.h["minhang"]).status_code == 200


def case_decide(w: Any) -> None:
    r = w.client.post(
        f"/api/v1/credit/objections/{_ids(w, 'credit_objection')}/decision",
        json={"uphold": True, "reason": "x"},
        headers=w.h["pudong"],
    )
    assert r.status_code == 404


def case_findings(w: Any) -> None:
    ids = {f["id"] for f in w.client.get("/api/v1/credit/findings", headers=w.h["pudong"]).json()}
    assert _ids(w, "credit_finding_b") not in ids
    assert w.client.get("/api/v1/credit/findings", headers=w.h["ent_a"]).json() == []


def case_finding_record(w: Any) -> None:
    body = {
        "organisation_id": _ids(w, "ent_b"),
        "kind": "warning",
        "occurred_on": "2026-06-01",
        "description": "x",
    }
    assert w.client.post("/api/v1/credit/findings", json=body, headers=w.h["pudong"]).status_code == 404
    assert w.client.post("/api/v1/credit/findings", json=body, headers=w.h["ent_a"]).status_code == 403


def case_filings(w: Any) -> None:
    ids = {f["id"] for f in w.client.get("/api/v1/credit/filings", headers=w.h["pudong"]).json()}
    assert _ids(w, "mh_filing") not in ids
    assert w.client.get("/api/v1/credit/filings", headers=w.h["contractor"]).json() == []


def case_filing_register(w: Any) -> None:
    body = {
        "organisation_id": _ids(w, "mh_lab"),
        "jurisdiction_code": "310112",
        "certification": {"number": "X", "valid_until": "2099-01-01"},
    }
    assert w.client.post("/api/v1/credit/filings", json=body, headers=w.h["contractor"]).status_code == 404
    assert w.client.post("/api/v1/credit/filings", json=body, headers=w.h["pudong"]).status_code == 404


def case_filing_change(w: Any) -> None:
    body = {"changed_on": "2026-01-01", "changes": {"staff": []}}
    path = f"/api/v1/credit/filings/{_ids(w, 'mh_filing')}/changes"
    assert w.client.post(path, json=body, headers=w.h["pudong"]).status_code == 404
    assert w.client.post(path, json=body, headers=w.h["contractor"]).status_code == 404


def case_service_records(w: Any) -> None:
    assert w.client.get("/api/v1/credit/service-records", headers=w.h["pudong"]).json() == []
    assert w.client.get("/api/v1/credit/service-records", headers=w.h["contractor"]).json() == []


def case_service_record_upload(w: Any) -> None:
    data = {"kind": "om_log", "enterprise_id": str(_ids(w, "ent_b")), "performed_on": "2026-10-01"}
    files = {"file": ("log.txt", b"log", "text/plain")}
    r = w.client.post("/api/v1/credit/service-records", data=data, files=files, headers=w.h["contractor"])
    assert r.status_code == 404
    r = w.client.post("/api/v1/credit/service-records", data=data, files=files, headers=w.h["pudong"])
    assert r.status_code == 403


def case_class_get(w: Any) -> None:
    path = f"/api/v1/credit/enterprises/{_ids(w, 'ent_b')}/class"
    assert w.client.get(path, headers=w.h["pudong"]).status_code == 404
    assert w.client.get(path, headers=w.h["ent_a"]).status_code == 404
    assert w.client.get(path, headers=w.h["minhang"]).status_code == 200


def case_class_set(w: Any) -> None:
    path = f"/api/v1/credit/enterprises/{_ids(w, 'ent_b')}/class"
    body = {"action": "override", "supervision_class": "simple", "reason": "x"}
    assert w.client.post(path, json=body, headers=w.h["pudong"]).status_code == 404


def case_organisation(w: Any) -> None:
    path = f"/api/v1/credit/organisations/{_ids(w, 'ent_b')}"
    for user in ("pudong", "ent_a", "contractor"):
        assert w.client.get(path, headers=w.h[user]).status_code == 404
    assert w.client.get(path, headers=w.h["ent_b"]).status_code == 200


def case_page_ranking(w: Any) -> None:
    page = w.client.get("/credit", headers=w.h["pudong"])
    assert page.status_code == 200 and ENT_B not in page.text and "上海甲热电有限公司" in page.text
    assert w.client.get("/credit", headers=w.h["ent_a"]).status_code == 403


def case_page_organisation(w: Any) -> None:
    path = f"/credit/organisations/{_ids(w, 'ent_b')}"
    assert w.client.get(path, headers=w.h["pudong"]).status_code == 404


def case_page_evaluation(w: Any) -> None:
    path = f"/credit/evaluations/{_ids(w, 'credit_eval_b')}"
    assert w.client.get(path, headers=w.h["pudong"]).status_code == 404
    assert w.client.get(path, headers=w.h["minhang"]).status_code == 200


def case_page_schemes(w: Any) -> None:
    page = w.client.get("/credit/schemes", headers=w.h["pudong"])
    assert page.status_code == 200 and ENT_B not in page.text


def case_page_scheme_edit(w: Any) -> None:
    r = w.client.post("/credit/schemes/lab", data={"body": "{}", "reason": "x"}, headers=w.h["pudong"])
    assert r.status_code in (403, 422)
    r = w.client.post("/credit/schemes/lab", data={"body": "{}", "reason": "x"}, headers=w.h["ent_a"])
    assert r.status_code in (403, 422)


CREDIT_CASES: dict[tuple[str, str], Callable[[Any], None]] = {
    ("GET", "/api/v1/credit/schemes/{scheme}"): case_scheme_get,
    ("POST", "/api/v1/credit/schemes/{scheme}"): case_scheme_edit,
    ("GET", "/api/v1/credit/runs"): case_runs,
    ("POST", "/api/v1/credit/runs"): case_run_start,
    ("GET", "/api/v1/credit/runs/{run_id}"): case_run_get,
    ("POST", "/api/v1/credit/runs/{run_id}/publish"): case_run_publish,
    ("GET", "/api/v1/credit/evaluations/{evaluation_id}"): case_eval_get,
    ("POST", "/api/v1/credit/evaluations/{evaluation_id}/self-assessment"): _eval_write(
        "/self-assessment", {"score": 99, "note": "x"}
    ),
    ("POST", "/api/v1/credit/evaluations/{evaluation_id}/objections"): _eval_write(
        "/objections", {"text": "x"}
    ),
    ("POST", "/api/v1/credit/objections/{objection_id}/decision"): case_decide,
    ("GET", "/api/v1/credit/findings"): case_findings,
    ("POST", "/api/v1/credit/findings"): case_finding_record,
    ("GET", "/api/v1/credit/filings"): case_filings,
    ("POST", "/api/v1/credit/filings"): case_filing_register,
    ("POST", "/api/v1/credit/filings/{filing_id}/changes"): case_filing_change,
    ("GET", "/api/v1/credit/service-records"): case_service_records,
    ("POST", "/api/v1/credit/service-records"): case_service_record_upload,
    ("GET", "/api/v1/credit/enterprises/{enterprise_id}/class"): case_class_get,
    ("POST", "/api/v1/credit/enterprises/{enterprise_id}/class"): case_class_set,
    ("GET", "/api/v1/credit/organisations/{organisation_id}"): case_organisation,
    ("GET", "/credit"): case_page_ranking,
    ("GET", "/credit/organisations/{organisation_id}"): case_page_organisation,
    ("GET", "/credit/evaluations/{evaluation_id}"): case_page_evaluation,
    ("GET", "/credit/schemes"): case_page_schemes,
    ("POST", "/credit/schemes/{scheme}"): case_page_scheme_edit,
}
