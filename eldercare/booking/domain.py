"""Booking rules: the visit's state machine, who may move it, timing policies, price, ranking.

Pure: no I/O and no clock. Every transition is one function that names who may make it and
from which states; anything else is a Conflict (409).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from eldercare.errors import N_, Conflict, Forbidden, Invalid

REQUESTED = "requested"
OFFERED = "offered"
ACCEPTED = "accepted"
IN_SERVICE = "in_service"
COMPLETED = "completed"
CANCELLED = "cancelled"
DECLINED = "declined"
EXPIRED = "expired"
NO_SHOW = "no_show"

STATUSES = (
    REQUESTED,
    OFFERED,
    ACCEPTED,
    IN_SERVICE,
    COMPLETED,
    CANCELLED,
    DECLINED,
    EXPIRED,
    NO_SHOW,
)
OPEN = (REQUESTED, OFFERED)  # waiting for a provider: counted against the per-elder limit
HOLDING = (ACCEPTED, IN_SERVICE)  # a caregiver is committed: never two overlapping
FINAL = (COMPLETED, CANCELLED, DECLINED, EXPIRED, NO_SHOW)

CHANNELS = ("app", "web", "phone", "counter", "proxy")
ONLINE_CHANNELS = ("app", "web")

# The sides of a booking, as the service determines them for the acting user.
ELDER_SIDE = "elder_side"  # the elder, linked family, or community staff of the region
PROVIDER = "provider"  # the admin of the provider the booking is offered to or accepted by
CAREGIVER = "caregiver"  # the caregiver assigned to the visit
SYSTEM = "system"  # scheduled sweeps


@dataclass(frozen=True)
class Policy:
    """API.md "Policies": each a setting with this default."""

    min_notice: timedelta = timedelta(minutes=30)
    max_ahead: timedelta = timedelta(days=90)
    offer_window: timedelta = timedelta(minutes=30)
    free_cancel_before: timedelta = timedelta(hours=2)
    check_in_early: timedelta = timedelta(minutes=60)
    geofence_m: float = 300.0
    travel_buffer: timedelta = timedelta(minutes=30)
    max_open_per_elder: int = 20
    missed_after: timedelta = timedelta(minutes=30)


# --------------------------------------------------------------------------- transitions

_TRANSITIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    # action: (from states, sides allowed, to state)
    "offer": ((REQUESTED, OFFERED), (SYSTEM, PROVIDER, ELDER_SIDE), OFFERED),
    "accept": ((OFFERED,), (PROVIDER,), ACCEPTED),
    "decline": ((OFFERED,), (PROVIDER,), DECLINED),
    "expire": ((REQUESTED, OFFERED), (SYSTEM,), EXPIRED),
    "cancel": ((REQUESTED, OFFERED, ACCEPTED), (ELDER_SIDE,), CANCELLED),
    "provider_cancel": ((ACCEPTED,), (PROVIDER,), OFFERED),
    "check_in": ((ACCEPTED,), (CAREGIVER, PROVIDER), IN_SERVICE),
    "check_out": ((IN_SERVICE,), (CAREGIVER, PROVIDER), COMPLETED),
    "no_show": ((ACCEPTED,), (PROVIDER, CAREGIVER), NO_SHOW),
}


def transition(action: str, status: str, side: str) -> str:
    """The state after ``action``, or 403/409 when this side may not or this state forbids it."""
    sources, sides, target = _TRANSITIONS[action]
    if side not in sides:
        raise Forbidden(N_("You cannot do this to this booking."))
    if status not in sources:
        raise Conflict(
            N_("This booking is {status} and cannot be changed that way."), status=status
        )
    return target


def allowed_actions(status: str, sides: set[str]) -> list[str]:
    """What a user may do now (for pages: which buttons to show)."""
    return [
        action
        for action, (sources, allowed, _) in _TRANSITIONS.items()
        if status in sources and sides & set(allowed) and action not in ("offer", "expire")
    ]


# --------------------------------------------------------------------------- timing


def check_start(start: datetime, now: datetime, policy: Policy) -> None:
    if start.tzinfo is None:
        raise Invalid(
            "start", N_("Give the time with its time zone, like 2026-12-01T09:00:00+08:00.")
        )
    if start < now + policy.min_notice:
        raise Invalid(
            "start",
            N_("Please book at least {minutes} minutes ahead."),
            minutes=int(policy.min_notice.total_seconds() // 60),
        )
    if start > now + policy.max_ahead:
        raise Invalid(
            "start",
            N_("Bookings can be made at most {days} days ahead."),
            days=policy.max_ahead.days,
        )


def is_late_cancellation(start: datetime, now: datetime, policy: Policy) -> bool:
    return now > start - policy.free_cancel_before


def check_in_window(start: datetime, end: datetime, now: datetime, policy: Policy) -> None:
    if now < start - policy.check_in_early:
        raise Conflict(
            N_("It is too early to check in: check-in opens {minutes} minutes before the start."),
            minutes=int(policy.check_in_early.total_seconds() // 60),
        )
    if now > end:
        raise Conflict(N_("The visit time has passed; check-in is closed."))


def busy_interval(start: datetime, end: datetime, policy: Policy) -> tuple[datetime, datetime]:
    """The span a visit blocks its caregiver: the visit plus the travel buffer after it."""
    return start, end + policy.travel_buffer


def overlaps(a: tuple[datetime, datetime], b: tuple[datetime, datetime]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def check_stars(stars: int) -> int:
    if not 1 <= stars <= 5:
        raise Invalid("stars", N_("Choose from 1 to 5 stars."))
    return stars


# --------------------------------------------------------------------------- price


@dataclass(frozen=True)
class Price:
    price_fen: int
    subsidy_fen: int
    copay_fen: int


def price(offering_fen: int, voucher_balance_fen: int = 0, subsidy_eligible: bool = False) -> Price:
    """The co-pay: the offering's price less what a service voucher covers (never below 0)."""
    subsidy = min(offering_fen, max(voucher_balance_fen, 0)) if subsidy_eligible else 0
    return Price(price_fen=offering_fen, subsidy_fen=subsidy, copay_fen=offering_fen - subsidy)


# --------------------------------------------------------------------------- ranking


@dataclass(slots=True)  # not frozen: a match makes one per provider in reach, 4× faster
class Candidate:
    provider_id: int
    name: str
    distance_km: float
    price_fen: int
    rating: float
    rating_count: int
    load: int  # holding visits in the coming week
    caregiver_ids: tuple[int, ...] = ()


def rank_key(candidate: Candidate) -> tuple[float, int]:
    """Lower is better: distance in km, plus 1 km per missing rating star, plus 0.5 km per
    visit already booked this week (spreading work), ties broken by provider id.

    Unrated providers count as 4 stars, so a new provider is not buried.
    """
    rating = candidate.rating if candidate.rating_count else 4.0
    return candidate.distance_km + (5.0 - rating) + 0.5 * candidate.load, candidate.provider_id


def rank(candidates: list[Candidate]) -> list[Candidate]:
    return sorted(candidates, key=rank_key)
