"""The service menu through the JSON API (API.md, "Catalog"): reading, editing, publishing."""

from __future__ import annotations

import importlib
from typing import Any

import httpx
import pytest

from eldercare.audit.tables import AuditEvent
from eldercare.catalog import service
from eldercare.catalog.domain import REFERENCE_CATEGORIES
from eldercare.catalog.tables import MenuEntry, ServiceCategory, ServiceItem
from eldercare.db import write_transaction
from eldercare.errors import NotFound

CATALOG = "/api/v1/catalog"
ITEMS = f"{CATALOG}/items"
MENUS = f"{CATALOG}/menus"
ENGLISH = {"Accept-Language": "en"}
_SHIPPED = importlib.import_module(
    "eldercare.catalog.piccolo_migrations.catalog_2026_11_28t12_22_54_000000"
).CATEGORIES


@pytest.fixture(autouse=True)
async def fresh_catalog(empty_database):
    """service_category survives between tests: put it back as the migration left it."""
    await _restore_categories()
    yield
    await _restore_categories()


async def _restore_categories() -> None:
    async with write_transaction():
        await MenuEntry.delete(force=True).run()
        await ServiceItem.delete(force=True).run()
        await (
            ServiceCategory.delete()
            .where(ServiceCategory.code.not_in(list(REFERENCE_CATEGORIES)))
            .run()
        )
        for code, name_zh, name_en, sort_order in _SHIPPED:
            await (
                ServiceCategory.update(
                    {
                        ServiceCategory.name_zh: name_zh,
                        ServiceCategory.name_en: name_en,
                        ServiceCategory.sort_order: sort_order,
                        ServiceCategory.active: True,
                    }
                )
                .where(ServiceCategory.code == code)
                .run()
            )
    service.clear_cache()


def item_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": "lunch-delivery",
        "category_code": "meals",
        "name": "助餐送餐上门",
        "name_en": "Lunch delivered home",
        "unit": "meal",
        "duration_minutes": 30,
        "price_fen": 1200,
        "subsidy_eligible": True,
    }
    body.update(overrides)
    return body


def keys_of(response: httpx.Response) -> set[str]:
    return {item["key"] for item in response.json()["extra"]}


async def add_items(client, officer, *bodies: dict[str, Any]) -> None:
    for body in bodies:
        response = await client.post(ITEMS, headers=officer.headers, json=body)
        assert response.status_code == 201, response.text


def find_item(menu: dict, code: str) -> dict | None:
    return next((i for c in menu["categories"] for i in c["items"] if i["code"] == code), None)


BATH = item_body(
    code="bath-assist",
    category_code="bathing",
    name="上门助浴",
    name_en="Bathing at home",
    unit="visit",
    duration_minutes=90,
    price_fen=7000,
)
HAIRCUT = item_body(
    code="haircut-home",
    category_code="haircut",
    name="上门理发",
    name_en="Haircut at home",
    unit="visit",
    duration_minutes=40,
    price_fen=2000,
    subsidy_eligible=False,
)


@pytest.fixture
async def officer(make_person):
    return await make_person("bureau_officer", region="510900", name="王建国")


# --- reading ----------------------------------------------------------------------------------


async def test_the_reference_categories_exist_from_the_first_migration(client):
    response = await client.get(f"{CATALOG}/categories")
    assert response.status_code == 200
    assert {c["code"] for c in response.json()["items"]} == set(REFERENCE_CATEGORIES)
    assert response.json()["total"] == len(REFERENCE_CATEGORIES)


async def test_anyone_reads_the_menu_with_the_documented_shape(client, officer):
    await add_items(client, officer, item_body(), BATH)
    response = await client.get(CATALOG)
    assert response.status_code == 200, response.text
    categories = response.json()["categories"]
    assert [c["code"] for c in categories] == ["meals", "bathing"]
    meals = categories[0]
    assert meals["name"] == "助餐"
    assert set(meals["items"][0]) >= {
        "code",
        "name",
        "unit",
        "duration_minutes",
        "price_fen",
        "subsidy_eligible",
    }
    assert meals["items"][0] == {
        **meals["items"][0],
        "code": "lunch-delivery",
        "name": "助餐送餐上门",
        "unit": "meal",
        "duration_minutes": 30,
        "price_fen": 1200,
        "subsidy_eligible": True,
    }


async def test_the_menu_speaks_the_language_of_the_request(client, officer):
    await add_items(client, officer, item_body())
    english = (await client.get(CATALOG, headers=ENGLISH)).json()["categories"][0]
    assert english["name"] == "Meals"
    assert english["items"][0]["name"] == "Lunch delivered home"
    assert english["items"][0]["unit_label"] == "meal"
    chinese = (await client.get(CATALOG, headers={"Accept-Language": "zh-CN"})).json()
    assert chinese["categories"][0]["items"][0]["unit_label"] == "餐"


async def test_an_unknown_region_is_refused_naming_region_code(client):
    response = await client.get(CATALOG, params={"region_code": "999999"})
    assert response.status_code == 422
    assert keys_of(response) == {"region_code"}


async def test_an_unknown_item_is_404(client):
    assert (await client.get(f"{ITEMS}/no-such-item")).status_code == 404
    with pytest.raises(NotFound):
        await service.get_item("no-such-item")


# --- creating items ---------------------------------------------------------------------------


async def test_an_officer_adds_an_item_and_the_change_is_audited(client, officer):
    response = await client.post(ITEMS, headers=officer.headers, json=item_body(name_en=None))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["code"] == "lunch-delivery"
    assert body["skill"] == "meals"  # the category's code
    assert body["name_zh"] == body["name_en"] == "助餐送餐上门"  # name fills both
    info = await service.get_item("lunch-delivery")
    assert info.price_fen == 1200 and info.category_code == "meals" and info.active
    events = await AuditEvent.select().where(AuditEvent.action == "catalog.item.create").run()
    assert [(e["actor_id"], e["entity_id"]) for e in events] == [(officer.id, "lunch-delivery")]


async def test_an_item_keeps_an_explicit_skill_and_english_name(client, officer):
    response = await client.post(
        ITEMS, headers=officer.headers, json=item_body(skill="meal-delivery")
    )
    assert response.json()["skill"] == "meal-delivery"
    assert response.json()["name_en"] == "Lunch delivered home"


@pytest.mark.parametrize(
    "field,value",
    [
        ("price_fen", 0),
        ("price_fen", -500),
        ("price_fen", 1_000_001),
        ("price_fen", 10**11),
        ("duration_minutes", 0),
        ("duration_minutes", 721),
        ("unit", "day"),
        ("code", "Lunch Delivery"),
        ("name", ""),
        ("name", "字" * 61),
        ("skill", "Not A Slug"),
    ],
)
async def test_a_bad_field_is_refused_by_name_and_nothing_is_stored(client, officer, field, value):
    response = await client.post(ITEMS, headers=officer.headers, json=item_body(**{field: value}))
    assert response.status_code == 422, response.text
    assert keys_of(response) == {field}
    assert await ServiceItem.count().run() == 0


async def test_an_unknown_category_is_refused_naming_category_code(client, officer):
    response = await client.post(
        ITEMS, headers=officer.headers, json=item_body(category_code="no-such-category")
    )
    assert response.status_code == 422
    assert keys_of(response) == {"category_code"}
    assert await ServiceItem.count().run() == 0


async def test_every_bad_field_is_named_at_once(client, officer):
    response = await client.post(
        ITEMS,
        headers=officer.headers,
        json=item_body(price_fen=-1, duration_minutes=1, category_code="nope", unit="day"),
    )
    assert response.status_code == 422
    assert keys_of(response) == {"price_fen", "duration_minutes", "category_code", "unit"}


async def test_a_duplicate_code_is_a_conflict_and_changes_nothing(client, officer):
    await add_items(client, officer, item_body())
    response = await client.post(
        ITEMS, headers=officer.headers, json=item_body(price_fen=9999, name="另一个")
    )
    assert response.status_code == 409
    assert (await service.get_item("lunch-delivery")).price_fen == 1200


async def test_missing_or_unknown_body_fields_are_named(client, officer):
    body = item_body()
    del body["price_fen"]
    response = await client.post(ITEMS, headers=officer.headers, json=body)
    assert response.status_code == 422 and keys_of(response) == {"price_fen"}
    response = await client.post(ITEMS, headers=officer.headers, json=item_body(colour="red"))
    assert response.status_code == 422 and keys_of(response) == {"colour"}


async def test_the_same_idempotency_key_creates_one_item(client, officer):
    headers = {**officer.headers, "Idempotency-Key": "add-lunch-1"}
    first = await client.post(ITEMS, headers=headers, json=item_body())
    again = await client.post(ITEMS, headers=headers, json=item_body())
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert await ServiceItem.count().run() == 1


# --- editing items ----------------------------------------------------------------------------


async def test_an_officer_edits_an_item_and_the_next_menu_read_shows_it(client, officer):
    await add_items(client, officer, item_body())
    before = await client.get(CATALOG)  # fills the menu cache
    assert find_item(before.json(), "lunch-delivery")["price_fen"] == 1200
    response = await client.patch(
        f"{ITEMS}/lunch-delivery",
        headers=officer.headers,
        json={"price_fen": 1500, "duration_minutes": 45},
    )
    assert response.status_code == 200, response.text
    assert response.json()["price_fen"] == 1500
    after = find_item((await client.get(CATALOG)).json(), "lunch-delivery")
    assert after["price_fen"] == 1500 and after["duration_minutes"] == 45
    assert await AuditEvent.count().where(AuditEvent.action == "catalog.item.update").run() == 1


async def test_withdrawing_an_item_takes_it_off_the_menu_at_once(client, officer):
    await add_items(client, officer, item_body(), BATH)
    await client.get(CATALOG)
    response = await client.patch(
        f"{ITEMS}/bath-assist", headers=officer.headers, json={"active": False}
    )
    assert response.status_code == 200 and response.json()["active"] is False
    menu = (await client.get(CATALOG)).json()
    assert find_item(menu, "bath-assist") is None
    assert await service.price_cap("bath-assist", "510903") is None


async def test_renaming_in_chinese_carries_a_copied_english_name_along(client, officer):
    await add_items(client, officer, item_body(name_en=None))
    response = await client.patch(
        f"{ITEMS}/lunch-delivery", headers=officer.headers, json={"name": "老年助餐"}
    )
    assert response.json()["name_zh"] == response.json()["name_en"] == "老年助餐"


async def test_moving_an_item_to_another_category_moves_its_default_skill(client, officer):
    await add_items(client, officer, item_body())
    response = await client.patch(
        f"{ITEMS}/lunch-delivery", headers=officer.headers, json={"category_code": "daily-care"}
    )
    assert response.json()["category_code"] == "daily-care"
    assert response.json()["skill"] == "daily-care"


async def test_bad_edits_are_refused_and_change_nothing(client, officer):
    await add_items(client, officer, item_body())
    url = f"{ITEMS}/lunch-delivery"
    for body, key in [
        ({"price_fen": 0}, "price_fen"),
        ({"price_fen": 2_000_000}, "price_fen"),
        ({"category_code": "nope"}, "category_code"),
        ({"code": "other-code"}, "code"),
        ({"unit": "week"}, "unit"),
        ({"price_fen": None}, "price_fen"),
    ]:
        response = await client.patch(url, headers=officer.headers, json=body)
        assert response.status_code == 422, (body, response.text)
        assert keys_of(response) == {key}
    assert (await service.get_item("lunch-delivery")).price_fen == 1200
    missing = await client.patch(
        f"{ITEMS}/no-such-item", headers=officer.headers, json={"price_fen": 100}
    )
    assert missing.status_code == 404


# --- categories -------------------------------------------------------------------------------


async def test_an_officer_adds_and_withdraws_a_category(client, officer):
    response = await client.post(
        f"{CATALOG}/categories",
        headers=officer.headers,
        json={"code": "legal-aid", "name_zh": "法律援助", "name_en": "Legal aid", "sort_order": 95},
    )
    assert response.status_code == 201, response.text
    again = await client.post(
        f"{CATALOG}/categories",
        headers=officer.headers,
        json={"code": "legal-aid", "name_zh": "法律援助"},
    )
    assert again.status_code == 409
    await add_items(
        client,
        officer,
        item_body(
            code="will-advice",
            category_code="legal-aid",
            name="遗嘱咨询",
            unit="session",
            price_fen=5000,
        ),
    )
    assert find_item((await client.get(CATALOG)).json(), "will-advice") is not None
    response = await client.patch(
        f"{CATALOG}/categories/legal-aid", headers=officer.headers, json={"active": False}
    )
    assert response.status_code == 200 and response.json()["active"] is False
    assert find_item((await client.get(CATALOG)).json(), "will-advice") is None
    assert await service.price_cap("will-advice", "510903") is None


async def test_bad_category_input_is_named(client, officer):
    response = await client.post(
        f"{CATALOG}/categories",
        headers=officer.headers,
        json={"code": "X", "name_zh": "", "sort_order": -1},
    )
    assert response.status_code == 422
    assert keys_of(response) == {"code", "name_zh", "sort_order"}
    missing = await client.patch(
        f"{CATALOG}/categories/nope", headers=officer.headers, json={"active": False}
    )
    assert missing.status_code == 404


# --- regional menus ---------------------------------------------------------------------------


async def publish(client, person, region: str, entries: list[dict]) -> httpx.Response:
    return await client.put(f"{MENUS}/{region}", headers=person.headers, json={"entries": entries})


async def test_a_district_inherits_its_citys_menu_unless_it_overrides_it(client, officer):
    await add_items(client, officer, item_body(), BATH, HAIRCUT)
    city = await publish(
        client,
        officer,
        "510900",
        [
            {"item_code": "lunch-delivery", "offered": True, "price_cap_fen": 1000},
            {"item_code": "bath-assist", "offered": True, "price_cap_fen": 6500},
            {"item_code": "haircut-home", "offered": False},
        ],
    )
    assert city.status_code == 200, city.text
    pengxi = await publish(
        client,
        officer,
        "510921",
        [
            {"item_code": "lunch-delivery", "offered": True, "price_cap_fen": 800},
            {"item_code": "bath-assist", "offered": False},
            {"item_code": "haircut-home", "offered": True},
        ],
    )
    assert pengxi.status_code == 200, pengxi.text

    chuanshan = (await client.get(CATALOG, params={"region_code": "510903"})).json()
    assert find_item(chuanshan, "lunch-delivery")["price_fen"] == 1000
    assert find_item(chuanshan, "bath-assist")["price_fen"] == 6500
    assert find_item(chuanshan, "haircut-home") is None
    for region in ("510921", "510921100"):  # the county and a town inside it
        menu = (await client.get(CATALOG, params={"region_code": region})).json()
        assert find_item(menu, "lunch-delivery")["price_fen"] == 800
        assert find_item(menu, "bath-assist") is None
        assert find_item(menu, "haircut-home")["price_fen"] == 2000  # guide price
    guide = (await client.get(CATALOG)).json()
    assert find_item(guide, "lunch-delivery")["price_fen"] == 1200
    assert await service.price_cap("lunch-delivery", "510921100001") == 800
    assert await service.price_cap("bath-assist", "510921") is None
    assert await service.price_cap("no-such-item", "510921") is None
    assert await AuditEvent.count().where(AuditEvent.action == "catalog.menu.publish").run() == 2


async def test_a_regions_menu_shows_its_own_entries_and_the_result(client, officer):
    await add_items(client, officer, item_body(), BATH)
    await publish(
        client,
        officer,
        "510900",
        [{"item_code": "lunch-delivery", "offered": True, "price_cap_fen": 1000}],
    )
    response = await client.get(f"{MENUS}/510921")
    assert response.status_code == 200
    body = response.json()
    assert body["entries"] == []
    effective = {e["item_code"]: e for e in body["effective"]}
    assert effective["lunch-delivery"]["price_fen"] == 1000
    assert effective["lunch-delivery"]["decided_by"] == "510900"
    assert effective["bath-assist"]["decided_by"] is None
    assert (await client.get(f"{MENUS}/999999")).status_code == 404


async def test_publishing_replaces_the_regions_own_entries(client, officer):
    await add_items(client, officer, item_body(), BATH)
    await publish(
        client,
        officer,
        "510921",
        [
            {"item_code": "lunch-delivery", "price_cap_fen": 800},
            {"item_code": "bath-assist", "offered": False},
        ],
    )
    response = await publish(
        client, officer, "510921", [{"item_code": "lunch-delivery", "price_cap_fen": 900}]
    )
    assert [e["item_code"] for e in response.json()["entries"]] == ["lunch-delivery"]
    menu = (await client.get(CATALOG, params={"region_code": "510921"})).json()
    assert find_item(menu, "bath-assist")["price_fen"] == 7000


async def test_bad_menu_entries_are_named_and_nothing_changes(client, officer):
    await add_items(client, officer, item_body())
    await publish(
        client, officer, "510921", [{"item_code": "lunch-delivery", "price_cap_fen": 800}]
    )
    response = await publish(
        client,
        officer,
        "510921",
        [
            {"item_code": "no-such-item", "offered": True},
            {"item_code": "lunch-delivery", "price_cap_fen": 0},
        ],
    )
    assert response.status_code == 422
    assert keys_of(response) == {"entries[0].item_code", "entries[1].price_cap_fen"}
    too_high = await publish(
        client, officer, "510921", [{"item_code": "lunch-delivery", "price_cap_fen": 1_000_001}]
    )
    assert too_high.status_code == 422
    assert await service.price_cap("lunch-delivery", "510921") == 800


async def test_an_officer_cannot_publish_outside_their_region(client, officer, make_person):
    await add_items(client, officer, item_body())
    pengxi_officer = await make_person("bureau_officer", region="510921")
    for region in ("510903", "510900", "999999"):
        response = await publish(
            client, pengxi_officer, region, [{"item_code": "lunch-delivery", "offered": False}]
        )
        assert response.status_code == 404, region
    assert await MenuEntry.count().run() == 0
    inside = await publish(
        client, pengxi_officer, "510921100", [{"item_code": "lunch-delivery", "offered": False}]
    )
    assert inside.status_code == 200


# --- who may ----------------------------------------------------------------------------------


WRITES = [
    ("POST", ITEMS, item_body()),
    ("PATCH", f"{ITEMS}/lunch-delivery", {"price_fen": 100}),
    ("POST", f"{CATALOG}/categories", {"code": "legal-aid", "name_zh": "法律援助"}),
    ("PATCH", f"{CATALOG}/categories/meals", {"active": False}),
    ("PUT", f"{MENUS}/510900", {"entries": []}),
]


@pytest.mark.parametrize("method,url,body", WRITES)
@pytest.mark.parametrize(
    "role", ["family", "resident", "community_staff", "provider_admin", "caregiver", "admin"]
)
async def test_only_bureau_officers_change_the_menu(client, make_person, method, url, body, role):
    person = await make_person(role, region="510900" if role == "community_staff" else None)
    response = await client.request(method, url, headers=person.headers, json=body)
    assert response.status_code == 403, response.text


@pytest.mark.parametrize("method,url,body", WRITES)
async def test_changing_the_menu_needs_a_sign_in(client, method, url, body):
    response = await client.request(method, url, json=body)
    assert response.status_code == 401
    assert await ServiceItem.count().run() == 0
