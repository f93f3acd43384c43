"""Languages: zh-CN by default, English on request; messages from Babel catalogs (.po).

Message ids are English. The .po files are read directly at start-up (no compile step),
so a translator edits a text file and restarts. Each feature may keep its own catalog
(``locale/zh_CN/LC_MESSAGES/<feature>.po``) beside the shared ``messages.po``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.pofile import read_po

from eldercare.settings import get_settings

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


# Dates and times as people write them. Babel patterns, per language:
#   zh-CN  2026年12月3日 星期二 上午9:00   (``a`` gives 上午 / 下午: midnight is 上午12:00,
#          noon 下午12:00)
#   en     Tuesday 3 December 2026, 9:00 AM
# A day alone drops the time; a month is 2026年12月 / December 2026. Machine formats (ISO 8601)
# stay in <time datetime> attributes, form values and the API.
_PATTERNS = {
    "zh_CN": {
        "day": "y年M月d日 EEEE",
        "plain_day": "y年M月d日",
        "time": "ah:mm",
        "moment": "y年M月d日 EEEE ah:mm",
        "month": "y年M月",
    },
    "en": {
        "day": "EEEE d MMMM y",
        "plain_day": "d MMMM y",
        "time": "h:mm a",
        "moment": "EEEE d MMMM y, h:mm a",
        "month": "MMMM y",
    },
}


def _pattern(locale: str, kind: str) -> str:
    return _PATTERNS.get(locale, _PATTERNS["en"])[kind]


def local_time(value: datetime, timezone: str | None = None) -> datetime:
    """A stored moment in the platform's zone (a naive one is taken as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(ZoneInfo(timezone or get_settings().timezone))


def format_day(
    value: date | datetime, locale: str, *, weekday: bool = True, timezone: str | None = None
) -> str:
    """ "2026年12月3日 星期二" / "Tuesday 3 December 2026"; without the weekday for dates such
    as a birthday ("2026年12月3日" / "3 December 2026"). A moment is taken in the local zone."""
    day = local_time(value, timezone).date() if isinstance(value, datetime) else value
    pattern = _pattern(locale, "day" if weekday else "plain_day")
    return format_date(day, pattern, locale=Locale.parse(locale))


def format_time(value: datetime, locale: str, timezone: str | None = None) -> str:
    """ "上午9:00" / "9:00 AM", in the local zone."""
    return format_datetime(
        local_time(value, timezone), _pattern(locale, "time"), locale=Locale.parse(locale)
    )


def format_moment(value: datetime, locale: str, timezone: str | None = None) -> str:
    """ "2026年12月3日 星期二 上午9:00" / "Tuesday 3 December 2026, 9:00 AM", in the local zone."""
    return format_datetime(
        local_time(value, timezone), _pattern(locale, "moment"), locale=Locale.parse(locale)
    )


def format_month(value: date | int, locale: str) -> str:
    """ "2026年12月" / "December 2026", of a date or a month as the integer ``YYYYMM``."""
    day = date(value // 100, value % 100, 1) if isinstance(value, int) else value
    return format_date(day, _pattern(locale, "month"), locale=Locale.parse(locale))
