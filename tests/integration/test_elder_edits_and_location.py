"""Correcting an elder's record, and how the home's coordinates are found."""

from __future__ import annotations

from eldercare.audit.tables import AuditEvent
from eldercare.geo.geocoding import use_geocoder
from tests.factories import OMIT, elder_body
from tests.integration.conftest import csrf_token, sign_in_page


class FakeGeocoder:
    def __init__(self, answer):
        self.answer = answer
        self.asked: list[str] = []

    async def locate(self, address):
        self.asked.append(address)
        return self.answer


async def _elder(client, person, **overrides):
    response = await client.post(
        "/api/v1/elders", headers=person.headers, json=elder_body(relationship="child", **overrides)
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_the_family_corrects_the_address_and_the_change_is_audited(client, make_person):
    family = await make_person("family")
    elder = await _elder(client, family)
    response = await client.patch(
        f"/api/v1/elders/{elder['id']}",
        headers=family.headers,
        json={"address": "船山区凯旋路 8 号", "needs": ["meals"]},
    )
    assert response.status_code == 200, response.text
    assert response.json()["address"] == "船山区凯旋路 8 号"
    assert response.json()["needs"] == ["meals"]
    rows = await AuditEvent.select().where(AuditEvent.action == "elder.update").run()
    assert [r["detail"] for r in rows] == ["address,needs"]


async def test_the_id_number_cannot_be_changed(client, make_person):
    family = await make_person("family")
    elder = await _elder(client, family)
    response = await client.patch(
        f"/api/v1/elders/{elder['id']}",
        headers=family.headers,
        json={"id_number": "110105194912310021"},
    )
    assert response.status_code == 422
    assert response.json()["extra"][0]["key"] == "id_number"


async def test_a_bad_change_is_refused_whole(client, make_person):
    family = await make_person("family")
    elder = await _elder(client, family)
    response = await client.patch(
        f"/api/v1/elders/{elder['id']}",
        headers=family.headers,
        json={"address": "新地址", "phone": "12345"},
    )
    assert response.status_code == 422
    assert {e["key"] for e in response.json()["extra"]} == {"phone"}
    again = await client.get(f"/api/v1/elders/{elder['id']}", headers=family.headers)
    assert again.json()["address"] == elder["address"]


async def test_strangers_get_404_and_staff_of_another_district_too(client, make_person):
    family = await make_person("family")
    elder = await _elder(client, family)
    stranger = await make_person("family")
    other_staff = await make_person("community_staff", region="510904")
    for person in (stranger, other_staff):
        response = await client.patch(
            f"/api/v1/elders/{elder['id']}", headers=person.headers, json={"address": "x"}
        )
        assert response.status_code == 404


async def test_typed_coordinates_are_used_as_given(client, make_person):
    family = await make_person("family")
    elder = await _elder(client, family)
    assert elder["location_source"] == "given"


async def test_without_coordinates_or_geocoder_the_region_centre_stands_in_and_says_so(
    client, make_person
):
    family = await make_person("family")
    elder = await _elder(client, family, lat=OMIT, lon=OMIT)
    assert elder["location_source"] == "region_centroid"
    assert elder["lat"] is not None


async def test_a_configured_geocoder_places_the_home(client, make_person):
    family = await make_person("family")
    fake = FakeGeocoder((30.5111, 105.5999))
    use_geocoder(fake)
    try:
        elder = await _elder(client, family, lat=OMIT, lon=OMIT)
    finally:
        use_geocoder(None)
    assert (elder["lat"], elder["lon"], elder["location_source"]) == (30.5111, 105.5999, "geocoded")
    assert fake.asked and fake.asked[0].endswith(elder_body()["address"])


async def test_a_geocoder_that_finds_nothing_falls_back_to_the_region_centre(client, make_person):
    family = await make_person("family")
    use_geocoder(FakeGeocoder(None))
    try:
        elder = await _elder(client, family, lat=OMIT, lon=OMIT)
    finally:
        use_geocoder(None)
    assert elder["location_source"] == "region_centroid"


async def test_the_edit_page_saves_changes_and_shows_errors_beside_fields(client, make_person):
    family = await make_person("family")
    elder = await _elder(client, family)
    await sign_in_page(client, family.phone)
    token = await csrf_token(client, f"/elders/{elder['id']}/edit")
    bad = await client.post(
        f"/elders/{elder['id']}/edit",
        data={"_csrf_token": token, "name": "", "address": "新地址", "region_code": "510903001001"},
    )
    assert bad.status_code == 422
    assert 'id="error-name"' in bad.text
    good = await client.post(
        f"/elders/{elder['id']}/edit",
        data={
            "_csrf_token": token,
            "name": "张秀英",
            "address": "新地址 9 号",
            "region_code": "510903001001",
            "living_situation": "alone",
            "needs": ["meals", "bathing"],
        },
    )
    assert good.status_code in (302, 303), good.text
    shown = await client.get(good.headers["location"])
    assert "新地址 9 号" in shown.text
