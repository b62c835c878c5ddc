"""Credit API, pages, public lists and CLI; every write route leaves its audit entry (per X-Request-ID)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from huanjian.audit.models import AuditEntry
from huanjian.core.runtime import Runtime
from huanjian.core.tx import Tx
from huanjian.credit import inputs, schemes
from huanjian.register import importer
from huanjian.web.app import create_app
from tests.credit.builders import CreditWorld, build, fake_quality
from tests.factories import bearer, credit_code, make_user


@pytest.fixture
def api(runtime: Runtime, tx: Tx) -> Iterator[tuple[TestClient, dict[str, dict[str, str]], CreditWorld]]:
    w = build(tx)
    rows = [
        {
            "contract_number": "YW-7",
            "provider_credit_code": credit_code(201, "310000"),
            "enterprise_credit_code": credit_code(101, "310115"),
            "service": "operation_maintenance",
            "valid_from": "2026-01-01",
            "valid_until": "",
        }
    ]
    importer.import_rows(tx, importer.get_kind("contracts"), list(rows[0]), rows, source="test")
    users = {
        "chief": make_user(tx, "chief", "admin", permissions=("scheme.edit",)),
        "lab": make_user(tx, "lab_u", "lab", organisation=w.lab),
        "ctr": make_user(tx, "ctr_u", "contractor", organisation=w.contractor),
    }
    headers = {name: bearer(tx, u) for name, u in users.items()}
    headers["ent_a"] = bearer(tx, w.people.enterprise_a)
    tx.session.commit()
    inputs.use_provider(fake_quality({w.outlet: (100, 100, 100)}))
    yield TestClient(create_app(runtime)), headers, w
    inputs.use_provider(None)


def _post(client: TestClient, h: dict[str, str], rid: str, path: str, **kw: Any) -> Any:
    r = client.post(path, headers={**h, "X-Request-ID": rid}, follow_redirects=False, **kw)
    assert r.status_code < 400, (path, r.status_code, r.text)
    return r


def _audited(tx: Tx, rid: str, action: str) -> None:
    tx.session.expire_all()
    actions = [e.action for e in tx.session.scalars(select(AuditEntry).where(AuditEntry.request_id == rid))]
    assert any(a.startswith(action) for a in actions), (rid, actions)


def test_api_writes_are_audited(api: Any, tx: Tx) -> None:
    client, h, w = api
    body = copy.deepcopy(schemes.builtin("lab"))
    body["deductions"][1]["points"] = -6
    _post(client, h["chief"], "c-scheme", "/api/v1/credit/schemes/lab", json={"body": body, "reason": "通知"})
    _audited(tx, "c-scheme", "credit.scheme.edit")
    body["deductions"][1]["points"] = -7
    form = {"body": json.dumps(body), "reason": "页面编辑"}
    _post(client, h["chief"], "c-scheme-page", "/credit/schemes/lab", data=form)
    _audited(tx, "c-scheme-page", "credit.scheme.edit")
    _post(
        client,
        h["chief"],
        "c-finding",
        "/api/v1/credit/findings",
        json={
            "organisation_id": w.lab,
            "kind": "warning",
            "occurred_on": "2026-03-01",
            "description": "警告",
        },
    )
    _audited(tx, "c-finding", "credit.finding.record")
    f = _post(
        client,
        h["lab"],
        "c-filing",
        "/api/v1/credit/filings",
        json={
            "organisation_id": w.lab,
            "jurisdiction_code": "310000",
            "certification": {"number": "CMA-1", "valid_until": "2099-12-31"},
        },
    ).json()
    _audited(tx, "c-filing", "credit.filing.register")
    _post(
        client,
        h["lab"],
        "c-change",
        f"/api/v1/credit/filings/{f['id']}/changes",
        json={"changed_on": "2026-11-01", "changes": {"equipment": [{"name": "GC-MS"}]}},
    )
    _audited(tx, "c-change", "credit.filing.change")
    rec = _post(
        client,
        h["ctr"],
        "c-upload",
        "/api/v1/credit/service-records",
        data={
            "kind": "calibration",
            "enterprise_id": str(w.ent_a),
            "performed_on": "2026-11-02",
            "result": "ok",
        },
        files={"file": ("cal.pdf", b"%PDF calibration", "application/pdf")},
    ).json()
    assert len(rec["sha256"]) == 64 and rec["uploaded_by"].endswith("(ctr_u)")
    _audited(tx, "c-upload", "credit.service_record.upload")
    run = _post(
        client, h["chief"], "c-run", "/api/v1/credit/runs", json={"scheme": "lab", "period": "2026"}
    ).json()
    _audited(tx, "c-run", "credit.run")
    detail = client.get(f"/api/v1/credit/runs/{run['id']}", headers=h["chief"]).json()
    ev = next(e for e in detail["evaluations"] if e["organisation_id"] == w.lab)
    assert ev["score"] == 100 - 7  # filed, so no "not filed"; warning at the edited −7
    _post(
        client,
        h["lab"],
        "c-self",
        f"/api/v1/credit/evaluations/{ev['id']}/self-assessment",
        json={"score": 95},
    )
    _audited(tx, "c-self", "credit.self_assess")
    explained = client.get(f"/api/v1/credit/evaluations/{ev['id']}", headers=h["lab"]).json()
    warning = next(i for i in explained["items"] if i["rule"] == "warning")
    assert explained["status"] == "provisional" and warning["object_type"] == "credit_finding"
    obj = _post(
        client,
        h["lab"],
        "c-object",
        f"/api/v1/credit/evaluations/{ev['id']}/objections",
        json={"text": "已申诉", "item_id": warning["id"]},
    ).json()
    _audited(tx, "c-object", "credit.objection")
    _post(
        client,
        h["chief"],
        "c-decide",
        f"/api/v1/credit/objections/{obj['id']}/decision",
        json={"uphold": False, "reason": "证据充分"},
    )
    _audited(tx, "c-decide", "credit.objection.decide")
    _post(client, h["chief"], "c-publish", f"/api/v1/credit/runs/{run['id']}/publish")
    _audited(tx, "c-publish", "credit.publish")
    _post(
        client,
        h["chief"],
        "c-class",
        f"/api/v1/credit/enterprises/{w.ent_a}/class",
        json={"action": "compute"},
    )
    _audited(tx, "c-class", "credit.class.compute")


def test_pages_and_public_lists(api: Any, tx: Tx) -> None:
    client, h, w = api
    run = client.post(
        "/api/v1/credit/runs", json={"scheme": "enterprise", "period": "2026"}, headers=h["chief"]
    ).json()
    assert client.get("/api/v1/public/credit").json()["published"] == []  # a draft run is not public
    public = client.get("/public/credit")
    assert public.status_code == 200 and "上海甲热电有限公司" not in public.text
    client.post(f"/api/v1/credit/runs/{run['id']}/publish", headers=h["chief"])
    lists = client.get("/api/v1/public/credit").json()
    assert {r["name"] for r in lists["published"]} >= {"上海甲热电有限公司"}
    assert "上海甲热电有限公司" in client.get("/public/credit").text
    ranking = client.get(
        "/credit", params={"scheme": "enterprise", "jurisdiction": "310115"}, headers=h["chief"]
    )
    assert (
        ranking.status_code == 200
        and "上海甲热电有限公司" in ranking.text
        and "上海乙化工有限公司" not in ranking.text
    )
    page = client.get(f"/credit/organisations/{w.ent_a}", headers=h["ent_a"])
    assert page.status_code == 200 and 'data-testid="effective-grade">警示' in page.text  # Chinese by default
    detail = client.get(f"/api/v1/credit/runs/{run['id']}", headers=h["chief"]).json()
    ev = next(e for e in detail["evaluations"] if e["organisation_id"] == w.ent_a)
    explained = client.get(f"/credit/evaluations/{ev['id']}", headers=h["ent_a"])
    assert explained.status_code == 200 and "supervision_record" in explained.text
    editor = client.get("/credit/schemes", params={"scheme": "contractor"}, headers=h["chief"])
    assert editor.status_code == 200 and "<textarea" in editor.text
    assert "<textarea" not in client.get("/credit/schemes", headers=h["lab"]).text
