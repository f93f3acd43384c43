"""Report arithmetic: the period's months, percentiles, processing days, the online share,
age bands and average stars.

Pure: no I/O and no clock; every function takes the day, the moments or the zone it is about.
Months are integers ``YYYYMM`` (202609), as in the subsidies package.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from math import floor
from zoneinfo import ZoneInfo

from eldercare.errors import N_, Invalid

DEFAULT_MONTHS = 6
MONTH_CHOICES = (3, 6, 12, 24)
MAX_MONTHS = 24
CARE_ALERT_DAYS = 30

ONLINE_CHANNELS = ("app", "web")  # the same for applications and bookings

# Application statuses in the order a case moves, with a short chart label each.
APPLICATION_STATUSES = (
    ("submitted", N_("Sent, not yet received")),
    ("accepted", N_("Received, being checked")),
    ("reviewed", N_("Checked, waiting for approval")),
    ("returned", N_("Sent back for a correction")),
    ("approved", N_("Approved")),
    ("rejected", N_("Not approved")),
)
IN_REVIEW = ("submitted", "accepted", "reviewed")  # the open cases a deadline applies to
DECIDED = ("approved", "rejected")

# Age bands by their lowest age; the first band takes everyone younger than the second.
AGE_BANDS = (
    (0, N_("Under 70")),
    (70, N_("70 to 79")),
    (80, N_("80 to 89")),
    (90, N_("90 to 99")),
    (100, N_("100 and over")),
)


def check_months(value: int | str | None) -> int:
    """How many months back the dashboard looks: 1 to 24, the default when not given."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return DEFAULT_MONTHS
    try:
        months = int(value)
    except (TypeError, ValueError):
        months = 0
    if not 1 <= months <= MAX_MONTHS:
        raise Invalid("months", N_("Choose a period of 1 to {most} months."), most=MAX_MONTHS)
    return months


def month_of(day: date) -> int:
    return day.year * 100 + day.month


def month_text(month: int) -> str:
    return f"{month // 100:04d}-{month % 100:02d}"


def months_back(today: date, count: int) -> list[int]:
    """The ``count`` months ending with the month of ``today``, oldest first."""
    index = today.year * 12 + today.month - 1 - (count - 1)
    return [(i // 12) * 100 + i % 12 + 1 for i in range(index, index + count)]


def next_month(month: int) -> int:
    year, number = divmod(month, 100)
    return (year + 1) * 100 + 1 if number == 12 else month + 1


def month_start(month: int, zone: ZoneInfo) -> datetime:
    """Local midnight on the first day of the month, as UTC."""
    return datetime(month // 100, month % 100, 1, tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True)
class Period:
    """Whole local months: ``starts[i]`` is where ``months[i]`` begins; ``end`` is where the
    month after the last begins."""

    months: tuple[int, ...]
    starts: tuple[datetime, ...]
    end: datetime

    @property
    def start(self) -> datetime:
        return self.starts[0]

    @property
    def month_ends(self) -> tuple[datetime, ...]:
        return (*self.starts[1:], self.end)

    @property
    def first_text(self) -> str:
        return month_text(self.months[0])

    @property
    def last_text(self) -> str:
        return month_text(self.months[-1])


def period(today: date, count: int, zone: ZoneInfo) -> Period:
    months = months_back(today, count)
    return Period(
        months=tuple(months),
        starts=tuple(month_start(m, zone) for m in months),
        end=month_start(next_month(months[-1]), zone),
    )


def percentile(values: Sequence[float], share: float) -> float | None:
    """The value below which ``share`` of the values lie, interpolating linearly between the
    two nearest ranks (as PostgreSQL's percentile_cont); None for no values."""
    if not values:
        return None
    if not 0 <= share <= 1:
        raise ValueError(f"share must be between 0 and 1: {share}")
    ordered = sorted(values)
    rank = share * (len(ordered) - 1)
    low = floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float | None:
    return percentile(values, 0.5)


def processing_days(submitted_at: datetime, decided_at: datetime, zone: ZoneInfo) -> int:
    """Calendar days from the day of submission to the day of the decision, both read in the
    local zone: decided the same day is 0 days."""
    return (decided_at.astimezone(zone).date() - submitted_at.astimezone(zone).date()).days


def online_rate(online: int, total: int) -> Fraction | None:
    """The share made online (网办率), exactly; None when nothing was made at all."""
    if total <= 0:
        return None
    return Fraction(online, total)


def percent_text(rate: Fraction | float | None) -> str:
    """66.7%; a dash for no rate."""
    if rate is None:
        return "–"
    value = round(float(rate) * 100, 1)
    return f"{value:g}%" if value == int(value) else f"{value:.1f}%"


def is_online(channel: str) -> bool:
    return channel in ONLINE_CHANNELS


def age_band(age: int) -> int:
    """The lowest age of the band ``age`` falls in."""
    found = AGE_BANDS[0][0]
    for lowest, _ in AGE_BANDS:
        if age >= lowest:
            found = lowest
    return found


def age_band_sql(column: str) -> str:
    """The same banding as a SQL CASE over our own integer constants (``column`` is ours)."""
    cases = " ".join(
        f"WHEN {column} >= {lowest} THEN {lowest}" for lowest, _ in reversed(AGE_BANDS[1:])
    )
    return f"CASE {cases} ELSE {AGE_BANDS[0][0]} END"


def average_stars(star_sum: int, ratings: int) -> Fraction | None:
    if ratings <= 0:
        return None
    return Fraction(star_sum, ratings)


def one_decimal(value: Fraction | float | None) -> str:
    """4.5, 4.3, 2; a dash for nothing."""
    if value is None:
        return "–"
    rounded = round(float(value), 1)
    return f"{rounded:g}" if rounded == int(rounded) else f"{rounded:.1f}"


def care_alert_cutoff(now: datetime) -> datetime:
    """A completed visit that started before this moment no longer counts as recent."""
    return now - timedelta(days=CARE_ALERT_DAYS)


def needs_care_alert(last_visit: datetime | None, now: datetime) -> bool:
    """For an elder living alone: no completed visit in the last 30 days (or none ever)."""
    return last_visit is None or last_visit < care_alert_cutoff(now)
