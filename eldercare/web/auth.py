"""Who is asking: bearer tokens for the API, a server-side session cookie for pages.

The API accepts only bearer tokens, so a browser's cookie can never act on the API and
the API needs no CSRF token; pages accept only the cookie, and every form carries one.
"""

from __future__ import annotations

from collections.abc import Callable

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.handlers.base import BaseRouteHandler
from litestar.types import ASGIApp, Receive, Scope, Send

from eldercare.accounts import service as accounts
from eldercare.actor import Actor
from eldercare.errors import N_, Forbidden, NotSignedIn

SESSION_COOKIE = "ec_session"
# The idle warning asks how long the session has left; asking must not count as activity.
QUIET_PATHS = frozenset({"/account/session"})


def client_ip(connection: ASGIConnection) -> str:
    return connection.client.host if connection.client else ""


def is_api(path: str) -> bool:
    return path.startswith("/api/")


async def _resolve(connection: ASGIConnection) -> Actor | None:
    ip = client_ip(connection)
    if is_api(connection.url.path):
        header = connection.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return await accounts.resolve_session(token.strip(), kind="api", ip=ip)
    secret = connection.cookies.get(SESSION_COOKIE)
    if not secret:
        return None
    quiet = connection.scope.get("method") == "GET" and connection.url.path in QUIET_PATHS
    return await accounts.resolve_session(secret, kind="web", ip=ip, touch=not quiet)


def auth_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and "user" not in scope:
            scope["user"] = await _resolve(ASGIConnection(scope))
        await app(scope, receive, send)

    return middleware


def current_actor(connection: ASGIConnection) -> Actor:
    actor = connection.scope.get("user")
    if actor is None:
        raise NotSignedIn(N_("Please sign in first."))
    return actor


def signed_in(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    current_actor(connection)


def roles(*names: str) -> Callable[[ASGIConnection, BaseRouteHandler], None]:
    """A guard: signed in (401) and holding one of these roles (403)."""

    def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        if not current_actor(connection).has_role(*names):
            raise Forbidden(N_("Your account is not allowed to do this."))

    return guard


def provide_actor(request: Request) -> Actor:
    return current_actor(request)


def provide_optional_actor(request: Request) -> Actor | None:
    return request.scope.get("user")


# Handler parameters: ``actor: CurrentActor`` is the signed-in user (the guard ran first).
CurrentActor = NamedDependency[Actor]
