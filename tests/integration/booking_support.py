"""A small world for booking tests: a menu item, an approved provider with a caregiver who
works around the clock, and an elder in 船山区 registered by their family."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.factories import valid_id_number
from tests.integration.conftest import Person, next_phone
from tests.integration.providers_support import BASE, add_caregiver, approved_provider, make_item

ALL_WEEK = [{"weekday": d, "start": "00:00", "end": "24:00"} for d in range(7)]
ITEM = "home-haircut"


@dataclass
class World:
    officer: Person
    family: Person
    admin: Person
    caregiver: Person
    provider_id: int
    caregiver_id: int
    elder_id: int
    staff: Person


async def add_elder(
    client: httpx.AsyncClient,
    family: Person,
    *,
    name: str = "张秀英",
    lat: float = BASE[0] + 0.01,
    lon: float = BASE[1],
    seq: int | None = None,
) -> int:
    body = {
        "name": name,
        "id_number": valid_id_number(region="510903", seq=seq),
        "address": "船山区南津路街道滨江社区 1 栋",
        "region_code": "510903001001",
        "lat": lat,
        "lon": lon,
        "relationship": "child",
    }
    response = await client.post("/api/v1/elders", headers=family.headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def build_world(client: httpx.AsyncClient, make_person: Any) -> World:
    officer = await make_person("bureau_officer", region="510900")
    staff = await make_person("community_staff", region="510903")
    await make_item(officer, ITEM, category="haircut", price_fen=3000)
    admin, provider_id = await approved_provider(client, make_person, officer)
    response = await client.post(
        f"/api/v1/providers/{provider_id}/offerings",
        headers=admin.headers,
        json={"service_code": ITEM, "price_fen": 2800},
    )
    assert response.status_code in (200, 201), response.text
    caregiver = await make_person("caregiver", provider_id=provider_id, name="李秀梅")
    caregiver_id = await add_caregiver(client, admin, provider_id, caregiver.phone, ["haircut"])
    await set_hours(client, admin, provider_id, caregiver_id)
    family = await make_person("family", name="刘芳")
    elder_id = await add_elder(client, family)
    return World(officer, family, admin, caregiver, provider_id, caregiver_id, elder_id, staff)


async def set_hours(
    client: httpx.AsyncClient,
    admin: Person,
    provider_id: int,
    caregiver_id: int,
    weekly: list[dict[str, Any]] | None = None,
) -> None:
    response = await client.put(
        f"/api/v1/providers/{provider_id}/caregivers/{caregiver_id}/availability",
        headers=admin.headers,
        json={"weekly": weekly or ALL_WEEK, "days_off": []},
    )
    assert response.status_code == 200, response.text


def at(minutes: int) -> str:
    """A start time this many minutes from now, as a client sends it (+08:00)."""
    moment = (datetime.now(UTC) + timedelta(minutes=minutes)).replace(second=0, microsecond=0)
    return moment.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai")).isoformat()


async def book(
    client: httpx.AsyncClient, who: Person, elder_id: int, start: str, **extra: Any
) -> httpx.Response:
    return await client.post(
        "/api/v1/bookings",
        headers=who.headers,
        json={"elder_id": elder_id, "service_code": ITEM, "start": start, **extra},
    )


__all__ = ["World", "build_world", "book", "at", "add_elder", "set_hours", "next_phone"]


async def accepted(client: httpx.AsyncClient, w: World, minutes_ahead: int, who: Any = None) -> int:
    """A visit booked (by the family unless ``who``) and accepted with the world's caregiver."""
    created = await book(client, who or w.family, w.elder_id, at(minutes_ahead))
    assert created.status_code == 201, created.text
    booking_id = created.json()["id"]
    response = await client.post(
        f"/api/v1/bookings/{booking_id}/accept",
        headers=w.admin.headers,
        json={"caregiver_id": w.caregiver_id},
    )
    assert response.status_code == 200, response.text
    return booking_id
