"""Request and response shapes of the booking API (API.md "Bookings")."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import msgspec

from eldercare.booking.domain import Candidate
from eldercare.booking.service import BookingView
from eldercare.settings import get_settings

AwareDatetime = Annotated[datetime, msgspec.Meta(tz=True, description="ISO 8601 with offset")]


class Strict(msgspec.Struct, forbid_unknown_fields=True):
    """Request bodies refuse fields they do not know (no mass assignment)."""


class BookingCreate(Strict):
    elder_id: int
    service_code: str
    start: AwareDatetime
    provider_id: int | None = None
    notes: str = ""
    channel: str | None = None


class AcceptIn(Strict):
    caregiver_id: int


class ReasonIn(Strict):
    reason: str = ""


class CheckInIn(Strict):
    lat: float
    lon: float


class CheckOutIn(Strict):
    notes: str = ""


class RateIn(Strict):
    stars: int
    comment: str = ""


class ComplaintIn(Strict):
    text: str


def local(moment: datetime | None) -> datetime | None:
    """Times go out with the platform's offset (+08:00), as people read them."""
    return moment.astimezone(ZoneInfo(get_settings().timezone)) if moment else None


class BookingOut(msgspec.Struct):
    id: int
    status: str
    elder_id: int
    service_code: str
    provider_id: int | None
    caregiver_id: int | None
    start: datetime
    end: datetime
    price_fen: int
    subsidy_fen: int
    copay_fen: int
    channel: str
    notes: str
    offer_expires_at: datetime | None
    late_cancellation: bool
    check_in_at: datetime | None
    geofence_flag: bool
    check_out_at: datetime | None
    actual_minutes: int | None
    stars: int | None
    series_id: int | None
    actions: list[str]

    @classmethod
    def of(cls, b: BookingView) -> BookingOut:
        return cls(
            id=b.id,
            status=b.status,
            elder_id=b.elder_id,
            service_code=b.service_code,
            provider_id=b.provider_id,
            caregiver_id=b.caregiver_id,
            start=local(b.start),
            end=local(b.end),
            price_fen=b.price_fen,
            subsidy_fen=b.subsidy_fen,
            copay_fen=b.copay_fen,
            channel=b.channel,
            notes=b.notes,
            offer_expires_at=local(b.offer_expires_at),
            late_cancellation=b.late_cancellation,
            check_in_at=local(b.check_in_at),
            geofence_flag=b.geofence_flag,
            check_out_at=local(b.check_out_at),
            actual_minutes=b.actual_minutes,
            stars=b.stars,
            series_id=b.series_id,
            actions=b.actions,
        )


class BookingPage(msgspec.Struct):
    items: list[BookingOut]
    total: int


class CandidateOut(msgspec.Struct):
    provider_id: int
    name: str
    distance_km: float
    price_fen: int
    rating: float
    rating_count: int
    free_caregivers: int

    @classmethod
    def of(cls, c: Candidate) -> CandidateOut:
        return cls(
            provider_id=c.provider_id,
            name=c.name,
            distance_km=c.distance_km,
            price_fen=c.price_fen,
            rating=round(c.rating, 2),
            rating_count=c.rating_count,
            free_caregivers=len(c.caregiver_ids),
        )


class MatchOut(msgspec.Struct):
    candidates: list[CandidateOut]


class ComplaintOut(msgspec.Struct):
    id: int
    booking_id: int
