"""Small builders for the providers tests: catalog items, provider bodies, approved providers."""

from __future__ import annotations

import itertools
from typing import Any

import httpx

from eldercare.actor import Actor
from eldercare.catalog import service as catalog
from eldercare.catalog.domain import Entry
from tests.integration.conftest import Person

API = "/api/v1/providers"
CITY = "510900"  # 遂宁市
CHUANSHAN = "510903"
# 船山区 centre and a point about 3 km away; 蓬溪县 (510921) is about 30 km north-east.
BASE = (30.5200, 105.5800)
NEARBY = (30.5470, 105.5800)
PENGXI = (30.7575, 105.7074)

_licences = itertools.count(1)


def officer_actor(person: Person, region: str = CITY) -> Actor:
    return Actor(id=person.id, name=person.name, roles=("bureau_officer",), region_code=region)


async def make_item(
    officer: Person,
    code: str = "home-haircut",
    *,
    category: str = "haircut",
    price_fen: int = 3000,
    skill: str | None = None,
    region: str = CITY,
) -> None:
    """A catalog item whose cap is its guide price unless a menu says otherwise."""
    await catalog.create_item(
        officer_actor(officer, region),
        code=code,
        category_code=category,
        name=f"上门{code}",
        unit="visit",
        duration_minutes=60,
        price_fen=price_fen,
        skill=skill,
    )


async def set_cap(
    officer: Person, region: str, code: str, cap_fen: int | None, offered: bool = True
) -> None:
    await catalog.publish_menu(
        officer_actor(officer), region, [Entry(region, code, offered, cap_fen)]
    )


def provider_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "遂宁市船山区康乐居家养老服务中心",
        "license_no": f"91510903MA6{next(_licences):07d}",
        "region_code": CHUANSHAN,
        "lat": BASE[0],
        "lon": BASE[1],
        "service_radius_km": 10,
        "address": "船山区南津路 18 号",
    }
    body.update(overrides)
    return body


async def register(client: httpx.AsyncClient, person: Person, **overrides: Any) -> int:
    response = await client.post(API, headers=person.headers, json=provider_body(**overrides))
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def approved_provider(
    client: httpx.AsyncClient, make_person: Any, officer: Person, **overrides: Any
) -> tuple[Person, int]:
    """A provider admin and their approved organisation."""
    admin = await make_person("family", name="康乐负责人")
    provider_id = await register(client, admin, **overrides)
    response = await client.post(f"{API}/{provider_id}/approve", headers=officer.headers)
    assert response.status_code == 200, response.text
    return admin, provider_id


async def add_caregiver(
    client: httpx.AsyncClient,
    admin: Person,
    provider_id: int,
    phone: str,
    skills: list[str],
    **extra: Any,
) -> int:
    body = {"name": "李秀梅", "phone": phone, "skills": skills, **extra}
    response = await client.post(
        f"{API}/{provider_id}/caregivers", headers=admin.headers, json=body
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def keys_of(response: httpx.Response) -> set[str]:
    return {item["key"] for item in response.json()["extra"]}
