"""Request and response shapes of the series API (API.md "Bookings": /series)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import msgspec

from eldercare.booking.schemas import AwareDatetime, Strict, local
from eldercare.booking.series import SeriesView
from eldercare.booking.series_preview import CLASHES, PreviewItem


class SeriesCreate(Strict):
    elder_id: int
    service_code: str
    rrule: str
    start: AwareDatetime
    provider_id: int | None = None
    caregiver_id: int | None = None
    skip_holidays: bool = False
    drop_dates: list[dt.date] = []
    notes: str = ""
    channel: str | None = None


class SkipIn(Strict):
    date: dt.date


class ChangeIn(Strict):
    scope: str
    date: dt.date
    time: str | None = None
    caregiver_id: int | None = None


class SeriesOut(msgspec.Struct):
    id: int
    status: str
    elder_id: int
    service_code: str
    provider_id: int | None
    caregiver_id: int | None
    rrule: str
    rule_text: str
    start: dt.datetime
    timezone: str
    skip_holidays: bool
    exdates: list[str]
    notes: str
    channel: str
    replaces: int | None
    materialized_until: dt.datetime | None
    actions: list[str]
    visits_created: int | None = None
    booking_id: int | None = None

    @classmethod
    def of(
        cls,
        s: SeriesView,
        gettext: Callable[..., str],
        *,
        visits_created: int | None = None,
        booking_id: int | None = None,
    ) -> SeriesOut:
        return cls(
            id=s.id,
            status=s.status,
            elder_id=s.elder_id,
            service_code=s.service_code,
            provider_id=s.provider_id,
            caregiver_id=s.caregiver_id,
            rrule=s.rrule,
            rule_text=s.describe(gettext),
            start=s.start,
            timezone=s.timezone,
            skip_holidays=s.skip_holidays,
            exdates=[d.isoformat() for d in s.exdates],
            notes=s.notes,
            channel=s.channel,
            replaces=s.replaces,
            materialized_until=local(s.materialized_until),
            actions=s.actions,
            visits_created=visits_created,
            booking_id=booking_id,
        )


class SeriesPage(msgspec.Struct):
    items: list[SeriesOut]
    total: int


class OccurrenceOut(msgspec.Struct):
    start: dt.datetime
    clash: str | None
    clash_text: str | None

    @classmethod
    def of(cls, item: PreviewItem, gettext: Callable[..., str]) -> OccurrenceOut:
        return cls(
            start=local(item.start),
            clash=item.clash,
            clash_text=gettext(CLASHES[item.clash]) if item.clash else None,
        )


class PreviewOut(msgspec.Struct):
    rule_text: str
    occurrences: list[OccurrenceOut]
