"""Cross-tenant cases for casework routes, merged into tests/access/test_isolation.py.

The world gets one Minhang case (for enterprise B) with a file, an inspection
assignment, an inspection record and an order to enterprise B, and a Minhang
campaign (:func:`casework_world`). Pudong staff and enterprise A must neither
see nor touch any of it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from huanjian.access.policy import Principal
from huanjian.casework import repository as cw_repository
from huanjian.casework import service
from huanjian.casework.files import FileStore
from huanjian.core.runtime import Runtime
from huanjian.core.time import utcnow
from huanjian.core.tx import Tx
from huanjian.register import importer
from tests.factories import People, credit_code, make_organisation, make_user


def casework_world(tx: Tx, runtime: Runtime, people: People) -> dict[str, int]:
    ent_b = people.enterprise_b.organisation_id
    assert ent_b is not None
    make_organisation(tx, "bureau", "闵行区生态环境执法大队", 401)
    row = {
        "organisation_credit_code": credit_code(401, "310000"),
        "staff_number": "E1",
        "name": "闵行执法员",
        "certificate_number": "ZF-MH-1",
        "certificate_valid_from": "2020-01-01",
        "certificate_valid_until": "2099-12-31",
    }
    importer.import_rows(tx, importer.get_kind("staff"), list(row), [row], source="test")
    from sqlalchemy import select

    from huanjian.register.models import Staff

    staff_id = tx.session.scalars(select(Staff.id).where(Staff.staff_number == "E1")).one()
    mh = Principal.of(make_user(tx, "mh_case", "enforcement", "310112", permissions=("case.decide",)))
    case = service.open_case(tx, mh, enterprise_id=ent_b, source="complaint", title="闵行信访案件")
    service.transition(tx, mh, case.id, "accept")
    att = service.add_attachment(
        tx, mh, FileStore(runtime.settings.data_dir), case.id, name="闵行材料.txt", content=b"minhang only"
    )
    assignment = service.assign(tx, mh, case.id, kind="inspection", staff_id=staff_id)
    record = service.record_inspection(
        tx,
        mh,
        case.id,
        inspected_at=utcnow(),
        place="闵行厂区",
        inspectors=["闵行执法员"],
        items=["废水排放口"],
        findings="闵行发现",
    )
    service.transition(
        tx,
        mh,
        case.id,
        "order_rectification",
        data={"requirement": "闵行整改", "deadline": (utcnow() + timedelta(days=5)).isoformat()},
    )
    order = cw_repository.orders_of(tx.session, case.id)[0]
    campaign = service.create_campaign(
        tx,
        mh,
        name="闵行专项执法检查",
        jurisdiction_code="310112",
        period_start=date(2026, 10, 1),
        period_end=date(2026, 12, 31),
        enterprise_ids=[ent_b],
    )
    return {
        "mh_case": case.id,
        "mh_attachment": att.id,
        "mh_assignment": assignment.id,
        "mh_inspection": record.id,
        "mh_order": order.id,
        "mh_campaign": campaign.id,
        "mh_staff": staff_id,
        "ent_b": ent_b,
    }


def _denied(status: int) -> bool:
    return status in (403, 404)


def case_list(w: Any) -> None:
    ids = {c["id"] for c in w.client.get("/api/v1/cases", headers=w.h["pudong"]).json()}
    assert w.ids["mh_case"] not in ids
    assert w.ids["mh_case"] in {c["id"] for c in w.client.get("/api/v1/cases", headers=w.h["city"]).json()}
    assert w.client.get("/api/v1/cases", headers=w.h["ent_b"]).status_code == 403


def case_open(w: Any) -> None:
    body = {"enterprise_id": w.ids["ent_b"], "source": "complaint", "title": "x"}
    assert _denied(w.client.post("/api/v1/cases", json=body, headers=w.h["pudong"]).status_code)
    assert _denied(w.client.post("/api/v1/cases", json=body, headers=w.h["ent_b"]).status_code)


def case_board(w: Any) -> None:
    board = w.client.get("/api/v1/cases/board", headers=w.h["pudong"]).json()
    # Other domains' worlds may open Pudong cases; Minhang's must never show.
    assert all(c["id"] != w.ids["mh_case"] for c in board["cases"])
    minhang = w.client.get("/api/v1/cases/board", headers=w.h["minhang"]).json()
    assert any(c["id"] == w.ids["mh_case"] for c in minhang["cases"])
    assert w.client.get("/api/v1/cases/board", headers=w.h["ent_b"]).status_code == 403


def case_legal_bases(w: Any) -> None:
    bases = w.client.get("/api/v1/cases/legal-bases", headers=w.h["ent_a"]).json()
    assert any(b["code"] == "PXGL-34" for b in bases)  # public law, same for every tenant


def case_get(w: Any) -> None:
    assert w.client.get(f"/api/v1/cases/{w.ids['mh_case']}", headers=w.h["pudong"]).status_code == 404
    assert _denied(w.client.get(f"/api/v1/cases/{w.ids['mh_case']}", headers=w.h["ent_a"]).status_code)
    assert w.client.get(f"/api/v1/cases/{w.ids['mh_case']}", headers=w.h["minhang"]).status_code == 200


def case_draws(w: Any) -> None:
    path = f"/api/v1/cases/{w.ids['mh_case']}/assignment-draws"
    assert w.client.get(path, headers=w.h["pudong"]).status_code == 404
    assert _denied(w.client.get(path, headers=w.h["ent_a"]).status_code)
    assert w.client.get(path, headers=w.h["minhang"]).status_code == 200


def _post_case(suffix: str, body: dict[str, Any] | None = None, files: bool = False) -> Callable[[Any], None]:
    def case(w: Any) -> None:
        path = f"/api/v1/cases/{w.ids['mh_case']}/{suffix}"
        for who in ("pudong", "ent_a"):
            kwargs: dict[str, Any] = {"files": {"file": ("x.txt", b"x")}} if files else {"json": body or {}}
            r = w.client.post(path, headers=w.h[who], **kwargs)
            expected = (404,) if who == "pudong" or suffix == "attachments" else (403, 404)
            assert r.status_code in expected, (who, r.status_code, r.text)

    return case


def case_download(w: Any) -> None:
    path = f"/api/v1/cases/{w.ids['mh_case']}/attachments/{w.ids['mh_attachment']}"
    assert w.client.get(path, headers=w.h["pudong"]).status_code == 404
    assert w.client.get(path, headers=w.h["ent_a"]).status_code == 404
    # the addressee of an order of the case may read its files
    assert w.client.get(path, headers=w.h["ent_b"]).content == b"minhang only"


def _assignment_action(name: str) -> Callable[[Any], None]:
    def case(w: Any) -> None:
        kwargs: dict[str, Any] = {"json": {"reason": "r"}} if name == "override-request" else {}
        r = w.client.post(
            f"/api/v1/assignments/{w.ids['mh_assignment']}/{name}", headers=w.h["pudong"], **kwargs
        )
        assert r.status_code == 404, r.text

    return case


def case_declare_tie(w: Any) -> None:
    body = {"staff_id": w.ids["mh_staff"], "enterprise_id": w.ids["ent_b"], "kind": "kinship"}
    assert w.client.post("/api/v1/declared-ties", json=body, headers=w.h["pudong"]).status_code == 404
    assert w.client.post("/api/v1/declared-ties", json=body, headers=w.h["ent_b"]).status_code == 403


def case_sign(w: Any) -> None:
    body = {
        "role": "inspector",
        "signer_name": "x",
        "image_id": w.ids["mh_attachment"],
        "device_time": "2026-11-01T08:00:00+08:00",
    }
    r = w.client.post(
        f"/api/v1/inspections/{w.ids['mh_inspection']}/signatures", json=body, headers=w.h["pudong"]
    )
    assert r.status_code == 404, r.text


def case_orders(w: Any) -> None:
    for who in ("pudong", "ent_a"):
        ids = {o["id"] for o in w.client.get("/api/v1/orders", headers=w.h[who]).json()}
        assert w.ids["mh_order"] not in ids
    assert w.ids["mh_order"] in {o["id"] for o in w.client.get("/api/v1/orders", headers=w.h["ent_b"]).json()}


def case_order(w: Any) -> None:
    for who in ("pudong", "ent_a", "contractor"):
        assert w.client.get(f"/api/v1/orders/{w.ids['mh_order']}", headers=w.h[who]).status_code == 404
    assert w.client.get(f"/api/v1/orders/{w.ids['mh_order']}", headers=w.h["ent_b"]).status_code == 200


def _order_action(name: str) -> Callable[[Any], None]:
    def case(w: Any) -> None:
        body = {"text": "done"} if name == "answer" else {"reason": "r"} if name == "return" else None
        for who in ("pudong", "ent_a"):
            r = w.client.post(f"/api/v1/orders/{w.ids['mh_order']}/{name}", json=body, headers=w.h[who])
            assert _denied(r.status_code), (who, r.status_code, r.text)

    return case


def case_campaigns(w: Any) -> None:
    ids = {c["id"] for c in w.client.get("/api/v1/campaigns", headers=w.h["pudong"]).json()}
    assert w.ids["mh_campaign"] not in ids
    assert w.client.get("/api/v1/campaigns", headers=w.h["ent_b"]).status_code == 403


def case_campaign_create(w: Any) -> None:
    body = {
        "name": "x",
        "jurisdiction_code": "310112",
        "period_start": "2026-10-01",
        "period_end": "2026-12-31",
        "enterprise_ids": [w.ids["ent_b"]],
    }
    assert w.client.post("/api/v1/campaigns", json=body, headers=w.h["pudong"]).status_code == 403
    body["jurisdiction_code"] = "310115"  # own district, but another district's enterprise
    assert _denied(w.client.post("/api/v1/campaigns", json=body, headers=w.h["pudong"]).status_code)


def case_campaign(w: Any) -> None:
    assert w.client.get(f"/api/v1/campaigns/{w.ids['mh_campaign']}", headers=w.h["pudong"]).status_code == 404


def case_campaign_cases(w: Any) -> None:
    r = w.client.post(f"/api/v1/campaigns/{w.ids['mh_campaign']}/cases", headers=w.h["pudong"])
    assert r.status_code == 404


def case_page_board(w: Any) -> None:
    page = w.client.get("/cases", headers=w.h["pudong"]).text
    assert "闵行信访案件" not in page
    assert "闵行信访案件" in w.client.get("/cases", headers=w.h["minhang"]).text


def case_page_case(w: Any) -> None:
    assert w.client.get(f"/cases/{w.ids['mh_case']}", headers=w.h["pudong"]).status_code == 404
    assert w.client.get(f"/cases/{w.ids['mh_case']}", headers=w.h["minhang"]).status_code == 200


def case_page_order(w: Any) -> None:
    assert w.client.get(f"/orders/{w.ids['mh_order']}", headers=w.h["pudong"]).status_code == 404
    assert w.client.get(f"/orders/{w.ids['mh_order']}", headers=w.h["ent_a"]).status_code == 404
    assert "闵行整改" in w.client.get(f"/orders/{w.ids['mh_order']}", headers=w.h["ent_b"]).text


CASEWORK_CASES: dict[tuple[str, str], Callable[[Any], None]] = {
    ("GET", "/api/v1/cases"): case_list,
    ("POST", "/api/v1/cases"): case_open,
    ("GET", "/api/v1/cases/board"): case_board,
    ("GET", "/api/v1/cases/legal-bases"): case_legal_bases,
    ("GET", "/api/v1/cases/{case_id}"): case_get,
    ("POST", "/api/v1/cases/{case_id}/transitions"): _post_case(
        "transitions", {"action": "close_unfounded", "reason": "r"}
    ),
    ("POST", "/api/v1/cases/{case_id}/attachments"): _post_case("attachments", files=True),
    ("GET", "/api/v1/cases/{case_id}/attachments/{attachment_id}"): case_download,
    ("POST", "/api/v1/cases/{case_id}/evidence"): _post_case("evidence"),
    ("POST", "/api/v1/cases/{case_id}/assignments"): _post_case(
        "assignments", {"kind": "inspection", "staff_id": 1}
    ),
    ("POST", "/api/v1/cases/{case_id}/assignments/draw"): _post_case(
        "assignments/draw", {"kind": "inspection"}
    ),
    ("POST", "/api/v1/cases/{case_id}/assignments/draw-commitments"): _post_case(
        "assignments/draw-commitments", {"kind": "inspection"}
    ),
    ("GET", "/api/v1/cases/{case_id}/assignment-draws"): case_draws,
    ("POST", "/api/v1/cases/{case_id}/inspections"): _post_case(
        "inspections",
        {"inspected_at": "2026-11-01T08:00:00+08:00", "place": "p", "inspectors": ["x"], "findings": "f"},
    ),
    ("POST", "/api/v1/assignments/{assignment_id}/override-request"): _assignment_action("override-request"),
    ("POST", "/api/v1/assignments/{assignment_id}/override-approve"): _assignment_action("override-approve"),
    ("POST", "/api/v1/declared-ties"): case_declare_tie,
    ("POST", "/api/v1/inspections/{record_id}/signatures"): case_sign,
    ("GET", "/api/v1/orders"): case_orders,
    ("GET", "/api/v1/orders/{order_id}"): case_order,
    ("POST", "/api/v1/orders/{order_id}/answer"): _order_action("answer"),
    ("POST", "/api/v1/orders/{order_id}/accept"): _order_action("accept"),
    ("POST", "/api/v1/orders/{order_id}/return"): _order_action("return"),
    ("GET", "/api/v1/campaigns"): case_campaigns,
    ("POST", "/api/v1/campaigns"): case_campaign_create,
    ("GET", "/api/v1/campaigns/{campaign_id}"): case_campaign,
    ("POST", "/api/v1/campaigns/{campaign_id}/cases"): case_campaign_cases,
    ("GET", "/cases"): case_page_board,
    ("GET", "/cases/{case_id}"): case_page_case,
    ("GET", "/orders/{order_id}"): case_page_order,
}
