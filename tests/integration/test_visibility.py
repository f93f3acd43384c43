"""Who may see an elder: their own account, linked family, staff of their region; else 404."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import pytest

from eldercare.audit.tables import AuditEvent
from tests.factories import elder_body, valid_id_number
from tests.integration.conftest import Person, sign_in_page

ELDER_NAME = "赵秀珍"
SELF_NAME = "何正清"
ELDER_REGION = "510903002001"  # a community of 船山区 (510903) in 遂宁市 (510900)

# Who asks, made with make_person(role, region=...); "owner" registered the family elder,
# "self" is the resident who registered themselves; None is nobody signed in.
VIEWERS: dict[str, tuple[str, str | None] | None] = {
    "owner": ("family", None),
    "self": ("resident", None),
    "other family": ("family", None),
    "staff of 510903": ("community_staff", "510903"),
    "staff of the elder's street": ("community_staff", "510903002"),
    "staff of another street": ("community_staff", "510903001"),
    "staff of 510904": ("community_staff", "510904"),
    "officer of 510900": ("bureau_officer", "510900"),
    "officer of 510000": ("bureau_officer", "510000"),
    "officer of 蓬溪县": ("bureau_officer", "510921"),
    "admin": ("admin", None),
    "caregiver": ("caregiver", None),
    "provider admin": ("provider_admin", None),
    "unsigned": None,
}


@dataclass
class World:
    make_person: Callable[..., Awaitable[Person]]
    people: dict[str, Person] = field(default_factory=dict)
    family_elder: dict = field(default_factory=dict)
    self_elder: dict = field(default_factory=dict)
    family_id_number: str = ""
    self_id_number: str = ""

    async def person(self, viewer: str) -> Person | None:
        """The viewer's account, made the first time it is asked for (None: not signed in)."""
        spec = VIEWERS[viewer]
        if spec is None:
            return None
        if viewer not in self.people:
            role, region = spec
            name = SELF_NAME if viewer == "self" else f"{viewer}用户"[:20]
            self.people[viewer] = await self.make_person(role, region=region, name=name)
        return self.people[viewer]

    async def headers(self, viewer: str) -> dict[str, str]:
        person = await self.person(viewer)
        return person.headers if person else {}


@pytest.fixture
async def world(client, make_person) -> World:
    world = World(make_person)
    family_number = valid_id_number("510903", seq=71)
    self_number = valid_id_number("510903", seq=72)
    owner, resident = await world.person("owner"), await world.person("self")
    assert owner and resident
    family_elder = await client.post(
        "/api/v1/elders",
        headers=owner.headers,
        json=elder_body(
            name=ELDER_NAME,
            id_number=family_number,
            region_code=ELDER_REGION,
            relationship="child",
            phone="13866667777",
        ),
    )
    self_elder = await client.post(
        "/api/v1/elders",
        headers=resident.headers,
        json=elder_body(name=SELF_NAME, id_number=self_number, region_code=ELDER_REGION),
    )
    assert family_elder.status_code == self_elder.status_code == 201
    assert self_elder.json()["relationship"] == "self"
    world.family_elder, world.self_elder = family_elder.json(), self_elder.json()
    world.family_id_number, world.self_id_number = family_number, self_number
    return world


# viewer -> expected status for the elder registered by "owner"
FAMILY_ELDER_MATRIX = {
    "owner": 200,
    "self": 404,
    "other family": 404,
    "staff of 510903": 200,
    "staff of the elder's street": 200,
    "staff of another street": 404,
    "staff of 510904": 404,
    "officer of 510900": 200,
    "officer of 510000": 200,
    "officer of 蓬溪县": 404,
    "admin": 404,
    "caregiver": 404,
    "provider admin": 404,
    "unsigned": 401,
}

# viewer -> expected status for the resident who registered themselves
SELF_ELDER_MATRIX = {
    "self": 200,
    "owner": 404,
    "other family": 404,
    "staff of 510903": 200,
    "staff of 510904": 404,
    "officer of 510900": 200,
    "admin": 404,
    "caregiver": 404,
    "unsigned": 401,
}


@pytest.mark.parametrize(
    "viewer, status", FAMILY_ELDER_MATRIX.items(), ids=list(FAMILY_ELDER_MATRIX)
)
async def test_who_sees_an_elder_registered_by_family(client, world, viewer, status):
    elder = world.family_elder
    response = await client.get(
        f"/api/v1/elders/{elder['id']}", headers=await world.headers(viewer)
    )
    assert response.status_code == status, response.text
    if status == 200:
        assert response.json()["id"] == elder["id"]
        assert response.json()["name"] == ELDER_NAME
        assert response.json()["id_number_masked"] == elder["id_number_masked"]
        assert world.family_id_number not in response.text
    else:
        assert response.json()["status_code"] == status
        assert ELDER_NAME not in response.text
        assert elder["id_number_masked"] not in response.text


@pytest.mark.parametrize("viewer, status", SELF_ELDER_MATRIX.items(), ids=list(SELF_ELDER_MATRIX))
async def test_who_sees_a_resident_who_registered_themselves(client, world, viewer, status):
    elder = world.self_elder
    response = await client.get(
        f"/api/v1/elders/{elder['id']}", headers=await world.headers(viewer)
    )
    assert response.status_code == status, response.text
    if status == 200:
        assert response.json()["name"] == SELF_NAME
    else:
        assert elder["id_number_masked"] not in response.text


@pytest.mark.parametrize("viewer", ["other family", "staff of 510904", "admin"])
async def test_an_invisible_elder_answers_exactly_like_a_missing_one(client, world, viewer):
    hidden = await client.get(
        f"/api/v1/elders/{world.family_elder['id']}", headers=await world.headers(viewer)
    )
    missing = await client.get("/api/v1/elders/999999", headers=await world.headers(viewer))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


async def test_a_missing_elder_is_401_before_404_for_nobody(client, world):
    response = await client.get("/api/v1/elders/999999")
    assert response.status_code == 401


@pytest.mark.parametrize("viewer", list(FAMILY_ELDER_MATRIX))
async def test_the_list_shows_an_elder_exactly_to_those_who_may_see_them(client, world, viewer):
    response = await client.get("/api/v1/elders", headers=await world.headers(viewer))
    if viewer == "unsigned":
        assert response.status_code == 401
        return
    assert response.status_code == 200
    listed = {item["id"] for item in response.json()["items"]}
    assert (world.family_elder["id"] in listed) == (FAMILY_ELDER_MATRIX[viewer] == 200)
    assert ELDER_NAME in response.text or FAMILY_ELDER_MATRIX[viewer] != 200


# ----------------------------------------------------------------------------- reveal

REVEAL_MATRIX = {
    "staff of 510903": 200,
    "staff of the elder's street": 200,
    "officer of 510900": 200,
    "officer of 510000": 200,
    "owner": 403,
    "self": 404,
    "other family": 404,
    "staff of another street": 404,
    "staff of 510904": 404,
    "officer of 蓬溪县": 404,
    "admin": 404,
    "caregiver": 404,
    "unsigned": 401,
}


async def reveal_events(elder_id: int) -> list[dict]:
    return (
        await AuditEvent.select()
        .where((AuditEvent.action == "elder.reveal") & (AuditEvent.entity_id == str(elder_id)))
        .run()
    )


@pytest.mark.parametrize("viewer, status", REVEAL_MATRIX.items(), ids=list(REVEAL_MATRIX))
async def test_who_may_reveal_the_full_id_number(client, world, viewer, status):
    elder_id = world.family_elder["id"]
    response = await client.post(
        f"/api/v1/elders/{elder_id}/reveal", headers=await world.headers(viewer)
    )
    assert response.status_code == status, response.text
    events = await reveal_events(elder_id)
    if status == 200:
        body = response.json()
        assert body["id"] == elder_id
        assert body["id_number"] == world.family_id_number
        assert body["phone"] == "13866667777"
        person = await world.person(viewer)
        assert person is not None
        assert len(events) == 1
        assert events[0]["actor_id"] == person.id
        assert events[0]["entity"] == "elder"
        assert events[0]["actor_role"] == person.roles[0]
    else:
        assert response.json()["status_code"] == status
        assert world.family_id_number not in response.text
        assert ELDER_NAME not in response.text
        assert events == []


async def test_a_resident_cannot_reveal_their_own_full_number_through_the_api(client, world):
    elder_id = world.self_elder["id"]
    response = await client.post(
        f"/api/v1/elders/{elder_id}/reveal", headers=await world.headers("self")
    )
    assert response.status_code == 403
    assert world.self_id_number not in response.text
    assert await reveal_events(elder_id) == []


async def test_each_reveal_is_audited(client, world):
    elder_id = world.family_elder["id"]
    for _ in range(3):
        response = await client.post(
            f"/api/v1/elders/{elder_id}/reveal", headers=await world.headers("staff of 510903")
        )
        assert response.status_code == 200
    assert len(await reveal_events(elder_id)) == 3


# ----------------------------------------------------------------------------- pages


PAGE_MATRIX = {
    "owner": 200,
    "staff of 510903": 200,
    "other family": 404,
    "staff of 510904": 404,
    "admin": 404,
}


@pytest.mark.parametrize("viewer, status", PAGE_MATRIX.items(), ids=list(PAGE_MATRIX))
async def test_the_elder_page_follows_the_same_rules(client_factory, world, viewer, status):
    person = await world.person(viewer)
    assert person is not None
    async with client_factory() as browser:
        signed = await sign_in_page(browser, person.phone)
        assert signed.status_code in (302, 303), signed.text
        response = await browser.get(f"/elders/{world.family_elder['id']}")
    assert response.status_code == status
    if status == 404:
        assert ELDER_NAME not in response.text


async def test_the_elder_page_sends_nobody_to_sign_in(client, world):
    response = await client.get(f"/elders/{world.family_elder['id']}")
    assert response.status_code in (302, 303)
    assert response.headers["location"].startswith("/login")
