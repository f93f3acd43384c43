"""The institution directory through the JSON API: public search, upkeep by bureau officers."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from eldercare.audit.tables import AuditEvent
from eldercare.institutions.tables import Institution
from eldercare.web.i18n import translate

URL = "/api/v1/institutions"
HOME = (30.5200, 105.5800)  # a point in 船山区


def keys_of(response: httpx.Response) -> set[str]:
    return {item["key"] for item in response.json()["extra"]}


def body(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "船山区社会福利院",
        "kind": "care_home",
        "beds": 80,
        "vacancies": 12,
        "price_min_fen": 180_000,
        "price_max_fen": 420_000,
        "address": "船山区滨江北路168号",
        "phone": "0825-2226801",
        "region_code": "510903001",
        "lat": 30.5140,
        "lon": 105.5885,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
async def officer(make_person):
    return await make_person("bureau_officer", region="510900", name="王建国")


@pytest.fixture
async def add(client, officer):
    async def add(**overrides: Any) -> dict[str, Any]:
        response = await client.post(URL, headers=officer.headers, json=body(**overrides))
        assert response.status_code == 201, response.text
        return response.json()

    return add


@pytest.fixture
async def town(add):
    """Three institutions ~1 km, ~5 km and ~30 km north of HOME, one in 安居区."""
    return {
        "near": await add(
            name="近的日间照料中心",
            kind="day_centre",
            beds=0,
            vacancies=0,
            region_code="510903002",
            lat=30.5290,
            lon=105.5800,
        ),
        "middle": await add(name="中间的养老院", lat=30.5650, lon=105.5800, region_code="510903"),
        "far": await add(name="远的敬老院", lat=30.7900, lon=105.5800, region_code="510921"),
        "anju": await add(
            name="安居区社会福利院", lat=30.3582, lon=105.4570, region_code="510904001"
        ),
    }


# ------------------------------------------------------------------------ searching


async def test_a_point_search_lists_those_within_the_radius_nearest_first_with_distances(
    client, town
):
    response = await client.get(URL, params={"lat": HOME[0], "lon": HOME[1], "radius_km": 10})
    assert response.status_code == 200, response.text
    page = response.json()
    assert [item["name"] for item in page["items"]] == ["近的日间照料中心", "中间的养老院"]
    assert page["total"] == 2
    near, middle = page["items"]
    assert near["distance_km"] == 1.0 and middle["distance_km"] == 5.0
    assert set(near) >= {
        "id",
        "name",
        "kind",
        "beds",
        "vacancies",
        "price_min_fen",
        "price_max_fen",
        "address",
        "phone",
        "lat",
        "lon",
        "distance_km",
        "kind_label",
        "region_code",
    }


async def test_a_point_search_without_a_radius_looks_ten_km_around(client, town):
    response = await client.get(URL, params={"lat": HOME[0], "lon": HOME[1]})
    assert [item["name"] for item in response.json()["items"]] == [
        "近的日间照料中心",
        "中间的养老院",
    ]
    wide = await client.get(URL, params={"lat": HOME[0], "lon": HOME[1], "radius_km": 40})
    assert [item["name"] for item in wide.json()["items"]][-1] == "远的敬老院"


async def test_a_region_search_includes_the_regions_below_it_and_gives_no_distance(client, town):
    response = await client.get(URL, params={"region_code": "510903"})
    assert response.status_code == 200, response.text
    names = {item["name"] for item in response.json()["items"]}
    assert names == {"近的日间照料中心", "中间的养老院"}
    assert all("distance_km" not in item for item in response.json()["items"])
    city = await client.get(URL, params={"region_code": "510900"})
    assert city.json()["total"] == 4


async def test_a_search_by_kind_and_point_combines_both(client, town):
    response = await client.get(URL, params={"lat": HOME[0], "lon": HOME[1], "kind": "care_home"})
    assert [item["name"] for item in response.json()["items"]] == ["中间的养老院"]


async def test_the_kind_label_follows_the_readers_language(client, town):
    zh = await client.get(URL, params={"kind": "day_centre"})
    en = await client.get(URL, params={"kind": "day_centre"}, headers={"Accept-Language": "en"})
    assert (
        zh.json()["items"][0]["kind_label"]
        == translate("zh_CN", "Day care centre")
        != "Day care centre"
    )
    assert en.json()["items"][0]["kind_label"] == "Day care centre"


async def test_the_list_pages_with_limit_and_offset(client, town):
    first = await client.get(URL, params={"region_code": "510900", "limit": 3})
    rest = await client.get(URL, params={"region_code": "510900", "limit": 3, "offset": 3})
    assert first.json()["total"] == rest.json()["total"] == 4
    assert len(first.json()["items"]) == 3 and len(rest.json()["items"]) == 1
    near = await client.get(URL, params={"lat": HOME[0], "lon": HOME[1], "limit": 1, "offset": 1})
    assert [i["name"] for i in near.json()["items"]] == ["中间的养老院"] and near.json()[
        "total"
    ] == 2


@pytest.mark.parametrize(
    ("params", "key"),
    [
        ({"lat": 30.52}, "lon"),
        ({"lon": 105.58}, "lat"),
        ({"lat": 48.85, "lon": 2.35}, "lon"),
        ({"lat": 60.0, "lon": 105.58}, "lat"),
        ({"lat": 30.52, "lon": 105.58, "radius_km": 0}, "radius_km"),
        ({"lat": 30.52, "lon": 105.58, "radius_km": -3}, "radius_km"),
        ({"lat": 30.52, "lon": 105.58, "radius_km": 100.5}, "radius_km"),
        ({"region_code": "510999"}, "region_code"),
        ({"region_code": "abc"}, "region_code"),
        ({"kind": "hotel"}, "kind"),
        ({"lat": "north", "lon": 105.58}, "lat"),
    ],
)
async def test_bad_search_input_is_422_naming_the_field(client, params, key):
    response = await client.get(URL, params=params)
    assert response.status_code == 422, response.text
    assert key in keys_of(response)


async def test_every_bad_search_parameter_is_named_at_once(client):
    response = await client.get(
        URL,
        params={
            "lat": 30.52,
            "lon": 105.58,
            "radius_km": 500,
            "region_code": "510999",
            "kind": "hotel",
        },
    )
    assert response.status_code == 422
    assert keys_of(response) == {"radius_km", "region_code", "kind"}


async def test_anyone_signed_out_reads_the_list_and_one_institution(client, town):
    listed = await client.get(URL)
    assert listed.status_code == 200 and listed.json()["total"] == 4
    one = await client.get(f"{URL}/{town['near']['id']}")
    assert one.status_code == 200, one.text
    assert one.json()["name"] == "近的日间照料中心"
    assert (await client.get(f"{URL}/999999")).status_code == 404


# ------------------------------------------------------------------------ upkeep


async def test_an_officer_adds_an_institution_and_it_is_audited(client, officer):
    response = await client.post(URL, headers=officer.headers, json=body())
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["name"] == "船山区社会福利院" and created["beds"] == 80
    assert created["kind_label"] == translate("zh_CN", "Care home") and created["active"] is True
    event = await AuditEvent.select().where(AuditEvent.action == "institution.create").first().run()
    assert event["entity_id"] == str(created["id"]) and event["actor_id"] == officer.id


async def test_without_coordinates_the_region_centre_is_used(client, officer):
    response = await client.post(URL, headers=officer.headers, json=body(lat=None, lon=None))
    assert response.status_code == 201, response.text
    assert (response.json()["lat"], response.json()["lon"]) == (30.516, 105.587)  # 南津路街道


async def test_the_same_idempotency_key_creates_once(client, officer):
    headers = {**officer.headers, "Idempotency-Key": "inst-1"}
    first = await client.post(URL, headers=headers, json=body())
    again = await client.post(URL, headers=headers, json=body())
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert await Institution.count().run() == 1


@pytest.mark.parametrize(
    ("overrides", "keys"),
    [
        ({"vacancies": 81}, {"vacancies"}),
        ({"beds": -1}, {"beds"}),
        ({"price_min_fen": 500_000}, {"price_min_fen"}),
        ({"price_min_fen": -100}, {"price_min_fen"}),
        ({"phone": "12345"}, {"phone"}),
        ({"kind": "hotel"}, {"kind"}),
        ({"region_code": "510999"}, {"region_code"}),
        ({"lat": 2.0}, {"lat"}),
        ({"name": "  "}, {"name"}),
        ({"beds": "eighty"}, {"beds"}),
        ({"status": "open"}, {"status"}),
    ],
)
async def test_a_bad_new_institution_is_422_naming_the_field_and_nothing_is_created(
    client, officer, overrides, keys
):
    response = await client.post(URL, headers=officer.headers, json=body(**overrides))
    assert response.status_code == 422, response.text
    assert keys_of(response) == keys
    assert await Institution.count().run() == 0


async def test_a_missing_field_is_named(client, officer):
    data = body()
    del data["phone"]
    response = await client.post(URL, headers=officer.headers, json=data)
    assert response.status_code == 422
    assert keys_of(response) == {"phone"}


async def test_an_officer_cannot_add_an_institution_outside_their_region(client, make_person):
    anju = await make_person("bureau_officer", region="510904")
    response = await client.post(URL, headers=anju.headers, json=body(region_code="510903001"))
    assert response.status_code == 422
    assert keys_of(response) == {"region_code"}


async def test_an_officer_changes_free_beds_and_the_change_is_audited(client, officer, town):
    target = town["middle"]
    response = await client.patch(
        f"{URL}/{target['id']}",
        headers=officer.headers,
        json={"vacancies": 3, "phone": "0825-2999999"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["vacancies"] == 3 and response.json()["beds"] == 80
    event = await AuditEvent.select().where(AuditEvent.action == "institution.update").first().run()
    assert event["entity_id"] == str(target["id"]) and event["detail"] == "phone,vacancies"


async def test_an_institution_taken_off_the_directory_disappears_from_public_view(
    client, officer, town
):
    target = town["near"]
    response = await client.patch(
        f"{URL}/{target['id']}", headers=officer.headers, json={"active": False}
    )
    assert response.status_code == 200 and response.json()["active"] is False
    listed = await client.get(URL, params={"lat": HOME[0], "lon": HOME[1]})
    assert [i["name"] for i in listed.json()["items"]] == ["中间的养老院"]
    assert (await client.get(f"{URL}/{target['id']}")).status_code == 404
    assert (await client.get(f"{URL}/{target['id']}", headers=officer.headers)).status_code == 200


async def test_a_patch_that_breaks_a_rule_changes_nothing(client, officer, town):
    target = town["middle"]  # 80 beds, 12 free
    response = await client.patch(
        f"{URL}/{target['id']}", headers=officer.headers, json={"beds": 10, "name": "新名字"}
    )
    assert response.status_code == 422
    assert keys_of(response) == {"beds"}
    row = await Institution.select().where(Institution.id == target["id"]).first().run()
    assert row["beds"] == 80 and row["name"] == "中间的养老院"


async def test_a_patch_refuses_null_and_unknown_fields(client, officer, town):
    url = f"{URL}/{town['middle']['id']}"
    assert keys_of(await client.patch(url, headers=officer.headers, json={"name": None})) == {
        "name"
    }
    assert keys_of(await client.patch(url, headers=officer.headers, json={"id": 5})) == {"id"}


async def test_an_officer_of_another_region_gets_404_even_with_a_bad_body(
    client, make_person, town
):
    anju = await make_person("bureau_officer", region="510904")
    url = f"{URL}/{town['middle']['id']}"
    assert (await client.patch(url, headers=anju.headers, json={"vacancies": 1})).status_code == 404
    assert (
        await client.patch(url, headers=anju.headers, json={"vacancies": "x"})
    ).status_code == 404
    assert (await client.patch(f"{URL}/999999", headers=anju.headers, json={})).status_code == 404
    own = f"{URL}/{town['anju']['id']}"
    assert (await client.patch(own, headers=anju.headers, json={"vacancies": 1})).status_code == 200


async def test_an_officer_cannot_move_an_institution_out_of_their_region(client, make_person, town):
    chuanshan = await make_person("bureau_officer", region="510903")
    url = f"{URL}/{town['middle']['id']}"
    response = await client.patch(url, headers=chuanshan.headers, json={"region_code": "510904"})
    assert response.status_code == 422 and keys_of(response) == {"region_code"}


@pytest.mark.parametrize("role", ["family", "resident", "community_staff", "provider_admin"])
async def test_other_roles_may_not_write(client, make_person, town, role):
    person = await make_person(role, region="510900" if role == "community_staff" else None)
    assert (await client.post(URL, headers=person.headers, json=body())).status_code == 403
    url = f"{URL}/{town['middle']['id']}"
    assert (
        await client.patch(url, headers=person.headers, json={"vacancies": 1})
    ).status_code == 403


async def test_writing_signed_out_is_401(client, town):
    assert (await client.post(URL, json=body())).status_code == 401
    url = f"{URL}/{town['middle']['id']}"
    assert (await client.patch(url, json={"vacancies": 1})).status_code == 401
