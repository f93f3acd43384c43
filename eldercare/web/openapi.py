"""The error answers every API operation can give, declared in its OpenAPI entry.

Litestar documents only a handler's success answer (and a 400 of its own shape); the
errors that ``web/errors.py`` renders — 401, 403, 404, 409, 413, 422, 429, each with the
API.md body ``{status_code, detail, extra: [{key, message}]}`` — are declared here, per
operation, from what the handler takes: sign-in, input, and whether it changes anything.
"""

from __future__ import annotations

import msgspec
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.plugins import ReceiveRoutePlugin
from litestar.routes import BaseRoute, HTTPRoute

from eldercare.web.auth import is_api


class FieldError(msgspec.Struct):
    key: str
    message: str


class ErrorBody(msgspec.Struct):
    """Every error answer of the API (see API.md "Conventions")."""

    status_code: int
    detail: str
    extra: list[FieldError]


DESCRIPTIONS = {
    400: "Malformed request",
    401: "Not signed in",
    403: "Signed in, but this account may not do this",
    404: "Missing, or not visible to this user",
    409: "Conflicts with the current state",
    413: "Request body too large",
    422: "Invalid fields; `extra` names each one",
    429: "Too many attempts; try again in a minute",
}
# Handler parameters that are not the caller's input.
_NOT_INPUT = {"self", "request", "actor", "state", "scope", "headers", "cookies"}
_SIGN_IN = "/api/v1/auth/token"
_SIGN_IN_401 = "Wrong phone number or password"
BEARER = "BearerToken"  # the security scheme app.py declares


def error_statuses(route: HTTPRoute, handler: HTTPRouteHandler) -> set[int]:
    """The error statuses one operation can answer with."""
    parameters = set(handler.parsed_fn_signature.parameters)
    signed_in = signs_in(handler)
    takes_input = bool(parameters - _NOT_INPUT) or bool(route.path_parameters)
    writes = not handler.http_methods <= {"GET", "HEAD"}
    statuses: set[int] = set()
    if signed_in:
        statuses |= {401, 403}
    if takes_input:
        statuses |= {400, 404, 422}
    if writes:
        statuses |= {409, 413}
    if route.path == _SIGN_IN:
        statuses |= {401, 429}  # a wrong phone/password pair; too many of them
    return statuses


def signs_in(handler: HTTPRouteHandler) -> bool:
    """Whether the operation needs a signed-in caller (a bearer token)."""
    return "actor" in handler.parsed_fn_signature.parameters or bool(handler.resolve_guards())


class ErrorResponses(ReceiveRoutePlugin):
    """Declares each API operation's error answers, and whether it needs the bearer token,
    on its handler as the app registers it (the OpenAPI document is built later from them).
    Public operations (the menu, sign-in, ...) name no security requirement."""

    def receive_route(self, route: BaseRoute) -> None:
        if not isinstance(route, HTTPRoute) or not is_api(route.path):
            return
        for handler in route.route_handlers:
            declared = dict(handler.responses or {})
            for status in sorted(error_statuses(route, handler)):
                signing_in = route.path == _SIGN_IN and status == 401
                described = _SIGN_IN_401 if signing_in else DESCRIPTIONS[status]
                declared.setdefault(
                    status,
                    ResponseSpec(
                        data_container=ErrorBody, description=described, generate_examples=False
                    ),
                )
            handler.responses = declared
            if signs_in(handler):
                handler.security = [*(handler.security or ()), {BEARER: []}]
