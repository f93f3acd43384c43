"""Security headers on every answer (a ``before_send`` hook registered in app.py): a strict
Content-Security-Policy, no sniffing, no framing, and ``Cache-Control: no-store`` on
everything that is not a static file.

Scripts come only from this site (``script-src 'self'``: no inline script, no ``eval``), so
an injected ``<script>`` or ``onclick=`` does nothing. Styles also allow inline ones
(``'unsafe-inline'`` in ``style-src``): the charts (pygal SVG carries its own ``<style>``) and
the two table partials (catalog/_table_style.html, reports/_style.html) need them; CSS
cannot run code, so this costs little.

The Swagger page under /schema is the one exception: Litestar's render plugin writes the
OpenAPI document into an inline script, and Swagger UI's CSS uses ``data:`` images, so
/schema (not /schema/openapi.json) gets ``script-src 'self' 'unsafe-inline'`` and
``img-src 'self' data:``. It shows no personal data, and everything it loads is our own.
"""

from __future__ import annotations

import functools

from litestar.types import Message, Scope

from eldercare.settings import get_settings

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; "
    "form-action 'self'"
)
SWAGGER_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; "
    "form-action 'self'"
)
COMMON = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    # Check-in asks for the caregiver's position on our own pages; nothing else is needed.
    "permissions-policy": "geolocation=(self), camera=(), microphone=(), payment=()",
}
HSTS = "max-age=31536000"


def is_static(path: str) -> bool:
    return path.startswith("/static/")


def is_swagger_page(path: str) -> bool:
    """/schema and its HTML pages; the OpenAPI documents themselves keep the strict policy."""
    if path != "/schema" and not path.startswith("/schema/"):
        return False
    return not path.endswith((".json", ".yaml", ".yml"))


def headers_for(path: str, *, https: bool = False) -> dict[str, str]:
    """The security headers of an answer to ``path`` (pure: unit-tested)."""
    return dict(_headers(is_swagger_page(path), is_static(path), https))


@functools.cache
def _headers(swagger: bool, static: bool, https: bool) -> tuple[tuple[str, str], ...]:
    headers = dict(COMMON)
    headers["content-security-policy"] = SWAGGER_CSP if swagger else CSP
    if not static:
        # Pages and API answers may carry personal data: never kept by a browser or proxy.
        headers["cache-control"] = "no-store"
    if https:
        headers["strict-transport-security"] = HSTS
    return tuple(headers.items())


@functools.cache
def _encoded(swagger: bool, static: bool, https: bool) -> tuple[tuple[bytes, bytes], ...]:
    return tuple(
        (name.encode("latin-1"), value.encode("latin-1"))
        for name, value in _headers(swagger, static, https)
    )


async def add_security_headers(message: Message, scope: Scope) -> None:
    """A ``before_send`` hook: it sees every answer, also the router's own 404 and 405 that
    no middleware reaches. A header the handler set itself is kept.

    On the raw header list, encoded once: Litestar's ``MutableScopeHeaders`` decodes every
    header for each name asked about: 28 µs an answer, here 2.5 µs."""
    if message["type"] != "http.response.start" or scope["type"] != "http":
        return
    raw = message.get("headers")
    if not isinstance(raw, list):
        raw = message["headers"] = list(raw or ())
    present = {name.lower() for name, _ in raw}
    path = scope["path"]
    wanted = _encoded(is_swagger_page(path), is_static(path), get_settings().secure_cookies)
    raw.extend(header for header in wanted if header[0] not in present)
