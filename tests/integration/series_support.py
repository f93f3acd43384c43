"""Helpers for the series tests: start times as clients send them, and reading what was made."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from eldercare.booking import domain
from eldercare.booking.tables import Booking, Series, SeriesOccurrence
from tests.integration.booking_support import ITEM, World

SHANGHAI = ZoneInfo("Asia/Shanghai")
LIVE = [domain.REQUESTED, domain.OFFERED, domain.ACCEPTED]


def days_ahead_at(days: int, hour: int = 11, minute: int = 30) -> datetime:
    """A local time ``days`` from today's date in Shanghai (aware, +08:00)."""
    today = datetime.now(UTC).astimezone(SHANGHAI).date()
    day = today + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


async def create(
    client: httpx.AsyncClient,
    w: World,
    rrule: str = "FREQ=DAILY",
    *,
    start: datetime | None = None,
    who: Any = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> httpx.Response:
    body = {
        "elder_id": w.elder_id,
        "service_code": ITEM,
        "rrule": rrule,
        "start": (start or days_ahead_at(1)).isoformat(),
        **extra,
    }
    return await client.post(
        "/api/v1/series", headers={**(who or w.family).headers, **(headers or {})}, json=body
    )


async def made(
    client: httpx.AsyncClient, w: World, rrule: str = "FREQ=DAILY", **extra: Any
) -> dict[str, Any]:
    response = await create(client, w, rrule, **extra)
    assert response.status_code == 201, response.text
    return response.json()


async def bookings_of(series_id: int, *, live: bool = False) -> list[dict[str, Any]]:
    where = Booking.series_id == series_id
    if live:
        where = where & Booking.status.is_in(LIVE)
    return await Booking.select().where(where).order_by(Booking.start_at).run()


async def occurrences_of(series_id: int) -> list[dict[str, Any]]:
    return (
        await SeriesOccurrence.select()
        .where(SeriesOccurrence.series == series_id)
        .order_by(SeriesOccurrence.occurrence_start)
        .run()
    )


async def series_row(series_id: int) -> dict[str, Any]:
    return await Series.select().where(Series.id == series_id).first().run()


def local_dates(rows: list[dict[str, Any]], key: str = "start_at") -> list[str]:
    return [r[key].astimezone(SHANGHAI).date().isoformat() for r in rows]


async def created_at(series_id: int) -> datetime:
    """The moment the series was made as of (its first horizon ends 14 days later)."""
    return (await series_row(series_id))["created_at"]
