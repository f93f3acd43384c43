"""Pure subsidy rules: bands, eligibility, months, anniversaries, the review trail, deadlines.

No I/O and no clock: every function takes the day or month it is about.
Months are integers ``YYYYMM``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from eldercare.errors import N_, Conflict, FieldProblem, Forbidden, Invalid

ALLOWANCE, VOUCHER = "allowance", "service_voucher"
KINDS = (ALLOWANCE, VOUCHER)

# --------------------------------------------------------------------------- bands


@dataclass(frozen=True)
class Band:
    min_age: int
    max_age: int | None  # None: no upper bound
    amount_fen: int

    def covers(self, age: int) -> bool:
        return age >= self.min_age and (self.max_age is None or age <= self.max_age)


MAX_AMOUNT_FEN = 10_000_000  # ¥100,000 a month: anything above is a typing mistake


def check_bands(bands: list[Band]) -> list[Band]:
    """Bands sorted by age; they must follow each other without gap or overlap, only the last
    may be open-ended, and every amount is a positive whole number of fen."""
    if not bands:
        raise Invalid("bands", N_("Give at least one age band."))
    problems: list[FieldProblem] = []
    # Problems are named by each band's place in the request, whatever its age order.
    ordered = sorted(enumerate(bands), key=lambda pair: pair[1].min_age)
    for i, (place, band) in enumerate(ordered):
        key = f"bands[{place}]"
        if not 0 <= band.min_age <= 150:
            problems.append(FieldProblem(f"{key}.min_age", N_("An age must be between 0 and 150.")))
        if band.max_age is not None and band.max_age < band.min_age:
            problems.append(
                FieldProblem(f"{key}.max_age", N_("The upper age is below the lower age."))
            )
        if not 0 < band.amount_fen <= MAX_AMOUNT_FEN:
            problems.append(
                FieldProblem(f"{key}.amount_fen", N_("The amount must be more than zero."))
            )
        if i + 1 < len(ordered):
            following_place, following = ordered[i + 1]
            if band.max_age is None:
                problems.append(
                    FieldProblem(f"{key}.max_age", N_("Only the last band may have no upper age."))
                )
            elif following.min_age <= band.max_age:
                problems.append(
                    FieldProblem(
                        f"bands[{following_place}].min_age",
                        N_("The bands overlap at age {age}."),
                        {"age": following.min_age},
                    )
                )
            elif following.min_age > band.max_age + 1:
                problems.append(
                    FieldProblem(
                        f"bands[{following_place}].min_age",
                        N_("Ages {start} to {end} are in no band."),
                        {"start": band.max_age + 1, "end": following.min_age - 1},
                    )
                )
    if problems:
        raise Invalid.many(problems)
    return [band for _, band in ordered]


def band_for(bands: Iterable[Band], age: int) -> Band | None:
    return next((band for band in bands if band.covers(age)), None)


# --------------------------------------------------------------------------- ages and months


def age_on(birth: date, day: date) -> int:
    """Age in full years (someone born on 29 February is a year older on 1 March)."""
    return day.year - birth.year - (0 if (day.month, day.day) >= (birth.month, birth.day) else 1)


def month_of(day: date) -> int:
    return day.year * 100 + day.month


def first_day(month: int) -> date:
    return date(month // 100, month % 100, 1)


def add_months(month: int, count: int) -> int:
    return month_of(first_day(month) + relativedelta(months=count))


def months_between(first: int, last: int) -> list[int]:
    """Every month from ``first`` to ``last``, both included."""
    months, month = [], first
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def month_text(month: int) -> str:
    return f"{month // 100:04d}-{month % 100:02d}"


def parse_month(text: str, key: str = "month") -> int:
    try:
        year, month = (int(part) for part in text.strip().split("-"))
        return month_of(date(year, month, 1))
    except (ValueError, TypeError):
        raise Invalid(key, N_("Give the month as YYYY-MM, for example 2026-12.")) from None


def reference_day(month: int) -> date:
    """The day whose age sets a month's amount: the last day of the month before.

    So a birthday raises the amount from the month after it, whichever day it falls on."""
    return first_day(month) - timedelta(days=1)


def age_for_month(birth: date, month: int) -> int:
    return age_on(birth, reference_day(month))


def age_for_month_parts(birth_year: int, birth_mmdd: int, month: int) -> int:
    """The same age from the year and month*100+day kept on an entitlement (as the SQL does)."""
    ref = reference_day(month)
    return ref.year - birth_year - (1 if ref.month * 100 + ref.day < birth_mmdd else 0)


def amount_for_month(bands: Iterable[Band], birth: date, month: int) -> int:
    band = band_for(bands, age_for_month(birth, month))
    return band.amount_fen if band else 0


def start_month(approved_on: date) -> int:
    """An entitlement starts the month after its approval."""
    return add_months(month_of(approved_on), 1)


def first_month_from(day: date) -> int:
    """The first month that begins on or after ``day``: a month is payable when the
    entitlement was active on its first day."""
    month = month_of(day)
    return month if day.day == 1 else add_months(month, 1)


# --------------------------------------------------------------------------- eligibility


@dataclass(frozen=True)
class Conditions:
    region_code: str
    requires_low_income: bool = False
    requires_disability: bool = False


@dataclass(frozen=True)
class Applicant:
    age: int
    region_code: str
    low_income: bool = False
    disability: bool = False
    ended: bool = False


def region_contains(scope: str, code: str) -> bool:
    from eldercare.geo.domain import region_contains as contains

    return contains(scope, code)


def eligibility_problem(
    conditions: Conditions, bands: list[Band], who: Applicant
) -> FieldProblem | None:
    """Why this elder cannot have this program now, or None when they can."""
    if who.ended:
        return FieldProblem("elder_id", N_("This elder's record is closed."))
    if not region_contains(conditions.region_code, who.region_code):
        return FieldProblem(
            "program_code", N_("This program is for people living in another region.")
        )
    youngest = min(band.min_age for band in bands)
    if band_for(bands, who.age) is None:
        if who.age < youngest:
            return FieldProblem(
                "elder_id",
                N_("This program starts at age {min_age}; the elder is {age}."),
                {"min_age": youngest, "age": who.age},
            )
        return FieldProblem(
            "elder_id", N_("No band of this program covers age {age}."), {"age": who.age}
        )
    if conditions.requires_low_income and not who.low_income:
        return FieldProblem(
            "elder_id", N_("This program is for households on low income (低保/低收入).")
        )
    if conditions.requires_disability and not who.disability:
        return FieldProblem("elder_id", N_("This program is for people with a disability."))
    return None


# --------------------------------------------------------------------------- applications

SUBMITTED, ACCEPTED, REVIEWED = "submitted", "accepted", "reviewed"
APPROVED, REJECTED, RETURNED = "approved", "rejected", "returned"
WITHDRAWN = (
    "withdrawn"  # taken back within minutes: hidden from every read (API.md has no such status)
)
OPEN = (SUBMITTED, ACCEPTED, REVIEWED, RETURNED)
IN_REVIEW = (SUBMITTED, ACCEPTED, REVIEWED)
DECISIONS = ("accept", "pass", "approve", "reject", "return")
STAFF, OFFICER = "community_staff", "bureau_officer"


@dataclass(frozen=True)
class Rule:
    roles: tuple[str, ...]
    sources: tuple[str, ...]
    target: str


RULES = {
    "accept": Rule((STAFF,), (SUBMITTED,), ACCEPTED),
    "pass": Rule((STAFF,), (ACCEPTED,), REVIEWED),
    "approve": Rule((OFFICER,), (REVIEWED,), APPROVED),
    "reject": Rule((OFFICER,), IN_REVIEW, REJECTED),
    "return": Rule((STAFF, OFFICER), IN_REVIEW, RETURNED),
}


def next_status(
    decision: str,
    status: str,
    roles: Iterable[str],
    *,
    actor_id: int,
    first_reviewer: int | None = None,
) -> str:
    """The status a decision leads to; 422 for an unknown decision, 403 for the wrong role
    or the first reviewer approving, 409 out of order."""
    rule = RULES.get(decision)
    if rule is None:
        raise Invalid("decision", N_("Choose accept, pass, approve, reject or return."))
    if not set(rule.roles).intersection(roles):
        raise Forbidden(N_("Your role cannot make this decision."))
    if status not in rule.sources:
        raise Conflict(N_("This application cannot be given that decision at this stage."))
    if decision == "approve" and first_reviewer == actor_id:
        raise Forbidden(N_("The first reviewer cannot also approve the application."))
    return rule.target


def working_days_after(
    start: date, count: int, is_workday: Callable[[date], bool] | None = None
) -> date:
    """The day ``count`` working days after ``start`` (weekends and holidays skipped)."""
    is_workday = is_workday or (lambda day: day.weekday() < 5)
    day, left = start, count
    while left > 0:
        day += timedelta(days=1)
        if is_workday(day):
            left -= 1
    return day


def is_overdue(status: str, due_on: date, today: date) -> bool:
    return status in IN_REVIEW and today > due_on


# --------------------------------------------------------------------------- annual reviews


def anniversary(approved_on: date, years: int) -> date:
    """29 February anniversaries fall on 28 February in other years."""
    return approved_on + relativedelta(years=years)


@dataclass(frozen=True)
class ReviewPolicy:
    open_days: int = 30
    grace_days: int = 60


def review_opens(due: date, policy: ReviewPolicy) -> date:
    return due - timedelta(days=policy.open_days)


def suspension_day(due: date, policy: ReviewPolicy) -> date:
    return due + timedelta(days=policy.grace_days)


def held_months(held_from: int, confirmed_month: int) -> list[int]:
    """The months a suspension held back, paid as back pay when the review is confirmed:
    from the first held month up to and including the month of confirmation."""
    return months_between(held_from, confirmed_month)


def back_pay_fen(bands: list[Band], birth: date, months: Iterable[int]) -> int:
    return sum(amount_for_month(bands, birth, month) for month in months)


# --------------------------------------------------------------------------- vouchers


def voucher_subsidy(price_fen: int, credit_fen: int, used_fen: int) -> int:
    """What a voucher covers of one visit: never more than the price or the credit left."""
    return max(0, min(price_fen, credit_fen - used_fen))
