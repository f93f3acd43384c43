"""One place that turns errors into answers: the API.md JSON shape for /api, a page otherwise."""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.response import Redirect
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from eldercare.errors import N_, DomainError, NotSignedIn
from eldercare.web.auth import is_api
from eldercare.web.i18n import translate
from eldercare.web.locale import request_locale
from eldercare.web.templating import render

log = logging.getLogger("eldercare.web")

_OBJECT_FIELD = re.compile(r"^Object (?:missing required|contains unknown) field `([^`]+)`")

_GENERIC = {
    400: N_("The request could not be read."),
    401: N_("Please sign in first."),
    403: N_("Your account is not allowed to do this."),
    404: N_("Not found."),
    405: N_("This action is not available here."),
    409: N_("This cannot be done now."),
    413: N_("The request is too large."),
    422: N_("Some fields need correcting."),
    429: N_("Too many attempts. Please wait a minute and try again."),
    500: N_("Something went wrong on our side. Please try again later."),
}


def _api_answer(
    status: int,
    detail: str,
    extra: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[Any]:
    body = {"status_code": status, "detail": detail, "extra": extra or []}
    return Response(body, status_code=status, headers=headers)


def _page_answer(request: Request, status: int, detail: str) -> Response[Any]:
    if status == 401:
        return Redirect(f"/login?next={request.url.path}")
    return render(request, "error.html", status_code=status, status=status, detail=detail)


def _validation_extra(exc: ValidationException, locale: str) -> list[dict[str, str]]:
    """Litestar's body/query errors as ``[{key, message}]``, when they name a field."""
    items = exc.extra if isinstance(exc.extra, list) else []
    extra = []
    for item in items:
        if isinstance(item, dict) and item.get("key"):
            key, message = str(item["key"]), str(item.get("message", ""))
            # A missing or unknown field is reported on the object that holds it; name the field.
            if named := _OBJECT_FIELD.search(message):
                key = named.group(1) if key == "data" else f"{key}.{named.group(1)}"
            elif key == "data":  # the body as a whole (empty, not an object): malformed, 400
                continue
            extra.append({"key": key, "message": message})
    return extra


def domain_error_handler(request: Request, exc: DomainError) -> Response[Any]:
    locale = request_locale(request)
    detail = translate(locale, exc.message, **exc.params)
    headers = exc.headers or None
    if not is_api(request.url.path):
        if isinstance(exc, NotSignedIn):
            return Redirect(f"/login?next={request.url.path}")
        page = _page_answer(request, exc.status_code, detail)
        page.headers.update(headers or {})
        return page
    extra = [
        {"key": p.key, "message": translate(locale, p.message, **p.params)} for p in exc.problems
    ]
    return _api_answer(exc.status_code, detail, extra, headers=headers)


def http_error_handler(request: Request, exc: HTTPException) -> Response[Any]:
    locale = request_locale(request)
    status = exc.status_code
    extra: list[dict[str, str]] = []
    if isinstance(exc, ValidationException):
        extra = _validation_extra(exc, locale)
        status = 422 if extra else 400
    detail = translate(locale, _GENERIC.get(status, exc.detail or "Error"))
    if status == 422 and extra:
        detail = extra[0]["message"] or detail
    if not is_api(request.url.path):
        return _page_answer(request, status, detail)
    return _api_answer(status, detail, extra, headers=getattr(exc, "headers", None))


def _unstorable(exc: BaseException) -> bool:
    """Input the database cannot hold: a number past its integers (SQLite raises
    OverflowError, asyncpg a DataError caused by one) or text with a NUL character
    (PostgreSQL, SQLSTATE 22021). The client sent it, so the answer is 400, not our 500."""
    return (
        isinstance(exc, OverflowError)
        or isinstance(exc.__cause__, OverflowError)
        or getattr(exc, "sqlstate", None) == "22021"
    )


def internal_error_handler(request: Request, exc: Exception) -> Response[Any]:
    if _unstorable(exc):
        return http_error_handler(request, HTTPException(status_code=400))
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    detail = translate(request_locale(request), _GENERIC[500])
    if not is_api(request.url.path):
        return _page_answer(request, HTTP_500_INTERNAL_SERVER_ERROR, detail)
    return _api_answer(HTTP_500_INTERNAL_SERVER_ERROR, detail)


EXCEPTION_HANDLERS = {
    DomainError: domain_error_handler,
    HTTPException: http_error_handler,
    Exception: internal_error_handler,
}
