"""Recurring visits in plain language, both ways: the rule for what a person picked on the
page ("every weekday", "every other Saturday") — never typed as RRULE text — and a stored
rule put back into words in the reader's language ("每个工作日 11:30").

Pure, like series_domain.py: translation comes in as a ``gettext(msgid, **params)`` function.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from eldercare.booking.series_domain import (
    DAILY,
    MAX_COUNT,
    MAX_INTERVAL,
    MONTHLY,
    WEEKDAYS,
    WEEKLY,
    Rule,
    parse,
    until_local,
)
from eldercare.errors import N_, Invalid

Gettext = Callable[..., str]


# --------------------------------------------------------------------------- plain choices

KINDS = ("daily", "weekdays", "weekly", "every_other_week", "monthly_day", "monthly_weekday")


def plain_rule(
    kind: str,
    days: Iterable[int] = (),
    interval: int = 1,
    count: int | None = None,
    until: date | None = None,
    month_day: int | None = None,
    nth: int | None = None,
) -> str:
    """The RRULE for what a person picked on the page ("every weekday", "every other Saturday").

    ``days`` are weekdays (Monday 0); ``nth`` is the week of the month for ``monthly_weekday``
    (1-4, -1 for the last); ``until`` is the last local date with a visit.
    """
    days = sorted(set(days))
    if kind not in KINDS:
        raise Invalid("kind", N_("Choose how often the visits repeat."))
    if interval < 1:
        raise Invalid("interval", N_("The interval must be a whole number of at least 1."))
    if any(d not in range(7) for d in days):
        raise Invalid("days", N_("Choose days of the week."))
    if kind in ("weekly", "every_other_week", "monthly_weekday") and not days:
        raise Invalid("days", N_("Choose at least one day of the week."))
    if count is not None and until is not None:
        raise Invalid("count", N_("Give the number of visits or an end date, not both."))
    if count is not None and not 1 <= count <= MAX_COUNT:
        raise Invalid("count", N_("The number of visits must be from 1 to {max}."), max=MAX_COUNT)
    if kind == "daily":
        rule = Rule(DAILY, interval=interval)
    elif kind == "weekdays":
        rule = Rule(WEEKLY, byday=tuple((None, d) for d in WEEKDAYS))
    elif kind in ("weekly", "every_other_week"):
        rule = Rule(
            WEEKLY,
            interval=2 if kind == "every_other_week" else interval,
            byday=tuple((None, d) for d in days),
        )
    elif kind == "monthly_day":
        if month_day is None or not (1 <= month_day <= 31 or month_day == -1):
            raise Invalid("month_day", N_("Days of the month are 1 to 31, or -1 for the last day."))
        rule = Rule(MONTHLY, interval=interval, bymonthday=(month_day,))
    else:
        if nth is None or nth == 0 or abs(nth) > 4:
            raise Invalid(
                "nth", N_("The week of the month can be 1 to 4, or -1 to -4 counted from the end.")
            )
        rule = Rule(MONTHLY, interval=interval, byday=tuple((nth, d) for d in days))
    if rule.interval > MAX_INTERVAL[rule.freq]:
        raise Invalid(
            "interval",
            N_("The interval can be at most {max} for this rule."),
            max=MAX_INTERVAL[rule.freq],
        )
    if until is not None:
        rule = replace(rule, until=datetime.combine(until, time(23, 59, 59)))
    return replace(rule, count=count).text()


# --------------------------------------------------------------------------- words

DAY_NAMES = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)
ORDINALS = {
    1: N_("first {day}"),
    2: N_("second {day}"),
    3: N_("third {day}"),
    4: N_("fourth {day}"),
    -1: N_("last {day}"),
    -2: N_("second to last {day}"),
    -3: N_("third to last {day}"),
    -4: N_("fourth to last {day}"),
}


def _join(words: list[str], _: Gettext) -> str:
    text = words[0]
    for index, word in enumerate(words[1:], start=1):
        last = index == len(words) - 1
        text = (
            _(N_("{days} and {day}"), days=text, day=word)
            if last
            else _(N_("{days}, {day}"), days=text, day=word)
        )
    return text


def _pattern(rule: Rule, dtstart_local: datetime, _: Gettext, at: str) -> str:
    n = rule.interval
    if rule.freq == MONTHLY:
        if rule.byday:
            days = _join([_(ORDINALS[o or 1], day=_(DAY_NAMES[d])) for o, d in rule.byday], _)
            if n == 1:
                return _(N_("on the {days} of every month at {time}"), days=days, time=at)
            return _(N_("on the {days} of every {n} months at {time}"), days=days, n=n, time=at)
        month_days = rule.bymonthday or (dtstart_local.day,)
        if month_days == (-1,):
            if n == 1:
                return _(N_("on the last day of every month at {time}"), time=at)
            return _(N_("on the last day of every {n} months at {time}"), n=n, time=at)
        day = _join([str(d) for d in month_days if d > 0], _)
        if n == 1:
            return _(N_("on day {day} of every month at {time}"), day=day, time=at)
        return _(N_("on day {day} of every {n} months at {time}"), day=day, n=n, time=at)
    weekdays = sorted({d for _o, d in rule.byday}) or (
        [] if rule.freq == DAILY else [dtstart_local.weekday()]
    )
    if (rule.freq == DAILY and not weekdays) or (n == 1 and len(weekdays) == 7):
        if n == 1:
            return _(N_("every day at {time}"), time=at)
        return _(N_("every {n} days at {time}"), n=n, time=at)
    if n == 1 and tuple(weekdays) == WEEKDAYS:
        return _(N_("every weekday at {time}"), time=at)
    days = _join([_(DAY_NAMES[d]) for d in weekdays], _)
    if n == 1:
        return _(N_("every {days} at {time}"), days=days, time=at)
    if n == 2:
        return _(N_("every other {days} at {time}"), days=days, time=at)
    return _(N_("every {n} weeks on {days} at {time}"), n=n, days=days, time=at)


def describe(rule_text: str, dtstart_local: datetime, timezone: str, gettext: Gettext) -> str:
    """The rule in plain words, in the reader's language: "每个工作日 11:30", "every other
    Saturday at 09:00, 6 visits in all". ``gettext(msgid, **params)`` translates."""
    rule = parse(rule_text)
    words = _pattern(
        rule, dtstart_local, gettext, f"{dtstart_local.hour:02d}:{dtstart_local.minute:02d}"
    )
    if rule.count is not None:
        return gettext(N_("{rule}, {count} visits in all"), rule=words, count=rule.count)
    until = until_local(rule, ZoneInfo(timezone))
    if until is not None:
        return gettext(N_("{rule}, until {date}"), rule=words, date=until.date().isoformat())
    return words
