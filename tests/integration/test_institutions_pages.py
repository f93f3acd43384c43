"""The institution directory's pages: the public search, and the bureau's list and forms."""

from __future__ import annotations

from typing import Any

import pytest

from eldercare.actor import Actor
from eldercare.institutions import demo, service
from eldercare.institutions.domain import InstitutionInput
from eldercare.institutions.tables import Institution
from eldercare.web.i18n import translate
from tests.integration.conftest import csrf_token, sign_in_page

CITY_OFFICER = Actor(id=0, name="test", roles=("bureau_officer",), region_code="510900")


async def add(**overrides: Any) -> service.InstitutionView:
    values: dict[str, Any] = {
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
    values.update(overrides)
    return await service.create_institution(CITY_OFFICER, InstitutionInput(**values))


def form(**overrides: str) -> dict[str, str]:
    data = {
        "name": "安居区凤凰街道日间照料中心",
        "kind": "day_centre",
        "region_code": "510904002001",
        "address": "安居区凤凰街道凤凰社区凤凰大道36号",
        "phone": "0825-8632807",
        "beds": "6",
        "vacancies": "1",
        "price_min": "500",
        "price_max": "900.50",
        "lat": "",
        "lon": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
async def officer_client(client_factory, make_person):
    person = await make_person("bureau_officer", region="510900", name="王建国")
    async with client_factory() as http:
        signed = await sign_in_page(http, person.phone)
        assert signed.status_code in (302, 303), signed.text
        yield http


# ------------------------------------------------------------------------ public search


async def test_the_search_page_shows_cards_to_anyone(client):
    await add()
    await add(
        name="天宫社区老年助餐点",
        kind="community_canteen",
        beds=0,
        vacancies=0,
        price_min_fen=30_000,
        price_max_fen=30_000,
        phone="0825-2251804",
    )
    response = await client.get("/institutions", params={"lang": "en"})
    assert response.status_code == 200, response.text
    html = response.text
    assert "船山区社会福利院" in html and "Care home" in html
    assert "12 beds free of 80" in html
    assert "¥1,800.00 to ¥4,200.00 a month" in html
    assert "¥300.00 a month" in html and "Day service, no beds" in html
    assert 'href="tel:08252226801"' in html and "0825-2226801" in html
    assert "km away" not in html
    assert '<select id="region_code" name="region_code"' in html
    assert "<details" in html


async def test_the_search_page_speaks_chinese_by_default(client):
    await add()
    html = (await client.get("/institutions")).text
    assert '<html lang="zh-CN">' in html
    for message, params in [
        ("Eldercare institutions", {}),
        ("Care home", {}),
        ("{vacancies} beds free of {beds}", {"vacancies": 12, "beds": 80}),
    ]:
        chinese = translate("zh_CN", message, **params)
        assert chinese != message.format(**params) and chinese in html


async def test_a_search_near_a_point_shows_the_distance_nearest_first(client):
    await add(name="远一些的养老院", lat=30.5650, lon=105.5800)
    await add(name="近的养老院", lat=30.5290, lon=105.5800)
    response = await client.get(
        "/institutions", params={"lat": "30.52", "lon": "105.58", "radius_km": "10", "lang": "en"}
    )
    assert response.status_code == 200, response.text
    html = response.text
    assert "1.0 km away" in html and "5.0 km away" in html
    assert html.index("近的养老院") < html.index("远一些的养老院")
    assert '<details class="optional-block" open>' in html


async def test_a_search_by_district_and_kind(client):
    await add()
    await add(name="安居区社会福利院", region_code="510904001", lat=30.3582, lon=105.4570)
    html = (await client.get("/institutions", params={"region_code": "510904"})).text
    assert "安居区社会福利院" in html and "船山区社会福利院" not in html
    html = (await client.get("/institutions", params={"kind": "day_centre"})).text
    assert "福利院" not in html


async def test_a_bad_search_shows_the_problem_beside_the_field(client):
    response = await client.get("/institutions", params={"lat": "30.52", "radius_km": "500"})
    assert response.status_code == 422
    assert 'id="error-lon"' in response.text and 'aria-describedby="error-lon"' in response.text
    unreadable = await client.get("/institutions", params={"lat": "north", "lon": "105.58"})
    assert 'id="error-lat"' in unreadable.text


# ------------------------------------------------------------------------ bureau pages


async def test_the_bureau_list_shows_the_region_including_hidden_ones(officer_client):
    shown = await add()
    hidden = await add(name="停业的敬老院")
    await service.update_institution(CITY_OFFICER, hidden.id, InstitutionInput(active=False))
    response = await officer_client.get("/bureau/institutions")
    assert response.status_code == 200, response.text
    assert "停业的敬老院" in response.text
    assert translate("zh_CN", "Not shown to the public") in response.text
    assert f'href="/bureau/institutions/{shown.id}/edit"' in response.text


async def test_the_add_form_renders_and_a_bad_bed_count_is_shown_beside_the_field(officer_client):
    page = await officer_client.get("/bureau/institutions/new")
    assert page.status_code == 200, page.text
    token = await csrf_token(officer_client, "/bureau/institutions/new")
    for beds in ("-1", "many"):
        response = await officer_client.post(
            "/bureau/institutions/new", data={**form(beds=beds), "_csrf_token": token}
        )
        assert response.status_code == 422
        assert 'id="error-beds"' in response.text
        assert 'aria-describedby="error-beds"' in response.text
    assert await Institution.count().run() == 0


async def test_the_add_form_shows_every_problem_at_once(officer_client):
    token = await csrf_token(officer_client, "/bureau/institutions/new")
    response = await officer_client.post(
        "/bureau/institutions/new",
        data={**form(vacancies="9", price_min="abc", phone="12", name=""), "_csrf_token": token},
    )
    assert response.status_code == 422
    for field in ("vacancies", "price_min", "phone", "name"):
        assert f'id="error-{field}"' in response.text
    assert 'value="安居区凤凰街道凤凰社区凤凰大道36号"' in response.text  # what was typed stays


async def test_an_officer_adds_then_edits_an_institution_through_the_pages(officer_client):
    token = await csrf_token(officer_client, "/bureau/institutions/new")
    response = await officer_client.post(
        "/bureau/institutions/new", data={**form(), "_csrf_token": token}
    )
    assert response.status_code in (302, 303), response.text
    row = await Institution.select().first().run()
    assert row["price_max_fen"] == 90_050 and row["beds"] == 6
    assert (row["lat"], row["lon"]) == (30.347, 105.467)  # 凤凰社区's centre

    edit = await officer_client.get(f"/bureau/institutions/{row['id']}/edit")
    assert edit.status_code == 200 and 'value="900.50"' in edit.text
    token = await csrf_token(officer_client, f"/bureau/institutions/{row['id']}/edit")
    response = await officer_client.post(
        f"/bureau/institutions/{row['id']}/edit",
        data={
            **form(vacancies="4", lat="30.3468", lon="105.4665"),
            "active": "1",
            "_csrf_token": token,
        },
    )
    assert response.status_code in (302, 303), response.text
    row = await Institution.select().where(Institution.id == row["id"]).first().run()
    assert row["vacancies"] == 4 and row["lat"] == 30.3468 and row["active"] is True


async def test_an_officer_of_another_region_cannot_open_the_edit_form(client_factory, make_person):
    target = await add()
    person = await make_person("bureau_officer", region="510904")
    async with client_factory() as http:
        await sign_in_page(http, person.phone)
        assert (await http.get(f"/bureau/institutions/{target.id}/edit")).status_code == 404


async def test_bureau_pages_send_the_signed_out_to_sign_in_and_refuse_families(
    client_factory, make_person
):
    async with client_factory() as http:
        response = await http.get("/bureau/institutions")
        assert response.status_code in (302, 303) and "/login" in response.headers["location"]
    family = await make_person("family")
    async with client_factory() as http:
        await sign_in_page(http, family.phone)
        assert (await http.get("/bureau/institutions")).status_code == 403
        assert (await http.get("/bureau/institutions/new")).status_code == 403


# ------------------------------------------------------------------------ demo


async def test_the_demo_directory_loads_once_and_covers_every_district():
    first = await demo.load_demo()
    again = await demo.load_demo()
    assert first["institutions_created"] >= 12 and again["institutions_created"] == 0
    for district in ("510903", "510904", "510921", "510923", "510981"):
        _, total = await service.search(region_code=district)
        assert total >= 2, district
