"""Onboarding through the JSON API: register, the bureau decides, offerings, team, hours."""

from __future__ import annotations

import pytest

from eldercare.audit.tables import AuditEvent
from eldercare.notifications.tables import Notification
from eldercare.providers.tables import (
    AvailabilityWindow,
    Caregiver,
    DayOff,
    Offering,
    Provider,
    ProviderDistrict,
)
from tests.integration.providers_support import (
    API,
    add_caregiver,
    approved_provider,
    keys_of,
    make_item,
    provider_body,
    register,
    set_cap,
)


@pytest.fixture
async def officer(make_person):
    return await make_person("bureau_officer", region="510900", name="王建国")


# ----------------------------------------------------------------------------- end to end


async def test_a_provider_is_onboarded_end_to_end(client, make_person, officer):
    await make_item(officer, "home-haircut", price_fen=3000)
    await set_cap(officer, "510903", "home-haircut", 2500)
    applicant = await make_person("family", name="周经理")

    response = await client.post(
        API, headers=applicant.headers, json=provider_body(districts=["510904"])
    )
    assert response.status_code == 201, response.text
    provider_id = response.json()["id"]
    assert response.json() == {"id": provider_id, "status": "pending"}
    me = (await client.get("/api/v1/me", headers=applicant.headers)).json()
    assert "provider_admin" in me["roles"] and me["provider_id"] == provider_id
    assert await ProviderDistrict.count().where(ProviderDistrict.provider == provider_id).run() == 1

    # Pending: it can publish nothing yet, and says why.
    offer = {"service_code": "home-haircut", "price_fen": 2000}
    pending = await client.post(
        f"{API}/{provider_id}/offerings", headers=applicant.headers, json=offer
    )
    assert pending.status_code == 409
    assert "等待民政局审核" in pending.json()["detail"]
    assert await Offering.count().run() == 0

    approved = await client.post(f"{API}/{provider_id}/approve", headers=officer.headers)
    assert approved.status_code == 200, approved.text
    assert approved.json()["id"] == provider_id and approved.json()["status"] == "approved"

    at_cap = await client.post(
        f"{API}/{provider_id}/offerings",
        headers=applicant.headers,
        json={"service_code": "home-haircut", "price_fen": 2500},
    )
    assert at_cap.status_code == 201, at_cap.text
    assert at_cap.json()["cap_fen"] == 2500
    above = await client.post(
        f"{API}/{provider_id}/offerings",
        headers=applicant.headers,
        json={"service_code": "home-haircut", "price_fen": 2501},
    )
    assert above.status_code == 422 and keys_of(above) == {"price_fen"}
    again = await client.post(
        f"{API}/{provider_id}/offerings",
        headers=applicant.headers,
        json={"service_code": "home-haircut", "price_fen": 2200},
    )
    assert again.status_code == 200 and again.json()["price_fen"] == 2200
    rows = await Offering.select().run()
    assert [(r["item_code"], r["price_fen"]) for r in rows] == [("home-haircut", 2200)]

    caregiver_id = await add_caregiver(
        client,
        applicant,
        provider_id,
        "13812345678",
        ["haircut", "daily-care"],
        certificates=[
            {"skill": "haircut", "name": "美发师证", "number": "A-1", "expires_on": "2030-01-01"}
        ],
    )
    team = (await client.get(f"{API}/{provider_id}/caregivers", headers=applicant.headers)).json()
    assert team["total"] == 1 and team["items"][0]["skills"] == ["haircut", "daily-care"]
    assert team["items"][0]["certificates"][0]["expires_on"] == "2030-01-01"

    hours = {
        "weekly": [{"weekday": d, "start": "08:00", "end": "18:00"} for d in range(6)],
        "days_off": ["2026-12-25"],
    }
    put = await client.put(
        f"{API}/{provider_id}/caregivers/{caregiver_id}/availability",
        headers=applicant.headers,
        json=hours,
    )
    assert put.status_code == 200, put.text
    assert put.json()["weekly"][0] == {"weekday": 0, "start": "08:00", "end": "18:00"}
    assert put.json()["days_off"] == ["2026-12-25"]
    # PUT replaces both sets.
    put = await client.put(
        f"{API}/{provider_id}/caregivers/{caregiver_id}/availability",
        headers=applicant.headers,
        json={"weekly": [{"weekday": 6, "start": "20:00", "end": "24:00"}], "days_off": []},
    )
    assert put.status_code == 200, put.text
    assert await AvailabilityWindow.count().run() == 1
    assert await DayOff.count().run() == 0
    got = await client.get(
        f"{API}/{provider_id}/caregivers/{caregiver_id}/availability", headers=applicant.headers
    )
    assert got.json()["weekly"] == [{"weekday": 6, "start": "20:00", "end": "24:00"}]

    actions = {r["action"] for r in await AuditEvent.select(AuditEvent.action).run()}
    assert {
        "provider.register",
        "provider.approve",
        "offering.create",
        "offering.update",
        "caregiver.create",
        "caregiver.availability",
    } <= actions


async def test_the_provider_admin_is_told_in_app_of_each_decision(client, make_person, officer):
    admin, provider_id = await approved_provider(client, make_person, officer)
    response = await client.post(
        f"{API}/{provider_id}/suspend",
        headers=officer.headers,
        json={"reason": "投诉较多，整改期间暂停"},
    )
    assert response.status_code == 200
    assert response.json()["status"] == "suspended"
    kinds = [
        r["kind"] for r in await Notification.select().where(Notification.user_id == admin.id).run()
    ]
    assert kinds == ["provider.approve", "provider.suspend"]
    inbox = (await client.get("/api/v1/notifications", headers=admin.headers)).json()
    assert any("整改期间暂停" in item["text"] for item in inbox["items"])
    officer_inbox = await Notification.select().where(Notification.user_id == officer.id).run()
    assert [r["kind"] for r in officer_inbox] == ["provider.pending"]


# ----------------------------------------------------------------------------- registering


async def test_a_duplicate_licence_is_a_conflict(client, make_person):
    first, second = await make_person("family"), await make_person("family")
    await register(client, first, license_no="91510903MA6000XYZ1")
    response = await client.post(
        API, headers=second.headers, json=provider_body(license_no="91510903ma6000xyz1")
    )
    assert response.status_code == 409
    assert await Provider.count().run() == 1


async def test_registration_names_every_bad_field_and_saves_nothing(client, make_person):
    person = await make_person("family")
    response = await client.post(
        API,
        headers=person.headers,
        json=provider_body(
            name=" ",
            license_no="#",
            region_code="999999",
            lat=48.0,
            lon=12.0,
            service_radius_km=0,
            districts=["123"],
        ),
    )
    assert response.status_code == 422
    assert keys_of(response) == {
        "name",
        "license_no",
        "region_code",
        "lon",
        "service_radius_km",
        "districts",
    }
    assert await Provider.count().run() == 0
    too_far = await client.post(
        API, headers=person.headers, json=provider_body(service_radius_km=100.5)
    )
    assert too_far.status_code == 422 and keys_of(too_far) == {"service_radius_km"}


async def test_registration_needs_sign_in_and_refuses_unknown_fields(client, make_person):
    assert (await client.post(API, json=provider_body())).status_code == 401
    person = await make_person("family")
    response = await client.post(API, headers=person.headers, json=provider_body(status="approved"))
    assert response.status_code == 422 and keys_of(response) == {"status"}


# ----------------------------------------------------------------------------- the bureau


async def test_reject_and_suspend_need_a_reason(client, make_person, officer):
    admin = await make_person("family")
    provider_id = await register(client, admin)
    for body in (None, {}, {"reason": "   "}):
        response = await client.post(
            f"{API}/{provider_id}/reject", headers=officer.headers, json=body
        )
        assert response.status_code == 422, response.text
        assert keys_of(response) == {"reason"}
    await client.post(f"{API}/{provider_id}/approve", headers=officer.headers)
    response = await client.post(
        f"{API}/{provider_id}/suspend", headers=officer.headers, json={"reason": ""}
    )
    assert response.status_code == 422 and keys_of(response) == {"reason"}
    assert (await Provider.select(Provider.status).first().run())["status"] == "approved"


async def test_illegal_transitions_are_conflicts(client, make_person, officer):
    admin = await make_person("family")
    provider_id = await register(client, admin)
    suspend = await client.post(
        f"{API}/{provider_id}/suspend", headers=officer.headers, json={"reason": "x"}
    )
    assert suspend.status_code == 409
    rejected = await client.post(
        f"{API}/{provider_id}/reject", headers=officer.headers, json={"reason": "材料不全"}
    )
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    approve = await client.post(f"{API}/{provider_id}/approve", headers=officer.headers)
    assert approve.status_code == 409


async def test_a_suspended_provider_is_reinstated_by_approval(client, make_person, officer):
    _, provider_id = await approved_provider(client, make_person, officer)
    await client.post(
        f"{API}/{provider_id}/suspend", headers=officer.headers, json={"reason": "整改"}
    )
    response = await client.post(f"{API}/{provider_id}/approve", headers=officer.headers)
    assert response.status_code == 200 and response.json()["status"] == "approved"


async def test_only_bureau_officers_of_the_region_decide(client, make_person, officer):
    admin = await make_person("family")
    provider_id = await register(client, admin)
    family = await make_person("family")
    assert (
        await client.post(f"{API}/{provider_id}/approve", headers=family.headers)
    ).status_code == 403
    assert (
        await client.post(f"{API}/{provider_id}/approve", headers=admin.headers)
    ).status_code == 403
    elsewhere = await make_person("bureau_officer", region="510921")
    assert (
        await client.post(f"{API}/{provider_id}/approve", headers=elsewhere.headers)
    ).status_code == 404
    assert (
        await client.post(f"{API}/{provider_id + 99}/approve", headers=officer.headers)
    ).status_code == 404
    assert (await client.post(f"{API}/{provider_id}/approve")).status_code == 401
    assert (await Provider.select(Provider.status).first().run())["status"] == "pending"


async def test_bureau_officers_list_their_region_pending_first(client, make_person, officer):
    _, approved_id = await approved_provider(client, make_person, officer)
    pending_id = await register(client, await make_person("family"))
    other_id = await register(
        client, await make_person("family"), region_code="510921", lat=30.7575, lon=105.7074
    )
    listing = (await client.get(API, headers=officer.headers)).json()
    assert [p["id"] for p in listing["items"]][:2] == [pending_id, other_id]
    assert listing["total"] == 3
    local = await make_person("bureau_officer", region="510903")
    listing = (await client.get(f"{API}?status=pending", headers=local.headers)).json()
    assert [p["id"] for p in listing["items"]] == [pending_id]
    public = (await client.get(API)).json()
    assert [p["id"] for p in public["items"]] == [approved_id]
    assert public["items"][0]["status_reason"] is None
    assert (await client.get(f"{API}/{pending_id}")).status_code == 404
    assert (await client.get(f"{API}/{pending_id}", headers=local.headers)).status_code == 200


# ----------------------------------------------------------------------------- offerings


async def test_unknown_or_unoffered_service_names_service_code(client, make_person, officer):
    admin, provider_id = await approved_provider(client, make_person, officer)
    await make_item(officer, "bath-assist", category="bathing", price_fen=8000)
    await set_cap(officer, "510903", "bath-assist", None, offered=False)
    url = f"{API}/{provider_id}/offerings"
    for code in ("no-such-item", "bath-assist"):
        response = await client.post(
            url, headers=admin.headers, json={"service_code": code, "price_fen": 100}
        )
        assert response.status_code == 422 and keys_of(response) == {"service_code"}, response.text
    both = await client.post(
        url, headers=admin.headers, json={"service_code": "nope", "price_fen": -1}
    )
    assert keys_of(both) == {"service_code", "price_fen"}
    assert await Offering.count().run() == 0


async def test_the_document_promises_the_offering_for_both_a_new_and_an_updated_one(client):
    doc = (await client.get("/schema/openapi.json")).json()
    answers = doc["paths"][f"{API}/{{provider_id}}/offerings"]["post"]["responses"]
    for status in ("201", "200"):  # new; already offered, so updated
        schema = answers[status]["content"]["application/json"]["schema"]
        assert schema["$ref"].endswith("/OfferingOut"), (status, schema)


async def test_another_providers_admin_gets_404_and_others_403(client, make_person, officer):
    await make_item(officer)
    _, provider_id = await approved_provider(client, make_person, officer)
    other_admin, other_id = await approved_provider(
        client, make_person, officer, name="遂宁市安居区颐康养老服务有限公司"
    )
    body = {"service_code": "home-haircut", "price_fen": 1000}
    assert (
        await client.post(f"{API}/{provider_id}/offerings", headers=other_admin.headers, json=body)
    ).status_code == 404
    family = await make_person("family")
    assert (
        await client.post(f"{API}/{provider_id}/offerings", headers=family.headers, json=body)
    ).status_code == 403
    assert await Offering.count().run() == 0
    assert other_id != provider_id


async def test_a_suspended_provider_changes_nothing_and_hears_why(client, make_person, officer):
    await make_item(officer)
    admin, provider_id = await approved_provider(client, make_person, officer)
    caregiver_id = await add_caregiver(client, admin, provider_id, "13811112222", ["haircut"])
    await client.post(
        f"{API}/{provider_id}/suspend", headers=officer.headers, json={"reason": "资质过期"}
    )
    attempts = [
        client.post(
            f"{API}/{provider_id}/offerings",
            headers=admin.headers,
            json={"service_code": "home-haircut", "price_fen": 1000},
        ),
        client.post(
            f"{API}/{provider_id}/caregivers",
            headers=admin.headers,
            json={"name": "王芳", "phone": "13833334444", "skills": ["meals"]},
        ),
        client.put(
            f"{API}/{provider_id}/caregivers/{caregiver_id}/availability",
            headers=admin.headers,
            json={"weekly": [{"weekday": 0, "start": "08:00", "end": "12:00"}], "days_off": []},
        ),
    ]
    for attempt in attempts:
        response = await attempt
        assert response.status_code == 409, response.text
        assert "资质过期" in response.json()["detail"]
    assert await Caregiver.count().run() == 1
    assert await AvailabilityWindow.count().run() == 0
