"""The pool of providers who could serve one elder with one item on one day.

Booking's matching ranks this pool and checks each caregiver's visits; this module
answers only from provider data, held per process in snapshot.py (checked against the data
revision on every use). It measures every provider offering the item at once, on arrays: a
box around the point and a sphere pick the candidates (with those serving a district that
holds it), then a geodesic decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import NamedTuple

import numpy as np

from eldercare.geo.domain import MAX_RADIUS_KM, bounding_box, distances_km, sphere_km
from eldercare.providers import domain, snapshot

_NO_DAYS: frozenset[date] = frozenset()


class PoolCaregiver(NamedTuple):
    """A caregiver as the pool lists them (a named tuple: a match lists hundreds)."""

    id: int
    name: str
    windows: Sequence[tuple[int, int, int]]  # (weekday, start_minute, end_minute), local time
    days_off: frozenset[date]


@dataclass(slots=True)  # not frozen: a match makes one per provider in reach, 4× faster
class PoolProvider:
    id: int
    name: str
    distance_km: float
    price_fen: int
    rating: float
    rating_count: int
    caregivers: list[PoolCaregiver]


@dataclass(frozen=True)
class _Area:
    lat: float
    lon: float
    service_radius_km: float
    districts: list[str]


async def match_pool(
    *,
    item_code: str,
    skill: str,
    lat: float,
    lon: float,
    region_code: str,
    on: date,
    provider_id: int | None = None,
    working: tuple[datetime, datetime] | None = None,
) -> list[PoolProvider]:
    """Approved providers actively offering ``item_code`` that cover the point, nearest first.

    Each carries its active caregivers whose ``skill`` is valid on ``on`` (possibly none:
    the caller decides what an empty team means). With ``provider_id``, only that provider
    is considered (accepting a job, or a booking to a chosen provider). An offering priced above the region's
    current cap, or for an item the region no longer offers, is left out until re-priced.

    With ``working`` (a visit's local start and end), only the caregivers working for the
    whole visit (``domain.is_working``) are listed, each with just what decided it: its
    windows on the weekdays the visit touches, and no days off (none falls on those days).
    """
    pool = await covering(
        item_code=item_code, lat=lat, lon=lon, region_code=region_code, provider_id=provider_id
    )
    found = await teams([p.id for p in pool], skill, on, working)
    return [replace(p, caregivers=found.get(p.id, [])) for p in pool]


async def covering(
    *, item_code: str, lat: float, lon: float, region_code: str, provider_id: int | None = None
) -> list[PoolProvider]:
    """``match_pool`` without the teams (each ``caregivers`` empty): who could be asked at
    all. Matching ranks these first and reads teams only as far as it needs.

    From the process's snapshot of provider data and ratings (snapshot.py)."""
    kept = await snapshot.current()
    index = await snapshot.offers(kept, item_code)
    served_by, serving = await snapshot.districts(kept)
    # Providers serving a district that may hold the point (domain.covers decides).
    codes = domain.ancestor_codes(region_code) if region_code else []
    served_ids = set().union(*(serving.get(code, ()) for code in codes))
    if provider_id is not None:
        near = np.array(
            [index.position[provider_id]] if provider_id in index.position else [], dtype=np.intp
        )
    else:
        near = _near(index, served_ids, lat, lon)
    distances = distances_km(index.lats[near], index.lons[near], lat, lon)
    covered = []
    for position, distance in zip(near.tolist(), distances.tolist(), strict=True):
        offer = index.offers[position]
        # domain.covers, with the geodesic measured once for all: a served district covers
        # whatever the distance.
        served = offer.id in served_ids and domain.covers(
            _Area(offer.lat, offer.lon, offer.service_radius_km, served_by.get(offer.id, [])),
            None,
            None,
            region_code,
        )
        if not served and distance > offer.service_radius_km:
            continue
        if await _within_cap(kept, item_code, offer):
            covered.append((distance, offer))
    if not covered:
        return []
    covered.sort(key=lambda pair: (pair[0], pair[1].id))
    ratings = await snapshot.ratings(kept, [offer.id for _, offer in covered])
    return [
        PoolProvider(
            id=offer.id,
            name=offer.name,
            distance_km=round(distance, 3),
            price_fen=offer.price_fen,
            rating=round(ratings[offer.id][0], 2),
            rating_count=ratings[offer.id][1],
            caregivers=[],
        )
        for distance, offer in covered
        if offer.id in ratings
    ]


def _near(index: snapshot.ItemIndex, served_ids: set[int], lat: float, lon: float) -> np.ndarray:
    """The places (in ``index``) of the offers that may reach the point, or serve a district
    that may hold it: the hundred or two that covering then measures, out of thousands.

    All at once on the index's arrays: the box of the widest reach, then each offer's own
    reach on the sphere, which is within 0.6 % of the ellipsoid (so 1 % and 50 m more drops
    nobody in reach)."""
    radius = min(index.widest_km, MAX_RADIUS_KM) * 1.01 + 0.05
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius)
    lats, lons = index.lats, index.lons
    boxed = np.flatnonzero(
        (lats >= min_lat) & (lats <= max_lat) & (lons >= min_lon) & (lons <= max_lon)
    )
    sphere = sphere_km(lats[boxed], lons[boxed], lat, lon)
    near = boxed[sphere <= index.radii_km[boxed] * 1.01 + 0.05]
    served = [index.position[p] for p in served_ids if p in index.position]
    return np.union1d(near, np.array(served, dtype=near.dtype)) if served else near


async def offers_now(provider_id: int, item_code: str) -> bool:
    """Whether the provider is approved and actively offers the item at a price within its
    region's cap: what ``covering`` asks of every provider, for one (from the snapshot)."""
    kept = await snapshot.current()
    index = await snapshot.offers(kept, item_code)
    position = index.position.get(provider_id)
    return position is not None and await _within_cap(kept, item_code, index.offers[position])


async def _within_cap(kept: snapshot.Snapshot, item_code: str, offer: snapshot.Offer) -> bool:
    """The offering's price is within its region's cap for the item (the region's menu
    offers it): an offering priced above is left out until re-priced."""
    cap = await snapshot.price_cap(kept, item_code, offer.region_code)
    return cap is not None and offer.price_fen <= cap


async def teams(
    provider_ids: list[int],
    skill: str,
    on: date,
    working: tuple[datetime, datetime] | None = None,
) -> dict[int, list[PoolCaregiver]]:
    """The caregivers of each provider as ``match_pool`` lists them (see there)."""
    if working is None:
        return await _teams(provider_ids, skill, on)
    return await _working_teams(provider_ids, skill, on, *working)


async def _teams(provider_ids: list[int], skill: str, on: date) -> dict[int, list[PoolCaregiver]]:
    """Active caregivers with a valid ``skill``, with their hours and days off."""
    if not provider_ids:
        return {}
    kept = await snapshot.teams(await snapshot.current(), provider_ids)
    found: dict[int, list[PoolCaregiver]] = {}
    for provider_id in sorted(kept):
        for person in kept[provider_id]:
            if domain.skill_valid(person.skills, person.certificates, skill, on):
                found.setdefault(provider_id, []).append(
                    PoolCaregiver(person.id, person.name, person.windows, person.days_off)
                )
    return found


async def _working_teams(
    provider_ids: list[int], skill: str, on: date, start_local: datetime, end_local: datetime
) -> dict[int, list[PoolCaregiver]]:
    """Like ``_teams``, but only caregivers working for the whole visit.

    A caregiver is kept when a window on the start's weekday holds the start and no day off
    falls on a day the visit touches: both are needed for ``is_working`` (the window that
    holds the start can only be that day's), which then decides exactly on the caregiver's
    windows of the touched weekdays, joined across midnight as it does. Each is listed with
    just those windows.
    """
    start, end = start_local.replace(tzinfo=None), end_local.replace(tzinfo=None)
    if not provider_ids or end <= start:
        return {}
    days = domain.days_touched(start, end)
    weekdays = sorted({day.weekday() for day in days})
    weekday, one_day = start.weekday(), len(days) == 1
    minute = start.hour * 60 + start.minute  # a window holds the start iff it holds this floor
    midnight = datetime.combine(start.date(), datetime.min.time())
    begins = (start - midnight) / timedelta(minutes=1)
    ends = (end - midnight) / timedelta(minutes=1)
    members = await snapshot.teams(await snapshot.current(), provider_ids)
    found: dict[int, list[PoolCaregiver]] = {}
    for provider_id in sorted(members):
        for person in members[provider_id]:
            if skill not in person.skills:
                continue
            opens = held = False
            for _, a, b in person.week[weekday]:
                if a <= minute < b:
                    opens = True
                    # A visit within one day that one window holds needs nothing more (most
                    # visits, most caregivers): is_working decides the rest.
                    if one_day and a <= begins and b >= ends:
                        held = True
                        break
            if not opens or (person.days_off and any(day in person.days_off for day in days)):
                continue
            if person.certificates and not domain.skill_valid(
                person.skills, person.certificates, skill, on
            ):
                continue
            if held:
                hours: Sequence[tuple[int, int, int]] = person.week[weekday]
            else:
                hours = [w for day in weekdays for w in person.week[day]]
                if not domain.is_working(hours, (), start, end):
                    continue
            listed = PoolCaregiver(person.id, person.name, hours, _NO_DAYS)
            found.setdefault(provider_id, []).append(listed)
    return found
