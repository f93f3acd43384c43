"""API.md "Conventions" as the OpenAPI document states them, and input no database can hold."""

from __future__ import annotations

from typing import Any

from eldercare import db
from tests.integration.booking_support import at, book, build_world

HUGE = 2**70  # past the database's 64-bit integers


async def document(client) -> dict[str, Any]:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    return response.json()


async def test_the_document_names_every_error_an_operation_can_answer_and_its_shape(client):
    doc = await document(client)
    create = doc["paths"]["/api/v1/bookings"]["post"]
    assert set(create["responses"]) == {"201", "400", "401", "403", "404", "409", "413", "422"}
    invalid = create["responses"]["422"]["content"]["application/json"]["schema"]
    body = doc["components"]["schemas"][invalid["$ref"].rsplit("/", 1)[-1]]
    assert set(body["required"]) == {"status_code", "detail", "extra"}
    problem = body["properties"]["extra"]["items"]
    problem = doc["components"]["schemas"][problem["$ref"].rsplit("/", 1)[-1]]
    assert set(problem["required"]) == {"key", "message"}
    # Reading takes no body and changes nothing: no 409 or 413.
    assert set(doc["paths"]["/api/v1/me"]["get"]["responses"]) == {"200", "401", "403"}
    # Signing in: a wrong pair is 401, too many of them 429.
    assert {"401", "429"} <= set(doc["paths"]["/api/v1/auth/token"]["post"]["responses"])


async def test_only_operations_that_need_sign_in_ask_for_the_bearer_token(client):
    doc = await document(client)
    assert "security" not in doc  # no blanket requirement
    assert doc["paths"]["/api/v1/me"]["get"]["security"] == [{"BearerToken": []}]
    for path, verb in [
        ("/api/v1/catalog", "get"),
        ("/api/v1/subsidies/programs", "get"),
        ("/api/v1/auth/register", "post"),
    ]:
        operation = doc["paths"][path][verb]
        assert "security" not in operation, path
        assert "401" not in operation["responses"], path
    assert "security" not in doc["paths"]["/api/v1/auth/token"]["post"]


async def test_a_number_too_large_for_any_record_is_a_bad_request_not_a_server_error(
    client, make_person
):
    w = await build_world(client, make_person)
    read = await client.get(f"/api/v1/bookings/{HUGE}", headers=w.family.headers)
    assert read.status_code == 400, read.text
    assert read.json() == {"status_code": 400, "detail": read.json()["detail"], "extra": []}
    booked = await book(client, w.family, HUGE, at(24 * 60))
    assert booked.status_code == 400, booked.text
    # Nothing was booked, and the real elder can still book.
    assert (await client.get("/api/v1/bookings", headers=w.family.headers)).json()["total"] == 0
    assert (await book(client, w.family, w.elder_id, at(24 * 60))).status_code == 201


async def test_a_nul_character_in_text_is_never_a_server_error(client, make_person):
    # PostgreSQL cannot store it (400); SQLite can, so there the search simply finds nothing.
    staff = await make_person("community_staff", region="510903")
    found = await client.get("/api/v1/elders", headers=staff.headers, params={"q": "张\x00"})
    assert found.status_code == (200 if db.is_sqlite() else 400), found.text
    if found.status_code == 400:
        assert found.json()["extra"] == []
