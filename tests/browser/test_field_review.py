"""The field pages beyond the phone record: a report drafted, checked and refused signing
(a technical check fails) then returned, by three different people; a lab's upload of
its report with the file; and the field record page opening offline in a tab that was
never opened before going offline (the service worker)."""

from __future__ import annotations

import hashlib
import json
import re
import urllib.error
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import DEMO_PASSWORD, PHONE, Server, login, shot
from tests.browser.test_field import _api, _token

pytestmark = pytest.mark.browser


def _as(page: Page, username: str) -> None:
    page.context.clear_cookies()
    login(page, username)


def _drafter(server: Server) -> str:
    """A third station person holding report.draft only (the demo has a checker and a signer)."""
    admin = _token(server, "admin")
    try:
        _api(
            server,
            "POST",
            "/api/v1/users",
            admin,
            {
                "username": "drafter",
                "full_name": "市监测站 周编制",
                "role": "station",
                "password": DEMO_PASSWORD,
                "jurisdiction_code": "310000",
            },
        )
        _api(
            server,
            "POST",
            "/api/v1/users/drafter/permissions",
            admin,
            {"permission": "report.draft", "reason": "报告编制人"},
        )
    except urllib.error.HTTPError as exc:
        if exc.code != 409:  # made by an earlier test in this server
            raise
    return "drafter"


def test_report_review_pages_refuse_signing_while_a_check_fails(page: Page, server: Server) -> None:
    _as(page, _drafter(server))
    page.goto("/field")
    page.get_by_test_id("draft-report").locator("summary").click()
    # A result for a sample the field record does not have: "consistent with the records" fails.
    page.get_by_test_id("draft-lab-results").fill("S-NOT-TAKEN a21026 41.2 mg/m3")
    page.get_by_test_id("draft-submit").click()
    expect(page).to_have_url(re.compile(r"/field/reports/\d+$"))
    expect(page.get_by_test_id("report-state")).to_have_text("draft")
    failing = page.locator("[data-testid=report-checks] tr[data-check=consistent_with_records]")
    expect(failing).to_have_attribute("data-status", "fail")
    expect(page.get_by_test_id("check-report")).to_have_count(0)  # the drafter cannot check
    url = page.url

    _as(page, "station")
    page.goto(url)
    page.get_by_test_id("check-report").click()
    expect(page.get_by_test_id("report-state")).to_have_text("checked")

    _as(page, "signer")
    page.goto(url)
    expect(page.get_by_test_id("sign-blocked")).to_contain_text("consistent_with_records")
    expect(page.get_by_test_id("sign-report")).to_be_disabled()
    # Forced past the page, the server refuses too, and says so in the form's message area.
    page.get_by_test_id("sign-report").evaluate("b => b.disabled = false")
    page.get_by_test_id("sign-report").click()
    expect(page.get_by_test_id("msg-sign")).to_contain_text("a technical check fails")
    expect(page.get_by_test_id("report-state")).to_have_text("checked")
    shot(page, "field-report-sign-refused")
    page.get_by_test_id("return-reason").fill("结果与原始记录不一致")
    page.get_by_test_id("return-report").click()
    expect(page.get_by_test_id("report-state")).to_have_text("draft")


def test_lab_uploads_its_report_with_the_file(page: Page, server: Server) -> None:
    _as(page, "lab")
    page.goto("/field")
    page.get_by_test_id("to-lab-upload").click()
    outlet = page.get_by_test_id("lab-outlet").locator("option").first.get_attribute("value")
    assert outlet
    page.get_by_test_id("lab-number").fill("SJ-2026-0815")
    page.get_by_test_id("lab-sampled-on").fill("2026-11-20")
    results = [{"sample_code": "L-1", "pollutant": "a21026", "value": 12.5, "unit": "mg/m3"}]
    content: dict[str, Any] = {"medium": "air", "results": results, "original_records": results, "qc": []}
    page.get_by_test_id("lab-content").fill(json.dumps(content, ensure_ascii=False))
    pdf = b"%PDF-1.4\n% lab report SJ-2026-0815\n"
    page.get_by_test_id("lab-file").set_input_files(
        files=[{"name": "SJ-2026-0815.pdf", "mimeType": "application/pdf", "buffer": pdf}]
    )
    page.get_by_test_id("lab-submit").click()
    expect(page).to_have_url(re.compile(r"/field/lab-reports/\d+$"))
    expect(page.get_by_test_id("lab-report-file")).to_contain_text("SJ-2026-0815.pdf")
    expect(page.get_by_test_id("lab-report-file")).to_contain_text(hashlib.sha256(pdf).hexdigest())
    # The same number again is refused in the form, the typed values stay.
    page.go_back()
    page.get_by_test_id("lab-submit").click()
    expect(page.get_by_test_id("msg-upload")).to_contain_text("uploaded already")
    expect(page.get_by_test_id("lab-number")).to_have_value("SJ-2026-0815")


def test_field_record_opens_offline_in_a_new_tab(browser: Browser, server: Server) -> None:
    admin = _token(server, "admin")
    records = [r for r in _api(server, "GET", "/api/v1/field/records", admin) if r["status"] == "open"]
    record = records[-1]
    # Whoever holds the record now (the offline test may have reassigned it).
    users = {u["id"]: u["username"] for u in _api(server, "GET", "/api/v1/users", admin)}
    context = browser.new_context(
        base_url=server.url, locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(15_000)
    try:
        first = context.new_page()
        login(first, users[record["assignee_id"]])
        first.goto("/field")
        warmed = first.evaluate("window.huanjianOffline")
        assert warmed.get("warmed", 0) >= 1, warmed
        kept = first.evaluate(
            "rid => caches.keys().then(ks => Promise.all(ks.map(k => caches.open(k)"
            ".then(c => c.match('/field/records/' + rid))))).then(hits => hits.some(Boolean))",
            record["id"],
        )
        assert kept, "the overview had the service worker keep the assigned record's page"
        first.close()

        context.set_offline(True)
        # The worker's own network is cut too, so what the tab shows comes from its cache.
        (worker,) = context.service_workers
        assert worker.evaluate("fetch('/healthz').then(() => 'online', () => 'offline')") == "offline"
        tab = context.new_page()
        tab.goto(f"/field/records/{record['id']}")
        expect(tab.locator("#field-app")).to_be_visible()
        expect(tab.get_by_test_id("net-state")).to_have_text("离线")
        expect(tab.get_by_test_id("queue-count")).to_have_text("0")
        shot(tab, "field-record-offline-new-tab")
    finally:
        context.set_offline(False)
        context.close()
