"""Sessions: a page session ends on the server after 30 idle minutes, the page warns before,
and changing the password ends every other session and API token of the account.

(Reissue at sign-in, logout on the server and the cookie flags are in test_forms_and_csrf.py;
the Secure flag under HTTPS in test_security_headers.py.)
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from eldercare.accounts import service as accounts
from eldercare.accounts import sessions
from eldercare.accounts.tables import AuthSession
from eldercare.audit.tables import AuditEvent
from eldercare.settings import get_settings
from tests.integration.conftest import PASSWORD, csrf_token, sign_in_page

SESSION = "ec_session"
NEW_PASSWORD = "Blue-kettle-73"
STATIC = Path(__file__).resolve().parents[2] / "eldercare" / "static" / "js"


def redirects_to_login(response: httpx.Response) -> bool:
    return response.status_code in (302, 303) and response.headers["location"].startswith("/login")


@contextlib.asynccontextmanager
async def page_session(client_factory, phone: str) -> AsyncIterator[httpx.AsyncClient]:
    """A browser signed in through the sign-in page."""
    async with client_factory() as http:
        response = await sign_in_page(http, phone)
        assert response.status_code in (302, 303), response.text
        yield http


async def idle_for(http: httpx.AsyncClient, minutes: float) -> None:
    """Pretend the browser's last request was this long ago."""
    from eldercare.accounts.service import _digest

    last = datetime.now(UTC) - timedelta(minutes=minutes)
    await (
        AuthSession.update({AuthSession.last_seen_at: last})
        .where(AuthSession.token_hash == _digest(http.cookies[SESSION]))
        .run()
    )


# ----------------------------------------------------------------------------- idle timeout


def test_the_idle_limit_is_thirty_minutes_unless_set():
    assert get_settings().session_idle_minutes == 30


async def test_a_page_session_idle_for_longer_than_the_limit_is_ended_on_the_server(
    client_factory, make_person
):
    person = await make_person("family")
    async with page_session(client_factory, person.phone) as http:
        await idle_for(http, 29)
        assert (await http.get("/account")).status_code == 200  # 29 minutes: still there
        await idle_for(http, 31)
        assert redirects_to_login(await http.get("/account"))
        assert redirects_to_login(await http.get("/account"))  # and it stays over


async def test_an_ended_idle_session_cannot_post_a_form(client_factory, make_person):
    person = await make_person("family")
    async with page_session(client_factory, person.phone) as http:
        token = await csrf_token(http, "/elders/new")
        await idle_for(http, 45)
        response = await http.post("/elders/new", data={"_csrf_token": token, "name": "张三"})
        assert redirects_to_login(response)


async def test_api_tokens_are_not_ended_by_idleness(client, make_person):
    person = await make_person("family")
    await (
        AuthSession.update({AuthSession.last_seen_at: datetime.now(UTC) - timedelta(hours=5)})
        .where(AuthSession.kind == "api")
        .run()
    )
    assert (await client.get("/api/v1/me", headers=person.headers)).status_code == 200


async def test_the_warning_learns_the_time_left_without_counting_as_activity(
    client_factory, make_person
):
    person = await make_person("family")
    async with page_session(client_factory, person.phone) as http:
        await idle_for(http, 27)
        status = (await http.get("/account/session")).json()
        assert status["signed_in"] is True and status["warn_seconds"] == 120
        assert 170 <= status["remaining_seconds"] <= 181
        again = (await http.get("/account/session")).json()  # asking again: no younger
        assert again["remaining_seconds"] <= status["remaining_seconds"]
        await idle_for(http, 31)
        assert (await http.get("/account/session")).json() == {
            "signed_in": False,
            "remaining_seconds": 0,
            "warn_seconds": 120,
        }


async def test_stay_signed_in_starts_the_idle_clock_again(client_factory, make_person):
    person = await make_person("family")
    async with page_session(client_factory, person.phone) as http:
        token = await csrf_token(http, "/account")
        await idle_for(http, 29)
        refused = await http.post("/account/session", headers={"Accept": "application/json"})
        assert refused.status_code == 403  # no CSRF token: nothing refreshed
        stayed = await http.post(
            "/account/session", headers={"Accept": "application/json", "X-CSRFToken": token}
        )
        assert stayed.status_code == 200
        assert stayed.json()["remaining_seconds"] > 29 * 60
        plain = await http.post("/account/session", data={"_csrf_token": token, "next": "/inbox"})
        assert plain.status_code == 303 and plain.headers["location"] == "/inbox"


async def test_signed_out_the_status_says_so(client):
    assert (await client.get("/account/session")).json()["signed_in"] is False


def test_the_warning_script_is_a_file_that_uses_the_status_endpoint():
    script = (STATIC / "idle.js").read_text(encoding="utf-8")
    assert "/account/session" in script and "showModal" in script and "X-CSRFToken" in script


async def test_signed_in_pages_carry_the_idle_warning_and_its_script(client_factory, make_person):
    person = await make_person("family")
    async with page_session(client_factory, person.phone) as http:
        page = (await http.get("/account")).text
    assert '<script src="/static/js/idle.js" defer></script>' in page
    assert 'id="idle-warning"' in page and 'role="alertdialog"' in page
    async with client_factory() as anonymous:
        assert 'id="idle-warning"' not in (await anonymous.get("/")).text


# ----------------------------------------------------------------------------- password change


async def test_changing_the_password_ends_every_other_session_and_token_but_this_one(
    client, client_factory, make_person
):
    person = await make_person("family")  # holds one API token already
    other_token = await accounts.sign_in(phone=person.phone, password=PASSWORD, kind="api")
    async with (
        page_session(client_factory, person.phone) as phone_browser,
        page_session(client_factory, person.phone) as laptop,
    ):
        changed = await client.post(
            "/api/v1/auth/password",
            headers=person.headers,
            json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        )
        assert changed.status_code == 200, changed.text
        assert changed.json() == {"ended_sessions": 3}
        assert (await client.get("/api/v1/me", headers=person.headers)).status_code == 200
        stale = {"Authorization": f"Bearer {other_token.token}"}
        assert (await client.get("/api/v1/me", headers=stale)).status_code == 401
        assert redirects_to_login(await phone_browser.get("/account"))
        assert redirects_to_login(await laptop.get("/account"))
    assert (
        await client.post("/api/v1/auth/token", json={"phone": person.phone, "password": PASSWORD})
    ).status_code == 401
    assert (
        await client.post(
            "/api/v1/auth/token", json={"phone": person.phone, "password": NEW_PASSWORD}
        )
    ).status_code == 200
    event = await AuditEvent.select().where(AuditEvent.action == "password.change").first().run()
    assert event["actor_id"] == person.id and event["detail"] == "ended 3 other sessions"


async def test_a_wrong_current_password_changes_nothing_and_counts_as_a_failed_sign_in(
    client, make_person
):
    person = await make_person("family")
    for attempt in range(10):
        wrong = await client.post(
            "/api/v1/auth/password",
            headers=person.headers,
            json={"current_password": "Not-my-password-1", "new_password": NEW_PASSWORD},
        )
        assert wrong.status_code == 422, attempt
        assert [e["key"] for e in wrong.json()["extra"]] == ["current_password"]
    locked = await client.post(
        "/api/v1/auth/password",
        headers=person.headers,
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert locked.status_code == 429
    assert (await client.get("/api/v1/me", headers=person.headers)).status_code == 200
    later = datetime.now(UTC) + timedelta(minutes=2)
    signed = await accounts.sign_in(phone=person.phone, password=PASSWORD, kind="api", now=later)
    assert signed.token  # the old password still works: nothing was changed


@pytest.mark.parametrize(
    ("new_password", "problem"),
    [("short", "new_password"), ("password", "new_password"), (PASSWORD, "new_password")],
)
async def test_a_weak_or_unchanged_new_password_is_refused_naming_it(
    client, make_person, new_password, problem
):
    person = await make_person("family")
    refused = await client.post(
        "/api/v1/auth/password",
        headers=person.headers,
        json={"current_password": PASSWORD, "new_password": new_password},
    )
    assert refused.status_code == 422
    assert [e["key"] for e in refused.json()["extra"]] == [problem]


async def test_the_password_api_needs_a_token_and_refuses_unknown_fields(client, make_person):
    person = await make_person("family")
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    assert (await client.post("/api/v1/auth/password", json=body)).status_code == 401
    extra = await client.post(
        "/api/v1/auth/password", headers=person.headers, json={**body, "user_id": 1}
    )
    assert extra.status_code == 422


async def test_the_password_page_changes_it_and_keeps_this_browser_signed_in(
    client_factory, make_person
):
    person = await make_person("family")
    async with (
        page_session(client_factory, person.phone) as http,
        page_session(client_factory, person.phone) as elsewhere,
    ):
        token = await csrf_token(http, "/account/password")
        wrong = await http.post(
            "/account/password",
            data={"_csrf_token": token, "current_password": "nope", "new_password": NEW_PASSWORD},
        )
        assert wrong.status_code == 422 and 'id="error-current_password"' in wrong.text
        done = await http.post(
            "/account/password",
            data={
                "_csrf_token": token,
                "current_password": PASSWORD,
                "new_password": NEW_PASSWORD,
            },
        )
        assert done.status_code == 303
        assert done.headers["location"].startswith("/account/password?done=1")
        shown = await http.get(done.headers["location"])
        assert shown.status_code == 200 and "success-box" in shown.text
        assert (await http.get("/account")).status_code == 200
        assert redirects_to_login(await elsewhere.get("/account"))


async def test_the_time_left_is_never_past_the_sessions_absolute_expiry(
    client_factory, make_person
):
    """A page session lasts twelve hours at most, however active: the warning says so too."""
    person = await make_person("family")
    async with page_session(client_factory, person.phone) as http:
        soon = datetime.now(UTC) + timedelta(seconds=90)
        await (
            AuthSession.update({AuthSession.expires_at: soon})
            .where(AuthSession.kind == "web")
            .run()
        )
        assert (await http.get("/account/session")).json()["remaining_seconds"] <= 90
    assert (await sessions.session_status(None)).signed_in is False
