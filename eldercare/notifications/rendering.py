"""Turning a stored message into words in one reader's language.

A message is an English msgid with ``{placeholders}``; its params are stored as JSON. Some
params are resolved per reader before formatting: a moment (``moment(...)``), a day
(``day(...)``) and a month (``month(...)``), written as people write them in the reader's
language (eldercare/web/i18n.py: "2026年12月3日 星期二 上午9:00"), and words given in each
language (``in_each_language(...)``), such as a service name from the menu.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from eldercare.web.i18n import (
    DEFAULT_LOCALE,
    format_day,
    format_moment,
    format_money,
    format_month,
    translate,
)


def moment(value: datetime, zone: str) -> dict[str, str]:
    """A time shown as each reader says it, in ``zone``: "2026年12月1日 星期二 上午9:30",
    "Tuesday 1 December 2026, 9:30 AM"."""
    return {"moment": value.astimezone(UTC).isoformat(), "tz": zone}


def day(value: date) -> dict[str, str]:
    """A date alone: "2026年12月1日 星期二", "Tuesday 1 December 2026"."""
    return {"day": value.isoformat()}


def month(value: int) -> dict[str, int]:
    """A month as the integer ``YYYYMM``: "2026年12月", "December 2026"."""
    return {"month": value}


def money(fen: int) -> str:
    """An amount as people write it in both languages: "¥1,200.00"."""
    return format_money(fen)


def in_each_language(zh: str, en: str) -> dict[str, str]:
    return {"zh_CN": zh, "en": en}


def _resolve(value: Any, locale: str) -> Any:
    if not isinstance(value, dict):
        return value
    if "moment" in value:
        when = datetime.fromisoformat(value["moment"])
        return format_moment(when, locale, value.get("tz") or None)
    if "day" in value:
        return format_day(date.fromisoformat(value["day"]), locale)
    if "month" in value:
        return format_month(int(value["month"]), locale)
    return value.get(locale) or value.get(DEFAULT_LOCALE) or ""


def render(locale: str, message: str, params: dict[str, Any]) -> str:
    """The message in ``locale`` with every placeholder filled in for that reader."""
    resolved = {key: _resolve(value, locale) for key, value in params.items()}
    return translate(locale, message, **resolved)
