"""The community staff's "today" page: visits in their area today, yearly checks past due,
elders to contact, applications waiting and the care alerts, for one region."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from eldercare.accounts import elders as elder_records
from eldercare.actor import Actor
from eldercare.catalog import service as catalog
from eldercare.db import fetch
from eldercare.reports.service import (
    CareAlert,
    Named,
    care_alerts,
    moment,
    region_named,
    staff_prefix,
    zone,
)
from eldercare.subsidies import application_views, discovery, reviews

TODAY_LIST = 10  # reviews, outreach and applications on the page; each links to the full list
TODAY_VISITS = 200


@dataclass(frozen=True)
class TodayVisit:
    booking_id: int
    start: datetime
    end: datetime
    status: str
    service: Named
    elder_id: int
    elder_name: str
    provider_name: str | None
    caregiver_name: str | None


@dataclass(frozen=True)
class OverdueReview:
    review: reviews.ReviewView
    elder_name: str


@dataclass(frozen=True)
class Today:
    day: date
    region: Named
    visits: list[TodayVisit]
    reviews: list[OverdueReview]
    review_total: int
    outreach: list[discovery.OutreachView]
    outreach_total: int
    applications: list[application_views.ApplicationView]
    application_total: int
    care_alerts: list[CareAlert]


async def todays_visits(prefix: str, day: date) -> list[TodayVisit]:
    local = zone()
    start = datetime(day.year, day.month, day.day, tzinfo=local).astimezone(UTC)
    after = day + timedelta(days=1)
    end = datetime(after.year, after.month, after.day, tzinfo=local).astimezone(UTC)
    rows = await fetch(
        "SELECT b.id, b.start_at, b.end_at, b.status, b.service_code, b.elder, "
        "e.name AS elder_name, p.name AS provider_name, c.name AS caregiver_name "
        "FROM booking b JOIN elder e ON e.id = b.elder "
        "LEFT JOIN provider p ON p.id = b.provider LEFT JOIN caregiver c ON c.id = b.caregiver "
        "WHERE e.region_code LIKE {} AND b.start_at >= {} AND b.start_at < {} "
        f"ORDER BY b.start_at, b.id LIMIT {TODAY_VISITS}",
        f"{prefix}%",
        start,
        end,
    )
    items = {i.code: Named(i.code, i.name_zh, i.name_en) for i in await catalog.all_items()}
    return [
        TodayVisit(
            booking_id=row["id"],
            start=moment(row["start_at"]),  # type: ignore[arg-type]
            end=moment(row["end_at"]),  # type: ignore[arg-type]
            status=row["status"],
            service=items.get(row["service_code"])
            or Named(row["service_code"], row["service_code"], row["service_code"]),
            elder_id=row["elder"],
            elder_name=row["elder_name"],
            provider_name=row["provider_name"],
            caregiver_name=row["caregiver_name"],
        )
        for row in rows
    ]


async def today(actor: Actor, *, now: datetime | None = None) -> Today:
    """A community worker's day in their area: visits, overdue yearly checks, elders to
    contact, applications waiting and elders living alone with no recent visit."""
    now = now or datetime.now(UTC)
    prefix = staff_prefix(actor)
    day = now.astimezone(zone()).date()
    late, late_total = await reviews.list_reviews(actor, status="overdue", limit=TODAY_LIST)
    names = await elder_records.elders_by_id([r.elder_id for r in late], now=now)
    outreach, outreach_total = await discovery.outreach_list(actor, limit=TODAY_LIST, now=now)
    waiting, waiting_total = await application_views.list_applications(
        actor, status="open", limit=TODAY_LIST, now=now
    )
    return Today(
        day=day,
        region=await region_named(actor.region_code or ""),
        visits=await todays_visits(prefix, day),
        reviews=[
            OverdueReview(r, names[r.elder_id].name if r.elder_id in names else "") for r in late
        ],
        review_total=late_total,
        outreach=outreach,
        outreach_total=outreach_total,
        applications=waiting,
        application_total=waiting_total,
        care_alerts=await care_alerts(prefix, now),
    )
