"""One case through the API, from an exceedance to closure (issue 7, "done when").

Exceedance (opened by hand with source ``exceedance`` until detection lands)
→ off-site verification → monitoring task assigned by a random draw that
cannot pick a conflicted or unqualified person → monitoring report → enforcement
case → penalty decision on approved data → rectification order that goes
overdue and is escalated by the worker → late answer, accepted → re-check with
a signed inspection record → closed; the evidence package is produced — with the
reviewed automatic data (validity, reasons, review level), the field record and
the signed monitoring report, an index PDF and SHA256SUMS over every file — and
the audit chain verifies.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from huanjian.audit.models import AuditEntry
from huanjian.casework.models import SupervisionOrder
from huanjian.core.runtime import Runtime
from huanjian.core.time import CST, utcnow
from huanjian.core.tx import Tx
from huanjian.jobs import builtin  # noqa: F401
from huanjian.jobs.worker import Worker
from huanjian.notify.models import Notification
from huanjian.review import service as review
from huanjian.web.app import create_app
from tests.casework.builders import METHOD, POLLUTANT, build
from tests.casework.test_evidence import assert_sums_match, pdf_text
from tests.factories import bearer, make_user
from tests.field.builders import full_visit
from tests.review.world import make_air_outlet, write_minutes

MN = "31011500000001A0000009E2"
DAY = datetime(2026, 11, 20, tzinfo=CST)  # the day of the exceedance the case names
H = timedelta(hours=1)


def _automatic_data(tx: Tx) -> int:
    """Enterprise 甲's outlet DA001 with a logger and a day of minutes, reviewed by the worker:
    08:00 exceeds, 03:00 the analyser reported a fault (flag D)."""
    outlet = make_air_outlet(tx, 101, MN, jurisdiction="310115")
    so2 = np.full(1440, 20.0)
    so2[8 * 60 : 9 * 60] = 90.0
    flags = ["N"] * 1440
    flags[3 * 60 : 4 * 60] = ["D"] * 60
    write_minutes(
        tx, MN, DAY.astimezone(UTC), {"a21026": so2, "a19001": np.full(1440, 8.5)}, flags={"a21026": flags}
    )
    review.recompute(tx, outlet, DAY.date(), DAY.date())
    return outlet


def test_exceedance_to_closed_case(runtime: Runtime, tx: Tx) -> None:
    w = build(tx)
    outlet = _automatic_data(tx)
    h = {
        name: bearer(tx, u)
        for name, u in {
            "pudong": w.people.pudong,
            "enf": w.users["enf"],
            "station": w.users["station"],
            "ent": w.people.enterprise_a,
            "admin": w.people.admin,
            "approver": make_user(tx, "pd_approver", "bureau", "310115", permissions=("review.approve",)),
            "drafter": make_user(tx, "pd_drafter", "station", "310115", permissions=("report.draft",)),
            "checker": make_user(tx, "pd_checker", "station", "310115", permissions=("report.check",)),
            "signer": make_user(tx, "pd_signer", "station", "310115", permissions=("report.sign",)),
        }.items()
    }
    tx.session.commit()
    client = TestClient(create_app(runtime))

    def post(path: str, who: str, body: Any = None, status: int = 200, **kw: Any) -> Any:
        r = client.post(f"/api/v1{path}", json=body, headers=h[who], **kw)
        assert r.status_code == status, (path, r.status_code, r.text)
        return r.json() if r.headers["content-type"].startswith("application/json") else r

    def upload(case_id: int, who: str, name: str, content: bytes, purpose: str = "document") -> int:
        r = client.post(
            f"/api/v1/cases/{case_id}/attachments",
            files={"file": (name, content, "application/octet-stream")},
            data={"purpose": purpose},
            headers=h[who],
        )
        assert r.status_code == 201, r.text
        assert r.json()["sha256"] == hashlib.sha256(content).hexdigest()
        return int(r.json()["id"])

    def act(case_id: int, who: str, action: str, status: int = 200, **body: Any) -> Any:
        return post(f"/cases/{case_id}/transitions", who, {"action": action, **body}, status)

    # 1. Exceedance: the district bureau opens the case; routing picks the district (supervising level).
    case = post(
        "/cases",
        "pudong",
        {
            "enterprise_id": w.ent_a,
            "source": "exceedance",
            "title": "DA001 二氧化硫小时均值超标",
            "source_ref": "exceedance:DA001:a21026:2026-11-20T08",
        },
        201,
    )
    cid = case["id"]
    assert case["state"] == "intake" and case["handling_jurisdiction_code"] == "310115"

    # 2. Off-site verification, with the data extract attached.
    extract = upload(cid, "pudong", "小时数据.csv", b"time,a21026\n2026-11-20T08:00,182.4\n")
    act(cid, "pudong", "accept", attachment_ids=[extract], reason="超标属实，需监测核实")
    act(cid, "pudong", "task_monitoring")

    # 3. A declared kinship tie; the random draw cannot pick a conflicted or unqualified person.
    post(
        "/declared-ties",
        "pudong",
        {"staff_id": w.staff["李监测"], "enterprise_id": w.ent_a, "kind": "kinship"},
        201,
    )
    # The seed's SHA-256 is published before the draw; the draw reveals the seed.
    committed = post(
        f"/cases/{cid}/assignments/draw-commitments",
        "pudong",
        {"kind": "monitoring", "method": METHOD, "pollutant": POLLUTANT},
        201,
    )
    assert committed["seed"] is None and len(committed["commitment"]) == 64
    drawn = post(
        f"/cases/{cid}/assignments/draw",
        "pudong",
        {"kind": "monitoring", "method": METHOD, "pollutant": POLLUTANT},
        201,
    )
    assert [a["staff_id"] for a in drawn] == [w.staff["王监测"]]
    excluded = {e["staff"]: e["rules"] for e in drawn[0]["via_draw"]["excluded"]}
    assert excluded == {
        w.staff["李监测"]: ["recusal.tie.kinship"],
        w.staff["陈过期"]: ["qualification.expired"],
        w.staff["赵实验"]: ["recusal.self_monitoring"],
    }
    [verified] = client.get(f"/api/v1/cases/{cid}/assignment-draws", headers=h["pudong"]).json()
    assert verified["ok"] and verified["commitment"] == committed["commitment"]
    assert hashlib.sha256(bytes.fromhex(verified["seed"])).hexdigest() == committed["commitment"]
    # Drawing two: another draw of the kind states its reason; only one person is eligible.
    post(
        f"/cases/{cid}/assignments/draw-commitments",
        "pudong",
        {"kind": "monitoring", "method": METHOD, "pollutant": POLLUTANT, "count": 2, "reason": "需两人"},
        201,
    )
    r = client.post(
        f"/api/v1/cases/{cid}/assignments/draw",
        json={"kind": "monitoring", "method": METHOD, "pollutant": POLLUTANT, "count": 2},
        headers=h["pudong"],
    )
    assert r.status_code == 409 and "1 eligible" in r.json()["error"]["message"]

    # 4. The data are reviewed (an exclusion, the day approved); the station samples on site and
    #    its report is drafted, checked and signed by three people; the case records the report.
    t0 = DAY.astimezone(UTC)
    span = {"start": t0.isoformat(), "end": (t0 + 24 * H).isoformat()}
    post(
        f"/review/outlets/{outlet}/levels",
        "approver",
        {"level": "approved", "reason": "审核通过", **span},
        201,
    )
    excluded_hour = {"start": (t0 + 20 * H).isoformat(), "end": (t0 + 21 * H).isoformat()}
    post(
        f"/review/outlets/{outlet}/actions",
        "pudong",
        {"kind": "exclude", "reason": "反吹", **excluded_hour},
        201,
    )
    rec = post(
        "/field/records",
        "station",
        {"case_id": cid, "outlet_id": outlet, "method": "hj57_so2", "assignee": "pd_station"},
        201,
    )
    synced = post(f"/field/records/{rec['id']}/events", "station", {"events": full_visit("S-E2E-0001")})
    assert all(r["status"] == "accepted" for r in synced["results"]), synced
    lab = [{"sample_code": "S-E2E-0001", "pollutant": "a21026", "value": 88.0, "unit": "mg/m3", "lab": "站"}]
    field_report = post("/field/reports", "drafter", {"record_id": rec["id"], "lab_results": lab}, 201)
    post(f"/field/reports/{field_report['id']}/check", "checker")
    signed_report = post(f"/field/reports/{field_report['id']}/sign", "signer")
    assert signed_report["state"] == "signed"
    report = upload(cid, "station", "监测报告.pdf", b"%PDF-1.4 monitoring report")
    act(cid, "station", "submit_report", attachment_ids=[report])

    # 5. Enforcement case and penalty decision: needs case.decide and approved data.
    act(cid, "enf", "open_investigation", reason="监测报告确认超标")
    decision = {
        "legal_basis": "PXGL-34",
        "penalty_amount_yuan": 200000,
        "decision_text": "责令改正，罚款20万元",
        "rests_on_automatic_data": True,
        "data_review_level": "approved",
    }
    act(cid, "pudong", "decide", 403, data=decision)  # no case.decide
    # A declared level is not enough: the data must be named so that review can be asked.
    unnamed = act(cid, "enf", "decide", 422, data=decision)
    assert unnamed["error"]["details"]["field"] == "data_reference"
    # The level of the data named is looked up in review, whatever is declared: 20:00 was
    # excluded after the approval, so it is no longer approved.
    refused = act(
        cid, "enf", "decide", 409, data={**decision, "data_reference": "DA001:a21026:2026-11-20T20"}
    )
    assert refused["error"]["details"]["rule"] == "decision.data_not_approved"
    decided = act(cid, "enf", "decide", data={**decision, "data_reference": "DA001:a21026:2026-11-20T08"})
    assert decided["state"] == "decided" and decided["legal_basis"]["article"] == "第三十四条"
    assert decided["data_review_level"] == "approved"

    # 6. Rectification order with a deadline; the enterprise is notified.
    deadline = (utcnow() + timedelta(days=3)).isoformat()
    act(
        cid,
        "enf",
        "order_rectification",
        data={"requirement": "更换脱硫喷淋层并提交整改报告", "deadline": deadline},
    )
    order = client.get(f"/api/v1/cases/{cid}", headers=h["enf"]).json()["orders"][0]
    assert order["state"] == "issued"
    assert any(o["id"] == order["id"] for o in client.get("/api/v1/orders", headers=h["ent"]).json())

    # 7. The deadline passes; the worker escalates the order to the city.
    with runtime.db.unit_of_work() as s:
        s.execute(
            update(SupervisionOrder)
            .where(SupervisionOrder.id == order["id"])
            .values(deadline=utcnow() - timedelta(hours=2))
        )
    Worker(runtime.db, runtime.audit_key, run_schedules=True).drain()
    escalated = client.get(f"/api/v1/orders/{order['id']}", headers=h["enf"]).json()
    assert escalated["escalation_level"] == 1 and escalated["escalated_to"] == "310000"
    board = client.get("/api/v1/cases/board", headers=h["pudong"]).json()
    assert [o["id"] for o in board["overdue"]] == [order["id"]]
    with runtime.db.unit_of_work() as s:
        city_notes = s.scalars(select(Notification).where(Notification.user_id == w.people.city.id)).all()
        assert [n.kind for n in city_notes] == ["case.order.escalated"]

    # 8. The enterprise answers (late), the brigade accepts, re-check on site, closure.
    proof = upload(cid, "ent", "整改报告.pdf", b"%PDF-1.4 rectification done", purpose="order_answer")
    answered = post(f"/orders/{order['id']}/answer", "ent", {"text": "已完成整改", "attachment_ids": [proof]})
    assert answered["state"] == "answered"
    act(cid, "enf", "start_recheck", 409)  # not accepted yet
    post(f"/orders/{order['id']}/accept", "enf")
    act(cid, "enf", "start_recheck")
    photo = upload(cid, "enf", "现场照片.jpg", b"\xff\xd8\xff jpeg bytes", purpose="photo")
    record = post(
        f"/cases/{cid}/inspections",
        "enf",
        {
            "inspected_at": utcnow().isoformat(),
            "place": "1号机组脱硫塔",
            "inspectors": ["吴执法", "郑执法"],
            "items": ["脱硫设施运行", "在线监测数据"],
            "findings": "喷淋层已更换，SO2 小时均值达标",
            "enterprise_statement": "无异议",
            "photo_ids": [photo],
        },
        201,
    )
    ink = upload(cid, "enf", "sign.png", b"\x89PNG signature strokes", purpose="signature")
    sig = post(
        f"/inspections/{record['id']}/signatures",
        "enf",
        {"role": "enterprise", "signer_name": "钱经理", "image_id": ink, "device_time": utcnow().isoformat()},
        201,
    )
    assert len(sig["hash"]) == 64
    closed = act(cid, "enf", "close", reason="复查合格")
    assert closed["state"] == "closed" and closed["outcome"] == "rectified"

    # 9. Evidence package, then the audit chain.
    r = client.post(f"/api/v1/cases/{cid}/evidence", headers={**h["enf"], "X-Request-ID": "evidence-1"})
    assert r.status_code == 200, r.text
    assert r.headers["x-package-sha256"] == hashlib.sha256(r.content).hexdigest()
    zf = zipfile.ZipFile(io.BytesIO(r.content))
    names = assert_sums_match(zf) | {"SHA256SUMS"}
    assert {
        "index.pdf",
        "index.html",
        "case.json",
        "custody.json",
        "audit-trail.json",
        "verification.json",
        "SHA256SUMS",
    } <= names
    verification = json.loads(zf.read("verification.json"))
    assert verification["ok"] is True and verification["audit_chain"]["ok"] is True
    doc = json.loads(zf.read("case.json"))
    assert [s["action"] for s in doc["steps"]] == [
        "open",
        "accept",
        "task_monitoring",
        "submit_report",
        "open_investigation",
        "decide",
        "order_rectification",
        "start_recheck",
        "close",
    ]
    # five uploads to the case, the field visit's photo and its four custody signatures
    assert len([n for n in names if n.startswith("attachments/")]) == 10
    trail_actions = [e["action"] for e in json.loads(zf.read("audit-trail.json"))]
    assert "case.order.escalate" in trail_actions and "case.assignment.draw" in trail_actions
    assert "审计链校验" in zf.read("index.html").decode()
    index_text = pdf_text(zf.read("index.pdf"))
    assert "审计链校验 audit verify：通过 OK" in index_text
    assert all(
        hashlib.sha256(zf.read(n)).hexdigest() in index_text for n in names - {"index.pdf", "SHA256SUMS"}
    )
    # The reviewed data of the outlet and day the case names, each hour with its validity reasons.
    [data] = json.loads(zf.read("data/reviewed-data.json"))["outlets"]
    hours = {
        datetime.fromisoformat(x["period_start"]).hour: x
        for x in data["hour"]
        if x["pollutant"] == "a21026" and x["period_start"].startswith("2026-11-20")
    }
    assert hours[8]["exceedance"] and hours[8]["valid"]
    assert (
        not hours[3]["valid"]
        and {"kind": "data_flag", "code": "D", "meaning": "fault"} in hours[3]["reasons"]
    )
    assert [x["reason"] for x in hours[20]["reasons"]] == ["反吹"]
    assert hours[12]["review_level"] == "approved" and hours[20]["review_level"] == "unreviewed"
    # The field record and the signed report's PDF as stored at sign-off.
    assert json.loads(zf.read(f"field/record-{rec['number']}.json"))["samples"][0]["code"] == "S-E2E-0001"
    pdf = zf.read(f"field/report-{signed_report['number']}-v1.pdf")
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == signed_report["pdf_sha256"]

    assert client.get("/api/v1/audit/verify", headers=h["admin"]).json()["ok"] is True
    with runtime.db.unit_of_work() as s:
        export = s.scalars(select(AuditEntry).where(AuditEntry.request_id == "evidence-1")).one()
        assert (
            export.action == "case.evidence.export"
            and export.after["sha256"] == r.headers["x-package-sha256"]
        )

    page = client.get(f"/cases/{cid}", headers=h["pudong"])
    assert page.status_code == 200 and "case.order.escalate" in page.text
    assert committed["commitment"] in page.text and verified["seed"] in page.text  # published, then revealed
