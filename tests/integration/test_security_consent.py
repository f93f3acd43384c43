"""Separate consent (PIPL art. 29): health conditions and bank accounts are stored only when
the elder consented, and each consent is recorded (who, for which elder, what, when, how)."""

from __future__ import annotations

from datetime import date

from eldercare.accounts.tables import Consent, Elder
from eldercare.subsidies.tables import Application
from tests.factories import elder_body, valid_id_number
from tests.integration.conftest import csrf_token, sign_in_page
from tests.integration.subsidies_support import PROGRAM, add_elder, build_world

ELDERS = "/api/v1/elders"
APPLICATIONS = "/api/v1/subsidies/applications"


def keys(response) -> list[str]:
    return [item["key"] for item in response.json()["extra"]]


async def test_health_conditions_without_consent_are_refused_naming_the_consent(
    client, make_person
):
    family = await make_person("family")
    refused = await client.post(
        ELDERS, headers=family.headers, json=elder_body(needs=["dementia_early", "meals"])
    )
    assert refused.status_code == 422
    assert keys(refused) == ["consent_health"]
    assert await Elder.count().run() == 0 and await Consent.count().run() == 0


async def test_health_conditions_with_consent_are_stored_with_the_consent_recorded(
    client, make_person
):
    family = await make_person("family")
    made = await client.post(
        ELDERS,
        headers=family.headers,
        json=elder_body(needs=["diabetes"], consent_health=True, relationship="child"),
    )
    assert made.status_code == 201, made.text
    assert made.json()["needs"] == ["diabetes"]
    consent = await Consent.select().first().run()
    assert (consent["elder"], consent["purpose"], consent["given_by"], consent["channel"]) == (
        made.json()["id"],
        "health",
        family.id,
        "app",
    )
    assert consent["given_at"] is not None and consent["withdrawn_at"] is None


async def test_services_wanted_need_no_consent_and_record_none(client, make_person):
    family = await make_person("family")
    made = await client.post(
        ELDERS, headers=family.headers, json=elder_body(needs=["meals", "bathing"])
    )
    assert made.status_code == 201, made.text
    assert await Consent.count().run() == 0


async def test_adding_a_health_condition_later_needs_consent_unless_one_is_on_record(
    client, make_person
):
    family = await make_person("family")
    plain = await client.post(
        ELDERS, headers=family.headers, json=elder_body(needs=["meals"], relationship="child")
    )
    elder_id = plain.json()["id"]
    refused = await client.patch(
        f"{ELDERS}/{elder_id}", headers=family.headers, json={"needs": ["meals", "hearing"]}
    )
    assert refused.status_code == 422 and keys(refused) == ["consent_health"]
    assert (await Elder.select(Elder.needs).first().run())["needs"] == "meals"
    agreed = await client.patch(
        f"{ELDERS}/{elder_id}",
        headers=family.headers,
        json={"needs": ["meals", "hearing"], "consent_health": True},
    )
    assert agreed.status_code == 200, agreed.text
    assert await Consent.count().where(Consent.purpose == "health").run() == 1
    more = await client.patch(
        f"{ELDERS}/{elder_id}", headers=family.headers, json={"needs": ["hearing", "vision"]}
    )
    assert more.status_code == 200, more.text  # the consent on record covers it


async def test_staff_record_the_consent_given_in_person_as_a_proxy_channel(client, make_person):
    staff = await make_person("community_staff", region="510903")
    made = await client.post(
        ELDERS, headers=staff.headers, json=elder_body(needs=["vision"], consent_health=True)
    )
    assert made.status_code == 201, made.text
    consent = await Consent.select().first().run()
    assert consent["channel"] == "proxy" and consent["given_by"] == staff.id


async def test_the_elder_form_asks_in_plain_words_and_shows_the_problem_beside_the_box(
    client_factory, make_person
):
    family = await make_person("family")
    async with client_factory() as http:
        await sign_in_page(http, family.phone)
        form = await http.get("/elders/new")
        assert 'name="consent_health"' in form.text
        token = await csrf_token(http, "/elders/new")
        data = {
            "_csrf_token": token,
            "name": "张秀英",
            "id_number": valid_id_number(seq=41),
            "address": "南津路1号",
            "region_code": "510903001001",
            "relationship": "child",
            "needs": ["diabetes"],
        }
        refused = await http.post("/elders/new", data=data)
        assert refused.status_code == 422
        assert 'id="error-consent_health"' in refused.text
        assert await Elder.count().run() == 0
        agreed = await http.post("/elders/new", data={**data, "consent_health": "yes"})
        assert agreed.status_code in (302, 303), agreed.text
    consent = await Consent.select().first().run()
    assert consent["channel"] == "web" and consent["purpose"] == "health"


async def test_a_bank_account_without_consent_is_refused_and_nothing_is_stored(client, make_person):
    world = await build_world(make_person)
    elder = await add_elder(client, world.family, birth=date(1940, 5, 1))
    body = {"elder_id": elder, "program_code": PROGRAM, "bank_account": "6217731234567890"}
    refused = await client.post(APPLICATIONS, headers=world.family.headers, json=body)
    assert refused.status_code == 422 and keys(refused) == ["consent_bank"]
    assert await Application.count().run() == 0
    agreed = await client.post(
        APPLICATIONS, headers=world.family.headers, json={**body, "consent_bank": True}
    )
    assert agreed.status_code == 201, agreed.text
    consent = await Consent.select().first().run()
    assert (consent["elder"], consent["purpose"], consent["given_by"]) == (
        elder,
        "bank",
        world.family.id,
    )


async def test_applying_without_a_bank_account_needs_no_consent(client, make_person):
    world = await build_world(make_person)
    elder = await add_elder(client, world.family, birth=date(1940, 5, 1))
    made = await client.post(
        APPLICATIONS,
        headers=world.family.headers,
        json={"elder_id": elder, "program_code": PROGRAM},
    )
    assert made.status_code == 201, made.text
    assert await Consent.count().run() == 0


async def test_the_application_page_asks_for_the_bank_consent_beside_the_account(
    client_factory, client, make_person
):
    world = await build_world(make_person)
    elder = await add_elder(client, world.family, birth=date(1940, 5, 1))
    async with client_factory() as http:
        await sign_in_page(http, world.family.phone)
        step = await http.get(f"/subsidies/apply?elder_id={elder}&program={PROGRAM}")
        assert 'name="consent_bank"' in step.text
        token = await csrf_token(http, f"/subsidies/apply?elder_id={elder}&program={PROGRAM}")
        data = {
            "_csrf_token": token,
            "elder_id": str(elder),
            "program": PROGRAM,
            "bank_name": "农业银行",
            "bank_account": "6228480012345678",
        }
        refused = await http.post("/subsidies/apply", data=data)
        assert refused.status_code == 422 and 'id="error-consent_bank"' in refused.text
        assert await Application.count().run() == 0
        sent = await http.post("/subsidies/apply", data={**data, "consent_bank": "yes"})
        assert sent.status_code == 303, sent.text
    assert (await Consent.select().first().run())["channel"] == "web"
