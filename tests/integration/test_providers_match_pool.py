"""The matching pool: who could serve this point with this item on this day, from provider data."""

from __future__ import annotations

from datetime import date

import pytest

from eldercare.providers import service
from tests.integration.providers_support import (
    API,
    BASE,
    NEARBY,
    PENGXI,
    add_caregiver,
    approved_provider,
    make_item,
    set_cap,
)

ON = date(2026, 12, 8)  # a Tuesday


@pytest.fixture
async def officer(make_person):
    return await make_person("bureau_officer", region="510900", name="王建国")


async def offer(client, admin, provider_id, code="home-haircut", price=2800):
    response = await client.post(
        f"{API}/{provider_id}/offerings",
        headers=admin.headers,
        json={"service_code": code, "price_fen": price},
    )
    assert response.status_code in (200, 201), response.text


async def pool(lat_lon=NEARBY, region="510903001001", code="home-haircut", skill="haircut", on=ON):
    return await service.match_pool(
        item_code=code, skill=skill, lat=lat_lon[0], lon=lat_lon[1], region_code=region, on=on
    )


@pytest.fixture
async def kangle(client, make_person, officer):
    """An approved provider in 船山区 offering a home haircut, with one haircut caregiver."""
    await make_item(officer, "home-haircut", price_fen=3000)
    await make_item(officer, "meal-delivery", category="meals", price_fen=1500)
    admin, provider_id = await approved_provider(client, make_person, officer)
    await offer(client, admin, provider_id)
    caregiver_id = await add_caregiver(client, admin, provider_id, "13811110001", ["haircut"])
    response = await client.put(
        f"{API}/{provider_id}/caregivers/{caregiver_id}/availability",
        headers=admin.headers,
        json={
            "weekly": [{"weekday": 1, "start": "08:00", "end": "18:00"}],
            "days_off": ["2026-12-09"],
        },
    )
    assert response.status_code == 200
    return admin, provider_id, caregiver_id


async def test_a_covering_approved_offering_provider_is_in_the_pool(kangle):
    _, provider_id, caregiver_id = kangle
    [found] = await pool()
    assert found.id == provider_id
    assert found.price_fen == 2800
    assert 2.8 < found.distance_km < 3.2
    assert found.rating == 0 and found.rating_count == 0
    [caregiver] = found.caregivers
    assert caregiver.id == caregiver_id
    assert caregiver.windows == [(1, 480, 1080)]
    assert caregiver.days_off == frozenset({date(2026, 12, 9)})


async def test_wrong_skill_expired_certificate_and_inactive_caregivers_are_left_out(client, kangle):
    admin, provider_id, keeper = kangle
    expired = await add_caregiver(
        client,
        admin,
        provider_id,
        "13811110002",
        ["haircut"],
        certificates=[{"skill": "haircut", "name": "美发师证", "expires_on": "2026-12-07"}],
    )
    renewed = await add_caregiver(
        client,
        admin,
        provider_id,
        "13811110003",
        ["haircut"],
        certificates=[
            {"skill": "haircut", "name": "旧证", "expires_on": "2020-01-01"},
            {"skill": "haircut", "name": "新证", "expires_on": "2026-12-08"},
        ],
    )
    await add_caregiver(client, admin, provider_id, "13811110004", ["meals", "housekeeping"])
    resting = await add_caregiver(client, admin, provider_id, "13811110005", ["haircut"])
    await client.patch(
        f"{API}/{provider_id}/caregivers/{resting}", headers=admin.headers, json={"active": False}
    )
    [found] = await pool()
    assert [c.id for c in found.caregivers] == [keeper, renewed]
    [earlier] = await pool(on=date(2026, 12, 7))
    assert [c.id for c in earlier.caregivers] == [keeper, expired, renewed]


async def test_a_point_outside_the_radius_is_left_out(kangle):
    assert await pool(lat_lon=PENGXI, region="510921100001") == []


async def test_district_service_brings_a_distant_provider_into_the_pool(
    client, make_person, officer
):
    await make_item(officer, "home-haircut", price_fen=3000)
    admin, provider_id = await approved_provider(
        client,
        make_person,
        officer,
        name="船山区上门理发队",
        districts=["510921"],
        service_radius_km=5,
    )
    await offer(client, admin, provider_id)
    [found] = await pool(lat_lon=PENGXI, region="510921100001")
    assert found.id == provider_id and found.distance_km > 20
    assert await pool(lat_lon=PENGXI, region="510923100001") == []


async def test_suspended_pending_and_non_offering_providers_are_left_out(
    client, make_person, officer, kangle
):
    admin, provider_id, _ = kangle
    assert [p.id for p in await pool(code="meal-delivery", skill="meals")] == []
    await client.post(
        f"{API}/{provider_id}/offerings",
        headers=admin.headers,
        json={"service_code": "meal-delivery", "price_fen": 1200, "active": False},
    )
    assert await pool(code="meal-delivery", skill="meals") == []
    pending_admin = await make_person("family")
    response = await client.post(
        API,
        headers=pending_admin.headers,
        json={
            "name": "待审机构",
            "license_no": "PENDING-0001",
            "region_code": "510903",
            "lat": BASE[0],
            "lon": BASE[1],
            "service_radius_km": 10,
        },
    )
    assert response.status_code == 201
    await client.post(
        f"{API}/{provider_id}/suspend", headers=officer.headers, json={"reason": "整改"}
    )
    assert await pool() == []


async def test_nearest_first_and_a_cap_lowered_below_the_price_hides_the_offering(
    client, make_person, officer, kangle
):
    _, near_id, _ = kangle
    admin, far_id = await approved_provider(
        client,
        make_person,
        officer,
        name="遂宁市北区养老服务站",
        lat=NEARBY[0] + 0.03,
        lon=NEARBY[1],
    )
    await offer(client, admin, far_id, price=2000)
    assert [p.id for p in await pool(lat_lon=BASE)] == [near_id, far_id]
    await set_cap(officer, "510903", "home-haircut", 2500)
    assert [p.id for p in await pool(lat_lon=BASE)] == [far_id]
