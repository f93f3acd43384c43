"""Registering, signing in and out, and /me through the JSON API (API.md, "Accounts and elders")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from eldercare.accounts import service as accounts
from eldercare.accounts.tables import AuthSession, LoginFailure, User
from eldercare.errors import NotSignedIn, TooManyAttempts
from tests.factories import elder_body
from tests.integration.conftest import PASSWORD

REGISTER = "/api/v1/auth/register"
TOKEN = "/api/v1/auth/token"
ME = "/api/v1/me"


def keys_of(response: httpx.Response) -> set[str]:
    return {item["key"] for item in response.json()["extra"]}


def assert_error_shape(response: httpx.Response, status: int) -> None:
    body = response.json()
    assert body["status_code"] == status
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["extra"], list)


async def stored_users() -> int:
    return await User.count().run()


# ----------------------------------------------------------------------------- register


async def test_registering_answers_201_with_the_account_and_a_normalised_phone(client):
    response = await client.post(
        REGISTER,
        json={"phone": "+86 139-0013-8001", "password": "Quiet-river-42", "name": " 张秀英 "},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) >= {"id", "phone", "name", "roles"}
    assert body["phone"] == "13900138001"
    assert body["name"] == "张秀英"
    assert body["roles"] == ["resident"]
    assert isinstance(body["id"], int)
    row = await User.select().where(User.id == body["id"]).first().run()
    assert row["phone"] == "13900138001"
    assert row["password_hash"] != "Quiet-river-42"


async def test_registering_as_family_gives_the_family_role(client):
    response = await client.post(
        REGISTER,
        json={
            "phone": "13900138002",
            "password": "Quiet-river-42",
            "name": "刘芳",
            "role": "family",
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["roles"] == ["family"]


async def test_registering_a_phone_twice_is_a_conflict_and_stores_nothing_more(client):
    first = {"phone": "13900138003", "password": "Quiet-river-42", "name": "张秀英"}
    assert (await client.post(REGISTER, json=first)).status_code == 201
    again = await client.post(
        REGISTER, json={**first, "phone": "+86 139 0013 8003", "name": "别人"}
    )
    assert again.status_code == 409, again.text
    assert_error_shape(again, 409)
    assert await stored_users() == 1


@pytest.mark.parametrize(
    "role", ["community_staff", "bureau_officer", "admin", "caregiver", "provider_admin"]
)
async def test_registering_as_staff_is_refused_naming_the_role(client, role):
    response = await client.post(
        REGISTER,
        json={"phone": "13900138004", "password": "Quiet-river-42", "name": "冒充者", "role": role},
    )
    assert response.status_code == 422, response.text
    assert_error_shape(response, 422)
    assert keys_of(response) == {"role"}
    assert await stored_users() == 0


async def test_registering_with_an_unknown_role_is_refused_naming_the_role(client):
    response = await client.post(
        REGISTER,
        json={
            "phone": "13900138005",
            "password": "Quiet-river-42",
            "name": "张秀英",
            "role": "superuser",
        },
    )
    assert response.status_code == 422, response.text
    assert keys_of(response) == {"role"}
    assert await stored_users() == 0


@pytest.mark.parametrize(
    "phone",
    [
        "12345",
        "1380013800",
        "138001380001",
        "23800138000",
        "12800138000",
        "phone",
        "+1 415 555 0100",
        "",
    ],
)
async def test_registering_a_malformed_phone_is_refused_naming_the_phone(client, phone):
    response = await client.post(
        REGISTER, json={"phone": phone, "password": "Quiet-river-42", "name": "张秀英"}
    )
    assert response.status_code == 422, response.text
    assert keys_of(response) == {"phone"}
    assert await stored_users() == 0


@pytest.mark.parametrize("name", ["", "   ", "长" * 51])
async def test_registering_an_empty_or_overlong_name_is_refused_naming_the_name(client, name):
    response = await client.post(
        REGISTER, json={"phone": "13900138006", "password": "Quiet-river-42", "name": name}
    )
    assert response.status_code == 422, response.text
    assert keys_of(response) == {"name"}
    assert await stored_users() == 0


@pytest.mark.parametrize(
    "password",
    ["short1!", "", "12345678", "Password", "woaini1314", "13900138007", "+86 139 0013 8007"],
)
async def test_registering_a_short_common_or_phone_password_is_refused(client, password):
    response = await client.post(
        REGISTER, json={"phone": "13900138007", "password": password, "name": "张秀英"}
    )
    assert response.status_code == 422, response.text
    assert keys_of(response) == {"password"}
    assert await stored_users() == 0


async def test_registering_with_several_bad_fields_names_each_of_them(client):
    response = await client.post(REGISTER, json={"phone": "123", "password": "short", "name": ""})
    assert response.status_code == 422, response.text
    assert_error_shape(response, 422)
    assert keys_of(response) == {"phone", "password", "name"}
    assert all(item["message"] for item in response.json()["extra"])
    assert await stored_users() == 0


@pytest.mark.parametrize("missing", ["phone", "password", "name"])
async def test_registering_without_a_required_field_names_the_missing_field(client, missing):
    body = {"phone": "13900138008", "password": "Quiet-river-42", "name": "张秀英"}
    del body[missing]
    response = await client.post(REGISTER, json=body)
    assert response.status_code == 422, response.text
    assert_error_shape(response, 422)
    assert keys_of(response) == {missing}
    assert await stored_users() == 0


async def test_registering_with_a_field_of_the_wrong_type_names_it(client):
    response = await client.post(
        REGISTER, json={"phone": 13900138009, "password": "Quiet-river-42", "name": "张秀英"}
    )
    assert response.status_code == 422, response.text
    assert keys_of(response) == {"phone"}
    assert await stored_users() == 0


@pytest.mark.parametrize("content", [b"not json{", b"", b"[1, 2", b"\xff\xfe"])
async def test_registering_with_a_body_that_is_not_json_is_a_bad_request(client, content):
    response = await client.post(
        REGISTER, content=content, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert_error_shape(response, 400)
    assert await stored_users() == 0


async def test_registering_with_a_json_array_instead_of_an_object_is_refused(client):
    response = await client.post(REGISTER, json=["13900138010", "Quiet-river-42", "张秀英"])
    assert response.status_code == 400, response.text
    assert_error_shape(response, 400)
    assert await stored_users() == 0


@pytest.mark.parametrize(
    "extra",
    [{"region_code": "510903"}, {"roles": ["admin"]}, {"provider_id": 1}, {"active": False}],
)
async def test_registering_with_an_unknown_field_is_refused_and_stores_nothing(client, extra):
    body = {"phone": "13900138011", "password": "Quiet-river-42", "name": "张秀英", **extra}
    response = await client.post(REGISTER, json=body)
    assert response.status_code == 422, response.text
    assert_error_shape(response, 422)
    assert keys_of(response) == set(extra)
    assert await stored_users() == 0


async def test_a_body_over_one_megabyte_is_refused_as_too_large(client):
    padding = "x" * (1_048_576 + 10)
    response = await client.post(
        REGISTER, json={"phone": "13900138012", "password": "Quiet-river-42", "name": padding}
    )
    assert response.status_code == 413, response.text
    assert_error_shape(response, 413)
    assert await stored_users() == 0


async def test_a_ten_megabyte_body_is_refused_as_too_large(client):
    response = await client.post(
        REGISTER,
        content=b"{" + b" " * 10_000_000 + b"}",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert await stored_users() == 0


# ----------------------------------------------------------------------------- tokens


async def register(client, phone: str, name: str = "张秀英", role: str = "resident") -> dict:
    response = await client.post(
        REGISTER, json={"phone": phone, "password": PASSWORD, "name": name, "role": role}
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_token_comes_with_the_user(client):
    user = await register(client, "13900138020", role="family")
    response = await client.post(TOKEN, json={"phone": "+86 139 0013 8020", "password": PASSWORD})
    assert response.status_code == 200, response.text
    body = response.json()
    assert isinstance(body["token"], str) and len(body["token"]) >= 32
    assert body["user"]["id"] == user["id"]
    assert body["user"]["name"] == "张秀英"
    assert body["user"]["roles"] == ["family"]
    # Only a hash of the token is kept.
    assert not await AuthSession.exists().where(AuthSession.token_hash == body["token"]).run()


async def test_each_sign_in_gives_a_new_token(client):
    await register(client, "13900138021")
    pair = {"phone": "13900138021", "password": PASSWORD}
    first = (await client.post(TOKEN, json=pair)).json()["token"]
    second = (await client.post(TOKEN, json=pair)).json()["token"]
    assert first != second


async def test_a_wrong_password_is_401_with_the_error_shape(client):
    await register(client, "13900138022")
    response = await client.post(TOKEN, json={"phone": "13900138022", "password": "Wrong-horse-9"})
    assert response.status_code == 401, response.text
    assert_error_shape(response, 401)
    assert "token" not in response.json()


async def test_an_unknown_phone_is_401_and_answers_like_a_wrong_password(client):
    await register(client, "13900138023")
    unknown = await client.post(TOKEN, json={"phone": "13900138099", "password": PASSWORD})
    wrong = await client.post(TOKEN, json={"phone": "13900138023", "password": "Wrong-horse-9"})
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()  # no hint which phones have accounts


async def test_a_malformed_phone_at_sign_in_is_401_not_a_field_error(client):
    response = await client.post(TOKEN, json={"phone": "nonsense", "password": PASSWORD})
    assert response.status_code == 401
    assert_error_shape(response, 401)


async def test_ten_failures_for_a_phone_lock_it_for_a_minute_from_any_address(app, client):
    await register(client, "13900138024")
    for _ in range(10):
        failed = await client.post(
            TOKEN, json={"phone": "13900138024", "password": "Wrong-horse-9"}
        )
        assert failed.status_code == 401
    assert await LoginFailure.count().run() == 10

    transport = httpx.ASGITransport(app=app, client=("10.0.0.9", 1))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as elsewhere:
        locked = await elsewhere.post(
            TOKEN, json={"phone": "+86 139 0013 8024", "password": PASSWORD}
        )
    assert locked.status_code == 429, locked.text
    assert_error_shape(locked, 429)
    assert "token" not in locked.json()

    # Another phone number is not affected (tried from an address with no failures: ten
    # failures from one address lock that address too, see test_security_abuse.py).
    await register(client, "13900138025")
    transport = httpx.ASGITransport(app=app, client=("10.0.0.10", 1))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as third:
        other = await third.post(TOKEN, json={"phone": "13900138025", "password": PASSWORD})
    assert other.status_code == 200

    # Once the minute has passed the right password works again.
    later = datetime.now(UTC) + timedelta(seconds=61)
    signed = await accounts.sign_in(phone="13900138024", password=PASSWORD, kind="api", now=later)
    assert signed.user.phone == "13900138024"


async def test_nine_failures_do_not_lock_the_phone(client):
    await register(client, "13900138026")
    for _ in range(9):
        await client.post(TOKEN, json={"phone": "13900138026", "password": "Wrong-horse-9"})
    response = await client.post(TOKEN, json={"phone": "13900138026", "password": PASSWORD})
    assert response.status_code == 200, response.text


async def test_failures_older_than_a_minute_do_not_count():
    await accounts.create_user(
        phone="13900138027", password=PASSWORD, name="张秀英", roles=["resident"]
    )
    start = datetime.now(UTC) - timedelta(minutes=5)
    for second in range(10):
        with pytest.raises(NotSignedIn):
            await accounts.sign_in(
                phone="13900138027",
                password="Wrong-horse-9",
                kind="api",
                now=start + timedelta(seconds=second),
            )
    with pytest.raises(TooManyAttempts):
        await accounts.sign_in(
            phone="13900138027", password=PASSWORD, kind="api", now=start + timedelta(seconds=30)
        )
    signed = await accounts.sign_in(
        phone="13900138027", password=PASSWORD, kind="api", now=start + timedelta(seconds=70)
    )
    assert signed.token


async def test_an_unknown_phone_is_also_locked_after_ten_failures(client):
    for _ in range(10):
        await client.post(TOKEN, json={"phone": "13900138028", "password": "Wrong-horse-9"})
    response = await client.post(TOKEN, json={"phone": "13900138028", "password": "Wrong-horse-9"})
    assert response.status_code == 429


async def test_the_token_request_refuses_unknown_and_missing_fields(client):
    extra = await client.post(
        TOKEN, json={"phone": "13900138029", "password": PASSWORD, "kind": "web"}
    )
    assert extra.status_code == 422
    assert keys_of(extra) == {"kind"}
    missing = await client.post(TOKEN, json={"phone": "13900138029"})
    assert missing.status_code == 422
    assert keys_of(missing) == {"password"}


# ----------------------------------------------------------------------------- logout and tokens


async def test_after_logout_the_token_is_refused(client, make_person):
    person = await make_person("family")
    assert (await client.get(ME, headers=person.headers)).status_code == 200
    logout = await client.post("/api/v1/auth/logout", headers=person.headers)
    assert logout.status_code in (200, 204), logout.text
    after = await client.get(ME, headers=person.headers)
    assert after.status_code == 401
    assert_error_shape(after, 401)


async def test_logging_out_one_token_keeps_the_other_tokens_of_the_user(client, make_person):
    person = await make_person("family")
    other = await client.post(TOKEN, json={"phone": person.phone, "password": PASSWORD})
    other_headers = {"Authorization": f"Bearer {other.json()['token']}"}
    await client.post("/api/v1/auth/logout", headers=person.headers)
    assert (await client.get(ME, headers=other_headers)).status_code == 200


async def test_logout_without_a_token_is_401(client):
    response = await client.post("/api/v1/auth/logout")
    assert response.status_code == 401


async def test_no_token_is_401_with_the_error_shape(client):
    response = await client.get(ME)
    assert response.status_code == 401
    assert_error_shape(response, 401)


@pytest.mark.parametrize(
    "header", ["Bearer garbage", "Bearer ", "Basic dXNlcjpwYXNz", "garbage", "Bearer " + "A" * 43]
)
async def test_a_garbage_token_is_401(client, header):
    response = await client.get(ME, headers={"Authorization": header})
    assert response.status_code == 401
    assert_error_shape(response, 401)


async def test_an_expired_token_is_refused():
    await accounts.create_user(
        phone="13900138030", password=PASSWORD, name="张秀英", roles=["resident"]
    )
    signed = await accounts.sign_in(phone="13900138030", password=PASSWORD, kind="api")
    assert await accounts.resolve_session(signed.token, kind="api") is not None
    later = datetime.now(UTC) + timedelta(days=31)
    assert await accounts.resolve_session(signed.token, kind="api", now=later) is None


async def test_an_api_token_does_not_open_pages_and_a_page_session_does_not_open_the_api():
    await accounts.create_user(
        phone="13900138031", password=PASSWORD, name="张秀英", roles=["resident"]
    )
    api = await accounts.sign_in(phone="13900138031", password=PASSWORD, kind="api")
    web = await accounts.sign_in(phone="13900138031", password=PASSWORD, kind="web")
    assert await accounts.resolve_session(api.token, kind="web") is None
    assert await accounts.resolve_session(web.token, kind="api") is None


async def test_a_page_session_cookie_is_not_accepted_as_a_bearer_token(client):
    await accounts.create_user(
        phone="13900138032", password=PASSWORD, name="张秀英", roles=["resident"]
    )
    web = await accounts.sign_in(phone="13900138032", password=PASSWORD, kind="web")
    response = await client.get(ME, headers={"Authorization": f"Bearer {web.token}"})
    assert response.status_code == 401
    client.cookies.set("ec_session", web.token)
    assert (await client.get(ME)).status_code == 401


# ----------------------------------------------------------------------------- /me


async def test_me_lists_the_account_and_its_elders(client, make_person):
    person = await make_person("family", name="刘芳")
    response = await client.get(ME, headers=person.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == person.id
    assert body["name"] == "刘芳"
    assert body["phone"] == person.phone
    assert body["roles"] == ["family"]
    assert body["region_code"] is None
    assert body["provider_id"] is None
    assert body["elders"] == []
    assert "password_hash" not in body

    first = await client.post(
        "/api/v1/elders",
        headers=person.headers,
        json=elder_body(name="张秀英", relationship="child"),
    )
    second = await client.post(
        "/api/v1/elders",
        headers=person.headers,
        json=elder_body(name="李国华", relationship="child"),
    )
    assert first.status_code == second.status_code == 201
    body = (await client.get(ME, headers=person.headers)).json()
    assert body["elders"] == [first.json()["id"], second.json()["id"]]


async def test_me_shows_a_staff_members_region(client, make_person):
    staff = await make_person("community_staff", region="510903")
    body = (await client.get(ME, headers=staff.headers)).json()
    assert body["roles"] == ["community_staff"]
    assert body["region_code"] == "510903"
    assert body["elders"] == []


async def test_me_refuses_an_inactive_account(client, make_person):
    person = await make_person("family")
    await User.update({User.active: False}).where(User.id == person.id).run()
    assert (await client.get(ME, headers=person.headers)).status_code == 401
