"""Electricity monitoring in a real browser: the demo meters, one meter's readings, a rejected upload."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import login, shot

pytestmark = pytest.mark.browser


def test_meters_readings_and_a_rejected_upload(page: Page, tmp_path_factory: pytest.TempPathFactory) -> None:
    login(page, "city")
    page.goto("/power")
    expect(page.locator("main h1")).to_have_text("用电监控")
    rows = page.locator("main table.grid").first.locator("tbody tr")
    expect(rows).to_have_count(4)  # the demo: production and treatment meters of two enterprises
    shot(page, "power-zh-desktop")
    rows.first.locator("a").click()
    expect(page.locator("main h1")).to_contain_text("电表")
    expect(page.locator("main table.grid tbody tr").first).to_be_visible()
    expect(page.locator("main")).to_contain_text("运行")
    bad = tmp_path_factory.mktemp("power") / "bad.csv"
    bad.write_text(
        "credit_code,facility_code,meter_code,quantity,period,data_time,value,state\n"
        "X,TA001,M1,power_kw,week,2026-11-01T08:00:00,1,\n",
        encoding="utf-8",
    )
    page.goto("/power")
    page.set_input_files("input[name=file]", str(bad))
    page.get_by_role("button", name="上传").click()
    expect(page.locator("main")).to_contain_text("nothing stored")
    expect(page.locator("main table.grid").last.locator("code")).to_have_text(["period"])
