"""The pages: sign in and out with a server-side session cookie, CSRF on every form, elder forms.

Page HTML changes often; these tests look at status codes, redirects, cookies, the
database, and only two markers in the HTML: ``id="error-FIELD"`` beside a field with a
problem and ``id="form-error"`` for a problem with the whole form.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from eldercare.accounts.tables import AuthSession, Elder, ElderLink, User
from tests.factories import valid_id_number
from tests.integration.conftest import PASSWORD, Person, csrf_token, sign_in_page

SESSION = "ec_session"


def set_cookie(response: httpx.Response, name: str) -> str | None:
    """The Set-Cookie header for ``name`` in this response, if any."""
    for header in response.headers.get_list("set-cookie"):
        if header.split("=", 1)[0].strip() == name:
            return header
    return None


def cookie_value(header: str) -> str:
    return header.split(";", 1)[0].split("=", 1)[1].strip().strip('"')


def redirects_to_login(response: httpx.Response) -> bool:
    return response.status_code in (302, 303) and response.headers["location"].startswith("/login")


@pytest.fixture
async def browser(client_factory) -> AsyncIterator[httpx.AsyncClient]:
    async with client_factory() as http:
        yield http


@pytest.fixture
def new_browser(client_factory) -> Callable[[], httpx.AsyncClient]:
    return client_factory


@contextlib.asynccontextmanager
async def signed_in_browser(client_factory, person: Person) -> AsyncIterator[httpx.AsyncClient]:
    """A browser with this person signed in through the sign-in page."""
    async with client_factory() as http:
        response = await sign_in_page(http, person.phone)
        assert response.status_code in (302, 303), response.text
        yield http


# ----------------------------------------------------------------------------- CSRF


async def test_signing_in_without_a_csrf_token_is_refused_and_sets_no_session(browser, make_person):
    person = await make_person("family")
    await browser.get("/login")  # the CSRF cookie is set, but the form field is missing
    sessions_before = await AuthSession.count().run()
    response = await browser.post("/login", data={"phone": person.phone, "password": PASSWORD})
    assert response.status_code == 403
    assert set_cookie(response, SESSION) is None
    assert SESSION not in browser.cookies
    assert await AuthSession.count().run() == sessions_before


async def test_signing_in_with_a_wrong_csrf_token_is_refused(browser, make_person):
    person = await make_person("family")
    await csrf_token(browser, "/login")
    response = await browser.post(
        "/login", data={"phone": person.phone, "password": PASSWORD, "_csrf_token": "forged"}
    )
    assert response.status_code == 403
    assert set_cookie(response, SESSION) is None


async def test_a_csrf_token_from_another_browser_is_refused(client_factory, make_person):
    person = await make_person("family")
    async with client_factory() as attacker, client_factory() as victim:
        token = await csrf_token(attacker, "/login")
        await victim.get("/login")
        response = await victim.post(
            "/login", data={"phone": person.phone, "password": PASSWORD, "_csrf_token": token}
        )
    assert response.status_code == 403


async def test_registering_without_a_csrf_token_stores_nothing(browser):
    await browser.get("/register")
    response = await browser.post(
        "/register",
        data={"phone": "13900139001", "password": PASSWORD, "name": "张秀英", "role": "resident"},
    )
    assert response.status_code == 403
    assert await User.count().run() == 0


async def test_adding_an_elder_without_a_csrf_token_stores_nothing(client_factory, make_person):
    person = await make_person("family")
    async with signed_in_browser(client_factory, person) as http:
        response = await http.post("/elders/new", data=elder_form())
    assert response.status_code == 403
    assert await Elder.count().run() == 0


async def test_signing_out_without_a_csrf_token_keeps_the_session(client_factory, make_person):
    person = await make_person("family")
    async with signed_in_browser(client_factory, person) as http:
        response = await http.post("/logout")
        assert response.status_code == 403
        assert (await http.get("/account")).status_code == 200


# ----------------------------------------------------------------------------- sessions


async def test_signing_in_sets_an_httponly_samesite_lax_session_cookie(browser, make_person):
    person = await make_person("family")
    response = await sign_in_page(browser, person.phone)
    assert response.status_code in (302, 303), response.text
    assert response.headers["location"] == "/account"
    header = set_cookie(response, SESSION)
    assert header is not None
    attributes = {part.strip().lower() for part in header.split(";")}
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    assert "path=/" in attributes
    assert (await browser.get("/account")).status_code == 200
    # Only a hash of the secret is stored.
    secret = cookie_value(header)
    assert not await AuthSession.exists().where(AuthSession.token_hash == secret).run()


async def test_each_sign_in_issues_a_new_session_and_ends_the_old_one(
    browser, new_browser, make_person
):
    person = await make_person("family")
    first = cookie_value(set_cookie(await sign_in_page(browser, person.phone), SESSION) or "")
    second_response = await sign_in_page(browser, person.phone)
    second = cookie_value(set_cookie(second_response, SESSION) or "")
    assert first and second and first != second
    async with new_browser() as old:
        old.cookies.set(SESSION, first)
        assert redirects_to_login(await old.get("/account"))
    async with new_browser() as current:
        current.cookies.set(SESSION, second)
        assert (await current.get("/account")).status_code == 200


async def test_a_session_cookie_planted_before_sign_in_is_not_kept(browser, make_person):
    person = await make_person("family")
    browser.cookies.set(SESSION, "planted-by-an-attacker")
    response = await sign_in_page(browser, person.phone)
    header = set_cookie(response, SESSION)
    assert header is not None
    assert cookie_value(header) != "planted-by-an-attacker"


async def test_after_signing_out_the_old_cookie_opens_nothing(browser, new_browser, make_person):
    person = await make_person("family")
    response = await sign_in_page(browser, person.phone)
    old_secret = cookie_value(set_cookie(response, SESSION) or "")
    token = await csrf_token(browser, "/account")
    logout = await browser.post("/logout", data={"_csrf_token": token})
    assert logout.status_code in (302, 303)
    assert redirects_to_login(await browser.get("/account"))
    async with new_browser() as replay:
        replay.cookies.set(SESSION, old_secret)
        assert redirects_to_login(await replay.get("/account"))
        assert redirects_to_login(await replay.get("/elders/new"))


async def test_pages_send_nobody_to_sign_in(browser):
    for path in ("/account", "/elders/new", "/staff/elders"):
        response = await browser.get(path)
        assert redirects_to_login(response), path
        assert "next=" in response.headers["location"]


async def test_a_session_cookie_does_not_work_on_the_api(client_factory, make_person):
    person = await make_person("family")
    async with signed_in_browser(client_factory, person) as http:
        assert (await http.get("/api/v1/me")).status_code == 401


async def test_a_wrong_password_on_the_page_is_401_with_a_form_error(browser, make_person):
    person = await make_person("family")
    response = await sign_in_page(browser, person.phone, password="Wrong-horse-9")
    assert response.status_code == 401
    assert 'id="form-error"' in response.text
    assert set_cookie(response, SESSION) is None
    assert "Wrong-horse-9" not in response.text


async def test_the_page_sign_in_is_locked_after_ten_failures(browser, make_person):
    person = await make_person("family")
    for _ in range(10):
        assert (
            await sign_in_page(browser, person.phone, password="Wrong-horse-9")
        ).status_code == 401
    response = await sign_in_page(browser, person.phone)
    assert response.status_code == 429
    assert 'id="form-error"' in response.text
    assert set_cookie(response, SESSION) is None


@pytest.mark.parametrize(
    "next_path, expected",
    [
        ("/elders/new", "/elders/new"),
        ("//evil.example/steal", "/account"),
        ("https://evil.example/", "/account"),
        ("/\\evil.example", "/account"),
    ],
)
async def test_after_sign_in_only_same_site_paths_are_followed(
    browser, make_person, next_path, expected
):
    person = await make_person("family")
    token = await csrf_token(browser, "/login")
    response = await browser.post(
        "/login",
        data={"phone": person.phone, "password": PASSWORD, "next": next_path, "_csrf_token": token},
    )
    assert response.status_code in (302, 303)
    assert response.headers["location"] == expected


# ----------------------------------------------------------------------------- register page


async def test_registering_on_the_page_signs_the_user_in(browser):
    token = await csrf_token(browser, "/register")
    response = await browser.post(
        "/register",
        data={
            "phone": "+86 139 0013 9002",
            "password": PASSWORD,
            "name": "张秀英",
            "role": "family",
            "_csrf_token": token,
        },
    )
    assert response.status_code in (302, 303), response.text
    assert response.headers["location"] == "/account"
    assert set_cookie(response, SESSION) is not None
    row = await User.select().where(User.phone == "13900139002").first().run()
    assert row["roles"] == "family"
    assert (await browser.get("/account")).status_code == 200


async def test_registering_on_the_page_with_bad_fields_shows_each_beside_its_field(browser):
    token = await csrf_token(browser, "/register")
    response = await browser.post(
        "/register",
        data={
            "phone": "123",
            "password": "short",
            "name": "",
            "role": "resident",
            "_csrf_token": token,
        },
    )
    assert response.status_code == 422
    for field in ("phone", "password", "name"):
        assert f'id="error-{field}"' in response.text
    assert "short" not in re.findall(r'value="([^"]*)"', response.text)  # never echo a password
    assert set_cookie(response, SESSION) is None
    assert await User.count().run() == 0


async def test_registering_as_staff_on_the_page_is_refused(browser):
    token = await csrf_token(browser, "/register")
    response = await browser.post(
        "/register",
        data={
            "phone": "13900139003",
            "password": PASSWORD,
            "name": "冒充者",
            "role": "bureau_officer",
            "_csrf_token": token,
        },
    )
    assert response.status_code in (403, 422)
    assert await User.count().run() == 0


# ----------------------------------------------------------------------------- elder forms


def elder_form(**overrides: str | list[str]) -> dict[str, str | list[str]]:
    form: dict[str, str | list[str]] = {
        "name": "张秀英",
        "id_number": valid_id_number(seq=30),
        "address": "南津路1号",
        "region_code": "510903001001",
        "relationship": "child",
        "living_situation": "alone",
        "needs": ["mobility", "meals"],
        "consent_health": "yes",
    }
    form.update(overrides)
    return form


async def test_an_elder_form_with_no_needs_ticked_is_accepted(client_factory, make_person):
    person = await make_person("family")
    form = elder_form()
    del form["needs"]
    async with signed_in_browser(client_factory, person) as http:
        token = await csrf_token(http, "/elders/new")
        response = await http.post("/elders/new", data={**form, "_csrf_token": token})
    assert response.status_code in (302, 303)
    assert await Elder.count().run() == 1


async def test_a_bad_id_number_on_the_form_is_shown_beside_the_field(client_factory, make_person):
    person = await make_person("family")
    async with signed_in_browser(client_factory, person) as http:
        token = await csrf_token(http, "/elders/new")
        response = await http.post(
            "/elders/new", data={**elder_form(id_number="510903194005010210"), "_csrf_token": token}
        )
    assert response.status_code == 422
    assert 'id="error-id_number"' in response.text
    assert await Elder.count().run() == 0


async def test_several_bad_fields_on_the_form_are_each_shown(client_factory, make_person):
    person = await make_person("family")
    async with signed_in_browser(client_factory, person) as http:
        token = await csrf_token(http, "/elders/new")
        response = await http.post(
            "/elders/new",
            data={
                **elder_form(name="", id_number="19990230", address="", region_code="510999"),
                "_csrf_token": token,
            },
        )
    assert response.status_code == 422
    for field in ("name", "id_number", "address", "region_code"):
        assert f'id="error-{field}"' in response.text, field
    assert await Elder.count().run() == 0


async def test_a_good_elder_form_redirects_to_the_elder(client_factory, make_person):
    person = await make_person("family")
    async with signed_in_browser(client_factory, person) as http:
        token = await csrf_token(http, "/elders/new")
        response = await http.post("/elders/new", data={**elder_form(), "_csrf_token": token})
        assert response.status_code in (302, 303), response.text
        match = re.match(r"^/elders/(\d+)(\?|$)", response.headers["location"])
        assert match
        elder_id = int(match.group(1))
        detail = await http.get(f"/elders/{elder_id}")
        assert detail.status_code == 200
        assert "张秀英" in detail.text
    link = await ElderLink.select().where(ElderLink.elder == elder_id).first().run()
    assert link["user"] == person.id
    assert link["relationship"] == "child"
    row = await Elder.select().where(Elder.id == elder_id).first().run()
    assert row["created_channel"] == "web"
    assert row["needs"] == "mobility,meals"


async def test_a_duplicate_id_on_the_form_is_a_conflict(client_factory, make_person):
    person = await make_person("family")
    number = valid_id_number(seq=31)
    async with signed_in_browser(client_factory, person) as http:
        for expected in ((302, 303), (409,)):
            token = await csrf_token(http, "/elders/new")
            response = await http.post(
                "/elders/new", data={**elder_form(id_number=number), "_csrf_token": token}
            )
            assert response.status_code in expected
        assert 'id="form-error"' in response.text
    assert await Elder.count().run() == 1


async def test_roles_that_cannot_register_elders_get_403_on_the_form(client_factory, make_person):
    person = await make_person("caregiver")
    async with signed_in_browser(client_factory, person) as http:
        token = await csrf_token(http, "/elders/new")
        response = await http.post("/elders/new", data={**elder_form(), "_csrf_token": token})
    assert response.status_code == 403
    assert await Elder.count().run() == 0


# ----------------------------------------------------------------------------- staff registry


async def test_the_registry_page_is_for_staff_only(client_factory, make_person):
    staff = await make_person("community_staff", region="510903")
    family = await make_person("family")
    async with signed_in_browser(client_factory, staff) as http:
        token = await csrf_token(http, "/elders/new")
        created = await http.post(
            "/elders/new", data={**elder_form(name="周德明", relationship=""), "_csrf_token": token}
        )
        assert created.status_code in (302, 303), created.text
        registry = await http.get("/staff/elders")
        assert registry.status_code == 200
        assert "周德明" in registry.text
        searched = await http.get("/staff/elders", params={"q": "德明", "page": 1})
        assert searched.status_code == 200
        assert "周德明" in searched.text
        beyond = await http.get("/staff/elders", params={"page": 99})
        assert beyond.status_code == 200
    async with signed_in_browser(client_factory, family) as http:
        response = await http.get("/staff/elders")
        assert response.status_code == 403
        assert "周德明" not in response.text


async def test_a_typed_wrong_latitude_is_shown_with_every_other_problem(
    client_factory, make_person
):
    person = await make_person("family")
    form = {**elder_form(), "lat": "north", "name": ""}
    async with signed_in_browser(client_factory, person) as http:
        token = await csrf_token(http, "/elders/new")
        response = await http.post("/elders/new", data={**form, "_csrf_token": token})
    assert response.status_code == 422
    assert 'id="error-lat"' in response.text
    assert 'id="error-name"' in response.text
    assert await Elder.count().run() == 0
