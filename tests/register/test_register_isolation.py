"""Cross-tenant cases for the register routes, merged into the route-walking
isolation test (tests/access/test_isolation.py: ``CASES.update(REGISTER_CASES)``).

The world there has enterprise 甲 (ent_a) in Pudong 310115103, enterprise 乙
(ent_b) in Minhang 310112102 and a contractor without contracts; cases add what
they need through the API as the platform administrator.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tests.factories import credit_code

if TYPE_CHECKING:
    from tests.access.test_isolation import World

Case = Callable[["World"], None]

JIA, YI = "上海甲热电有限公司", "上海乙化工有限公司"
JIA_CODE, YI_CODE, CONTRACTOR_CODE = (
    credit_code(101, "310115"),
    credit_code(102, "310112"),
    credit_code(201, "310000"),
)


def _denied(status: int) -> bool:
    return status in (403, 404)


def _id(w: World, name: str) -> int:
    r = w.client.get("/api/v1/register/enterprises", params={"q": name}, headers=w.h["admin"])
    return int(r.json()["items"][0]["id"])


def _upload(w: World, user: str, kind: str, text: str, path: str = "/api/v1/register/imports/{kind}") -> Any:
    files = {"file": (f"{kind}.csv", text.encode("utf-8"), "text/csv")}
    if path.startswith("/api/"):
        return w.client.post(path.format(kind=kind), files=files, headers=w.h[user])
    return w.client.post(path, data={"kind": kind}, files=files, headers=w.h[user])


def _objects(w: World) -> dict[str, int]:
    text = (
        "object_code,name,credit_code,address,jurisdiction_code\n"
        "ZF-PD,上海甲热电公司,,浦东新区高桥镇,310115\n"
        "ZF-MH,上海乙化工公司,,闵行区七宝镇,310112\n"
    )
    assert _upload(w, "admin", "enforcement-objects", text).status_code == 200
    rows = w.client.get("/api/v1/register/matches", params={"status": ""}, headers=w.h["admin"]).json()
    return {o["object_code"]: o["id"] for o in rows}


def case_search(w: World) -> None:
    names = {
        e["name"] for e in w.client.get("/api/v1/register/enterprises", headers=w.h["pudong"]).json()["items"]
    }
    assert JIA in names and YI not in names
    names = {
        e["name"] for e in w.client.get("/api/v1/register/enterprises", headers=w.h["ent_a"]).json()["items"]
    }
    assert names == {JIA}
    assert w.client.get("/api/v1/register/enterprises", headers=w.h["contractor"]).json()["items"] == []
    contract = (
        "contract_number,provider_credit_code,enterprise_credit_code,service,valid_from\n"
        f"YW-1,{CONTRACTOR_CODE},{YI_CODE},operation_maintenance,2020-01-01\n"
    )
    assert _upload(w, "admin", "contracts", contract).json()["created"] == 1
    names = {
        e["name"]
        for e in w.client.get("/api/v1/register/enterprises", headers=w.h["contractor"]).json()["items"]
    }
    assert names == {YI}  # served under a contract in force, and nothing else


def case_profile(w: World) -> None:
    jia, yi = _id(w, JIA), _id(w, YI)
    assert w.client.get(f"/api/v1/register/enterprises/{yi}", headers=w.h["pudong"]).status_code == 404
    assert w.client.get(f"/api/v1/register/enterprises/{yi}", headers=w.h["ent_a"]).status_code == 404
    assert w.client.get(f"/api/v1/register/enterprises/{yi}", headers=w.h["contractor"]).status_code == 404
    r = w.client.get(f"/api/v1/register/enterprises/{jia}", headers=w.h["ent_a"])
    assert r.status_code == 200 and r.json()["identity"]["name"] == JIA


def case_edit(w: World) -> None:
    jia, yi = _id(w, JIA), _id(w, YI)
    body = {"changes": {"address": "新地址"}, "reason": "t"}
    assert (
        w.client.patch(f"/api/v1/register/enterprises/{yi}", json=body, headers=w.h["pudong"]).status_code
        == 404
    )
    assert _denied(
        w.client.patch(f"/api/v1/register/enterprises/{jia}", json=body, headers=w.h["ent_a"]).status_code
    )
    r = w.client.patch(f"/api/v1/register/enterprises/{jia}", json=body, headers=w.h["pudong"])
    assert r.status_code == 200 and r.json()["address"] == "新地址"


def case_organisations(w: World) -> None:
    names = {o["name"] for o in w.client.get("/api/v1/register/organisations", headers=w.h["ent_a"]).json()}
    assert names == {JIA}
    names = {o["name"] for o in w.client.get("/api/v1/register/organisations", headers=w.h["pudong"]).json()}
    assert JIA in names and YI not in names and "上海丙运维有限公司" in names


def case_import(w: World) -> None:
    minhang = f"credit_code,name,jurisdiction_code\n{credit_code(900, '310112')},闵行新公司,310112\n"
    assert _upload(w, "pudong", "enterprises", minhang).status_code == 404
    assert (
        w.client.get("/api/v1/register/enterprises", params={"q": "闵行新公司"}, headers=w.h["admin"]).json()[
            "total"
        ]
        == 0
    )
    assert _denied(_upload(w, "ent_a", "enterprises", minhang).status_code)
    pudong = f"credit_code,name,jurisdiction_code\n{credit_code(901, '310115')},浦东新公司,310115\n"
    assert _upload(w, "pudong", "enterprises", pudong).json()["created"] == 1


def case_template(w: World) -> None:
    r = w.client.get("/api/v1/register/templates/enterprises", headers=w.h["ent_a"])
    assert r.status_code == 200 and YI not in r.text and JIA_CODE not in r.text  # the example row only


def case_export(w: World) -> None:
    text = w.client.get(
        "/api/v1/register/exports/enterprises", params={"format": "csv"}, headers=w.h["pudong"]
    ).text
    assert JIA_CODE in text and YI_CODE not in text
    rows = w.client.get("/api/v1/register/exports/enterprises", headers=w.h["ent_a"]).json()
    assert [r["credit_code"] for r in rows] == [JIA_CODE]


def case_matches(w: World) -> None:
    _objects(w)
    codes = {
        o["object_code"]
        for o in w.client.get("/api/v1/register/matches", params={"status": ""}, headers=w.h["pudong"]).json()
    }
    assert "ZF-PD" in codes and "ZF-MH" not in codes
    assert _denied(w.client.get("/api/v1/register/matches", headers=w.h["ent_a"]).status_code)


def case_decide(w: World) -> None:
    ids = _objects(w)
    body = {"decision": "reject", "reason": "t"}
    assert (
        w.client.post(
            f"/api/v1/register/matches/{ids['ZF-MH']}", json=body, headers=w.h["pudong"]
        ).status_code
        == 404
    )
    assert (
        w.client.post(
            f"/api/v1/register/matches/{ids['ZF-PD']}", json=body, headers=w.h["pudong"]
        ).status_code
        == 200
    )
    # Linking a Pudong object to a Minhang enterprise is refused too.
    body = {"decision": "accept", "enterprise_id": _id(w, YI)}
    assert (
        w.client.post(
            f"/api/v1/register/matches/{ids['ZF-PD']}", json=body, headers=w.h["pudong"]
        ).status_code
        == 404
    )


def case_page_search(w: World) -> None:
    page = w.client.get("/register", headers=w.h["pudong"]).text
    assert JIA in page and YI not in page


def case_page_profile(w: World) -> None:
    assert w.client.get(f"/register/enterprises/{_id(w, YI)}", headers=w.h["pudong"]).status_code == 404
    assert w.client.get(f"/register/enterprises/{_id(w, JIA)}", headers=w.h["pudong"]).status_code == 200


def case_page_import_form(w: World) -> None:
    assert _denied(w.client.get("/register/import", headers=w.h["ent_a"]).status_code)
    assert w.client.get("/register/import", headers=w.h["pudong"]).status_code == 200


def case_page_import(w: World) -> None:
    minhang = f"credit_code,name,jurisdiction_code\n{credit_code(902, '310112')},闵行页面公司,310112\n"
    assert _upload(w, "pudong", "enterprises", minhang, "/register/import").status_code == 404
    assert _denied(_upload(w, "ent_a", "enterprises", minhang, "/register/import").status_code)


def case_page_matches(w: World) -> None:
    _objects(w)
    page = w.client.get("/register/matches?status=", headers=w.h["pudong"]).text
    assert "ZF-PD" in page and "ZF-MH" not in page


def case_page_decide(w: World) -> None:
    ids = _objects(w)
    r = w.client.post(f"/register/matches/{ids['ZF-MH']}", data={"decision": "reject"}, headers=w.h["pudong"])
    assert r.status_code == 404


REGISTER_CASES: dict[tuple[str, str], Case] = {
    ("GET", "/api/v1/register/enterprises"): case_search,
    ("GET", "/api/v1/register/enterprises/{enterprise_id}"): case_profile,
    ("PATCH", "/api/v1/register/enterprises/{enterprise_id}"): case_edit,
    ("GET", "/api/v1/register/organisations"): case_organisations,
    ("POST", "/api/v1/register/imports/{kind}"): case_import,
    ("GET", "/api/v1/register/templates/{kind}"): case_template,
    ("GET", "/api/v1/register/exports/{kind}"): case_export,
    ("GET", "/api/v1/register/matches"): case_matches,
    ("POST", "/api/v1/register/matches/{object_id}"): case_decide,
    ("GET", "/register"): case_page_search,
    ("GET", "/register/enterprises/{enterprise_id}"): case_page_profile,
    ("GET", "/register/import"): case_page_import_form,
    ("POST", "/register/import"): case_page_import,
    ("GET", "/register/matches"): case_page_matches,
    ("POST", "/register/matches/{object_id}"): case_page_decide,
}
