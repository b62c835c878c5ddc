"""UI languages: every template string has a Chinese translation; ?lang= switches and sticks.

The msgids come from the same extraction the catalogues are built from
(``babel.cfg``), plus the labels that reach ``_()`` through a variable and
so cannot be extracted: navigation entries, job statuses, login errors.
A template that adds ``_("…")`` without a zh_CN translation fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from huanjian.access import service as access
from huanjian.access.policy import Principal
from huanjian.casework import states as case_states
from huanjian.core.tx import Tx
from huanjian.credit.pages import LABELS as CREDIT_LABELS
from huanjian.detect.clues import _severity as _clue_severity
from huanjian.detect.models import STATUSES as CLUE_STATUSES
from huanjian.detect.service import CATEGORIES as CLUE_CATEGORIES
from huanjian.draw import states as draw_states
from huanjian.power.pages import LABELS as POWER_LABELS
from huanjian.web import i18n
from huanjian.web.templating import NAV
from tests.factories import PASSWORD, make_user, seed_geo

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "huanjian"

# Values passed to _() through a variable (see the "dynamic" comments in the catalogue).
JOB_STATUSES = ("queued", "running", "done", "failed")
LOGIN_ERRORS = ("wrong username or password", "this account is disabled")
DRAW_STATES = draw_states.STATES
CASE_STATES = case_states.STATES
CASE_SOURCES = case_states.SOURCES
_LITERAL = re.compile(r"""\b_\(\s*(?P<q>["'])(?P<id>(?:(?!(?P=q)).)+)(?P=q)\s*\)""", re.S)


def _catalog(locale: str) -> Catalog:
    with (i18n.LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=locale)


def _extracted() -> dict[str, list[str]]:
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(PACKAGE), method_map, options_map
    ):
        msgid = message if isinstance(message, str) else message[0]
        found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


def _dynamic() -> list[str]:
    return [item["label"] for item in NAV] + [
        *JOB_STATUSES,
        *LOGIN_ERRORS,
        *DRAW_STATES,
        *CASE_STATES,
        *CASE_SOURCES,
        *CREDIT_LABELS,
        *POWER_LABELS,
        *CLUE_STATUSES,
        *CLUE_CATEGORIES,
        *{_clue_severity(x) for x in (0.0, 0.5, 1.0)},
    ]


def test_extraction_covers_every_template_literal() -> None:
    """babel.cfg must see every _("…") written in a template, wherever the template lives."""
    extracted = _extracted()
    assert "Log in" in extracted and len(extracted) > 40
    literals = {
        f"{path.relative_to(PACKAGE)}: {m['id']}"
        for path in PACKAGE.rglob("templates/**/*.html")
        for m in _LITERAL.finditer(path.read_text(encoding="utf-8"))
        if m["id"] not in extracted
    }
    assert not literals, f"babel.cfg does not extract these template strings: {sorted(literals)}"


def test_every_msgid_has_a_chinese_translation() -> None:
    zh = _catalog("zh_CN")
    wanted = {msgid: where for msgid, where in _extracted().items()}
    wanted.update({msgid: ["(dynamic)"] for msgid in _dynamic() if msgid not in wanted})
    missing = []
    for msgid, where in sorted(wanted.items()):
        message = zh.get(msgid)
        if message is None or not message.string or message.fuzzy:
            missing.append(f"{msgid!r} ({', '.join(where[:2])})")
    assert not missing, (
        f"add these to src/huanjian/web/locales/zh_CN/LC_MESSAGES/messages.po (and en/): {missing}"
    )


def test_catalogues_list_the_same_msgids() -> None:
    zh, en = _catalog("zh_CN"), _catalog("en")
    zh_ids = {m.id for m in zh if m.id}
    en_ids = {m.id for m in en if m.id}
    assert zh_ids == en_ids, f"only zh_CN: {sorted(zh_ids - en_ids)}; only en: {sorted(en_ids - zh_ids)}"
    assert not zh.obsolete and not en.obsolete, "drop the obsolete (#~) entries"


def test_chinese_strings_are_really_chinese() -> None:
    """Catches an English source string pasted in as its own 'translation'."""
    zh = _catalog("zh_CN")
    untranslated = [m.id for m in zh if m.id and not re.search(r"[\u4e00-\u9fff]", str(m.string))]
    assert not untranslated


# --- the login page, through the app (`client` from tests/web/conftest.py) -------------


def _lang(html: str) -> str:
    match = re.search(r'<html lang="([^"]+)"', html)
    assert match, "no <html lang>"
    return match[1]


def test_login_page_is_chinese_by_default_and_english_on_request(client: TestClient) -> None:
    page = client.get("/login")
    assert page.status_code == 200
    assert _lang(page.text) == "zh-CN"
    assert "登录" in page.text and "用户名" in page.text and "密码" in page.text
    assert "Log in" not in page.text and "hj_lang" not in page.headers.get("set-cookie", "")

    english = client.get("/login", params={"lang": "en"})
    assert _lang(english.text) == "en"
    assert "Log in" in english.text and "Username" in english.text and "登录" not in english.text
    assert client.cookies.get("hj_lang") == "en"

    # The cookie carries the choice to the next page without ?lang=.
    again = client.get("/login")
    assert _lang(again.text) == "en" and "Log in" in again.text

    back = client.get("/login", params={"lang": "zh_CN"})
    assert _lang(back.text) == "zh-CN" and "登录" in back.text
    assert client.cookies.get("hj_lang") == "zh_CN"
    assert "登录" in client.get("/login").text


def test_unknown_language_falls_back_to_chinese(client: TestClient) -> None:
    page = client.get("/login", params={"lang": "fr"})
    assert _lang(page.text) == "zh-CN"
    assert "hj_lang" not in client.cookies


def _staff(tx: Tx) -> None:
    seed_geo(tx)
    make_user(tx, "city", "bureau", "310000")
    make_user(tx, "pudong", "bureau", "310115")


def test_login_errors_are_translated(client: TestClient, tx: Tx) -> None:
    _staff(tx)
    access.set_active(tx, Principal.system(), "pudong", False, "test")
    tx.session.flush()

    wrong = client.post("/login", data={"username": "city", "password": "not-the-password"})
    assert wrong.status_code == 401
    assert "用户名或密码错误" in wrong.text and 'role="alert"' in wrong.text

    disabled = client.post("/login", data={"username": "pudong", "password": PASSWORD})
    assert disabled.status_code == 401 and "该账号已停用" in disabled.text

    client.cookies.set("hj_lang", "en")
    english = client.post("/login", data={"username": "city", "password": "not-the-password"})
    assert "Wrong username or password." in english.text


def test_logged_in_shell_shows_chinese_navigation(client: TestClient, tx: Tx) -> None:
    _staff(tx)
    tx.session.flush()
    login = client.post("/login", data={"username": "city", "password": PASSWORD}, follow_redirects=False)
    assert login.status_code == 303
    home = client.get("/")
    assert home.status_code == 200
    nav = ("首页", "污染源信息库", "在线监测数据", "数据审核", "异常线索", "案件", "信用评价", "操作留痕")
    for label in nav:
        assert label in home.text
    assert "Source register" in client.get("/", params={"lang": "en"}).text
