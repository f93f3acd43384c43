"""Provider rules: weekly hours, days off, skills and certificates, status, service area.

Pure functions only (no I/O, no clock): callers pass the day or the visit's local times.
Bad input raises ``Invalid`` naming the field; an illegal status change raises ``Conflict``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from eldercare.errors import N_, Conflict, FieldProblem, Invalid
from eldercare.geo.domain import distance_km, region_contains

MINUTES_PER_DAY = 1440
WEEKDAYS = range(7)  # Monday 0 … Sunday 6, as ``date.weekday()`` counts
MAX_WINDOWS_PER_DAY = 6
MAX_DAYS_OFF = 400

# The skills named after the catalog's reference categories: what the pages offer as boxes.
KNOWN_SKILLS = (
    "daily-care",
    "meals",
    "housekeeping",
    "bathing",
    "haircut",
    "companionship",
    "health",
    "rehab",
    "volunteer",
)
MAX_SKILLS = 20
_SKILL = re.compile(r"[a-z][a-z0-9-]{0,31}")

# --------------------------------------------------------------------------- clock times

_CLOCK = re.compile(r"([0-9]{1,2}):([0-9]{2})")


def parse_clock(text: str, *, key: str = "weekly", end: bool = False) -> int:
    """ "08:30" → 510 minutes after midnight; only an end may be "24:00" (1440)."""
    match = _CLOCK.fullmatch(unicodedata.normalize("NFKC", text or "").strip())
    if match is None:
        raise Invalid(
            key,
            N_("“{time}” is not a time; write hours and minutes, like 08:00 or 17:30."),
            time=(text or "")[:10],
        )
    hours, minutes = int(match.group(1)), int(match.group(2))
    if end and (hours, minutes) == (24, 0):
        return MINUTES_PER_DAY
    if hours > 23 or minutes > 59:
        raise Invalid(
            key, N_("{time} is not a time of day (00:00 to 23:59, or 24:00 for an end)."), time=text
        )
    return hours * 60 + minutes


def format_clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


# --------------------------------------------------------------------------- weekly windows


@dataclass(frozen=True, order=True)
class Window:
    """One weekly working window in local time: [start_minute, end_minute) on ``weekday``."""

    weekday: int
    start_minute: int
    end_minute: int


def check_weekly(entries: Iterable[tuple[int, str, str]]) -> list[Window]:
    """Read ``(weekday, "HH:MM", "HH:MM")`` rows into windows; every problem names ``weekly``.

    Windows of one day may touch (08:00–12:00 and 12:00–18:00) but not overlap.
    """
    problems: list[FieldProblem] = []
    windows: list[Window] = []
    for weekday, start_text, end_text in entries:
        try:
            windows.append(_window(weekday, start_text, end_text))
        except Invalid as error:
            problems += error.problems
    problems += _overlaps(windows)
    if problems:
        raise Invalid.many(problems)
    return sorted(windows)


def _window(weekday: int, start_text: str, end_text: str) -> Window:
    if not isinstance(weekday, int) or weekday not in WEEKDAYS:
        raise Invalid("weekly", N_("The weekday must be 0 (Monday) to 6 (Sunday)."))
    start = parse_clock(start_text)
    end = parse_clock(end_text, end=True)
    if end <= start:
        raise Invalid(
            "weekly",
            N_("The end ({end}) must be after the start ({start})."),
            start=format_clock(start),
            end=format_clock(end),
        )
    return Window(weekday, start, end)


def _overlaps(windows: Sequence[Window]) -> list[FieldProblem]:
    problems = []
    by_day: dict[int, list[Window]] = {}
    for window in sorted(windows):
        by_day.setdefault(window.weekday, []).append(window)
    for day_windows in by_day.values():
        if len(day_windows) > MAX_WINDOWS_PER_DAY:
            problems.append(
                FieldProblem(
                    "weekly",
                    N_("At most {count} windows a day, please."),
                    {"count": MAX_WINDOWS_PER_DAY},
                )
            )
        for before, after in zip(day_windows, day_windows[1:], strict=False):
            if after.start_minute < before.end_minute:
                problems.append(
                    FieldProblem(
                        "weekly",
                        N_("{first} and {second} overlap on the same day."),
                        {"first": _label(before), "second": _label(after)},
                    )
                )
    return problems


def _label(window: Window) -> str:
    return f"{format_clock(window.start_minute)}–{format_clock(window.end_minute)}"


def check_days_off(texts: Iterable[str]) -> list[date]:
    """ "YYYY-MM-DD" strings into distinct sorted dates; problems name ``days_off``."""
    days: set[date] = set()
    bad: list[str] = []
    for text in texts:
        value = unicodedata.normalize("NFKC", text or "").strip()
        try:
            if len(value) != 10:
                raise ValueError(value)
            days.add(date.fromisoformat(value))
        except ValueError:
            bad.append(value or "''")
    if bad:
        raise Invalid(
            "days_off",
            N_("Write days off as YYYY-MM-DD; these are not dates: {days}."),
            days=", ".join(bad[:5]),
        )
    if len(days) > MAX_DAYS_OFF:
        raise Invalid("days_off", N_("At most {count} days off, please."), count=MAX_DAYS_OFF)
    return sorted(days)


# --------------------------------------------------------------------------- working time


def is_working(
    windows: Iterable[Window | tuple[int, int, int]],
    days_off: Iterable[date],
    start_local: datetime,
    end_local: datetime,
) -> bool:
    """Whether the whole visit [start, end) lies inside the caregiver's working time.

    Times are wall-clock times in the caregiver's zone. Windows that meet join, also
    across midnight (Monday 20:00–24:00 with Tuesday 00:00–02:00 covers 23:30–00:30).
    A day off anywhere in the visit makes it false.
    """
    start = start_local.replace(tzinfo=None)
    end = end_local.replace(tzinfo=None)
    if end <= start:
        return False
    touched = days_touched(start, end)
    if set(days_off) & set(touched):
        return False
    by_weekday: dict[int, list[tuple[int, int]]] = {}
    for window in windows:
        weekday, first, last = (
            window
            if isinstance(window, tuple)
            else (window.weekday, window.start_minute, window.end_minute)
        )
        by_weekday.setdefault(weekday, []).append((first, last))
    if len(touched) == 1:  # the common case, a visit within one day: one window holding it
        midnight = datetime.combine(start.date(), datetime.min.time())
        begins = (start - midnight).total_seconds() / 60
        ends = (end - midnight).total_seconds() / 60
        if any(a <= begins and b >= ends for a, b in by_weekday.get(start.weekday(), [])):
            return True
    spans = sorted(
        (
            datetime.combine(day, datetime.min.time()) + timedelta(minutes=first),
            datetime.combine(day, datetime.min.time()) + timedelta(minutes=last),
        )
        for day in touched
        for first, last in by_weekday.get(day.weekday(), [])
    )
    covered_until: datetime | None = None
    for span_start, span_end in spans:
        if covered_until is None:
            if span_start > start:
                return False
            if span_end > start:
                covered_until = span_end
        elif span_start <= covered_until:
            covered_until = max(covered_until, span_end)
        else:
            break
        if covered_until is not None and covered_until >= end:
            return True
    return False


def days_touched(start: datetime, end: datetime) -> list[date]:
    """Each local date the visit occupies; ending exactly at midnight leaves the next day free."""
    last = (end - timedelta(microseconds=1)).date()
    return [start.date() + timedelta(days=n) for n in range((last - start.date()).days + 1)]


# --------------------------------------------------------------------------- skills


class HasSkillAndExpiry(Protocol):
    skill: str
    expires_on: date


def parse_skills(raw: Iterable[str], key: str = "skills") -> list[str]:
    """Distinct skill slugs such as ``haircut``; at least one."""
    skills = list(dict.fromkeys(s.strip().lower() for s in raw if s and s.strip()))
    if not skills:
        raise Invalid(key, N_("Choose at least one skill."))
    bad = [s for s in skills if not _SKILL.fullmatch(s)]
    if bad:
        raise Invalid(
            key,
            N_("{skill} is not a skill code (lower-case letters, digits and hyphens)."),
            skill=bad[0],
        )
    if len(skills) > MAX_SKILLS:
        raise Invalid(key, N_("At most {count} skills, please."), count=MAX_SKILLS)
    return skills


def skill_valid(
    skills: Iterable[str], certificates: Iterable[HasSkillAndExpiry], skill: str, on: date
) -> bool:
    """The caregiver lists ``skill`` and, if certified for it, holds a certificate valid on ``on``.

    A certificate is valid through its ``expires_on`` day. A listed skill without any
    certificate still matches (many home services need none).
    """
    if skill not in set(skills):
        return False
    held = [c for c in certificates if c.skill == skill]
    return not held or any(c.expires_on >= on for c in held)


# --------------------------------------------------------------------------- provider status

PENDING, APPROVED, REJECTED, SUSPENDED = "pending", "approved", "rejected", "suspended"
STATUSES = (PENDING, APPROVED, REJECTED, SUSPENDED)
ACTIONS = ("approve", "reject", "suspend")
REASON_REQUIRED = ("reject", "suspend")
MAX_REASON = 500

_TRANSITIONS = {
    (PENDING, "approve"): APPROVED,
    (PENDING, "reject"): REJECTED,
    (APPROVED, "suspend"): SUSPENDED,
    (SUSPENDED, "approve"): APPROVED,
}


def next_status(status: str, action: str) -> str:
    """The status after the bureau's ``action``; anything not listed is a 409."""
    target = _TRANSITIONS.get((status, action))
    if target is None:
        raise Conflict(_REFUSALS.get(status, N_("This cannot be done to this provider now.")))
    return target


# Why a decision cannot be made, by the provider's current status.
_REFUSALS = {
    PENDING: N_("This provider is still waiting for approval, so it cannot be suspended."),
    APPROVED: N_("This provider is already approved."),
    REJECTED: N_("This provider was rejected; it has to apply again."),
    SUSPENDED: N_("This provider is suspended; lift the suspension first."),
}


def check_reason(action: str, reason: str | None) -> str:
    """Rejecting and suspending must say why (the provider reads it); approving may."""
    text = (reason or "").strip()
    if action in REASON_REQUIRED and not text:
        raise Invalid("reason", N_("Please give the reason; the provider will see it."))
    if len(text) > MAX_REASON:
        raise Invalid(
            "reason",
            N_("Please keep the reason to {maximum} characters or fewer."),
            maximum=MAX_REASON,
        )
    return text


def may_operate(status: str) -> bool:
    """Only an approved provider publishes offerings and manages its team."""
    return status == APPROVED


# --------------------------------------------------------------------------- service area


class ServiceArea(Protocol):
    lat: float
    lon: float
    service_radius_km: float
    districts: Sequence[str]


def covers(
    provider: ServiceArea,
    elder_lat: float | None,
    elder_lon: float | None,
    elder_region_code: str | None,
) -> bool:
    """Within the provider's radius (geodesic), or in one of the districts it serves."""
    if elder_region_code and any(region_contains(d, elder_region_code) for d in provider.districts):
        return True
    if elder_lat is None or elder_lon is None:
        return False
    return (
        distance_km(provider.lat, provider.lon, elder_lat, elder_lon) <= provider.service_radius_km
    )


def ancestor_codes(code: str) -> list[str]:
    """Every region code whose area contains ``code`` (itself included), for an indexed IN (…).

    510903001001 → 510903001001, 510903001, 510903, 510900, 510000.
    """
    if not re.fullmatch(r"[0-9]{6}(?:[0-9]{3}){0,2}", code or ""):
        return []
    codes = [code]
    if len(code) > 9:
        codes.append(code[:9])
    if len(code) > 6:
        codes.append(code[:6])
    codes += [code[:4] + "00", code[:2] + "0000"]
    return [c for c in dict.fromkeys(codes) if region_contains(c, code)]


# --------------------------------------------------------------------------- text fields

_LICENSE = re.compile(r"[0-9A-Z][0-9A-Z\-()]{3,63}")


def check_license_no(raw: str) -> str:
    """A licence or unified social credit code: 4-64 letters, digits, hyphens, brackets."""
    text = "".join(unicodedata.normalize("NFKC", raw or "").split()).upper()
    if not text:
        raise Invalid("license_no", N_("Please enter the licence number."))
    if not _LICENSE.fullmatch(text):
        raise Invalid(
            "license_no", N_("A licence number has 4 to 64 letters, digits, hyphens or brackets.")
        )
    return text


def check_price(price_fen: int) -> int:
    if not isinstance(price_fen, int) or isinstance(price_fen, bool) or price_fen < 0:
        raise Invalid("price_fen", N_("The price must be a whole number of fen, 0 or more."))
    return price_fen
