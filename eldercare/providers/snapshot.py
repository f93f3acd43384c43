"""Provider data as matching reads it, kept in memory and checked on every use.

A match weighs every provider in reach and the hours of each of their caregivers: read from
the database each time, that was a dozen queries and most of a match's 60 ms. Here those rows
are kept per process, in one ``Snapshot`` tied to the data revision (``db.data_revision``):
triggers change the revision in every transaction that writes provider data, offerings,
caregivers, their hours, days off and certificates, or the menu that sets price caps. Each
use reads the revision first (one row) and starts a new, empty snapshot when it moved, so a
write by any process is seen by the next match in every process. What is kept:

- per service item, the approved providers actively offering it, their places and reaches
  also as arrays (matching measures them all at once), and the districts each serves;
- per provider, its active caregivers with their skills, certificates, weekly hours and
  days off (loaded for the providers a match reaches, the first time it reaches them);
- per item and region, the price cap.

- per provider, its rating, under a revision of its own (``db.revisions``): a review
  changes only that one, and drops only the ratings.

Not kept: the week's bookings (they change with every visit; read per match), and whether a
caregiver is busy (booking's matching asks the bookings table).

Every value in a snapshot was read after its revision was seen in the database, and a
snapshot is used only while the database still shows that revision: so it holds the current
data. Values loaded into a snapshot that was replaced meanwhile are simply dropped with it.
The same holds for the ratings and their revision.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np

from eldercare.catalog import service as catalog
from eldercare.db import PerLoop, as_date, engine, fetch, ids_in, is_sqlite, revisions
from eldercare.providers import domain


@dataclass(frozen=True, slots=True)
class Offer:
    """An approved provider actively offering one item, as matching needs it."""

    id: int
    name: str
    lat: float
    lon: float
    service_radius_km: float
    region_code: str
    price_fen: int


@dataclass(frozen=True, slots=True)
class Certificate:
    skill: str
    expires_on: date


@dataclass(frozen=True, slots=True)
class Member:
    """An active caregiver: ``week`` holds the weekly windows (weekday, start minute, end
    minute) of each weekday, Monday first, each day's sorted."""

    id: int
    name: str
    skills: frozenset[str]
    certificates: tuple[Certificate, ...]
    week: tuple[tuple[tuple[int, int, int], ...], ...]
    days_off: frozenset[date]

    @property
    def windows(self) -> list[tuple[int, int, int]]:
        """Every window of the week, sorted."""
        return [window for day in self.week for window in day]


@dataclass
class ItemIndex:
    """The offers of one item, and their places and reaches as arrays in the same order
    (matching measures them all at once), and the widest reach among them."""

    offers: list[Offer]
    position: dict[int, int]  # provider id → its place in ``offers`` and the arrays
    lats: np.ndarray
    lons: np.ndarray
    radii_km: np.ndarray
    widest_km: float

    @classmethod
    def of(cls, offers: list[Offer]) -> ItemIndex:
        return cls(
            offers=offers,
            position={offer.id: i for i, offer in enumerate(offers)},
            lats=np.array([offer.lat for offer in offers], dtype=float),
            lons=np.array([offer.lon for offer in offers], dtype=float),
            radii_km=np.array([offer.service_radius_km for offer in offers], dtype=float),
            widest_km=max((offer.service_radius_km for offer in offers), default=0.0),
        )


@dataclass
class Ratings:
    """Providers' (rating_avg, rating_count), as of the ratings revision ``revision``."""

    revision: int | None
    of: dict[int, tuple[float, int]] = field(default_factory=dict)


@dataclass
class Snapshot:
    revision: int | None
    ratings: Ratings = field(default_factory=lambda: Ratings(None))
    items: dict[str, ItemIndex] = field(default_factory=dict)
    # Provider → the districts it serves, and district code → the providers serving it.
    districts: tuple[dict[int, list[str]], dict[str, set[int]]] | None = None
    teams: dict[int, tuple[Member, ...]] = field(default_factory=dict)
    caps: dict[tuple[str, str], int | None] = field(default_factory=dict)
    shared: dict[Any, Any] = field(default_factory=dict)  # equal values kept once


_current: Snapshot | None = None
_NO_DAYS: frozenset[date] = frozenset()  # one for all: each empty frozenset takes 216 bytes


async def current() -> Snapshot:
    """The snapshot for the revision the database shows now (a new one when it moved).

    Inside ``pinned()``, the one it found first there."""
    global _current
    pin = _PIN.get()
    if pin:
        return pin[0]
    revision, ratings = await revisions()
    if _current is None or revision is None or _current.revision != revision:
        _current = Snapshot(revision)
    if ratings is None or _current.ratings.revision != ratings:
        # A new snapshot sharing all the rest: a use case already under way keeps the
        # ratings of the revision it saw (on SQLite its transaction still reads them).
        _current = replace(_current, ratings=Ratings(ratings))
    if pin is not None:
        pin.append(_current)
    return _current


_PIN: ContextVar[list[Snapshot] | None] = ContextVar("snapshot_pin", default=None)


@contextlib.contextmanager
def pinned() -> Iterator[None]:
    """One read of the revision for a whole use case's reads (a match reads the snapshot
    three or four times): on SQLite they share one read transaction, which cannot see the
    revision move; on PostgreSQL it is the match as of its first read. Not for a use case
    that writes provider data and then reads it back (none does). Nested: the outer pin."""
    if _PIN.get() is not None:
        yield
        return
    token = _PIN.set([])
    try:
        yield
    finally:
        _PIN.reset(token)


_LOADING = PerLoop(asyncio.Lock)


def _loading() -> contextlib.AbstractAsyncContextManager[Any]:
    """One load at a time per process (and event loop; tests run many): when a new snapshot
    meets thirty-two concurrent matches, one of them reads each part and the others wait
    for it, instead of all reading the same rows at once (the server's memory under load).

    Except inside a transaction on PostgreSQL: that holds a connection of the pool, and a
    pool full of waiters would leave the loader none. (SQLite opens connections as needed.)"""
    if not is_sqlite() and engine().current_transaction.get() is not None:
        return contextlib.nullcontext()
    return _LOADING.get()


async def offers(snapshot: Snapshot, item_code: str) -> ItemIndex:
    index = snapshot.items.get(item_code)
    if index is not None:
        return index
    async with _loading():
        return snapshot.items.get(item_code) or await _load_offers(snapshot, item_code)


async def _load_offers(snapshot: Snapshot, item_code: str) -> ItemIndex:
    rows = await fetch(
        "SELECT p.id, p.name, p.lat, p.lon, p.service_radius_km, p.region_code, o.price_fen "
        "FROM provider p JOIN offering o ON o.provider = p.id "
        "WHERE p.status = {} AND o.item_code = {} AND o.active = TRUE",
        domain.APPROVED,
        item_code,
    )
    offers = [
        Offer(
            id=row["id"],
            name=row["name"],
            lat=float(row["lat"]),
            lon=float(row["lon"]),
            service_radius_km=float(row["service_radius_km"]),
            region_code=row["region_code"],
            price_fen=row["price_fen"],
        )
        for row in rows
    ]
    index = snapshot.items[item_code] = ItemIndex.of(offers)
    return index


async def districts(snapshot: Snapshot) -> tuple[dict[int, list[str]], dict[str, set[int]]]:
    """Which districts each provider serves, and who serves each district."""
    if snapshot.districts is None:
        async with _loading():
            snapshot.districts = snapshot.districts or await _load_districts()
    return snapshot.districts


async def _load_districts() -> tuple[dict[int, list[str]], dict[str, set[int]]]:
    by_provider: dict[int, list[str]] = {}
    by_code: dict[str, set[int]] = {}
    for row in await fetch(
        "SELECT provider, region_code FROM provider_district ORDER BY provider, id"
    ):
        by_provider.setdefault(row["provider"], []).append(row["region_code"])
        by_code.setdefault(row["region_code"], set()).add(row["provider"])
    return by_provider, by_code


async def price_cap(snapshot: Snapshot, item_code: str, region_code: str) -> int | None:
    key = (item_code, region_code)
    if key not in snapshot.caps:
        snapshot.caps[key] = await catalog.price_cap(item_code, region_code)
    return snapshot.caps[key]


async def ratings(snapshot: Snapshot, provider_ids: Iterable[int]) -> dict[int, tuple[float, int]]:
    """(rating_avg, rating_count) of each provider that exists (one query for those missing)."""
    kept = snapshot.ratings
    missing = [p for p in provider_ids if p not in kept.of]
    if missing:
        among, ids = ids_in("id", missing)
        for row in await fetch(
            f"SELECT id, rating_avg, rating_count FROM provider WHERE {among}", *ids
        ):
            kept.of[row["id"]] = (row["rating_avg"] or 0.0, row["rating_count"] or 0)
    return {p: kept.of[p] for p in provider_ids if p in kept.of}


async def teams(snapshot: Snapshot, provider_ids: Iterable[int]) -> dict[int, tuple[Member, ...]]:
    """The active caregivers of each provider (providers with none map to an empty tuple)."""
    wanted = list(dict.fromkeys(provider_ids))
    if any(p not in snapshot.teams for p in wanted):
        async with _loading():
            missing = [p for p in wanted if p not in snapshot.teams]
            if missing:
                snapshot.teams.update(await _load_teams(missing, snapshot.shared))
    return {p: snapshot.teams[p] for p in wanted}


async def _load_teams(
    provider_ids: list[int], shared: dict[Any, Any]
) -> dict[int, tuple[Member, ...]]:
    """Four queries for any number of providers, joined by provider (not by thousands of
    caregiver ids). Equal skill sets and hours are kept once (``shared``): a city's 50,000
    caregivers take ~15 MB instead of ~170."""
    among, ids = ids_in("provider", provider_ids)
    of_team = f"JOIN caregiver c ON c.id = x.caregiver WHERE c.{among} AND c.active = TRUE"
    people = await fetch(
        f"SELECT id, provider, name, skills FROM caregiver WHERE {among} AND active = TRUE "
        "ORDER BY id",
        *ids,
    )
    certificates: dict[int, list[Certificate]] = {}
    for row in await fetch(
        "SELECT x.caregiver, x.skill, x.expires_on FROM caregiver_certificate x " + of_team, *ids
    ):
        certificates.setdefault(row["caregiver"], []).append(
            Certificate(row["skill"], as_date(row["expires_on"]))
        )
    windows: dict[int, list[tuple[int, int, int]]] = {}
    for row in await fetch(
        "SELECT x.caregiver, x.weekday, x.start_minute, x.end_minute "
        "FROM availability_window x " + of_team,
        *ids,
    ):
        windows.setdefault(row["caregiver"], []).append(
            (row["weekday"], row["start_minute"], row["end_minute"])
        )
    days_off: dict[int, set[date]] = {}
    for row in await fetch("SELECT x.caregiver, x.day FROM caregiver_day_off x " + of_team, *ids):
        days_off.setdefault(row["caregiver"], set()).add(as_date(row["day"]))
    found: dict[int, list[Member]] = {p: [] for p in provider_ids}
    for person in people:
        found[person["provider"]].append(_member(person, certificates, windows, days_off, shared))
    return {p: tuple(team) for p, team in found.items()}


def _member(
    person: dict[str, Any],
    certificates: dict[int, list[Certificate]],
    windows: dict[int, list[tuple[int, int, int]]],
    days_off: dict[int, set[date]],
    shared: dict[Any, Any],
) -> Member:
    key, raw_skills = person["id"], person["skills"]
    hours = tuple(sorted(windows.get(key, ())))
    return Member(
        id=key,
        name=person["name"],
        skills=_once(
            shared, ("skills", raw_skills), lambda: frozenset(s for s in raw_skills.split(",") if s)
        ),
        certificates=tuple(certificates.get(key, ())),
        week=_once(
            shared,
            ("week", hours),
            lambda: tuple(tuple(w for w in hours if w[0] == day) for day in range(7)),
        ),
        days_off=frozenset(days_off[key]) if key in days_off else _NO_DAYS,
    )


def _once(shared: dict[Any, Any], key: Any, make: Callable[[], Any]) -> Any:
    """The value kept for ``key``, made the first time it is asked for."""
    value = shared.get(key)
    if value is None:
        value = shared[key] = make()
    return value
