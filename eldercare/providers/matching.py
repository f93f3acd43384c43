"""The pool of providers who could serve one elder with one item on one day.

Booking's matching ranks this pool and checks each caregiver's visits; this module
answers only from provider data. It never scans every provider: an indexed latitude /
longitude bounding box (or an indexed served-district match) picks the candidates in
SQL, then geopy measures the few. Everything else is loaded in batches with IN (…).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from eldercare.catalog import service as catalog
from eldercare.db import fetch, id_list
from eldercare.geo.domain import MAX_RADIUS_KM, bounding_box, distance_km
from eldercare.providers import domain

# Lower bounds of the kilometres in a degree of latitude (110.574 on WGS-84, 111.195 on the
# sphere _surely_beyond uses) and of longitude at the equator (111.195 on that sphere).
_KM_PER_LAT_DEGREE_MIN = 110.5
_KM_PER_LON_DEGREE_MIN = 111.19


@dataclass(frozen=True)
class PoolCaregiver:
    id: int
    name: str
    windows: list[tuple[int, int, int]]  # (weekday, start_minute, end_minute), local time
    days_off: frozenset[date]


@dataclass(frozen=True)
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
    That reads a seventh of the hours, and SQL drops most of those off duty then.
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
    all. Matching ranks these first and reads teams only as far as it needs."""
    rows = await _candidates(item_code, lat, lon, region_code, provider_id)
    if not rows:
        return []
    ids = [r["id"] for r in rows]
    districts = await _districts(ids)
    caps: dict[str, int | None] = {}  # per provider region: a city has a handful, not thousands
    covered = []
    for row in rows:
        area = _Area(row["lat"], row["lon"], row["service_radius_km"], districts.get(row["id"], []))
        # domain.covers, with one geodesic per provider instead of two: a served district
        # covers without one, and a sphere rules out cheaply the many the box holds beyond reach.
        served = domain.covers(area, None, None, region_code)
        if not served and _surely_beyond(area, lat, lon):
            continue
        distance = distance_km(row["lat"], row["lon"], lat, lon)
        if not served and distance > area.service_radius_km:
            continue
        if row["region_code"] not in caps:
            caps[row["region_code"]] = await catalog.price_cap(item_code, row["region_code"])
        cap = caps[row["region_code"]]
        if cap is not None and row["price_fen"] <= cap:
            covered.append((distance, row))
    covered.sort(key=lambda pair: (pair[0], pair[1]["id"]))
    return [
        PoolProvider(
            id=row["id"],
            name=row["name"],
            distance_km=round(distance, 3),
            price_fen=row["price_fen"],
            rating=round(row["rating_avg"] or 0.0, 2),
            rating_count=row["rating_count"] or 0,
            caregivers=[],
        )
        for distance, row in covered
    ]


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


def _surely_beyond(area: _Area, lat: float, lon: float) -> bool:
    """Out of the provider's radius on a sphere by more than the sphere can be off from the
    WGS-84 ellipsoid (under 0.6 %): a microsecond instead of a geodesic's hundred."""
    p1, p2 = math.radians(area.lat), math.radians(lat)
    dp, dl = p2 - p1, math.radians(lon - area.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    sphere_km = 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))
    return sphere_km > area.service_radius_km * 1.01 + 0.05


async def _candidates(
    item_code: str, lat: float, lon: float, region_code: str, provider_id: int | None = None
) -> list[dict[str, Any]]:
    """Offering providers within the widest radius in use, or serving a district with the point.

    The SQL only narrows (covering decides who reaches the point): one provider, asked for by
    id, is read by its key, without the box."""
    columns = (
        "SELECT p.id, p.name, p.lat, p.lon, p.service_radius_km, p.region_code, p.rating_avg, "
        "p.rating_count, o.price_fen FROM provider p JOIN offering o ON o.provider = p.id "
        "WHERE p.status = {} AND o.item_code = {} AND o.active = TRUE "
    )
    if provider_id is not None:
        return await fetch(columns + "AND p.id = {}", domain.APPROVED, item_code, provider_id)
    # ORDER BY … LIMIT 1 reads one entry of the (status, service_radius_km) index on both engines.
    widest = await fetch(
        "SELECT service_radius_km FROM provider WHERE status = {} "
        "ORDER BY service_radius_km DESC LIMIT 1",
        domain.APPROVED,
    )
    radius = min(float(widest[0]["service_radius_km"]) if widest else 0.0, MAX_RADIUS_KM)
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius)
    # Each provider's own reach, as a plane with degrees no longer than they can be anywhere
    # in the box: never more than the true distance, so nobody _surely_beyond keeps is lost
    # (a 5 % and 100 m margin besides). Read from the (status, lat, lon, radius) index, it
    # leaves the few hundred in reach to look up, not the thousands the widest box holds.
    far_cos = max(math.cos(math.radians(min(abs(lat) + (max_lat - lat), 90.0))), 0.0)
    lat_km2 = _KM_PER_LAT_DEGREE_MIN**2
    lon_km2 = (_KM_PER_LON_DEGREE_MIN * far_cos) ** 2
    codes = domain.ancestor_codes(region_code) if region_code else []
    by_district = ""
    args: list[Any] = [domain.APPROVED, item_code, min_lat, max_lat, min_lon, max_lon]
    args += [lat, lat, lat_km2, lon, lon, lon_km2]
    if codes:
        by_district = (
            " OR p.id IN (SELECT pd.provider FROM provider_district pd WHERE pd.region_code IN ("
            + ", ".join("{}" for _ in codes)
            + "))"
        )
        args += codes
    return await fetch(
        columns + "AND ((p.lat BETWEEN {} AND {} AND p.lon BETWEEN {} AND {} "
        "AND (p.lat - {}) * (p.lat - {}) * {} + (p.lon - {}) * (p.lon - {}) * {} "
        "<= (p.service_radius_km * 1.05 + 0.1) * (p.service_radius_km * 1.05 + 0.1))"
        + by_district
        + ")",
        *args,
    )


async def _districts(provider_ids: list[int]) -> dict[int, list[str]]:
    rows = await fetch(
        f"SELECT provider, region_code FROM provider_district WHERE provider IN ({id_list(provider_ids)})"
    )
    found: dict[int, list[str]] = {}
    for row in rows:
        found.setdefault(row["provider"], []).append(row["region_code"])
    return found


@dataclass(frozen=True)
class _Certificate:
    skill: str
    expires_on: date


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


async def _certificates(caregiver_ids: list[int], skill: str) -> dict[int, list[_Certificate]]:
    """Each caregiver's certificates for ``skill``."""
    found: dict[int, list[_Certificate]] = {}
    for cert in await fetch(
        "SELECT caregiver, skill, expires_on FROM caregiver_certificate "
        f"WHERE caregiver IN ({id_list(caregiver_ids)}) AND skill = {{}}",
        skill,
    ):
        found.setdefault(cert["caregiver"], []).append(
            _Certificate(cert["skill"], _day(cert["expires_on"]))
        )
    return found


async def _teams(provider_ids: list[int], skill: str, on: date) -> dict[int, list[PoolCaregiver]]:
    """Active caregivers with a valid ``skill``, with their hours and days off (four queries)."""
    if not provider_ids:
        return {}
    people = await fetch(
        "SELECT id, provider, name, skills FROM caregiver "
        f"WHERE provider IN ({id_list(provider_ids)}) AND active = {{}} AND skills LIKE {{}} "
        "ORDER BY id",
        True,
        f"%{skill}%",
    )
    if not people:
        return {}
    ids = id_list([p["id"] for p in people])
    certificates = await _certificates([p["id"] for p in people], skill)
    windows: dict[int, list[tuple[int, int, int]]] = {}
    for w in await fetch(
        "SELECT caregiver, weekday, start_minute, end_minute FROM availability_window "
        f"WHERE caregiver IN ({ids})"
    ):
        windows.setdefault(w["caregiver"], []).append(
            (w["weekday"], w["start_minute"], w["end_minute"])
        )
    days_off: dict[int, set[date]] = {}
    for d in await fetch(
        f"SELECT caregiver, day FROM caregiver_day_off WHERE caregiver IN ({ids}) AND day >= {{}}",
        on - timedelta(days=1),
    ):
        days_off.setdefault(d["caregiver"], set()).add(_day(d["day"]))
    teams: dict[int, list[PoolCaregiver]] = {}
    for person in people:
        skills = [s for s in person["skills"].split(",") if s]
        if not domain.skill_valid(skills, certificates.get(person["id"], []), skill, on):
            continue
        teams.setdefault(person["provider"], []).append(
            PoolCaregiver(
                id=person["id"],
                name=person["name"],
                windows=sorted(windows.get(person["id"], [])),
                days_off=frozenset(days_off.get(person["id"], set())),
            )
        )
    return teams


async def _working_teams(
    provider_ids: list[int], skill: str, on: date, start_local: datetime, end_local: datetime
) -> dict[int, list[PoolCaregiver]]:
    """Like ``_teams``, but only caregivers working for the whole visit (two queries).

    SQL keeps a caregiver when a window on the start's weekday holds the start and no day
    off falls on a day the visit touches: both are needed for ``is_working`` (the window
    that holds the start can only be that day's), which then decides exactly on the
    caregiver's windows of the touched weekdays, joined across midnight as it does.
    """
    start, end = start_local.replace(tzinfo=None), end_local.replace(tzinfo=None)
    if not provider_ids or end <= start:
        return {}
    days = domain.days_touched(start, end)
    weekdays = sorted({day.weekday() for day in days})
    minute = start.hour * 60 + start.minute  # a window holds the start iff it holds this floor
    rows = await fetch(
        "SELECT c.id, c.provider, c.name, c.skills, w.weekday, w.start_minute, w.end_minute "
        "FROM caregiver c JOIN availability_window w ON w.caregiver = c.id "
        f"WHERE c.provider IN ({id_list(provider_ids)}) AND c.active = {{}} AND c.skills LIKE {{}} "
        f"AND w.weekday IN ({id_list(weekdays)}) "
        "AND EXISTS (SELECT 1 FROM availability_window s WHERE s.caregiver = c.id "
        "AND s.weekday = {} AND s.start_minute <= {} AND s.end_minute > {}) "
        "AND NOT EXISTS (SELECT 1 FROM caregiver_day_off d WHERE d.caregiver = c.id "
        f"AND d.day IN ({', '.join('{}' for _ in days)})) "
        # By provider first: SQLite then walks the provider index instead of every caregiver.
        "ORDER BY c.provider, c.id",
        True,
        f"%{skill}%",
        start.weekday(),
        minute,
        minute,
        *days,
    )
    if not rows:
        return {}
    people: dict[int, dict[str, Any]] = {}
    windows: dict[int, list[tuple[int, int, int]]] = {}
    for row in rows:
        people.setdefault(row["id"], row)
        windows.setdefault(row["id"], []).append(
            (row["weekday"], row["start_minute"], row["end_minute"])
        )
    certificates = await _certificates(list(people), skill)
    # A visit within one day that one window holds needs nothing more (most visits, most
    # caregivers); is_working decides the rest, windows joined across their edges.
    weekday, one_day = start.weekday(), len(days) == 1
    midnight = datetime.combine(start.date(), datetime.min.time())
    begins, ends = (
        (start - midnight) / timedelta(minutes=1),
        (end - midnight) / timedelta(minutes=1),
    )
    teams: dict[int, list[PoolCaregiver]] = {}
    for caregiver_id, person in people.items():
        skills = [s for s in person["skills"].split(",") if s]
        hours = sorted(windows[caregiver_id])
        held = one_day and any(w == weekday and a <= begins and b >= ends for w, a, b in hours)
        if domain.skill_valid(skills, certificates.get(caregiver_id, []), skill, on) and (
            held or domain.is_working(hours, (), start, end)
        ):
            teams.setdefault(person["provider"], []).append(
                PoolCaregiver(
                    id=caregiver_id, name=person["name"], windows=hours, days_off=frozenset()
                )
            )
    return teams
