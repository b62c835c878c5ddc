"""The web shell in a real browser: log in, language, audit trail, log out, phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import PHONE, login, shot, update_readme_screenshot

pytestmark = pytest.mark.browser

CHINESE_NAV = {
    "home": "首页",
    "notifications": "消息通知",
    "audit": "操作留痕",
    "jobs": "后台任务",
    "users": "用户管理",
}
ENGLISH_NAV = {
    "home": "Home",
    "notifications": "Notifications",
    "audit": "Audit trail",
    "jobs": "Background jobs",
    "users": "Users",
}


def _nav(page: Page, key: str) -> Locator:
    return page.locator(f"[data-nav='{key}']")


def test_login_shows_the_user_and_the_chinese_navigation(page: Page) -> None:
    login(page, "city")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_test_id("current-user")).to_contain_text("王监管")
    for key, label in CHINESE_NAV.items():
        expect(_nav(page, key)).to_have_text(label)
    expect(_nav(page, "home")).to_have_attribute("aria-current", "page")
    sidenav = page.locator(".sidenav")
    for label in ("污染源信息库", "在线监测数据", "数据审核", "异常线索", "案件", "信用评价"):
        expect(sidenav).to_contain_text(label)
    expect(page.locator("main h1")).to_have_text("监管、监测、执法三监联动")
    shot(page, "home-zh-desktop")
    update_readme_screenshot(page)


def test_switch_to_english_and_back(page: Page) -> None:
    login(page, "city")
    page.locator("[data-lang='en']").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    for key in ("home", "notifications", "audit"):
        expect(_nav(page, key)).to_have_text(ENGLISH_NAV[key])
    expect(page.locator(".sidenav")).to_contain_text("Source register")
    expect(page.locator("main h1")).to_have_text("Regulate, monitor, enforce")
    shot(page, "home-en-desktop")

    # The choice is kept (cookie) when following a link without ?lang=.
    _nav(page, "notifications").click()
    expect(page.locator("main h1")).to_have_text("Notifications")

    page.locator("[data-lang='zh_CN']").click()
    expect(page.locator("main h1")).to_have_text("消息通知")
    _nav(page, "home").click()
    expect(page.locator("main h1")).to_have_text("监管、监测、执法三监联动")


def test_audit_trail_shows_the_login(page: Page) -> None:
    login(page, "city")
    _nav(page, "audit").click()
    expect(page.locator("main h1")).to_have_text("操作留痕")
    entry = page.locator("table.grid tbody tr", has=page.locator("code", has_text="token.issue.session"))
    expect(entry.first).to_be_visible()
    first = entry.first
    first.locator("summary").click()
    expect(first.locator("pre").first).to_be_visible()
    expect(first).to_contain_text('"user": "city"')
    shot(page, "audit-zh-desktop")


def test_log_out(page: Page) -> None:
    login(page, "city")
    page.get_by_role("button", name="退出登录").click()
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_test_id("current-user")).to_have_count(0)
    page.goto("/audit")
    expect(page).to_have_url(re.compile(r"/login\?next=/audit"))
    expect(page.locator("main h1")).to_have_text("登录")


def test_wrong_password_shows_the_error(page: Page) -> None:
    login(page, "city", "not-the-password")
    alert = page.get_by_role("alert")
    expect(alert).to_have_text("用户名或密码错误")
    expect(page.locator("input[name=username]")).to_have_value("city")
    expect(page.get_by_test_id("current-user")).to_have_count(0)
    shot(page, "login-error-zh-desktop")

    page.locator("[data-lang='en']").click()
    login(page, "city", "still-not-it")
    expect(page.get_by_role("alert")).to_have_text("Wrong username or password.")


def test_a_forbidden_page_explains_itself(page: Page) -> None:
    login(page, "city")  # bureau staff: no jobs.read
    page.goto("/jobs")
    error = page.get_by_test_id("error")
    expect(error).to_have_attribute("data-code", "forbidden")
    expect(error).to_contain_text("您没有访问该页面或执行该操作的权限")
    shot(page, "forbidden-zh-desktop")
    error.get_by_role("link", name="返回首页").click()
    expect(page.locator("main h1")).to_have_text("监管、监测、执法三监联动")


def _no_horizontal_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"page is {width}px wide on a {PHONE['width']}px phone"


def test_phone_login_and_navigation(phone: Page) -> None:
    phone.goto("/login")
    _no_horizontal_scroll(phone)
    shot(phone, "login-zh-phone")
    login(phone, "city")
    expect(phone.get_by_test_id("current-user")).to_contain_text("王监管")
    expect(phone.locator("main h1")).to_be_visible()
    _no_horizontal_scroll(phone)
    shot(phone, "home-zh-phone")
    # The navigation must stay reachable on a phone.
    audit = _nav(phone, "audit")
    audit.scroll_into_view_if_needed()
    expect(audit).to_be_visible()
    audit.tap()
    expect(phone.locator("main h1")).to_have_text("操作留痕")
    _no_horizontal_scroll(phone)
    shot(phone, "audit-zh-phone")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_every_page_renders_for_the_administrator(size: str, page: Page, phone: Page) -> None:
    """Each enabled navigation entry opens a page with a heading and no overflow on phones."""
    tab = page if size == "desktop" else phone
    login(tab, "admin")
    keys = tab.locator("[data-nav]").evaluate_all("els => els.map(e => e.dataset.nav)")
    assert {"home", "audit", "jobs", "users", "notifications"} <= set(keys)
    for key in keys:
        tab.goto(tab.locator(f"[data-nav='{key}']").get_attribute("href") or "/")
        expect(tab.locator(f"[data-nav='{key}']")).to_have_attribute("aria-current", "page")
        expect(tab.locator("main h1")).to_be_visible()
        if size == "phone":
            _no_horizontal_scroll(tab)
        shot(tab, f"page-{key}-zh-{size}")
