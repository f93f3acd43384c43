"""Languages: zh-CN by default, English on request; messages from Babel catalogs (.po).

Message ids are English. The .po files are read directly at start-up (no compile step),
so a translator edits a text file and restarts. Each feature may keep its own catalog
(``locale/zh_CN/LC_MESSAGES/<feature>.po``) beside the shared ``messages.po``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.pofile import read_po

LOCALES = ("zh_CN", "en")
DEFAULT_LOCALE = "zh_CN"
LANGUAGE_TAGS = {"zh_CN": "zh-CN", "en": "en"}


@cache
def _messages(locale: str) -> dict[str, str]:
    """Every catalog of the locale merged: ``messages.po`` plus one ``<feature>.po`` per feature."""
    folder = resources.files("eldercare").joinpath(f"locale/{locale}/LC_MESSAGES")
    messages: dict[str, str] = {}
    if not folder.is_dir():
        return messages
    for path in sorted(
        (p for p in folder.iterdir() if p.name.endswith(".po")), key=lambda p: p.name
    ):
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        messages.update(
            {
                m.id: m.string
                for m in catalog
                if isinstance(m.id, str) and m.id and m.string and not m.fuzzy
            }
        )
    return messages


def normalize_locale(value: str | None) -> str | None:
    """``zh``, ``zh-CN``, ``zh_Hans_CN`` → ``zh_CN``; ``en-US`` → ``en``; anything else → None."""
    if not value:
        return None
    value = value.strip().replace("-", "_").lower()
    if value.startswith("zh"):
        return "zh_CN"
    if value.startswith("en"):
        return "en"
    return None


def from_accept_language(header: str | None) -> str | None:
    """The first supported language of an Accept-Language header, by its q-values."""
    if not header:
        return None
    ranked = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, position, tag))
    for _, _, tag in sorted(ranked):
        if locale := normalize_locale(tag):
            return locale
    return None


def translate(locale: str, message: str, **params: Any) -> str:
    text = _messages(locale).get(message, message) if locale != "en" else message
    return text.format(**params) if params else text


def translator(locale: str) -> Callable[..., str]:
    def gettext(message: str, **params: Any) -> str:
        return translate(locale, message, **params)

    return gettext


def format_money(fen: int) -> str:
    """¥28.00 in both languages, as people write it here."""
    sign = "-" if fen < 0 else ""
    return f"{sign}¥{abs(fen) / 100:,.2f}"


def format_day(value: date, locale: str) -> str:
    return format_date(value, format="long", locale=Locale.parse(locale))


def format_moment(value: datetime, locale: str, timezone: str = "Asia/Shanghai") -> str:
    return format_datetime(
        value, format="medium", tzinfo=ZoneInfo(timezone), locale=Locale.parse(locale)
    )
