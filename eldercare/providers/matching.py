"""The pool of providers who could serve one elder with one item on one day.

Booking's matching ranks this pool and checks each caregiver's visits; this module
answers only from provider data. It never scans every provider: an indexed latitude /
longitude bounding box (or an indexed served-district match) picks the candidates in
SQL, then geopy measures the few. Everything else is loaded in batches with IN (…).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from eldercare.catalog import service as catalog
from eldercare.db import fetch
from eldercare.geo.domain import MAX_RADIUS_KM, bounding_box, distance_km
from eldercare.providers import domain
from eldercare.providers.tables import (
    AvailabilityWindow,
    Caregiver,
    Certificate,
    DayOff,
    ProviderDistrict,
)


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
    *, item_code: str, skill: str, lat: float, lon: float, region_code: str, on: date
) -> list[PoolProvider]:
    """Approved providers actively offering ``item_code`` that cover the point, nearest first.

    Each carries its active caregivers whose ``skill`` is valid on ``on`` (possibly none:
    the caller decides what an empty team means). An offering priced above the region's
    current cap, or for an item the region no longer offers, is left out until re-priced.
    """
    rows = await _candidates(item_code, lat, lon, region_code)
    if not rows:
        return []
    ids = [r["id"] for r in rows]
    districts = await _districts(ids)
    covered = []
    for row in rows:
        area = _Area(row["lat"], row["lon"], row["service_radius_km"], districts.get(row["id"], []))
        if domain.covers(area, lat, lon, region_code) and await _within_cap(row, item_code):
            covered.append((distance_km(row["lat"], row["lon"], lat, lon), row))
    teams = await _teams([row["id"] for _, row in covered], skill, on)
    covered.sort(key=lambda pair: (pair[0], pair[1]["id"]))
    return [
        PoolProvider(
            id=row["id"],
            name=row["name"],
            distance_km=round(distance, 3),
            price_fen=row["price_fen"],
            rating=round(row["rating_avg"] or 0.0, 2),
            rating_count=row["rating_count"] or 0,
            caregivers=teams.get(row["id"], []),
        )
        for distance, row in covered
    ]


async def _candidates(
    item_code: str, lat: float, lon: float, region_code: str
) -> list[dict[str, Any]]:
    """Offering providers within the widest radius in use, or serving a district with the point."""
    # ORDER BY … LIMIT 1 reads one entry of the (status, service_radius_km) index on both engines.
    widest = await fetch(
        "SELECT service_radius_km FROM provider WHERE status = {} "
        "ORDER BY service_radius_km DESC LIMIT 1",
        domain.APPROVED,
    )
    radius = min(float(widest[0]["service_radius_km"]) if widest else 0.0, MAX_RADIUS_KM)
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius)
    codes = domain.ancestor_codes(region_code) if region_code else []
    by_district = ""
    args: list[Any] = [domain.APPROVED, item_code, min_lat, max_lat, min_lon, max_lon]
    if codes:
        by_district = (
            " OR p.id IN (SELECT pd.provider FROM provider_district pd WHERE pd.region_code IN ("
            + ", ".join("{}" for _ in codes)
            + "))"
        )
        args += codes
    return await fetch(
        "SELECT p.id, p.name, p.lat, p.lon, p.service_radius_km, p.region_code, p.rating_avg, "
        "p.rating_count, o.price_fen FROM provider p JOIN offering o ON o.provider = p.id "
        "WHERE p.status = {} AND o.item_code = {} AND o.active = TRUE "
        "AND ((p.lat BETWEEN {} AND {} AND p.lon BETWEEN {} AND {})" + by_district + ")",
        *args,
    )


async def _districts(provider_ids: list[int]) -> dict[int, list[str]]:
    rows = (
        await ProviderDistrict.select(ProviderDistrict.provider, ProviderDistrict.region_code)
        .where(ProviderDistrict.provider.is_in(provider_ids))
        .run()
    )
    found: dict[int, list[str]] = {}
    for row in rows:
        found.setdefault(row["provider"], []).append(row["region_code"])
    return found


async def _within_cap(row: dict[str, Any], item_code: str) -> bool:
    cap = await catalog.price_cap(item_code, row["region_code"])
    return cap is not None and row["price_fen"] <= cap


async def _teams(provider_ids: list[int], skill: str, on: date) -> dict[int, list[PoolCaregiver]]:
    """Active caregivers with a valid ``skill``, with their hours and days off (four queries)."""
    if not provider_ids:
        return {}
    people = (
        await Caregiver.select(Caregiver.id, Caregiver.provider, Caregiver.name, Caregiver.skills)
        .where(
            Caregiver.provider.is_in(provider_ids)
            & (Caregiver.active == True)  # noqa: E712
            & Caregiver.skills.like(f"%{skill}%")
        )
        .order_by(Caregiver.id)
        .run()
    )
    if not people:
        return {}
    ids = [p["id"] for p in people]
    certificates: dict[int, list[Certificate]] = {}
    for cert in (
        await Certificate.objects()
        .where(Certificate.caregiver.is_in(ids) & (Certificate.skill == skill))
        .run()
    ):
        certificates.setdefault(cert.caregiver, []).append(cert)
    windows: dict[int, list[tuple[int, int, int]]] = {}
    for w in await AvailabilityWindow.select().where(AvailabilityWindow.caregiver.is_in(ids)).run():
        windows.setdefault(w["caregiver"], []).append(
            (w["weekday"], w["start_minute"], w["end_minute"])
        )
    days_off: dict[int, set[date]] = {}
    for d in (
        await DayOff.select(DayOff.caregiver, DayOff.day)
        .where(DayOff.caregiver.is_in(ids) & (DayOff.day >= on - timedelta(days=1)))
        .run()
    ):
        days_off.setdefault(d["caregiver"], set()).add(d["day"])
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
