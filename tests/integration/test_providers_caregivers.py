"""Caregivers, certificates and weekly hours: bad input refused whole, others' staff 404."""

from __future__ import annotations

import pytest

from eldercare.actor import Actor
from eldercare.providers import service
from eldercare.providers.tables import AvailabilityWindow, Caregiver, Certificate, DayOff
from tests.integration.providers_support import API, add_caregiver, approved_provider, keys_of


@pytest.fixture
async def officer(make_person):
    return await make_person("bureau_officer", region="510900", name="王建国")


@pytest.fixture
async def team(client, make_person, officer):
    admin, provider_id = await approved_provider(client, make_person, officer)
    caregiver_id = await add_caregiver(
        client, admin, provider_id, "13811112222", ["haircut", "meals"]
    )
    return admin, provider_id, caregiver_id


def hours(*windows: tuple[int, str, str], days_off: list[str] | None = None) -> dict:
    return {
        "weekly": [{"weekday": d, "start": s, "end": e} for d, s, e in windows],
        "days_off": days_off or [],
    }


async def test_overlapping_windows_on_one_day_are_refused_naming_weekly(client, team):
    admin, provider_id, caregiver_id = team
    url = f"{API}/{provider_id}/caregivers/{caregiver_id}/availability"
    good = await client.put(
        url, headers=admin.headers, json=hours((0, "08:00", "12:00"), (0, "13:00", "17:00"))
    )
    assert good.status_code == 200
    for bad in (
        hours((0, "08:00", "12:00"), (0, "11:00", "14:00")),
        hours((7, "08:00", "12:00")),
        hours((1, "18:00", "08:00")),
        hours((1, "24:00", "24:00")),
        hours((1, "8点", "12:00")),
    ):
        response = await client.put(url, headers=admin.headers, json=bad)
        assert response.status_code == 422, bad
        assert keys_of(response) == {"weekly"}
    assert await AvailabilityWindow.count().run() == 2  # bad input changed nothing


async def test_bad_days_off_name_days_off_together_with_weekly(client, team):
    admin, provider_id, caregiver_id = team
    response = await client.put(
        f"{API}/{provider_id}/caregivers/{caregiver_id}/availability",
        headers=admin.headers,
        json=hours((9, "08:00", "12:00"), days_off=["2026-02-30", "next monday"]),
    )
    assert response.status_code == 422
    assert keys_of(response) == {"weekly", "days_off"}
    assert await DayOff.count().run() == 0


async def test_another_providers_admin_gets_404_on_caregivers_and_availability(
    client, make_person, officer, team
):
    _, provider_id, caregiver_id = team
    other_admin, other_id = await approved_provider(
        client, make_person, officer, name="遂宁市颐康护理站"
    )
    base = f"{API}/{provider_id}/caregivers"
    answers = [
        await client.get(base, headers=other_admin.headers),
        await client.post(
            base,
            headers=other_admin.headers,
            json={"name": "王芳", "phone": "13833334444", "skills": ["meals"]},
        ),
        await client.put(
            f"{base}/{caregiver_id}/availability",
            headers=other_admin.headers,
            json=hours((0, "08:00", "12:00")),
        ),
        await client.patch(
            f"{base}/{caregiver_id}", headers=other_admin.headers, json={"active": False}
        ),
        # Their own provider's path with our caregiver's id: still not theirs.
        await client.put(
            f"{API}/{other_id}/caregivers/{caregiver_id}/availability",
            headers=other_admin.headers,
            json=hours((0, "08:00", "12:00")),
        ),
        await client.get(
            f"{API}/{other_id}/caregivers/{caregiver_id}", headers=other_admin.headers
        ),
    ]
    assert [a.status_code for a in answers] == [404] * len(answers)
    assert await Caregiver.count().run() == 1
    assert await AvailabilityWindow.count().run() == 0
    family = await make_person("family")
    assert (await client.get(base, headers=family.headers)).status_code == 403
    assert (await client.get(base, headers=officer.headers)).status_code == 200


async def test_caregiver_input_is_checked_field_by_field(client, team):
    admin, provider_id, _ = team
    url = f"{API}/{provider_id}/caregivers"
    response = await client.post(
        url,
        headers=admin.headers,
        json={
            "name": "",
            "phone": "123",
            "skills": [],
        },
    )
    assert response.status_code == 422 and keys_of(response) == {"name", "phone", "skills"}
    response = await client.post(
        url,
        headers=admin.headers,
        json={
            "name": "王芳",
            "phone": "13833334444",
            "skills": ["meals"],
            "certificates": [{"skill": "bathing", "name": "助浴证", "expires_on": "2030-01-01"}],
        },
    )
    assert response.status_code == 422 and keys_of(response) == {"certificates"}
    duplicate = await client.post(
        url,
        headers=admin.headers,
        json={"name": "同号", "phone": "138 1111 2222", "skills": ["meals"]},
    )
    assert duplicate.status_code == 409
    assert await Caregiver.count().run() == 1


async def test_certificates_and_deactivation(client, team):
    admin, provider_id, caregiver_id = team
    base = f"{API}/{provider_id}/caregivers/{caregiver_id}"
    cert = await client.post(
        f"{base}/certificates",
        headers=admin.headers,
        json={"skill": "haircut", "name": "美发师证", "expires_on": "2025-06-30"},
    )
    assert cert.status_code == 201, cert.text
    assert await Certificate.count().run() == 1
    patched = await client.patch(
        base, headers=admin.headers, json={"active": False, "skills": ["meals"]}
    )
    assert patched.status_code == 200
    assert patched.json()["active"] is False and patched.json()["skills"] == ["meals"]


async def test_a_caregiver_account_finds_its_caregiver_record(client, make_person, team):
    _, provider_id, caregiver_id = team
    person = await make_person("caregiver", provider_id=provider_id)
    await (
        Caregiver.update({Caregiver.phone: person.phone}).where(Caregiver.id == caregiver_id).run()
    )
    actor = Actor(id=person.id, name=person.name, roles=("caregiver",), provider_id=provider_id)
    assert await service.caregiver_id_for(actor) == caregiver_id
    stranger = Actor(
        id=person.id, name=person.name, roles=("caregiver",), provider_id=provider_id + 1
    )
    assert await service.caregiver_id_for(stranger) is None
    assert await service.caregiver_id_for(Actor(id=person.id, name="x", roles=("family",))) is None
