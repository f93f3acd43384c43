"""The demo city's weekday lunches load through the series service, once."""

from __future__ import annotations

from datetime import UTC, datetime

from eldercare import demo
from eldercare.booking import series_demo
from eldercare.booking.tables import Booking, Series


async def test_the_demo_families_get_lunch_every_weekday_once():
    now = datetime.now(UTC)
    first = await demo.load_demo(now)  # the demo city loads the series with everything else
    assert first["series_created"] >= 1
    assert await series_demo.load_demo(now) == {"series_created": 0}
    rows = await Series.select().run()
    assert {r["rrule"] for r in rows} == {"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"}
    made = await Booking.count().where(Booking.series_id.is_in([r["id"] for r in rows])).run()
    assert made >= 5
