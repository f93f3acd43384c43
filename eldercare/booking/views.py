"""Read models for the booking pages: a booking with the names, place and needs people read.

A page of bookings costs a fixed number of queries, whatever its length: provider and
caregiver names in one joined query, the elders in one, the menu items in one (never one
query per booking). Access has been decided before these run (the bookings come from the
service with the reader's sides); here we only leave out what a side does not need.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from eldercare.accounts import elders as elder_records
from eldercare.actor import Actor
from eldercare.audit import service as audit
from eldercare.booking import domain
from eldercare.booking.complaints import ComplaintView
from eldercare.booking.service import BookingView, view
from eldercare.booking.tables import Booking
from eldercare.catalog import service as catalog
from eldercare.catalog.domain import ItemInfo
from eldercare.settings import get_settings

# Who needs the elder's address, phone (masked) and needs: everyone who has a part in the visit.
_SEES_PLACE = frozenset({domain.ELDER_SIDE, domain.PROVIDER, domain.CAREGIVER})

# Audit actions shown on a booking's timeline (others, such as views, are not steps).
TIMELINE_ACTIONS = (
    "booking.create",
    "booking.accept",
    "booking.decline",
    "booking.offer_expired",
    "booking.provider_cancel",
    "booking.cancel",
    "booking.withdraw",
    "booking.check_in",
    "booking.check_out",
    "booking.no_show",
    "booking.confirm",
    "booking.rate",
    "complaint.create",
)


def zone() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


@dataclass(frozen=True)
class BookingCard:
    """One booking as a page shows it. ``address``/``phone_masked``/``needs`` are empty for a
    reader with no part in the visit; the ID number is never here."""

    booking: BookingView
    elder_name: str
    address: str
    phone_masked: str | None
    needs: tuple[str, ...]
    region_code: str
    item: ItemInfo | None
    provider_name: str | None
    caregiver_name: str | None
    created_at: datetime | None

    def service_name(self, locale: str) -> str:
        return self.item.name(locale) if self.item else self.booking.service_code

    @property
    def local_start(self) -> datetime:
        return self.booking.start.astimezone(zone())

    @property
    def local_day(self) -> date:
        return self.local_start.date()


async def _names(ids: list[int]) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    rows = (
        await Booking.select(
            Booking.id,
            Booking.created_at,
            Booking.provider.name.as_alias("provider_name"),
            Booking.caregiver.name.as_alias("caregiver_name"),
        )
        .where(Booking.id.is_in(ids))
        .run()
    )
    return {row["id"]: row for row in rows}


async def compose(bookings: Sequence[BookingView]) -> list[BookingCard]:
    """Bookings with their elder, service and people, in three queries for any number."""
    if not bookings:
        return []
    names = await _names([b.id for b in bookings])
    elders = await elder_records.elders_by_id([b.elder_id for b in bookings])
    items = {item.code: item for item in await catalog.all_items()}
    cards = []
    for b in bookings:
        elder = elders.get(b.elder_id)
        sees_place = bool(b.sides & _SEES_PLACE) and elder is not None
        extra = names.get(b.id, {})
        cards.append(
            BookingCard(
                booking=b,
                elder_name=elder.name if elder else "",
                region_code=elder.region_code if elder else "",
                address=elder.address if sees_place and elder else "",
                phone_masked=elder.phone_masked if sees_place and elder else None,
                needs=tuple(elder.needs) if sees_place and elder else (),
                item=items.get(b.service_code),
                provider_name=extra.get("provider_name"),
                caregiver_name=extra.get("caregiver_name"),
                created_at=extra.get("created_at"),
            )
        )
    return cards


async def card(booking: BookingView) -> BookingCard:
    return (await compose([booking]))[0]


def upcoming_and_past(
    cards: list[BookingCard], now: datetime
) -> tuple[list[BookingCard], list[BookingCard]]:
    """Upcoming (still to happen or happening, soonest first) and past (latest first)."""
    ahead = {
        c.booking.id for c in cards if c.booking.status not in domain.FINAL and c.booking.end >= now
    }
    upcoming = [c for c in cards if c.booking.id in ahead]
    past = [c for c in cards if c.booking.id not in ahead]
    upcoming.sort(key=lambda c: (c.booking.start, c.booking.id))
    past.sort(key=lambda c: (c.booking.start, c.booking.id), reverse=True)
    return upcoming, past


async def caregiver_schedule(
    actor: Actor, now: datetime, *, days: int = 7
) -> tuple[list[BookingCard], list[BookingCard]]:
    """A caregiver's visits today, and over the next ``days`` days, soonest first."""
    from eldercare.providers import service as providers

    caregiver_id = await providers.caregiver_id_for(actor)
    if caregiver_id is None:
        return [], []
    today = now.astimezone(zone()).date()
    start = datetime(today.year, today.month, today.day, tzinfo=zone())
    rows = (
        await Booking.select()
        .where(
            (Booking.caregiver == caregiver_id)
            & Booking.status.is_in([domain.ACCEPTED, domain.IN_SERVICE, domain.COMPLETED])
            & (Booking.start_at >= start)
            & (Booking.start_at < start + timedelta(days=days + 1))
        )
        .order_by(Booking.start_at)
        .order_by(Booking.id)
        .run()
    )
    cards = await compose([view(row, frozenset({domain.CAREGIVER})) for row in rows])
    return (
        [c for c in cards if c.local_day == today],
        [c for c in cards if c.local_day != today and c.booking.status != domain.COMPLETED],
    )


async def bookings_by_id(ids: list[int], sides: frozenset[str]) -> dict[int, BookingCard]:
    """For a reader who may see all these bookings with the same sides (the bureau's queue)."""
    if not ids:
        return {}
    rows = await Booking.select().where(Booking.id.is_in(list(set(ids)))).run()
    return {c.booking.id: c for c in await compose([view(row, sides) for row in rows])}


@dataclass(frozen=True)
class Step:
    at: datetime
    action: str


async def timeline(booking_id: int) -> list[Step]:
    """What has happened to a booking, oldest first (from the audit log: actions, not details)."""
    events = await audit.events_for("booking", booking_id, limit=100)
    steps = [
        Step(at=e["at"], action=e["action"]) for e in events if e["action"] in TIMELINE_ACTIONS
    ]
    return sorted(steps, key=lambda s: s.at)


@dataclass(frozen=True)
class ComplaintCard:
    complaint: ComplaintView
    booking: BookingCard | None


async def complaint_cards(items: list[ComplaintView]) -> list[ComplaintCard]:
    """Complaints with their visit, for an officer of the region (the elder's side by region)."""
    cards = await bookings_by_id([c.booking_id for c in items], frozenset({domain.ELDER_SIDE}))
    return [ComplaintCard(complaint=c, booking=cards.get(c.booking_id)) for c in items]
