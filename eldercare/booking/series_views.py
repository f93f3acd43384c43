"""Reading series: the list an actor may see, the team a page offers to choose from, and
read models for the pages (a series with the names people read, and its visits).

A page of series costs a fixed number of queries (names in one joined query, the elders in
one, the items from the menu cache).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from eldercare.accounts import elders as elder_records
from eldercare.accounts import links as account_links
from eldercare.actor import Actor
from eldercare.booking import domain
from eldercare.booking import series_domain as sd
from eldercare.booking.series import SeriesView
from eldercare.booking.series import view as series_view
from eldercare.booking.service import BookingView, _offered_item, view
from eldercare.booking.tables import Booking, Series
from eldercare.catalog import service as catalog
from eldercare.catalog.domain import ItemInfo
from eldercare.errors import N_, Invalid
from eldercare.providers import service as providers


@dataclass(frozen=True)
class SeriesCard:
    series: SeriesView
    elder_name: str
    item: ItemInfo | None
    provider_name: str | None
    caregiver_name: str | None

    def service_name(self, locale: str) -> str:
        return self.item.name(locale) if self.item else self.series.service_code


async def _names(ids: list[int]) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    rows = (
        await Series.select(
            Series.id,
            Series.provider.name.as_alias("provider_name"),
            Series.caregiver.name.as_alias("caregiver_name"),
        )
        .where(Series.id.is_in(ids))
        .run()
    )
    return {row["id"]: row for row in rows}


async def cards(items: list[SeriesView]) -> list[SeriesCard]:
    names = await _names([s.id for s in items])
    elders = await elder_records.elders_by_id([s.elder_id for s in items])
    menu = {i.code: i for i in await catalog.all_items()} if items else {}
    return [
        SeriesCard(
            series=s,
            elder_name=elders[s.elder_id].name if s.elder_id in elders else "",
            item=menu.get(s.service_code),
            provider_name=names.get(s.id, {}).get("provider_name"),
            caregiver_name=names.get(s.id, {}).get("caregiver_name"),
        )
        for s in items
    ]


async def visits(series: SeriesView, now: datetime, *, limit: int = 40) -> list[BookingView]:
    """The series' visits from yesterday on, soonest first (its own and those it replaced)."""
    rows = (
        await Booking.select()
        .where((Booking.series_id == series.id) & (Booking.start_at >= now - timedelta(days=1)))
        .order_by(Booking.start_at)
        .limit(limit)
        .run()
    )
    return [view(row, series.sides) for row in rows]


async def list_series(
    actor: Actor,
    *,
    elder_id: int | None = None,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[SeriesView], int]:
    """The series an actor may see: their elders' (their region's, for staff) and their
    provider's. Sides are worked out in bulk, not per row."""
    from eldercare.geo.domain import region_contains, region_prefix

    if status is not None and status not in sd.STATUSES:
        raise Invalid("status", N_("Unknown status: {status}."), status=status)
    clauses = []
    provider_id = actor.provider_id if actor.has_role("provider_admin") else None
    own: set[int] = set()
    if provider_id:
        clauses.append(Series.provider == provider_id)
    if actor.is_staff:
        clauses.append(Series.elder.region_code.like(f"{region_prefix(actor.region_code or '')}%"))
    elif actor.has_role("resident", "family"):
        own = set(await account_links.account_elder_ids(actor.id))
        if own:
            clauses.append(Series.elder.is_in(list(own)))
    if not clauses:
        return [], 0
    where = clauses[0]
    for clause in clauses[1:]:
        where = where | clause
    if elder_id is not None:
        where = where & (Series.elder == elder_id)
    if status is not None:
        where = where & (Series.status == status)
    total = await Series.count().where(where).run()
    rows = (
        await Series.select(
            *Series.all_columns(), Series.elder.region_code.as_alias("elder_region")
        )
        .where(where)
        .order_by(Series.id, ascending=False)
        .limit(limit)
        .offset(offset)
        .run()
    )

    def sides(row: dict[str, Any]) -> frozenset[str]:
        found = {domain.PROVIDER} if provider_id and row["provider"] == provider_id else set()
        if row["elder"] in own or (
            actor.is_staff and region_contains(actor.region_code or "", row["elder_region"])
        ):
            found.add(domain.ELDER_SIDE)
        return frozenset(found)

    return [series_view(row, sides(row)) for row in rows], total


@dataclass(frozen=True)
class TeamChoice:
    provider_id: int
    name: str
    caregivers: tuple[tuple[int, str], ...]


async def team_choices(
    actor: Actor, *, elder_id: int, service_code: str, on: date
) -> list[TeamChoice]:
    """The providers who offer the item at the elder's address, with their caregivers who have
    the skill: what the page offers under "who should come"."""
    elder = await elder_records.get_elder(actor, elder_id)
    item = await _offered_item(service_code, elder.region_code)
    if elder.lat is None or elder.lon is None:
        return []
    pool = await providers.match_pool(
        item_code=item.code,
        skill=item.skill,
        lat=elder.lat,
        lon=elder.lon,
        region_code=elder.region_code,
        on=on,
    )
    return [TeamChoice(p.id, p.name, tuple((c.id, c.name) for c in p.caregivers)) for p in pool]
