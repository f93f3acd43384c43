"""Turning a stored message into words in one reader's language.

A message is an English msgid with ``{placeholders}``; its params are stored as JSON. Two
kinds of param are resolved per reader before formatting: a moment (``moment(...)``), shown
in the reader's language and the visit's zone, and words given in each language
(``in_each_language(...)``), such as a service name from the menu.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from eldercare.web.i18n import DEFAULT_LOCALE, translate

_MOMENT_PATTERNS = {"zh_CN": "M月d日 EEEE HH:mm", "en": "EEEE d MMMM, HH:mm"}


def moment(value: datetime, zone: str) -> dict[str, str]:
    """A time shown as each reader says it: "12月1日 星期二 09:30", "Tuesday 1 December, 09:30"."""
    return {"moment": value.astimezone(UTC).isoformat(), "tz": zone}


def in_each_language(zh: str, en: str) -> dict[str, str]:
    return {"zh_CN": zh, "en": en}


def _resolve(value: Any, locale: str) -> Any:
    if not isinstance(value, dict):
        return value
    if "moment" in value:
        when = datetime.fromisoformat(value["moment"])
        pattern = _MOMENT_PATTERNS.get(locale, _MOMENT_PATTERNS[DEFAULT_LOCALE])
        return format_datetime(
            when, pattern, tzinfo=ZoneInfo(value.get("tz") or "Asia/Shanghai"), locale=locale
        )
    return value.get(locale) or value.get(DEFAULT_LOCALE) or ""


def render(locale: str, message: str, params: dict[str, Any]) -> str:
    """The message in ``locale`` with every placeholder filled in for that reader."""
    resolved = {key: _resolve(value, locale) for key, value in params.items()}
    return translate(locale, message, **resolved)
