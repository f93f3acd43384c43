"""The demo city's recurring visits: "lunch delivered every weekday" for the elders of the
first demo families — the story issue 5 is done by. Idempotent, through the series service;
run after the providers' demo (the lead calls ``load_demo`` from eldercare/demo.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from eldercare import demo_data
from eldercare.accounts import links as account_links
from eldercare.accounts.tables import User
from eldercare.actor import Actor
from eldercare.booking import series
from eldercare.booking import series_words as plain
from eldercare.booking.tables import Series
from eldercare.errors import DomainError

ITEM = "lunch-delivery"
FAMILY_PHONES = ("13700000001", "13700000002")  # 刘芳, 陈伟


async def _family(phone: str) -> Actor | None:
    row = await User.select().where(User.phone == phone).first().run()
    if row is None:
        return None
    return Actor(id=row["id"], name=row["name"], roles=tuple(row["roles"].split(",")))


def _next_weekday_lunch(now: datetime) -> datetime:
    """11:30 on the next working day after today, in the platform's zone."""
    zone = ZoneInfo(series.zone())
    day = now.astimezone(zone).date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 11, 30, tzinfo=zone)


async def load_demo(now: datetime) -> dict[str, int]:
    """One weekday-lunch series for the first elder of each of the first demo families that
    has none yet; skipped quietly where no provider offers lunch there."""
    created = 0
    rule = plain.plain_rule("weekdays")
    assert demo_data.FAMILIES  # the accounts come from the city's demo
    for phone in FAMILY_PHONES:
        actor = await _family(phone)
        elder_ids = await account_links.account_elder_ids(actor.id) if actor else []
        if actor is None or not elder_ids:
            continue
        if await Series.exists().where(Series.elder == elder_ids[0]).run():
            continue
        try:
            await series.create_series(
                actor,
                elder_id=elder_ids[0],
                service_code=ITEM,
                rrule=rule,
                start=_next_weekday_lunch(now),
                skip_holidays=True,
                notes="午饭请少盐",
                default_channel="app",
                now=now,
            )
        except DomainError:
            continue
        created += 1
    return {"series_created": created}
