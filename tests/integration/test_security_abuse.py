"""Abuse limits: failed sign-ins per address and per account (whatever the address), the
request body limit on pages as on the API, and the page size cap on every list.

(The per-account lock itself, its minute and the 1 MB API body limit are also in
test_auth_api.py; the cap on the elder list in test_elders_api.py.)
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from eldercare.accounts import service as accounts
from eldercare.accounts.tables import LoginFailure, User
from eldercare.errors import NotSignedIn, TooManyAttempts
from eldercare.web.pagination import MAX_LIMIT
from tests.integration.conftest import PASSWORD, csrf_token, next_phone

TOKEN = "/api/v1/auth/token"


def from_address(app, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 5000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def an_account() -> str:
    phone = next_phone()
    await accounts.create_user(phone=phone, password=PASSWORD, name="张秀英", roles=["family"])
    return phone


async def test_ten_failures_from_one_address_over_many_phones_lock_that_address(app):
    phones = [await an_account() for _ in range(11)]
    async with from_address(app, "203.0.113.7") as guesser:
        for phone in phones[:10]:
            failed = await guesser.post(TOKEN, json={"phone": phone, "password": "Wrong-horse-9"})
            assert failed.status_code == 401
        # The eleventh try is refused before the password is even checked, right or wrong.
        locked = await guesser.post(TOKEN, json={"phone": phones[10], "password": PASSWORD})
        assert locked.status_code == 429, locked.text
        assert "token" not in locked.json() and locked.headers["retry-after"] == "60"
    # The people behind those phones still sign in from their own addresses.
    async with from_address(app, "198.51.100.20") as owner:
        assert (
            await owner.post(TOKEN, json={"phone": phones[0], "password": PASSWORD})
        ).status_code == 200
    # And the address is free again after a minute.
    later = datetime.now(UTC) + timedelta(seconds=61)
    signed = await accounts.sign_in(
        phone=phones[10], password=PASSWORD, kind="api", ip="203.0.113.7", now=later
    )
    assert signed.token


async def test_the_page_sign_in_is_locked_per_address_too(app):
    phones = [await an_account() for _ in range(10)]
    async with from_address(app, "203.0.113.8") as guesser:
        for phone in phones:
            token = await csrf_token(guesser, "/login")
            await guesser.post(
                "/login", data={"phone": phone, "password": "nope-nope-1", "_csrf_token": token}
            )
        token = await csrf_token(guesser, "/login")
        locked = await guesser.post(
            "/login", data={"phone": await an_account(), "password": PASSWORD, "_csrf_token": token}
        )
    assert locked.status_code == 429 and locked.headers["retry-after"] == "60"
    assert "ec_session" not in locked.headers.get("set-cookie", "")


async def test_the_account_lock_holds_when_every_try_comes_from_a_new_address(app):
    phone = await an_account()
    for n in range(10):
        async with from_address(app, f"192.0.2.{n + 1}") as somewhere:
            failed = await somewhere.post(TOKEN, json={"phone": phone, "password": "Wrong-horse-9"})
            assert failed.status_code == 401
    async with from_address(app, "192.0.2.200") as fresh:
        locked = await fresh.post(TOKEN, json={"phone": phone, "password": PASSWORD})
    assert locked.status_code == 429
    # No single address reached ten: it is the account's own count that locked it.
    assert await LoginFailure.count().where(LoginFailure.ip == "192.0.2.1").run() == 1


async def test_nine_failures_from_an_address_do_not_lock_it(app):
    phones = [await an_account() for _ in range(10)]
    async with from_address(app, "203.0.113.9") as someone:
        for phone in phones[:9]:
            await someone.post(TOKEN, json={"phone": phone, "password": "Wrong-horse-9"})
        ok = await someone.post(TOKEN, json={"phone": phones[9], "password": PASSWORD})
    assert ok.status_code == 200, ok.text


async def test_failures_without_an_address_are_counted_per_account_only():
    """Scripts and jobs calling the service have no address; they must not share one lock."""
    phones = [await an_account() for _ in range(11)]
    for phone in phones[:10]:
        with pytest.raises(NotSignedIn):
            await accounts.sign_in(phone=phone, password="Wrong-horse-9", kind="api")
    signed = await accounts.sign_in(phone=phones[10], password=PASSWORD, kind="api")
    assert signed.token
    for _ in range(9):  # its tenth failure: the account's own lock still works
        with pytest.raises(NotSignedIn):
            await accounts.sign_in(phone=phones[0], password="Wrong-horse-9", kind="api")
    with pytest.raises(TooManyAttempts):
        await accounts.sign_in(phone=phones[0], password=PASSWORD, kind="api")


async def test_a_form_post_over_the_body_limit_is_refused_and_stores_nothing(client):
    token = await csrf_token(client, "/register")
    response = await client.post(
        "/register",
        data={
            "_csrf_token": token,
            "phone": "13900138555",
            "password": "Quiet-river-42",
            "name": "x" * 1_100_000,
        },
    )
    assert response.status_code == 413
    assert await User.count().run() == 0


def api_gets(app):
    """(path, handler) of every GET under /api/v1, from the app's own routes."""
    for route in app.routes:
        if not route.path.startswith("/api/v1/"):
            continue
        for handler in getattr(route, "route_handlers", []):
            if "GET" in handler.http_methods:
                yield route.path, handler


def test_every_api_list_takes_its_page_size_through_the_one_capped_dependency(app):
    """``limit`` and ``offset`` come from web/pagination.py's provide_page (capped at 200)
    everywhere: a list reading its own ``limit`` would have no cap."""
    lists, own_limit = [], []
    for path, handler in api_gets(app):
        parameters = set(handler.parsed_fn_signature.parameters)
        if "page" in handler.resolve_dependencies():
            lists.append(path)
        elif parameters & {"limit", "offset", "page_size", "per_page"}:
            own_limit.append(path)
    assert "/api/v1/elders" in lists and len(lists) >= 5, lists
    assert not own_limit, f"lists with a limit of their own: {own_limit}"


async def test_a_list_asked_for_a_hundred_thousand_items_gives_two_hundred(client, make_person):
    from eldercare.db import write_transaction
    from eldercare.notifications.service import notify

    person = await make_person("family")
    async with write_transaction():
        for n in range(MAX_LIMIT + 5):
            await notify(person.id, "test.note", "Hello {name}", dedupe_key=f"t{n}", name="x")
    response = await client.get(
        "/api/v1/notifications", headers=person.headers, params={"limit": 100_000}
    )
    assert response.status_code == 200, response.text
    assert len(response.json()["items"]) == MAX_LIMIT == 200
