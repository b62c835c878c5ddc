"""The field record on a phone: offline steps, photo and custody signatures, the server
changes meanwhile (the record is reassigned), back online — nothing lost or duplicated,
the conflict shown. Runs against the demo's field record assigned to ``station``."""

from __future__ import annotations

import json
import urllib.request
from collections import Counter
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DEMO_PASSWORD, Server, login, shot
from tests.field.builders import png

pytestmark = pytest.mark.browser


def _api(server: Server, method: str, path: str, token: str | None = None, body: Any = None) -> Any:
    req = urllib.request.Request(
        server.url + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={
            "Content-Type": "application/json",
            **({"Authorization": f"Bearer {token}"} if token else {}),
        },
    )
    with urllib.request.urlopen(req, timeout=15) as resp:
        return json.loads(resp.read())


def _token(server: Server, username: str) -> str:
    return str(
        _api(server, "POST", "/api/v1/auth/tokens", body={"username": username, "password": DEMO_PASSWORD})[
            "token"
        ]
    )


def _draw(page: Page, seed: int) -> None:
    box = page.get_by_test_id("sig-pad").bounding_box()
    assert box is not None
    x, y = box["x"] + 20, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for i in range(1, 8):
        page.mouse.move(x + 30 * i, y + (15 if (i + seed) % 2 else -15))
    page.mouse.up()


def test_offline_field_record_with_conflict(phone: Page, server: Server) -> None:
    admin = _token(server, "admin")
    records = [r for r in _api(server, "GET", "/api/v1/field/records", admin) if r["status"] == "open"]
    assert records, "the demo seeds a field record for 'station'"
    rid = records[-1]["id"]
    login(phone, "station")
    phone.goto(f"/field/records/{rid}")
    expect(phone.get_by_test_id("queue-count")).to_have_text("0")

    # Online: check in at the outlet's registered position.
    outlet = _api(server, "GET", f"/api/v1/field/records/{rid}", admin)["outlet"]
    phone.get_by_test_id("lat").fill(str(outlet["latitude"]))
    phone.get_by_test_id("lon").fill(str(outlet["longitude"]))
    phone.get_by_test_id("checkin").click()
    expect(phone.locator("#log li[data-status=sent]")).to_have_count(1)

    # Offline: checkpoints, a reading, a photo, a sample and two custody signatures.
    phone.context.set_offline(True)
    expect(phone.get_by_test_id("net-state")).to_have_text("离线")
    for key in ("leak_check", "zero_check", "span_check"):
        phone.get_by_test_id(f"cp-{key}").click()
    phone.get_by_test_id("reading-value").fill("28.4")
    phone.get_by_test_id("reading").click()
    phone.get_by_test_id("photo-input").set_input_files(
        files=[{"name": "site.png", "mimeType": "image/png", "buffer": png(64, 48, seed=3)}]
    )
    phone.get_by_test_id("photo").click()
    phone.get_by_test_id("sample").click()
    expect(phone.locator("[data-testid=custody-sample] option")).to_have_count(1)
    for i, (role, name) in enumerate((("sampler", "陈工"), ("enterprise", "企业 张环保"))):
        phone.get_by_test_id("custody-role").select_option(role)
        phone.get_by_test_id("custody-name").fill(name)
        _draw(phone, i)
        phone.get_by_test_id("custody").click()
        expect(phone.get_by_test_id("queue-count")).to_have_text(str(7 + i))
    offline_uuids: list[str] = phone.evaluate(
        "huanjianField.queue().then(q => q.filter(i => i.status === 'queued').map(i => i.uuid))"
    )
    assert len(offline_uuids) == 8

    # Meanwhile the server changes: the record is reassigned.
    _api(
        server,
        "POST",
        f"/api/v1/field/records/{rid}/reassign",
        admin,
        {"assignee": "signer", "reason": "人员调整"},
    )

    # Back online: the queue empties, every step is on the server once, the conflict is shown.
    phone.context.set_offline(False)
    expect(phone.get_by_test_id("queue-count")).to_have_text("0", timeout=20_000)
    expect(phone.get_by_test_id("conflict-count")).to_have_text("8")
    expect(phone.get_by_test_id("conflicts")).to_be_visible()
    expect(phone.get_by_test_id("conflict").first).to_contain_text("reassigned to signer")
    expect(phone.get_by_test_id("assignee")).to_have_text("市监测站 刘签发")

    state = _api(server, "GET", f"/api/v1/field/records/{rid}", admin)
    counts = Counter(e["uuid"] for e in state["events"])
    assert all(counts[u] == 1 for u in offline_uuids), counts
    assert max(counts.values()) == 1
    by_uuid = {e["uuid"]: e for e in state["events"]}
    assert {by_uuid[u]["status"] for u in offline_uuids} == {"conflict"}
    kinds = Counter(by_uuid[u]["kind"] for u in offline_uuids)
    assert kinds == {"checkpoint": 3, "reading": 1, "photo": 1, "sample": 1, "custody": 2}
    assert all(by_uuid[u]["device_time"] and by_uuid[u]["server_time"] for u in offline_uuids)
    photo = next(by_uuid[u] for u in offline_uuids if by_uuid[u]["kind"] == "photo")
    assert len(photo["payload"]["sha256"]) == 64 and photo["derived"]["attachment_id"]

    # Sending everything again (a lost answer) stores nothing twice.
    answer = phone.evaluate("huanjianField.resendAll()")
    assert {r["duplicate"] for r in answer["results"]} == {True}
    again = _api(server, "GET", f"/api/v1/field/records/{rid}", admin)
    assert len(again["events"]) == len(state["events"])
    shot(phone, "field-record-conflicts")
