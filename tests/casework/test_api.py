"""Every casework write route leaves its audit entry under the request's id (see test_audit_every_write)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from huanjian.audit.models import AuditEntry
from huanjian.core.runtime import Runtime
from huanjian.core.time import utcnow
from huanjian.core.tx import Tx
from huanjian.web.app import create_app
from tests.casework.builders import METHOD, POLLUTANT, build
from tests.factories import bearer


def test_api_writes_are_audited(runtime: Runtime, tx: Tx) -> None:
    w = build(tx)
    h = {
        "pudong": bearer(tx, w.people.pudong),
        "enf": bearer(tx, w.users["enf"]),
        "chief": bearer(tx, w.users["chief"]),
        "ent": bearer(tx, w.people.enterprise_a),
    }
    tx.session.commit()
    client = TestClient(create_app(runtime))

    def call(path: str, rid: str, who: str, body: Any = None, **kw: Any) -> Any:
        r = client.post(f"/api/v1{path}", json=body, headers={**h[who], "X-Request-ID": rid}, **kw)
        assert r.status_code < 400, (path, r.text)
        return r.json() if r.headers["content-type"].startswith("application/json") else None

    cid = call("/cases", "c-open", "pudong", {"enterprise_id": w.ent_a, "source": "complaint", "title": "t"})[
        "id"
    ]
    att = call(f"/cases/{cid}/attachments", "c-upload", "pudong", files={"file": ("a.txt", b"abc")})["id"]
    call(f"/cases/{cid}/transitions", "c-accept", "pudong", {"action": "accept", "attachment_ids": [att]})
    blocked = call(
        f"/cases/{cid}/assignments",
        "c-assign",
        "pudong",
        {"kind": "inspection", "staff_id": w.staff["孙运维"]},
    )
    assert blocked["status"] == "blocked"
    call(f"/assignments/{blocked['id']}/override-request", "c-ovr-req", "pudong", {"reason": "唯一持证人员"})
    call(f"/assignments/{blocked['id']}/override-approve", "c-ovr-ok", "chief")
    call(
        f"/cases/{cid}/assignments/draw-commitments", "c-commit", "pudong", {"kind": "inspection", "count": 2}
    )
    call(f"/cases/{cid}/assignments/draw", "c-draw", "pudong", {"kind": "inspection", "count": 2})
    call(
        "/declared-ties",
        "c-tie",
        "pudong",
        {"staff_id": w.staff["王监测"], "enterprise_id": w.ent_a, "kind": "equity"},
    )
    rec = call(
        f"/cases/{cid}/inspections",
        "c-insp",
        "enf",
        {"inspected_at": utcnow().isoformat(), "place": "厂区", "inspectors": ["吴执法"], "findings": "f"},
    )
    call(
        f"/inspections/{rec['id']}/signatures",
        "c-sign",
        "enf",
        {"role": "inspector", "signer_name": "吴执法", "image_id": att, "device_time": utcnow().isoformat()},
    )
    deadline = (utcnow() + timedelta(days=2)).isoformat()
    call(
        f"/cases/{cid}/transitions",
        "c-order",
        "enf",
        {"action": "order_rectification", "data": {"requirement": "整改", "deadline": deadline}},
    )
    oid = client.get(f"/api/v1/cases/{cid}", headers=h["enf"]).json()["orders"][0]["id"]
    call(f"/orders/{oid}/answer", "o-answer", "ent", {"text": "已整改"})
    call(f"/orders/{oid}/return", "o-return", "enf", {"reason": "证明材料不足"})
    call(f"/orders/{oid}/answer", "o-answer2", "ent", {"text": "补充材料"})
    call(f"/orders/{oid}/accept", "o-accept", "enf")
    call(f"/cases/{cid}/evidence", "c-evidence", "enf")
    camp = call(
        "/campaigns",
        "k-create",
        "pudong",
        {
            "name": "重点排污单位专项执法检查",
            "jurisdiction_code": "310115",
            "period_start": "2026-10-01",
            "period_end": "2026-12-31",
            "enterprise_ids": [w.ent_a],
        },
    )
    call(f"/campaigns/{camp['id']}/cases", "k-cases", "pudong")

    tx.session.expire_all()
    by_request: dict[str, list[str]] = {}
    for e in tx.session.scalars(select(AuditEntry).order_by(AuditEntry.id)):
        if e.action != "notification.send":
            by_request.setdefault(e.request_id, []).append(e.action)
    expected = {
        "c-open": ["case.open"],
        "c-upload": ["case.attachment.add"],
        "c-accept": ["case.accept"],
        "c-assign": ["case.assignment.blocked"],
        "c-ovr-req": ["case.assignment.override_request"],
        "c-ovr-ok": ["case.assignment.override_approve"],
        "c-commit": ["case.assignment.draw.commit"],
        "c-draw": ["case.assignment.draw", "case.assignment.assign", "case.assignment.assign"],
        "c-tie": ["case.tie.declare"],
        "c-insp": ["case.inspection.record"],
        "c-sign": ["case.inspection.sign"],
        "c-order": ["case.order.issue", "case.order_rectification"],
        "o-answer": ["case.order.answer"],
        "o-return": ["case.order.return"],
        "o-answer2": ["case.order.answer"],
        "o-accept": ["case.order.accept"],
        "c-evidence": ["case.evidence.export"],
        "k-create": ["campaign.create"],
        "k-cases": ["case.open"],
    }
    assert {k: v for k, v in by_request.items() if k in expected} == expected
    assert METHOD and POLLUTANT
