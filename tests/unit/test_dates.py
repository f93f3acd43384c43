"""Dates and times as people write them, in the platform's zone (Asia/Shanghai): zh-CN
"2026年12月1日 星期二 上午9:00", English "Tuesday 1 December 2026, 9:00 AM".

Babel's zh_CN ``a`` field (the one the patterns use) says 上午 for every time before noon and
下午 from noon on: midnight is 上午12:00 and noon is 下午12:00 (not 凌晨 / 中午, which belong to
the flexible ``B`` field)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from eldercare.notifications.rendering import day, moment, month, render
from eldercare.web.i18n import format_day, format_moment, format_money, format_month, format_time

SHANGHAI = ZoneInfo("Asia/Shanghai")


def shanghai(hour: int, minute: int = 0, *, on: int = 1) -> datetime:
    """A moment on ``on`` December 2026 (1 December is a Tuesday) in Shanghai, stored as UTC."""
    return datetime(2026, 12, on, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


def test_a_moment_reads_as_people_write_it_in_each_language():
    at = shanghai(9)
    assert format_moment(at, "zh_CN") == "2026年12月1日 星期二 上午9:00"
    assert format_moment(at, "en") == "Tuesday 1 December 2026, 9:00 AM"


def test_a_date_alone_has_its_weekday_and_a_birthday_goes_without():
    assert format_day(date(2026, 12, 3), "zh_CN") == "2026年12月3日 星期四"
    assert format_day(date(2026, 12, 3), "en") == "Thursday 3 December 2026"
    assert format_day(date(1940, 3, 5), "zh_CN", weekday=False) == "1940年3月5日"
    assert format_day(date(1940, 3, 5), "en", weekday=False) == "5 March 1940"


@pytest.mark.parametrize(
    "hour, minute, zh, en",
    [
        (0, 0, "上午12:00", "12:00 AM"),  # midnight
        (0, 30, "上午12:30", "12:30 AM"),
        (9, 5, "上午9:05", "9:05 AM"),
        (11, 59, "上午11:59", "11:59 AM"),
        (12, 0, "下午12:00", "12:00 PM"),  # noon
        (13, 0, "下午1:00", "1:00 PM"),
        (21, 30, "下午9:30", "9:30 PM"),
    ],
)
def test_the_time_of_day_around_midnight_and_noon(hour, minute, zh, en):
    at = shanghai(hour, minute)
    assert format_time(at, "zh_CN") == zh
    assert format_time(at, "en") == en
    assert format_moment(at, "zh_CN").endswith(" " + zh)


def test_midnight_belongs_to_the_new_day_in_the_local_zone():
    at = shanghai(0, 30, on=2)  # 16:30 UTC on 1 December
    assert at.day == 1
    assert format_day(at, "zh_CN") == "2026年12月2日 星期三"
    assert format_moment(at, "en") == "Wednesday 2 December 2026, 12:30 AM"


def test_a_naive_moment_is_taken_as_utc_and_another_zone_can_be_asked_for():
    assert format_moment(datetime(2026, 12, 1, 1, 0), "zh_CN") == "2026年12月1日 星期二 上午9:00"
    at = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    assert format_time(at, "en", timezone="Asia/Urumqi") == "7:00 AM"


def test_a_month_from_a_date_or_from_yyyymm():
    assert format_month(202612, "zh_CN") == "2026年12月"
    assert format_month(date(2026, 12, 15), "en") == "December 2026"


def test_money_is_yuan_with_two_decimals_in_both_languages():
    assert format_money(2800) == "¥28.00"
    assert format_money(123456) == "¥1,234.56"
    assert format_money(-500) == "-¥5.00"


def test_messages_carry_days_and_months_written_for_each_reader():
    params = {"when": moment(shanghai(9), "Asia/Shanghai"), "due": day(date(2026, 12, 3))}
    assert render("zh_CN", "{when} / {due}", params) == (
        "2026年12月1日 星期二 上午9:00 / 2026年12月3日 星期四"
    )
    assert render("en", "{when} / {due}", params) == (
        "Tuesday 1 December 2026, 9:00 AM / Thursday 3 December 2026"
    )
    assert render("zh_CN", "{m}", {"m": month(202701)}) == "2027年1月"
    assert render("en", "{m}", {"m": month(202701)}) == "January 2027"
