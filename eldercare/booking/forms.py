"""What the booking pages need besides the services: reading forms and placing errors beside
their fields. Dates and times are shown by the shared helpers of every page (``day``,
``moment``, ``clock`` in eldercare/web/templating.py), in the platform's zone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Request

from eldercare.booking.views import zone
from eldercare.errors import N_, DomainError, FieldProblem, Invalid
from eldercare.web.i18n import translate
from eldercare.web.locale import request_locale


def local(moment: datetime) -> datetime:
    return moment.astimezone(zone())


async def form_dict(request: Request) -> dict[str, Any]:
    raw = await request.form()
    return {key: raw.get(key) for key in raw if key != "_csrf_token"}


def text(form: dict[str, Any], key: str) -> str:
    value = form.get(key)
    return value.strip() if isinstance(value, str) else ""


def optional_int(form: dict[str, Any], key: str) -> int | None:
    """An id from a form; empty is None, anything not a whole number is 422 on that field."""
    value = text(form, key)
    if not value:
        return None
    if not value.isdigit() or len(value) > 12:
        raise Invalid(key, N_("Please choose from the list."))
    return int(value)


def optional_int_or_none(form: dict[str, Any], key: str) -> int | None:
    """An id to carry back into a re-rendered page: None when it is not a whole number."""
    value = text(form, key)
    return int(value) if value.isdigit() and len(value) <= 12 else None


def required_int(form: dict[str, Any], key: str, message: str) -> int:
    value = optional_int(form, key)
    if value is None:
        raise Invalid(key, message)
    return value


def position(form: dict[str, Any]) -> tuple[float, float]:
    """Latitude and longitude typed or filled in by the browser; each bad one is named."""
    problems, values = [], []
    for key in ("lat", "lon"):
        try:
            values.append(float(text(form, key).replace(",", ".")))
        except ValueError:
            problems.append(FieldProblem(key, N_("Give the position as numbers, like 30.52.")))
    if problems:
        raise Invalid.many(problems)
    return values[0], values[1]


def translate_message(request: Request, message: str, **params: Any) -> str:
    return translate(request_locale(request), message, **params)


def parse_start(value: str | None) -> datetime:
    """A start time from a link or hidden field: ISO 8601 with its offset, else 422 on start."""
    try:
        moment = datetime.fromisoformat((value or "").strip().replace(" ", "+"))
    except ValueError as error:
        raise Invalid("start", N_("Please choose a time from the list.")) from error
    if moment.tzinfo is None:
        raise Invalid("start", N_("Please choose a time from the list."))
    return moment


def errors(
    request: Request,
    error: DomainError,
    keys: dict[str, str] | None = None,
    shown: frozenset[str] = frozenset(),
) -> dict[str, str]:
    """Each problem translated and placed beside its form field (renamed by ``keys``); a problem
    with no field, or about a field the page does not show, goes above the form."""
    locale = request_locale(request)
    if not error.problems:
        return {"__all__": translate(locale, error.message, **error.params)}
    found: dict[str, str] = {}
    for problem in error.problems:
        key = (keys or {}).get(problem.key, problem.key)
        found.setdefault(
            key if key in shown else "__all__", translate(locale, problem.message, **problem.params)
        )
    return found
