"""Registering elders and the staff registry through the JSON API (API.md "Accounts and elders")."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import httpx
import pytest

from eldercare.accounts.tables import Elder, ElderLink
from eldercare.audit.tables import AuditEvent
from tests.factories import OMIT, check_character, elder_body, valid_id_number, with_wrong_check

ELDERS = "/api/v1/elders"


def keys_of(response: httpx.Response) -> set[str]:
    return {item["key"] for item in response.json()["extra"]}


def today() -> date:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def expected_age(birth: date) -> int:
    day = today()
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


async def stored_elders() -> int:
    return await Elder.count().run()


# ----------------------------------------------------------------------------- who registers


async def test_a_resident_registering_their_own_name_is_that_elder(client, make_person):
    resident = await make_person("resident", name="何正清")
    response = await client.post(ELDERS, headers=resident.headers, json=elder_body(name="何正清"))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["relationship"] == "self"
    me = (await client.get("/api/v1/me", headers=resident.headers)).json()
    assert me["elders"] == [body["id"]]
    row = await Elder.select().where(Elder.id == body["id"]).first().run()
    assert row["account"] == resident.id
    assert row["created_by"] == resident.id


async def test_a_resident_registering_someone_else_is_linked_but_is_not_that_elder(
    client, make_person
):
    resident = await make_person("resident", name="何正清")
    response = await client.post(
        ELDERS, headers=resident.headers, json=elder_body(name="何老太", relationship="spouse")
    )
    assert response.status_code == 201, response.text
    assert response.json()["relationship"] == "spouse"
    row = await Elder.select().where(Elder.id == response.json()["id"]).first().run()
    assert row["account"] is None


async def test_a_family_member_registers_a_parent_with_fields_derived_from_the_id(
    client, make_person
):
    family = await make_person("family", name="刘芳")
    number = valid_id_number("510903", date(1942, 3, 15), male=False, seq=12)
    response = await client.post(
        ELDERS,
        headers=family.headers,
        json=elder_body(
            name="刘桂兰",
            id_number=number,
            relationship="child",
            phone="+86 138 1234 5678",
            living_situation="alone",
            needs=["mobility"],
            consent_health=True,
        ),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) >= {
        "id",
        "name",
        "birth_date",
        "age",
        "gender",
        "id_number_masked",
        "region_code",
        "lat",
        "lon",
    }
    assert body["name"] == "刘桂兰"
    assert body["id_number_masked"] == number[:6] + "********" + number[-4:]
    assert len(body["id_number_masked"]) == 18
    assert body["birth_date"] == "1942-03-15"
    assert body["age"] == expected_age(date(1942, 3, 15))
    assert body["gender"] == "female"
    assert body["region_code"] == "510903001001"
    assert body["relationship"] == "child"
    assert body["phone_masked"] == "138****5678"
    assert body["living_situation"] == "alone"
    assert body["needs"] == ["mobility"]
    # The full ID number and phone are never in the answer.
    assert number not in response.text
    assert "13812345678" not in response.text

    link = await ElderLink.select().where(ElderLink.elder == body["id"]).first().run()
    assert link["user"] == family.id and link["relationship"] == "child"
    assert (
        await AuditEvent.exists()
        .where((AuditEvent.action == "elder.create") & (AuditEvent.entity_id == str(body["id"])))
        .run()
    )

    again = await client.get(f"{ELDERS}/{body['id']}", headers=family.headers)
    assert again.status_code == 200
    assert again.json() == body


async def test_an_odd_seventeenth_digit_means_male(client, make_person):
    family = await make_person("family")
    response = await client.post(
        ELDERS, headers=family.headers, json=elder_body(id_number=valid_id_number(male=True, seq=3))
    )
    assert response.json()["gender"] == "male"


async def test_a_lower_case_x_and_spaces_in_the_id_are_accepted(client, make_person):
    family = await make_person("family")
    number = next(
        n
        for seq in range(100)
        if (n := valid_id_number(birth=date(1938, 8, 8), seq=seq)).endswith("X")
    )
    typed = f"{number[:6]} {number[6:14]} {number[14:-1]}x"
    response = await client.post(ELDERS, headers=family.headers, json=elder_body(id_number=typed))
    assert response.status_code == 201, response.text
    assert response.json()["id_number_masked"].endswith("X")
    row = await Elder.select(Elder.id_number).first().run()
    assert row["id_number"] == number


async def test_the_same_id_number_twice_is_a_conflict_and_stores_nothing_more(client, make_person):
    family = await make_person("family")
    number = valid_id_number(seq=40)
    first = await client.post(ELDERS, headers=family.headers, json=elder_body(id_number=number))
    assert first.status_code == 201
    again = await client.post(
        ELDERS, headers=family.headers, json=elder_body(id_number=number, name="另一个人")
    )
    assert again.status_code == 409, again.text
    assert again.json()["status_code"] == 409
    assert await stored_elders() == 1
    assert await ElderLink.count().run() == 1


async def test_the_same_id_number_from_another_user_is_a_conflict(client, make_person):
    family = await make_person("family")
    other = await make_person("family")
    staff = await make_person("community_staff", region="510903")
    number = valid_id_number(seq=41)
    assert (
        await client.post(ELDERS, headers=family.headers, json=elder_body(id_number=number))
    ).status_code == 201
    for person in (other, staff):
        again = await client.post(ELDERS, headers=person.headers, json=elder_body(id_number=number))
        assert again.status_code == 409, again.text
        assert "张秀英" not in again.text
    assert await stored_elders() == 1
    assert await ElderLink.count().run() == 1


def _with_birth_digits(digits: str, region: str = "510903") -> str:
    first_17 = f"{region}{digits}021"
    return first_17 + check_character(first_17)


BAD_IDS = {
    "wrong check digit": with_wrong_check(valid_id_number(seq=50)),
    "impossible date 19990230": _with_birth_digits("19990230"),
    "month 13": _with_birth_digits("19401301"),
    "future birth date": _with_birth_digits(f"{today().year + 1}0101"),
    "before 1880": _with_birth_digits("18791231"),
    "15-digit legacy number": "510903400501021",
    "unknown province prefix 99": _with_birth_digits("19400501", region="990903"),
    "unknown province prefix 00": _with_birth_digits("19400501", region="000000"),
    "17 digits": valid_id_number(seq=51)[:17],
    "19 digits": valid_id_number(seq=52) + "1",
    "letters": "51090319400501ABCD",
    "X in the middle": "5109031940X5010211",
    "empty": "",
}


@pytest.mark.parametrize("number", list(BAD_IDS.values()), ids=list(BAD_IDS))
async def test_a_bad_id_number_is_refused_naming_the_id_number(client, make_person, number):
    family = await make_person("family")
    response = await client.post(ELDERS, headers=family.headers, json=elder_body(id_number=number))
    assert response.status_code == 422, response.text
    assert keys_of(response) == {"id_number"}
    assert response.json()["extra"][0]["message"]
    assert await stored_elders() == 0
    assert await ElderLink.count().run() == 0


async def test_a_birth_date_of_today_is_accepted(client, make_person):
    family = await make_person("family")
    response = await client.post(
        ELDERS,
        headers=family.headers,
        json=elder_body(id_number=valid_id_number(birth=today(), seq=5)),
    )
    assert response.status_code == 201, response.text
    assert response.json()["age"] == 0


@pytest.mark.parametrize("code", ["510999", "510903999", "110101"])
async def test_an_unknown_region_code_is_refused_naming_the_region(client, make_person, code):
    family = await make_person("family")
    response = await client.post(ELDERS, headers=family.headers, json=elder_body(region_code=code))
    assert response.status_code == 422, response.text
    assert keys_of(response) == {"region_code"}
    assert await stored_elders() == 0


@pytest.mark.parametrize("code", ["5109", "51090a", "", "990903"])
async def test_a_malformed_region_code_is_refused_naming_the_region(client, make_person, code):
    family = await make_person("family")
    response = await client.post(ELDERS, headers=family.headers, json=elder_body(region_code=code))
    assert response.status_code == 422, response.text
    assert keys_of(response) == {"region_code"}
    assert await stored_elders() == 0


async def test_several_bad_fields_are_named_together(client, make_person):
    family = await make_person("family")
    response = await client.post(
        ELDERS,
        headers=family.headers,
        json=elder_body(
            name=" ",
            id_number="123",
            address="",
            region_code="510999",
            phone="12",
            lat=200.0,
            lon=0.0,
            living_situation="castle",
            relationship="boss",
            needs=["wings"],
        ),
    )
    assert response.status_code == 422, response.text
    assert keys_of(response) == {
        "name",
        "id_number",
        "address",
        "region_code",
        "phone",
        "lat",
        "living_situation",
        "relationship",
        "needs",
    }
    assert await stored_elders() == 0


async def test_only_one_coordinate_is_refused(client, make_person):
    family = await make_person("family")
    response = await client.post(
        ELDERS, headers=family.headers, json=elder_body(lat=30.5, lon=OMIT)
    )
    assert response.status_code == 422
    assert keys_of(response) == {"lon"}


@pytest.mark.parametrize("missing", ["name", "id_number", "address", "region_code"])
async def test_a_missing_required_field_is_named(client, make_person, missing):
    family = await make_person("family")
    response = await client.post(ELDERS, headers=family.headers, json=elder_body(**{missing: OMIT}))
    assert response.status_code == 422, response.text
    assert keys_of(response) == {missing}
    assert await stored_elders() == 0


@pytest.mark.parametrize("field", ["account", "created_by", "low_income", "id"])
async def test_an_unknown_field_is_refused_and_nothing_is_stored(client, make_person, field):
    family = await make_person("family")
    response = await client.post(ELDERS, headers=family.headers, json=elder_body(**{field: 1}))
    assert response.status_code == 422, response.text
    assert keys_of(response) == {field}
    assert await stored_elders() == 0


async def test_a_non_json_elder_body_is_a_bad_request(client, make_person):
    family = await make_person("family")
    response = await client.post(
        ELDERS, headers={**family.headers, "content-type": "application/json"}, content=b"{name: 1"
    )
    assert response.status_code == 400
    assert await stored_elders() == 0


async def test_a_huge_elder_body_is_too_large(client, make_person):
    family = await make_person("family")
    response = await client.post(
        ELDERS, headers=family.headers, json=elder_body(address="x" * 2_000_000)
    )
    assert response.status_code == 413
    assert await stored_elders() == 0


async def test_missing_coordinates_take_the_regions_centroid(client, make_person):
    family = await make_person("family")
    response = await client.post(
        ELDERS, headers=family.headers, json=elder_body(region_code="510904", lat=OMIT, lon=OMIT)
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["lat"] == pytest.approx(30.3554)
    assert body["lon"] == pytest.approx(105.4563)


async def test_given_coordinates_are_kept(client, make_person):
    family = await make_person("family")
    response = await client.post(
        ELDERS, headers=family.headers, json=elder_body(lat=30.51, lon=105.59)
    )
    assert response.json()["lat"] == pytest.approx(30.51)
    assert response.json()["lon"] == pytest.approx(105.59)


# ----------------------------------------------------------------------------- staff (代办)


async def test_staff_register_an_elder_in_their_region_and_find_them_in_the_registry(
    client, make_person
):
    staff = await make_person("community_staff", region="510903")
    response = await client.post(
        ELDERS, headers=staff.headers, json=elder_body(name="周德明", region_code="510903002001")
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["relationship"] is None
    row = await Elder.select().where(Elder.id == body["id"]).first().run()
    assert row["created_channel"] == "proxy"
    assert row["account"] is None
    assert await ElderLink.count().run() == 0  # staff act for the elder, they are not family

    found = await client.get(ELDERS, headers=staff.headers, params={"q": "德明"})
    assert found.status_code == 200
    assert [item["id"] for item in found.json()["items"]] == [body["id"]]
    assert found.json()["total"] == 1


async def test_staff_cannot_register_an_elder_in_another_district(client, make_person):
    staff = await make_person("community_staff", region="510903")
    response = await client.post(
        ELDERS, headers=staff.headers, json=elder_body(region_code="510904001001")
    )
    assert response.status_code == 422, response.text
    assert keys_of(response) == {"region_code"}
    assert await stored_elders() == 0


async def test_a_bureau_officer_registers_anywhere_in_the_city(client, make_person):
    officer = await make_person("bureau_officer", region="510900")
    response = await client.post(
        ELDERS, headers=officer.headers, json=elder_body(region_code="510981001001")
    )
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("role", ["caregiver", "provider_admin", "admin"])
async def test_other_roles_may_not_register_elders(client, make_person, role):
    person = await make_person(role)
    response = await client.post(ELDERS, headers=person.headers, json=elder_body())
    assert response.status_code == 403, response.text
    assert response.json()["status_code"] == 403
    assert await stored_elders() == 0


@pytest.mark.parametrize("role", ["caregiver", "admin"])
async def test_the_role_is_checked_before_the_body(client, make_person, role):
    person = await make_person(role)
    response = await client.post(ELDERS, headers=person.headers, json={"name": 1, "nonsense": True})
    assert response.status_code == 403, response.text


async def test_signing_in_is_checked_before_the_body(client):
    response = await client.post(ELDERS, json={"nonsense": True})
    assert response.status_code == 401
    response = await client.post(ELDERS, json=elder_body())
    assert response.status_code == 401
    assert await stored_elders() == 0


# ----------------------------------------------------------------------------- the registry


async def _insert_elders(count: int, region: str, *, start: int = 0) -> list[int]:
    """Many elders at once, straight into the table (the registry only reads them)."""
    now = datetime.now(UTC)
    rows = []
    for i in range(start, start + count):
        birth = date(1930 + i // 300, 1 + (i // 25) % 12, 1 + i % 25)
        number = valid_id_number(region[:6], birth, seq=i % 100)
        rows.append(
            Elder(
                name=f"老人{i:04d}",
                id_number=number,
                birth_date=birth,
                gender="male",
                address="某街1号",
                region_code=region,
                lat=30.5,
                lon=105.5,
                created_at=now,
                updated_at=now,
            )
        )
    await Elder.insert(*rows).run()
    return [r["id"] for r in await Elder.select(Elder.id).where(Elder.region_code == region).run()]


async def test_staff_see_only_their_region_in_the_registry(client, make_person):
    chuanshan = await make_person("community_staff", region="510903")
    anju = await make_person("community_staff", region="510904")
    officer = await make_person("bureau_officer", region="510900")
    family = await make_person("family")
    mine = await client.post(
        ELDERS,
        headers=chuanshan.headers,
        json=elder_body(name="船山老人", region_code="510903001001"),
    )
    theirs = await client.post(
        ELDERS, headers=anju.headers, json=elder_body(name="安居老人", region_code="510904001001")
    )
    family_elder = await client.post(
        ELDERS, headers=family.headers, json=elder_body(name="家属老人", region_code="510903002001")
    )
    assert mine.status_code == theirs.status_code == family_elder.status_code == 201

    def ids(response: httpx.Response) -> set[int]:
        return {item["id"] for item in response.json()["items"]}

    listed = await client.get(ELDERS, headers=chuanshan.headers)
    assert listed.status_code == 200
    assert ids(listed) == {mine.json()["id"], family_elder.json()["id"]}
    assert listed.json()["total"] == 2
    assert ids(await client.get(ELDERS, headers=anju.headers)) == {theirs.json()["id"]}
    assert len(ids(await client.get(ELDERS, headers=officer.headers))) == 3
    # A family member's list is the elders they act for.
    assert ids(await client.get(ELDERS, headers=family.headers)) == {family_elder.json()["id"]}
    # And a role with no elders gets an empty list.
    caregiver = await make_person("caregiver")
    nobody = await client.get(ELDERS, headers=caregiver.headers)
    assert nobody.json() == {"items": [], "total": 0}


async def test_the_registry_is_paged_with_limit_and_offset(client, make_person):
    staff = await make_person("community_staff", region="510903")
    await _insert_elders(205, "510903001001")
    await _insert_elders(3, "510904001001", start=300)

    default = await client.get(ELDERS, headers=staff.headers)
    assert default.status_code == 200
    assert default.json()["total"] == 205
    assert len(default.json()["items"]) == 50

    capped = await client.get(ELDERS, headers=staff.headers, params={"limit": 500})
    assert capped.status_code == 200
    assert len(capped.json()["items"]) == 200
    assert capped.json()["total"] == 205

    first = await client.get(ELDERS, headers=staff.headers, params={"limit": 10, "offset": 0})
    second = await client.get(ELDERS, headers=staff.headers, params={"limit": 10, "offset": 10})
    first_ids = [item["id"] for item in first.json()["items"]]
    second_ids = [item["id"] for item in second.json()["items"]]
    assert len(first_ids) == len(second_ids) == 10
    assert not set(first_ids) & set(second_ids)
    assert first.json()["total"] == second.json()["total"] == 205

    tail = await client.get(ELDERS, headers=staff.headers, params={"limit": 10, "offset": 200})
    assert len(tail.json()["items"]) == 5
    past = await client.get(ELDERS, headers=staff.headers, params={"offset": 1000})
    assert past.json() == {"items": [], "total": 205}

    everything = []
    for offset in range(0, 205, 100):
        page = await client.get(
            ELDERS, headers=staff.headers, params={"limit": 100, "offset": offset}
        )
        everything += [item["id"] for item in page.json()["items"]]
    assert len(everything) == len(set(everything)) == 205


async def test_an_offset_past_a_billion_is_refused_not_a_server_error(client, make_person):
    staff = await make_person("community_staff", region="510903")
    for offset in (1_000_000_001, 10**30):
        response = await client.get(ELDERS, headers=staff.headers, params={"offset": offset})
        assert response.status_code == 422, response.text
        assert keys_of(response) == {"offset"}
    edge = await client.get(ELDERS, headers=staff.headers, params={"offset": 1_000_000_000})
    assert edge.json() == {"items": [], "total": 0}


@pytest.mark.parametrize(
    "params, key",
    [
        ({"limit": 0}, "limit"),
        ({"limit": -1}, "limit"),
        ({"offset": -1}, "offset"),
        ({"limit": "many"}, "limit"),
        ({"q": "x" * 51}, "q"),
    ],
)
async def test_bad_paging_or_query_values_are_refused_naming_them(client, make_person, params, key):
    staff = await make_person("community_staff", region="510903")
    response = await client.get(ELDERS, headers=staff.headers, params=params)
    assert response.status_code == 422, response.text
    assert keys_of(response) == {key}


async def test_the_registry_is_searched_by_name_id_and_phone(client, make_person):
    staff = await make_person("community_staff", region="510903")
    numbers = {
        "王秀兰": valid_id_number("510903", date(1941, 2, 3), male=False, seq=7),
        "王建华": valid_id_number("510903", date(1943, 4, 5), male=True, seq=8),
        "李大山": valid_id_number("510903", date(1945, 6, 7), male=True, seq=9),
    }
    phones = {"王秀兰": "13811112222", "王建华": "13933334444", "李大山": None}
    made = {}
    for name, number in numbers.items():
        response = await client.post(
            ELDERS,
            headers=staff.headers,
            json=elder_body(
                name=name, id_number=number, phone=phones[name], region_code="510903003001"
            ),
        )
        assert response.status_code == 201, response.text
        made[name] = response.json()["id"]

    async def search(q: str) -> set[str]:
        response = await client.get(ELDERS, headers=staff.headers, params={"q": q})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["total"] == len(body["items"])
        return {item["name"] for item in body["items"]}

    assert await search("王") == {"王秀兰", "王建华"}
    assert await search("秀兰") == {"王秀兰"}
    assert await search("大山") == {"李大山"}
    assert await search(numbers["李大山"][-4:]) == {"李大山"}
    masked = numbers["王建华"][:6] + "********" + numbers["王建华"][-4:]
    assert await search(masked) == {"王建华"}
    assert await search(masked.lower()) == {"王建华"}
    assert await search("33334444") == {"王建华"}
    assert await search("1381111") == {"王秀兰"}
    assert await search("2222") == {"王秀兰"}
    assert await search("没有这个人") == set()
    assert await search("  ") == {"王秀兰", "王建华", "李大山"}


async def test_searching_never_reaches_outside_the_region(client, make_person):
    chuanshan = await make_person("community_staff", region="510903")
    anju = await make_person("community_staff", region="510904")
    number = valid_id_number("510904", seq=60)
    created = await client.post(
        ELDERS,
        headers=anju.headers,
        json=elder_body(
            name="安居老人", id_number=number, phone="13855556666", region_code="510904001001"
        ),
    )
    assert created.status_code == 201
    for q in ("安居", number[-4:], number[:6] + "********" + number[-4:], "55556666"):
        response = await client.get(ELDERS, headers=chuanshan.headers, params={"q": q})
        assert response.json() == {"items": [], "total": 0}, q
