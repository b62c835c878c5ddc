"""The enterprise profile (register) shows the enterprise's cases, scoped by the viewer's
jurisdiction, through the profile-section hook; the cases API filters by enterprise."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from huanjian.access.policy import Principal
from huanjian.casework import service
from huanjian.core.runtime import Runtime
from huanjian.core.time import to_cst, utcnow
from huanjian.core.tx import Tx
from huanjian.web.app import create_app
from tests.casework.builders import build
from tests.factories import bearer


def test_profile_lists_the_cases_the_viewer_may_see(runtime: Runtime, tx: Tx) -> None:
    w = build(tx)
    pudong = Principal.of(w.people.pudong)
    first = service.open_case(tx, pudong, enterprise_id=w.ent_a, source="complaint", title="投诉 烟囱冒黑烟")
    second = service.open_case(tx, pudong, enterprise_id=w.ent_a, source="exceedance", title="二氧化硫超标")
    other = service.open_case(
        tx, Principal.of(w.people.minhang), enterprise_id=w.ent_b, source="complaint", title="乙厂 投诉"
    )
    service.transition(tx, pudong, second.id, "accept")
    deadline = utcnow() + timedelta(days=5)
    service.transition(
        tx,
        pudong,
        second.id,
        "order_rectification",
        data={"requirement": "整改", "deadline": deadline.isoformat()},
    )
    h = {
        "pudong": bearer(tx, w.people.pudong),
        "minhang": bearer(tx, w.people.minhang),
        "ent": bearer(tx, w.people.enterprise_a),
    }
    tx.session.commit()
    client = TestClient(create_app(runtime))

    page = client.get(f"/register/enterprises/{w.ent_a}", headers=h["pudong"])
    assert page.status_code == 200
    section = page.text.split('data-testid="profile-cases"', 1)[1].split("</section>", 1)[0]
    for case in (first, second):
        assert f'href="/cases/{case.id}"' in section and case.number in section
    assert other.number not in section
    assert to_cst(deadline).strftime("%Y-%m-%d %H:%M") in section  # the open order's deadline

    # Minhang does not see Pudong's enterprise at all; the enterprise sees its profile, not the cases.
    assert client.get(f"/register/enterprises/{w.ent_a}", headers=h["minhang"]).status_code == 404
    own = client.get(f"/register/enterprises/{w.ent_a}", headers=h["ent"])
    assert own.status_code == 200 and 'data-testid="profile-cases"' not in own.text

    listed = client.get("/api/v1/cases", params={"enterprise_id": w.ent_a}, headers=h["pudong"]).json()
    assert sorted(c["id"] for c in listed) == sorted([first.id, second.id])
    assert client.get("/api/v1/cases", params={"enterprise_id": w.ent_a}, headers=h["minhang"]).json() == []
