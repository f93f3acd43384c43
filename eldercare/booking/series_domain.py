"""Recurring visits: the supported RFC 5545 rules and expanding them into visit times, with
EXDATEs, statutory holidays, the one-year limit, splitting a rule, and the series' states.
(Building rules from plain choices, and putting them into words: series_words.py.)

Pure: no I/O, no clock (``now`` is passed in). A rule repeats a *wall-clock* time in the
elder's zone, so expansion runs on naive local times with python-dateutil and only then
attaches the zone: 11:30 stays 11:30 across a daylight-saving change.

Supported (anything else is 422 on ``rrule``): FREQ=DAILY|WEEKLY|MONTHLY, INTERVAL ≥ 1,
BYDAY (plain days for daily and weekly, with an ordinal 1-4 or -1..-4 for monthly),
BYMONTHDAY (1-31 or -1, monthly), COUNT or UNTIL, WKST. A rule with neither COUNT nor UNTIL
runs until cancelled (visits are created over a rolling horizon); a rule whose COUNT or
UNTIL ends more than a year ahead is refused: such an end is more likely a typing mistake
than a plan, and an open-ended rule says "until further notice" better.
"""

from __future__ import annotations

import calendar
import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
from dateutil import rrule as du

from eldercare.errors import N_, Conflict, Invalid

DAILY, WEEKLY, MONTHLY = "DAILY", "WEEKLY", "MONTHLY"
DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")  # index = weekday, Monday 0
MAX_INTERVAL = {DAILY: 366, WEEKLY: 52, MONTHLY: 12}
MAX_COUNT = 1000
MAX_AHEAD = timedelta(days=366)  # "a year ahead"
WEEKDAYS = (0, 1, 2, 3, 4)

# Series states: active → paused → active …; active/paused → cancelled; active → ended when
# its rule has no visit left. Occurrence states: what became of one time the rule gives.
ACTIVE, PAUSED, CANCELLED, ENDED = "active", "paused", "cancelled", "ended"
STATUSES = (ACTIVE, PAUSED, CANCELLED, ENDED)
MATERIALIZED, SKIPPED = "materialized", "skipped"  # plus CANCELLED

_DU_FREQ = {DAILY: du.DAILY, WEEKLY: du.WEEKLY, MONTHLY: du.MONTHLY}
_KEYS = {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "COUNT", "UNTIL", "WKST"}


def _bad(message: str, **params: object) -> Invalid:
    return Invalid("rrule", message, **params)


# --------------------------------------------------------------------------- the rule


@dataclass(frozen=True)
class Rule:
    freq: str
    interval: int = 1
    byday: tuple[tuple[int | None, int], ...] = ()  # (ordinal or None, weekday Monday 0)
    bymonthday: tuple[int, ...] = ()
    count: int | None = None
    until: datetime | None = None  # naive: local wall-clock; aware: UTC (a trailing Z)
    wkst: int | None = None

    @property
    def open_ended(self) -> bool:
        return self.count is None and self.until is None

    def text(self) -> str:
        """The RRULE as stored (canonical order, no ``RRULE:`` prefix)."""
        parts = [f"FREQ={self.freq}"]
        if self.interval != 1:
            parts.append(f"INTERVAL={self.interval}")
        if self.byday:
            parts.append("BYDAY=" + ",".join(f"{n or ''}{DAY_CODES[d]}" for n, d in self.byday))
        if self.bymonthday:
            parts.append("BYMONTHDAY=" + ",".join(str(d) for d in self.bymonthday))
        if self.count is not None:
            parts.append(f"COUNT={self.count}")
        if self.until is not None:
            stamp = self.until.astimezone(UTC) if self.until.tzinfo else self.until
            parts.append(
                "UNTIL=" + stamp.strftime("%Y%m%dT%H%M%S") + ("Z" if self.until.tzinfo else "")
            )
        if self.wkst is not None:
            parts.append(f"WKST={DAY_CODES[self.wkst]}")
        return ";".join(parts)


def _int(value: str, message: str) -> int:
    if not value.lstrip("+-").isdigit() or len(value) > 6:
        raise _bad(message)
    return int(value)


def _day(code: str, freq: str) -> tuple[int | None, int]:
    ordinal, name = code[:-2], code[-2:]
    if name not in DAY_CODES:
        raise _bad(
            N_("{value} is not a day of the week (use MO, TU, WE, TH, FR, SA or SU)."), value=code
        )
    if not ordinal:
        if freq == MONTHLY:
            raise _bad(
                N_(
                    "In a monthly rule, say which week: "
                    "1MO is the first Monday, -1FR the last Friday."
                )
            )
        return None, DAY_CODES.index(name)
    if freq != MONTHLY:
        raise _bad(
            N_("Only a monthly rule can name a week of the month, as in {value}."), value=code
        )
    number = _int(
        ordinal, N_("{value} is not a day of the week (use MO, TU, WE, TH, FR, SA or SU).")
    )
    if number == 0 or abs(number) > 4:
        raise _bad(N_("The week of the month can be 1 to 4, or -1 to -4 counted from the end."))
    return number, DAY_CODES.index(name)


def _until(value: str) -> datetime:
    formats = (("%Y%m%dT%H%M%SZ", True), ("%Y%m%dT%H%M%S", False), ("%Y%m%d", False))
    for pattern, utc in formats:
        try:
            moment = datetime.strptime(value, pattern)
        except ValueError:
            continue
        if pattern == "%Y%m%d":  # a date: the whole of that day is included
            return datetime.combine(moment.date(), time(23, 59, 59))
        return moment.replace(tzinfo=UTC) if utc else moment
    raise _bad(N_("UNTIL must be a date like 20270131 or 20270131T235959."))


@functools.lru_cache(maxsize=1024)
def parse(text: str) -> Rule:
    """The rule, or 422 on ``rrule`` saying what is not supported. Kept per text (a rule is
    immutable, and the hourly sweep reads the same few rules for every series)."""
    body = (text or "").strip()
    if body.upper().startswith("RRULE:"):
        body = body[6:]
    if not body or len(body) > 300:
        raise _bad(N_("Please give a repeat rule, like FREQ=WEEKLY;BYDAY=MO,WE,FR."))
    values: dict[str, str] = {}
    for part in body.split(";"):
        key, sep, value = part.strip().partition("=")
        key, value = key.upper(), value.strip().upper()
        if not sep or not value:
            raise _bad(N_("This repeat rule cannot be read: {part}."), part=part or ";")
        if key not in _KEYS:
            raise _bad(
                N_(
                    "{part} is not supported: repeat rules may use FREQ, INTERVAL, BYDAY, "
                    "BYMONTHDAY, COUNT and UNTIL."
                ),
                part=part.strip(),
            )
        if key in values:
            raise _bad(N_("{key} is given twice."), key=key)
        values[key] = value
    freq = values.get("FREQ", "")
    if freq not in _DU_FREQ:
        raise _bad(
            N_("Visits can repeat daily, weekly or monthly (FREQ=DAILY, WEEKLY or MONTHLY).")
        )
    interval = _int(
        values.get("INTERVAL", "1"), N_("The interval must be a whole number of at least 1.")
    )
    if interval < 1:
        raise _bad(N_("The interval must be a whole number of at least 1."))
    if interval > MAX_INTERVAL[freq]:
        raise _bad(N_("The interval can be at most {max} for this rule."), max=MAX_INTERVAL[freq])
    byday = (
        tuple(_day(code.strip(), freq) for code in values["BYDAY"].split(","))
        if "BYDAY" in values
        else ()
    )
    if len(set(byday)) != len(byday):
        raise _bad(N_("A day is named twice in BYDAY."))
    if byday and freq == DAILY and interval != 1:
        raise _bad(
            N_("A daily rule with BYDAY cannot have an interval; use a weekly rule instead.")
        )
    bymonthday = ()
    if "BYMONTHDAY" in values:
        if freq != MONTHLY:
            raise _bad(N_("BYMONTHDAY can only be used in a monthly rule."))
        if byday:
            raise _bad(N_("A monthly rule uses either BYDAY or BYMONTHDAY, not both."))
        bymonthday = tuple(
            sorted(
                {
                    _int(d.strip(), N_("Days of the month are 1 to 31, or -1 for the last day."))
                    for d in values["BYMONTHDAY"].split(",")
                }
            )
        )
        if any(not (1 <= d <= 31 or d == -1) for d in bymonthday):
            raise _bad(N_("Days of the month are 1 to 31, or -1 for the last day."))
    if "COUNT" in values and "UNTIL" in values:
        raise _bad(N_("Give COUNT or UNTIL, not both."))
    count = None
    if "COUNT" in values:
        count = (
            int(values["COUNT"]) if values["COUNT"].isdigit() and len(values["COUNT"]) < 7 else 0
        )
        if not 1 <= count <= MAX_COUNT:
            raise _bad(N_("COUNT must be a whole number from 1 to {max}."), max=MAX_COUNT)
    until = _until(values["UNTIL"]) if "UNTIL" in values else None
    wkst = None
    if "WKST" in values:
        if values["WKST"] not in DAY_CODES:
            raise _bad(
                N_("{value} is not a day of the week (use MO, TU, WE, TH, FR, SA or SU)."),
                value=values["WKST"],
            )
        wkst = DAY_CODES.index(values["WKST"])
    return Rule(
        freq=freq,
        interval=interval,
        byday=byday,
        bymonthday=bymonthday,
        count=count,
        until=until,
        wkst=wkst,
    )


# --------------------------------------------------------------------------- expansion


def _naive(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0, tzinfo=None)


def until_local(rule: Rule, zone: ZoneInfo) -> datetime | None:
    if rule.until is None:
        return None
    return rule.until.astimezone(zone).replace(tzinfo=None) if rule.until.tzinfo else rule.until


def explicit(rule: Rule, dtstart_local: datetime) -> Rule:
    """The same rule with the days it takes from its start written out, so it keeps its
    meaning when it is restarted from another date (a split)."""
    if rule.freq == WEEKLY and not rule.byday:
        return replace(rule, byday=((None, dtstart_local.weekday()),))
    if rule.freq == MONTHLY and not rule.byday and not rule.bymonthday:
        return replace(rule, bymonthday=(dtstart_local.day,))
    return rule


def _du_rule(rule: Rule, dtstart_local: datetime, zone: ZoneInfo) -> du.rrule:
    weekdays = [du.weekday(d, n) for n, d in rule.byday] or None
    return du.rrule(
        _DU_FREQ[rule.freq],
        dtstart=_naive(dtstart_local),
        interval=rule.interval,
        byweekday=weekdays,
        bymonthday=list(rule.bymonthday) or None,
        count=rule.count,
        until=until_local(rule, zone),
        wkst=rule.wkst if rule.wkst is not None else du.MO,
    )


def _months_yield(rule: Rule, dtstart_local: datetime) -> bool:
    """Whether a monthly rule on fixed days ever meets a month that has one of them (day 31
    every 12 months from April never does, and dateutil would search to the year 9999)."""
    days = rule.bymonthday or ((dtstart_local.day,) if not rule.byday else ())
    if rule.freq != MONTHLY or not days or -1 in days or min(days) <= 28:
        return True
    month_index = dtstart_local.year * 12 + dtstart_local.month - 1
    for step in range(0, 48, 1):
        index = month_index + step * rule.interval
        year, month = divmod(index, 12)
        if min(days) <= calendar.monthrange(year, month + 1)[1]:
            return True
    return False


def local_times(
    rule: Rule, dtstart_local: datetime, zone: ZoneInfo, *, near: datetime | None = None
) -> Iterator[datetime]:
    """Every naive local time the rule gives, in order (EXDATEs and holidays not removed).

    With ``near`` (naive local), a daily or weekly rule without COUNT may start from the last
    whole period (its INTERVAL of days or weeks) before ``near`` instead of from the first:
    the same times from there on, without walking a year of them each hour (dateutil always
    starts at DTSTART). Times before ``near`` may still come."""
    if not _months_yield(rule, dtstart_local):
        return iter(())
    start = dtstart_local
    if near is not None and rule.count is None and rule.freq in (DAILY, WEEKLY):
        period = timedelta(days=rule.interval * (7 if rule.freq == WEEKLY else 1))
        start += max((near - dtstart_local) // period, 0) * period
    return iter(_du_rule(rule, start, zone))


def attach(local: datetime, zone: ZoneInfo) -> datetime:
    """A wall-clock time in the zone as an aware UTC moment. A time that does not exist that
    day (a spring-forward gap) moves forward by the gap; a repeated one takes its first."""
    return local.replace(tzinfo=zone).astimezone(UTC)


def is_statutory_holiday(day: date) -> bool:
    """A public holiday (National Day, Spring Festival …) by China's published calendar, as
    chinese-calendar knows it. Ordinary weekends are not holidays here, and make-up working
    days (调休) are working days; years the library has no data for count as no holiday."""
    try:
        off, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return False
    return bool(off and name)


def occurrences(
    rule_text: str,
    dtstart_local: datetime,
    timezone: str,
    start_utc: datetime,
    end_utc: datetime,
    exdates: Iterable[date] = (),
    skip_holidays: bool = False,
) -> list[datetime]:
    """The visit times (aware, UTC) in [start_utc, end_utc), without EXDATEs and, when asked,
    without statutory holidays."""
    rule, zone = parse(rule_text), ZoneInfo(timezone)
    if not _clock_within(dtstart_local, zone, start_utc, end_utc):
        return []
    skipped = set(exdates)
    last_local = end_utc.astimezone(zone).replace(tzinfo=None) + timedelta(days=1)
    first_local = start_utc.astimezone(zone).replace(tzinfo=None) - timedelta(days=1)
    found = []
    for local in local_times(rule, dtstart_local, zone, near=first_local):
        if local > last_local:
            break
        moment = attach(local, zone)
        if not start_utc <= moment < end_utc or local.date() in skipped:
            continue
        if skip_holidays and is_statutory_holiday(local.date()):
            continue
        found.append(moment)
    return found


def _clock_within(
    dtstart_local: datetime, zone: ZoneInfo, start_utc: datetime, end_utc: datetime
) -> bool:
    """Whether a window shorter than two days holds the rule's time of day on some day
    (longer ones always do). Every time a rule gives is at its start's time of day (no BYHOUR
    or BYMINUTE here), so a window without it has no visit: the hourly sweep asks this of
    every series, and most have no visit in the hour (a few days' times placed in the zone,
    instead of dateutil's rule built and walked)."""
    if end_utc - start_utc >= timedelta(days=2):
        return True
    clock = _naive(dtstart_local).time()
    first = start_utc.astimezone(zone).date() - timedelta(days=1)
    last = end_utc.astimezone(zone).date() + timedelta(days=1)
    for offset in range((last - first).days + 1):
        if (
            start_utc
            <= attach(datetime.combine(first + timedelta(days=offset), clock), zone)
            < end_utc
        ):
            return True
    return False


def first_time(rule_text: str, dtstart_local: datetime, timezone: str) -> datetime | None:
    """The first local time the rule gives from its start (the start itself when it matches)."""
    rule = parse(rule_text)
    return next(local_times(rule, dtstart_local, ZoneInfo(timezone)), None)


def last_time(
    rule_text: str, dtstart_local: datetime, timezone: str, *, limit: int = MAX_COUNT + 1
) -> datetime | None:
    """The last local time of a rule with COUNT or UNTIL (None when it runs until cancelled,
    or gives nothing)."""
    rule, zone = parse(rule_text), ZoneInfo(timezone)
    if rule.open_ended:
        return None
    last = None
    for index, local in enumerate(local_times(rule, dtstart_local, zone)):
        if index >= limit:
            break
        last = local
    return last


def check(rule_text: str, dtstart_local: datetime, timezone: str, now: datetime) -> Rule:
    """A rule fit to save: supported, giving at least one visit from its start, and ending
    (when it ends) at most a year ahead."""
    rule, zone = parse(rule_text), ZoneInfo(timezone)
    limit = now.astimezone(zone).replace(tzinfo=None) + MAX_AHEAD
    until = until_local(rule, zone)
    if until is not None and until.date() > limit.date():
        raise _bad(
            N_("A series can end at most a year ahead: choose an earlier end, or leave it open.")
        )
    first = None
    for index, local in enumerate(local_times(rule, dtstart_local, zone)):
        first = first or local
        if local > limit:
            raise _bad(
                N_("A series can end at most a year ahead: choose fewer visits, or leave it open.")
            )
        if rule.open_ended or index >= MAX_COUNT:
            break
    if first is None:
        raise _bad(N_("This rule gives no visit on or after the first date."))
    return rule


def parse_clock(text: str | None, key: str = "time") -> time | None:
    """A wall-clock time typed as 9:30 or 09:30 (None when empty)."""
    if not (text or "").strip():
        return None
    hours, _, minutes = (text or "").strip().partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(hours) <= 2 and len(minutes) == 2):
        raise Invalid(key, N_("Give the time like 09:30."))
    if int(hours) > 23 or int(minutes) > 59:
        raise Invalid(key, N_("Give the time like 09:30."))
    return time(int(hours), int(minutes))


# --------------------------------------------------------------------------- EXDATEs


def parse_exdates(text: str | None) -> set[date]:
    return {date.fromisoformat(d) for d in (text or "").split(",") if d.strip()}


def format_exdates(days: Iterable[date]) -> str:
    return ",".join(d.isoformat() for d in sorted(set(days)))


# --------------------------------------------------------------------------- splitting


def split(
    rule_text: str, dtstart_local: datetime, timezone: str, on: date
) -> tuple[str | None, str]:
    """ "From this date on, differently": the old rule ending the day before ``on`` (None when
    nothing is left of it) and the rule for a new series starting on ``on``. COUNT is shared
    out, so the two together give exactly the visits the old one would have."""
    zone = ZoneInfo(timezone)
    rule = explicit(parse(rule_text), dtstart_local)
    before = 0
    for local in local_times(rule, dtstart_local, zone):
        if local.date() >= on:
            break
        before += 1
    new = rule
    if rule.count is not None:
        if rule.count - before < 1:
            raise Invalid(
                "date", N_("The series has no visit on or after {date}."), date=on.isoformat()
            )
        new = replace(rule, count=rule.count - before)
    old = replace(
        rule, count=None, until=datetime.combine(on - timedelta(days=1), time(23, 59, 59))
    )
    return (old.text() if before else None), new.text()


# --------------------------------------------------------------------------- states

_ACTIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "pause": ((ACTIVE,), PAUSED),
    "resume": ((PAUSED,), ACTIVE),
    "cancel": ((ACTIVE, PAUSED), CANCELLED),
    "skip": ((ACTIVE, PAUSED), None),
    "change": ((ACTIVE,), None),
}


def transition(action: str, status: str) -> str:
    """The status after ``action`` (unchanged for skip/change), or 409 from this status."""
    sources, target = _ACTIONS[action]
    if status not in sources:
        raise Conflict(N_("This series is {status} and cannot be changed that way."), status=status)
    return target or status


def allowed_actions(status: str) -> list[str]:
    return [action for action, (sources, _) in _ACTIONS.items() if status in sources]
