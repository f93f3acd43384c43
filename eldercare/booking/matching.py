"""Who can come: providers that offer the item, are approved, cover the elder's address and
have a caregiver with the skill who is working then and free (visits plus travel buffer).

The provider package gives the pool from its in-memory snapshot (providers in reach,
offering, approved; caregivers with the skill working then); here we rank the providers
and drop caregivers who are busy, reading the bookings table.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from eldercare.booking import domain
from eldercare.booking.domain import Candidate, Policy
from eldercare.db import PerLoop, engine, fetch, ids_in, is_sqlite
from eldercare.providers import domain as providers_domain
from eldercare.providers import service as providers

LOAD_WINDOW = timedelta(days=7)
HOME_ZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class Place:
    """Where and in which zone the visit happens (from the elder's record)."""

    lat: float
    lon: float
    region_code: str
    timezone: str = HOME_ZONE


# The holding statuses written into the SQL (our own constants): so the partial indexes over
# holding visits apply, which a bound parameter could not show to the planner.
_HOLDING_SQL = ", ".join(f"'{status}'" for status in domain.HOLDING)


def _holding(index: str) -> str:
    """``booking``, read through one of the partial indexes over holding visits. SQLite is
    told which (``INDEXED BY``): without statistics (no ANALYZE yet) its planner takes the
    index on status and reads every holding visit in the city. PostgreSQL keeps statistics."""
    return f"booking INDEXED BY {index}" if is_sqlite() else "booking"


async def busy_caregivers(
    caregiver_ids: list[int],
    start: datetime,
    busy_until: datetime,
    *,
    exclude_booking: int | None = None,
) -> set[int]:
    """Caregivers already held (accepted or in service) for a span overlapping this one."""
    held = await _held(caregiver_ids, start, busy_until, exclude_booking=exclude_booking)
    return {row["caregiver"] for row in held}


async def _held(
    caregiver_ids: list[int],
    start: datetime,
    busy_until: datetime,
    *,
    exclude_booking: int | None = None,
) -> list[dict[str, Any]]:
    """The holding visits (caregiver, start_at, busy_until) of these caregivers that overlap
    ``start`` to ``busy_until``, from the index over holding visits (its three columns)."""
    if not caregiver_ids:
        return []
    among, ids = ids_in("caregiver", caregiver_ids)
    args: list[Any] = [*ids, busy_until, start]
    sql = (
        f"SELECT caregiver, start_at, busy_until FROM {_holding('booking_caregiver_holding')} "
        f"WHERE {among} AND status IN ({_HOLDING_SQL}) AND start_at < {{}} AND busy_until > {{}}"
    )
    if exclude_booking is not None:
        sql += " AND id <> {}"
        args.append(exclude_booking)
    return await fetch(sql, *args)


async def _loads(provider_ids: list[int], now: datetime) -> dict[int, int]:
    if not provider_ids:
        return {}
    among, ids = ids_in("provider", provider_ids)
    rows = await fetch(
        f"SELECT provider, COUNT(*) AS n FROM {_holding('booking_provider_holding')} "
        f"WHERE {among} AND status IN ({_HOLDING_SQL}) AND start_at >= {{}} "
        "AND start_at < {} GROUP BY provider",
        *ids,
        now,
        now + LOAD_WINDOW,
    )
    return {row["provider"]: row["n"] for row in rows}


def local_span(
    start: datetime, end: datetime, timezone: str = HOME_ZONE
) -> tuple[datetime, datetime]:
    """A visit's start and end in local time, as caregivers' hours are kept."""
    zone = ZoneInfo(timezone)
    return start.astimezone(zone), end.astimezone(zone)


@contextlib.asynccontextmanager
async def one_connection() -> AsyncIterator[None]:
    """Matching reads a dozen tables: on SQLite in one deferred read transaction, so they all
    see one snapshot on one connection (taken from the engine's idle ones, sqlite_pool.py).
    Inside a caller's transaction it is that transaction (Piccolo nests). The provider data
    snapshot's revision is read once for all of it (``providers.pinned_snapshot``)."""
    db = engine()
    with providers.pinned_snapshot():
        if not is_sqlite():
            yield
        elif db.current_transaction.get() is not None:
            async with db.transaction():
                yield
        else:
            # At most a few at once: each holds a connection, a thread and its page cache (the
            # server's memory under load), and SQLite shares the one core the GIL leaves it.
            async with _READERS.get(), db.transaction():
                yield


MAX_SQLITE_READERS = 4
_READERS = PerLoop(lambda: asyncio.Semaphore(MAX_SQLITE_READERS))


async def candidates(
    *,
    item_code: str,
    skill: str,
    duration: timedelta,
    place: Place,
    start: datetime,
    now: datetime,
    policy: Policy,
    exclude_providers: frozenset[int] = frozenset(),
    only_provider: int | None = None,
    ignore_busy: bool = False,
    best_only: bool = False,
) -> list[Candidate]:
    """Ranked candidates for one visit; each lists its caregivers free then (best first).

    With ``best_only``, just the first of that list (or none): booking needs no more, and
    finding it reads the teams of the best-ranked providers only (see ``_ranked``)."""
    async with one_connection():
        return await _ranked(
            item_code=item_code,
            skill=skill,
            duration=duration,
            place=place,
            start=start,
            now=now,
            policy=policy,
            exclude_providers=exclude_providers,
            only_provider=only_provider,
            ignore_busy=ignore_busy,
            best_only=best_only,
        )


# With best_only, teams are read for this many providers at a time, best-ranked first.
BEST_BATCH = 8


async def _ranked(
    *,
    item_code: str,
    skill: str,
    duration: timedelta,
    place: Place,
    start: datetime,
    now: datetime,
    policy: Policy,
    exclude_providers: frozenset[int] = frozenset(),
    only_provider: int | None = None,
    ignore_busy: bool = False,
    best_only: bool = False,
) -> list[Candidate]:
    """A provider's rank (domain.rank_key: distance, rating, the week's load) does not depend
    on its caregivers, so providers are ranked first and their teams read after, in rank
    order: the list is the same as ranking the finished candidates, and ``best_only`` can
    stop at the first provider with someone free instead of reading every team in reach."""
    end = start + duration
    start_local, end_local = local_span(start, end, place.timezone)
    pool = [
        p
        for p in await providers.covering(
            item_code=item_code,
            lat=place.lat,
            lon=place.lon,
            region_code=place.region_code,
            provider_id=only_provider,
        )
        if p.id not in exclude_providers and (only_provider is None or p.id == only_provider)
    ]
    loads = await _loads([p.id for p in pool], now)
    ranked = domain.rank(
        [
            Candidate(
                provider_id=p.id,
                name=p.name,
                distance_km=round(p.distance_km, 2),
                price_fen=p.price_fen,
                rating=p.rating,
                rating_count=p.rating_count,
                load=loads.get(p.id, 0),
            )
            for p in pool
        ]
    )
    step = BEST_BATCH if best_only else max(len(ranked), 1)
    found: list[Candidate] = []
    for first in range(0, len(ranked), step):
        batch = ranked[first : first + step]
        working = await providers.teams(
            [c.provider_id for c in batch],
            skill,
            start_local.date(),
            (start_local, end_local),  # only those working for the whole visit
        )
        every = [c.id for team in working.values() for c in team]
        busy = (
            set()
            if ignore_busy
            else await busy_caregivers(every, *domain.busy_interval(start, end, policy))
        )
        for candidate in batch:
            free = tuple(c.id for c in working.get(candidate.provider_id, []) if c.id not in busy)
            if free:
                candidate.caregiver_ids = free  # made above, for this match alone
                found.append(candidate)
                if best_only:
                    return found
    return found


async def free_times(
    *,
    item_code: str,
    skill: str,
    duration: timedelta,
    place: Place,
    days: list[date],
    now: datetime,
    policy: Policy,
    provider_id: int | None = None,
    hours: tuple[int, int] = (8, 18),
    step: timedelta = timedelta(minutes=30),
    limit: int = 24,
) -> list[datetime]:
    """Start times (aware, UTC) over ``days`` when at least one caregiver can come: the booking
    page suggests these instead of asking people to guess. One pool load per day, one busy query."""
    zone = ZoneInfo(place.timezone)
    found: list[datetime] = []
    for day in days:
        pool = await providers.match_pool(
            item_code=item_code,
            skill=skill,
            lat=place.lat,
            lon=place.lon,
            region_code=place.region_code,
            on=day,
            provider_id=provider_id,
        )
        caregivers = [c for p in pool for c in p.caregivers]
        if not caregivers:
            continue
        day_start = datetime(day.year, day.month, day.day, hours[0], tzinfo=zone)
        day_end = datetime(day.year, day.month, day.day, hours[1], tzinfo=zone)
        rows = await _held(
            [c.id for c in caregivers], day_start, day_end + duration + policy.travel_buffer
        )
        held: dict[int, list[tuple[datetime, datetime]]] = {}
        for row in rows:
            held.setdefault(row["caregiver"], []).append((row["start_at"], row["busy_until"]))
        moment = day_start
        while moment + duration <= day_end and len(found) < limit:
            span = domain.busy_interval(moment, moment + duration, policy)
            if moment >= now + policy.min_notice and any(
                providers_domain.is_working(c.windows, c.days_off, moment, moment + duration)
                and not any(domain.overlaps(span, h) for h in held.get(c.id, []))
                for c in caregivers
            ):
                found.append(moment)
            moment += step
        if len(found) >= limit:
            break
    return found
