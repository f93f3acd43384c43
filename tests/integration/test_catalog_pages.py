"""The menu pages: the public /menu, the bureau's item and publish pages, and the demo menu."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from eldercare.catalog import demo, service
from eldercare.catalog.tables import MenuEntry, ServiceItem
from eldercare.web.i18n import translate
from tests.integration.conftest import csrf_token, sign_in_page
from tests.integration.test_catalog_api import ITEMS, add_items, fresh_catalog, item_body  # noqa: F401

BATH = item_body(
    code="bath-assist",
    category_code="bathing",
    name="上门助浴",
    name_en="Bathing at home",
    unit="visit",
    duration_minutes=90,
    price_fen=7000,
)


@pytest.fixture
async def officer(make_person):
    return await make_person("bureau_officer", region="510900", name="王建国")


@pytest.fixture
async def browser(client_factory, officer):
    async with client_factory() as http:
        response = await sign_in_page(http, officer.phone)
        assert response.status_code in (302, 303), response.text
        yield http


async def post_form(http, path: str, data: dict) -> object:
    token = await csrf_token(http, path)
    return await http.post(path, data={**data, "_csrf_token": token})


# --- the public menu --------------------------------------------------------------------------


async def test_anyone_sees_the_menu_as_cards_with_prices_durations_and_subsidy(client, officer):
    await add_items(client, officer, item_body(), BATH)
    page = await client.get("/menu")
    assert page.status_code == 200
    html = page.text
    assert "助餐" in html and "助餐送餐上门" in html
    assert "¥12.00/餐" in html and "约 30 分钟" in html
    assert translate("zh_CN", "Subsidy available") in html
    assert '<select id="region_code" name="region_code">' in html
    assert "蓬溪县" in html and "510921" in html


async def test_the_menu_page_shows_a_districts_caps_and_speaks_english(client, officer):
    await add_items(client, officer, item_body(), BATH)
    response = await client.put(
        "/api/v1/catalog/menus/510921",
        headers=officer.headers,
        json={
            "entries": [
                {"item_code": "lunch-delivery", "price_cap_fen": 900},
                {"item_code": "bath-assist", "offered": False},
            ]
        },
    )
    assert response.status_code == 200
    html = (await client.get("/menu", params={"region_code": "510921", "lang": "en"})).text
    assert "¥9.00 per meal" in html and "About 30 minutes" in html
    assert "Bathing at home" not in html
    assert "Subsidy available" in html


# --- the bureau's pages -----------------------------------------------------------------------


async def test_an_officer_adds_an_item_on_the_page(browser):
    response = await post_form(
        browser,
        "/bureau/catalog/items/new",
        {
            "code": "haircut-home",
            "category_code": "haircut",
            "name_zh": "上门理发",
            "name_en": "",
            "unit": "visit",
            "duration_minutes": "40",
            "price": "20",
            "subsidy_eligible": "on",
        },
    )
    assert response.status_code in (302, 303), response.text
    item = await service.get_item("haircut-home")
    assert (item.price_fen, item.name_en, item.skill, item.subsidy_eligible) == (
        2000,
        "上门理发",
        "haircut",
        True,
    )
    listing = await browser.get("/bureau/catalog?saved=haircut-home")
    assert "上门理发" in listing.text and "¥20.00/次" in listing.text


async def test_bad_item_fields_are_shown_beside_each_field(browser):
    response = await post_form(
        browser,
        "/bureau/catalog/items/new",
        {
            "code": "Bad Code",
            "category_code": "nope",
            "name_zh": "",
            "unit": "visit",
            "duration_minutes": "forty",
            "price": "-3",
        },
    )
    assert response.status_code == 422
    html = response.text
    for field in ("duration_minutes", "price"):
        assert f'id="error-{field}"' in html
        assert re.search(
            rf'id="{field}"[^>]*aria-invalid="true" aria-describedby="error-{field}"', html
        )
    assert await ServiceItem.count().run() == 0
    # Once the numbers read, the remaining problems are each named beside their field.
    response = await post_form(
        browser,
        "/bureau/catalog/items/new",
        {
            "code": "Bad Code",
            "category_code": "nope",
            "name_zh": "",
            "unit": "visit",
            "duration_minutes": "2",
            "price": "20000",
        },
    )
    assert response.status_code == 422
    for field in ("code", "category_code", "name_zh", "duration_minutes", "price"):
        assert f'id="error-{field}"' in response.text, field


async def test_an_officer_edits_an_item_on_the_page(browser, client, officer):
    await add_items(client, officer, item_body())
    form = await browser.get("/bureau/catalog/items/lunch-delivery")
    assert form.status_code == 200 and 'value="12.00"' in form.text
    response = await post_form(
        browser,
        "/bureau/catalog/items/lunch-delivery",
        {
            "category_code": "meals",
            "name_zh": "助餐送餐上门",
            "name_en": "Lunch delivered home",
            "unit": "meal",
            "duration_minutes": "30",
            "price": "13.50",
            "active": "on",
        },
    )
    assert response.status_code in (302, 303), response.text
    item = await service.get_item("lunch-delivery")
    assert item.price_fen == 1350 and item.active and not item.subsidy_eligible
    bad = await post_form(
        browser,
        "/bureau/catalog/items/lunch-delivery",
        {
            "category_code": "meals",
            "name_zh": "助餐",
            "unit": "meal",
            "duration_minutes": "30",
            "price": "0",
            "active": "on",
        },
    )
    assert bad.status_code == 422 and 'id="error-price"' in bad.text
    assert (await service.get_item("lunch-delivery")).price_fen == 1350


async def test_publishing_on_the_page_keeps_only_what_differs_from_the_city(
    browser, client, officer
):
    await add_items(client, officer, item_body(), BATH)
    await client.put(
        "/api/v1/catalog/menus/510900",
        headers=officer.headers,
        json={"entries": [{"item_code": "lunch-delivery", "price_cap_fen": 1000}]},
    )
    page = await browser.get("/bureau/catalog/menus/510921")
    assert page.status_code == 200
    assert 'name="offered-lunch-delivery"' in page.text and 'name="cap-bath-assist"' in page.text
    response = await post_form(
        browser,
        "/bureau/catalog/menus/510921",
        {
            "offered-lunch-delivery": "on",
            "cap-lunch-delivery": "8",  # lower meal cap
            "cap-bath-assist": "",  # unticked: not offered here
        },
    )
    assert response.status_code in (302, 303), response.text
    rows = (
        await MenuEntry.select(MenuEntry.item.code, MenuEntry.offered, MenuEntry.price_cap_fen)
        .where(MenuEntry.region_code == "510921")
        .run()
    )
    assert sorted((r["item.code"], r["offered"], r["price_cap_fen"]) for r in rows) == [
        ("bath-assist", False, None),
        ("lunch-delivery", True, 800),
    ]
    assert await service.price_cap("lunch-delivery", "510921") == 800
    assert await service.price_cap("bath-assist", "510921") is None


async def test_a_bad_cap_is_shown_beside_its_row_and_nothing_changes(browser, client, officer):
    await add_items(client, officer, item_body())
    response = await post_form(
        browser,
        "/bureau/catalog/menus/510921",
        {"offered-lunch-delivery": "on", "cap-lunch-delivery": "abc"},
    )
    assert response.status_code == 422
    assert 'id="error-cap-lunch-delivery"' in response.text
    too_high = await post_form(
        browser,
        "/bureau/catalog/menus/510921",
        {"offered-lunch-delivery": "on", "cap-lunch-delivery": "20000"},
    )
    assert too_high.status_code == 422
    assert 'id="error-cap-lunch-delivery"' in too_high.text
    assert await MenuEntry.count().run() == 0


async def test_an_officer_cannot_open_another_regions_menu(client_factory, make_person):
    pengxi = await make_person("bureau_officer", region="510921")
    async with client_factory() as http:
        await sign_in_page(http, pengxi.phone)
        assert (await http.get("/bureau/catalog/menus/510903")).status_code == 404
        assert (await http.get("/bureau/catalog/menus/510921")).status_code == 200


async def test_the_bureau_pages_are_for_officers_only(client_factory, make_person):
    family = await make_person("family")
    async with client_factory() as http:
        anonymous = await http.get("/bureau/catalog")
        assert anonymous.status_code in (302, 303) and "/login" in anonymous.headers["location"]
        await sign_in_page(http, family.phone)
        assert (await http.get("/bureau/catalog")).status_code == 403
        assert (await http.get("/bureau/catalog/items/new")).status_code == 403


# --- the demo menu ----------------------------------------------------------------------------


async def test_the_demo_menu_loads_once_with_a_city_menu_and_a_county_override(client):
    now = datetime(2026, 12, 1, tzinfo=UTC)
    first = await demo.load_demo(now)
    assert first == {"catalog_items_created": len(demo.ITEMS), "catalog_menus_published": 2}
    assert await demo.load_demo(now) == {"catalog_items_created": 0, "catalog_menus_published": 0}
    city = (await client.get("/api/v1/catalog", params={"region_code": "510903"})).json()
    pengxi = (await client.get("/api/v1/catalog", params={"region_code": "510921"})).json()
    assert len(city["categories"]) == 9
    assert sum(len(c["items"]) for c in city["categories"]) >= 20
    assert "bathing" not in {c["code"] for c in pengxi["categories"]}
    assert await service.price_cap("lunch-delivery", "510921") < await service.price_cap(
        "lunch-delivery", "510903"
    )
