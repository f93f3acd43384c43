"""``Idempotency-Key`` on POST /api/v1/elders (API.md, "Conventions")."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

from eldercare.accounts.tables import Elder, ElderLink
from eldercare.web.tables import IdempotencyKey
from tests.factories import elder_body, valid_id_number

ELDERS = "/api/v1/elders"


def keyed(person, key: str) -> dict[str, str]:
    return {**person.headers, "Idempotency-Key": key, "content-type": "application/json"}


def encode(body: dict) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode()


async def test_the_same_key_and_body_answer_the_first_answer_and_store_one_elder(
    client, make_person
):
    family = await make_person("family")
    body = encode(elder_body(id_number=valid_id_number(seq=80), relationship="child"))
    first = await client.post(ELDERS, headers=keyed(family, "k-1"), content=body)
    second = await client.post(ELDERS, headers=keyed(family, "k-1"), content=body)
    assert first.status_code == 201, first.text
    assert second.status_code == 201, second.text
    assert second.json() == first.json()
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert await Elder.count().run() == 1
    assert await ElderLink.count().run() == 1


async def test_without_a_key_a_repeat_is_a_conflict(client, make_person):
    family = await make_person("family")
    body = encode(elder_body(id_number=valid_id_number(seq=81)))
    first = await client.post(
        ELDERS, headers={**family.headers, "content-type": "application/json"}, content=body
    )
    second = await client.post(
        ELDERS, headers={**family.headers, "content-type": "application/json"}, content=body
    )
    assert first.status_code == 201
    assert second.status_code == 409
    assert await Elder.count().run() == 1


async def test_the_same_key_with_another_body_is_refused(client, make_person):
    family = await make_person("family")
    first = await client.post(
        ELDERS,
        headers=keyed(family, "k-2"),
        content=encode(elder_body(id_number=valid_id_number(seq=82))),
    )
    assert first.status_code == 201
    other = await client.post(
        ELDERS,
        headers=keyed(family, "k-2"),
        content=encode(elder_body(id_number=valid_id_number(seq=83), name="李国华")),
    )
    assert other.status_code == 422, other.text
    body = other.json()
    assert body["status_code"] == 422
    assert [item["key"] for item in body["extra"]] == ["Idempotency-Key"]
    assert await Elder.count().run() == 1


async def test_different_users_may_use_the_same_key(client, make_person):
    first_family = await make_person("family")
    second_family = await make_person("family")
    first = await client.post(
        ELDERS,
        headers=keyed(first_family, "shared"),
        content=encode(elder_body(id_number=valid_id_number(seq=84))),
    )
    second = await client.post(
        ELDERS,
        headers=keyed(second_family, "shared"),
        content=encode(elder_body(id_number=valid_id_number(seq=85))),
    )
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"]
    assert await Elder.count().run() == 2


async def test_one_users_key_never_replays_another_users_answer(client, make_person):
    first_family = await make_person("family")
    second_family = await make_person("family")
    body = encode(elder_body(id_number=valid_id_number(seq=86)))
    first = await client.post(ELDERS, headers=keyed(first_family, "same"), content=body)
    second = await client.post(ELDERS, headers=keyed(second_family, "same"), content=body)
    assert first.status_code == 201
    assert second.status_code == 409  # the ID is taken; the first user's answer is not replayed
    assert "Idempotent-Replayed" not in second.headers


async def test_a_failed_request_does_not_use_up_its_key(client, make_person):
    family = await make_person("family")
    bad = await client.post(
        ELDERS, headers=keyed(family, "k-3"), content=encode(elder_body(id_number="123"))
    )
    assert bad.status_code == 422
    assert await IdempotencyKey.count().run() == 0
    good = await client.post(
        ELDERS,
        headers=keyed(family, "k-3"),
        content=encode(elder_body(id_number=valid_id_number(seq=87))),
    )
    assert good.status_code == 201, good.text
    assert await Elder.count().run() == 1


async def test_a_failed_request_is_not_replayed_when_retried_unchanged(client, make_person):
    family = await make_person("family")
    taken = valid_id_number(seq=88)
    assert (
        await client.post(ELDERS, headers=family.headers, json=elder_body(id_number=taken))
    ).status_code == 201
    body = encode(elder_body(id_number=taken, name="别人"))
    for _ in range(2):
        response = await client.post(ELDERS, headers=keyed(family, "k-4"), content=body)
        assert response.status_code == 409
        assert "Idempotent-Replayed" not in response.headers
    assert await Elder.count().run() == 1


async def _running(user_id: int, key: str, body: bytes, locked_until: datetime) -> None:
    fingerprint = hashlib.sha256(b"POST" + ELDERS.encode() + b"\n" + body).hexdigest()
    now = datetime.now(UTC)
    await IdempotencyKey.insert(
        IdempotencyKey(
            user_id=user_id,
            key=key,
            fingerprint=fingerprint,
            state="running",
            locked_until=locked_until,
            created_at=now,
        )
    ).run()


async def test_a_repeat_while_the_first_is_still_running_is_a_conflict(client, make_person):
    family = await make_person("family")
    body = encode(elder_body(id_number=valid_id_number(seq=89)))
    await _running(family.id, "k-5", body, datetime.now(UTC) + timedelta(seconds=60))
    response = await client.post(ELDERS, headers=keyed(family, "k-5"), content=body)
    assert response.status_code == 409, response.text
    assert await Elder.count().run() == 0


async def test_a_key_whose_first_request_died_can_be_taken_over(client, make_person):
    family = await make_person("family")
    body = encode(elder_body(id_number=valid_id_number(seq=90)))
    await _running(family.id, "k-6", body, datetime.now(UTC) - timedelta(seconds=1))
    response = await client.post(ELDERS, headers=keyed(family, "k-6"), content=body)
    assert response.status_code == 201, response.text
    again = await client.post(ELDERS, headers=keyed(family, "k-6"), content=body)
    assert again.status_code == 201
    assert again.json() == response.json()
    assert await Elder.count().run() == 1


async def test_an_overlong_key_is_refused(client, make_person):
    family = await make_person("family")
    response = await client.post(
        ELDERS,
        headers=keyed(family, "k" * 256),
        content=encode(elder_body(id_number=valid_id_number(seq=91))),
    )
    assert response.status_code == 422
    assert [item["key"] for item in response.json()["extra"]] == ["Idempotency-Key"]
    assert await Elder.count().run() == 0


async def test_a_key_does_not_bypass_the_role_check(client, make_person):
    caregiver = await make_person("caregiver")
    response = await client.post(
        ELDERS,
        headers=keyed(caregiver, "k-7"),
        content=encode(elder_body(id_number=valid_id_number(seq=92))),
    )
    assert response.status_code == 403
    assert await IdempotencyKey.count().run() == 0


async def test_a_key_older_than_a_day_is_a_new_key(client, make_person):
    family = await make_person("family")
    first = await client.post(
        ELDERS,
        headers=keyed(family, "k-old"),
        content=encode(elder_body(id_number=valid_id_number(seq=91))),
    )
    assert first.status_code == 201
    await (
        IdempotencyKey.update({IdempotencyKey.created_at: datetime.now(UTC) - timedelta(hours=25)})
        .where(IdempotencyKey.key == "k-old")
        .run()
    )
    second = await client.post(
        ELDERS,
        headers=keyed(family, "k-old"),
        content=encode(elder_body(id_number=valid_id_number(seq=92), name="李国华")),
    )
    assert second.status_code == 201, second.text
    assert await Elder.count().run() == 2
