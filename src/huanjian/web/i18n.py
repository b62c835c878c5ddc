"""UI languages: zh_CN by default, English switchable (Babel catalogues).

Source strings are English; ``locales/zh_CN/LC_MESSAGES/messages.po`` holds
the Chinese. Catalogues are read from the .po files at start-up, so there is
no compiled artefact to go stale.
"""

from __future__ import annotations

from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES = ("zh_CN", "en")
LOCALE_NAMES = {"zh_CN": "中文", "en": "English"}
LOCALE_DIR = Path(__file__).resolve().parent / "locales"

current_locale: ContextVar[str] = ContextVar("current_locale", default="zh_CN")


@cache
def translations(locale: str) -> NullTranslations:
    po = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    trans = Translations()
    # Babel's Translations is a gettext catalogue; fill it from the parsed .po.
    for message in catalog:
        if message.id and message.string and not message.fuzzy:
            key = message.id if isinstance(message.id, str) else message.id[0]
            value = message.string if isinstance(message.string, str) else message.string[0]
            trans._catalog[key] = value
    return trans


def gettext(message: str) -> str:
    return str(translations(current_locale.get()).gettext(message))


def ngettext(singular: str, plural: str, n: int) -> str:
    return str(translations(current_locale.get()).ngettext(singular, plural, n))


def pick_locale(query: str | None, cookie: str | None, user_locale: str | None, default: str) -> str:
    for candidate in (query, cookie, user_locale, default):
        if candidate in LOCALES:
            return candidate
    return "zh_CN"
