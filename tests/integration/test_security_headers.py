"""Security headers on real answers: a strict CSP with no inline script, nosniff, no framing,
a same-origin referrer, and nothing with personal data kept in a browser's or proxy's cache.
The templates are checked too: a page that relied on an inline script would break under CSP.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.integration.conftest import sign_in_page

TEMPLATES = Path(__file__).resolve().parents[2] / "eldercare" / "templates"
STRICT_SCRIPTS = "script-src 'self';"


def assert_protected(response, *, cached: bool = False) -> None:
    headers = response.headers
    policy = headers["content-security-policy"]
    assert STRICT_SCRIPTS in policy and "frame-ancestors 'none'" in policy
    assert "object-src 'none'" in policy and "base-uri 'self'" in policy
    assert "form-action 'self'" in policy and "default-src 'self'" in policy
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] in ("same-origin", "strict-origin-when-cross-origin")
    if cached:
        assert "no-store" not in headers.get("cache-control", "")
    else:
        assert "no-store" in headers["cache-control"]


async def test_a_signed_in_persons_pages_carry_every_header_and_are_not_stored(
    client_factory, make_person
):
    person = await make_person("family")
    async with client_factory() as http:
        await sign_in_page(http, person.phone)
        for path in ("/account", "/account/password", "/elders/new", "/bookings", "/inbox"):
            response = await http.get(path)
            assert response.status_code == 200, path
            assert_protected(response)


async def test_api_answers_carry_every_header_and_are_not_stored(client, make_person):
    person = await make_person("family")
    for response in (
        await client.get("/api/v1/me", headers=person.headers),
        await client.get("/api/v1/elders", headers=person.headers),
        await client.get("/api/v1/me"),  # 401
        await client.get("/api/v1/no-such-thing"),  # the router's own 404
        await client.post("/api/v1/auth/token", json={"phone": "1", "password": "x"}),
    ):
        assert_protected(response)


async def test_public_pages_and_errors_carry_every_header(client):
    for path in ("/", "/login", "/register", "/no-such-page"):
        assert_protected(await client.get(path))
    assert_protected(await client.delete("/login"))  # 405 from the router


async def test_static_files_are_protected_but_may_be_cached(client):
    for path in ("/static/css/site.css", "/static/js/site.js", "/static/js/idle.js"):
        response = await client.get(path)
        assert response.status_code == 200, path
        assert_protected(response, cached=True)


async def test_the_swagger_page_works_with_its_own_relaxed_policy(client):
    """Litestar writes the OpenAPI document into an inline script: only /schema may run it,
    and everything it loads is our own (no CDN)."""
    page = await client.get("/schema")
    assert page.status_code == 200
    assert re.search(r"<script[^>]*>\s*const ui = SwaggerUIBundle", page.text)
    policy = page.headers["content-security-policy"]
    assert "script-src 'self' 'unsafe-inline'" in policy and "frame-ancestors 'none'" in policy
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', page.text)
    assert assets and all(a.startswith("/static/vendor/swagger-ui/") for a in assets), assets
    for asset in assets:
        assert (await client.get(asset)).status_code == 200, asset
    document = await client.get("/schema/openapi.json")
    assert STRICT_SCRIPTS in document.headers["content-security-policy"]


async def test_the_session_cookie_is_secure_when_the_setting_says_https(
    client_factory, make_person, monkeypatch
):
    from dataclasses import replace

    from eldercare.accounts import pages
    from eldercare.settings import get_settings

    person = await make_person("family")
    async with client_factory() as http:
        plain = await sign_in_page(http, person.phone)
    assert "secure" not in plain.headers["set-cookie"].lower()
    https = replace(get_settings(), secure_cookies=True)
    monkeypatch.setattr(pages, "get_settings", lambda: https)
    async with client_factory() as http:
        signed = await sign_in_page(http, person.phone)
    cookie = next(c for c in signed.headers.get_list("set-cookie") if c.startswith("ec_session="))
    assert "; secure" in cookie.lower() and "httponly" in cookie.lower()
    assert "samesite=lax" in cookie.lower()


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
JS_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']\s*javascript:""", re.IGNORECASE)


@pytest.mark.parametrize(
    "template", sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html"))
)
def test_no_template_has_an_inline_script_or_event_handler(template):
    """The policy would block them; such a page would silently lose its behaviour."""
    text = (TEMPLATES / template).read_text(encoding="utf-8")
    assert not INLINE_SCRIPT.search(text), "inline <script>: move it to a file in static/js"
    assert not EVENT_HANDLER.search(text), "on…= attribute: add the listener in static/js"
    assert not JS_URL.search(text), "javascript: URL"
    for source in re.findall(r"<script[^>]*\bsrc=\"([^\"]+)\"", text):
        assert source.startswith("/static/"), f"script from elsewhere: {source}"
