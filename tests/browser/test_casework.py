"""The enterprise profile shows the enterprise's cases and leads to the case page
(demo data: the field demo's case of the demo enterprise)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Server, login, shot
from tests.browser.test_field import _api, _token

pytestmark = pytest.mark.browser


def test_profile_shows_the_enterprise_cases(page: Page, server: Server) -> None:
    cases = _api(server, "GET", "/api/v1/cases", _token(server, "city"))
    assert cases, "the demo seeds a case"
    case = cases[-1]
    login(page, "city")
    page.goto(f"/register/enterprises/{case['enterprise_id']}")
    section = page.get_by_test_id("profile-cases")
    expect(section).to_contain_text(case["number"])
    expect(section).to_contain_text(case["title"])
    shot(page, "profile-cases-zh-desktop")
    section.get_by_role("link", name=case["number"]).click()
    expect(page).to_have_url(re.compile(rf"/cases/{case['id']}$"))
    expect(page.locator("main h1")).to_contain_text(case["number"])
