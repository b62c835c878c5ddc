"""The off-site home and an outlet page in a real browser: the map and the series chart draw
(ECharts canvas), with no script error, on the demo data."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import login, shot

pytestmark = pytest.mark.browser


def test_home_map_and_outlet_chart_draw_without_script_errors(page: Page) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, "city")
    page.goto("/review")
    expect(page.locator("#map canvas")).to_have_count(1)
    expect(page.get_by_text("线索待处理").first).to_be_visible()
    page.wait_for_timeout(1500)  # let the chart finish its entry animation
    shot(page, "review-home")
    page.locator(".tiles").first.wait_for()
    outlet = page.locator("a[href^='/review/outlets/']").first
    href = outlet.get_attribute("href")
    assert href
    page.goto(href)
    expect(page.locator("#chart canvas")).to_have_count(1)
    expect(page.get_by_role("heading", name="质控事件")).to_be_visible()
    shot(page, "review-outlet")
    assert errors == []
