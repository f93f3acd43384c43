"""Reading the series pages' forms: plain choices into the arguments of the series services
(the rule built by series_words.plain_rule), and problems placed beside their fields.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Request

from eldercare.booking import series
from eldercare.booking import series_domain as sd
from eldercare.booking import series_words as plain
from eldercare.errors import N_, DomainError, FieldProblem, Invalid
from eldercare.web.i18n import translate
from eldercare.web.locale import request_locale


def now() -> datetime:
    return datetime.now(UTC)


def zone() -> ZoneInfo:
    return ZoneInfo(series.zone())


async def form(request: Request) -> dict[str, Any]:
    raw = await request.form()
    form: dict[str, Any] = {
        key: (raw.get(key) or "").strip() for key in raw if key not in ("_csrf_token",)
    }
    form["days"] = (
        [d for d in raw.getall("days") if d in {str(n) for n in range(7)}] if "days" in raw else []
    )
    form["drop"] = [d for d in raw.getall("drop")] if "drop" in raw else []
    return form


def errors(
    request: Request, error: DomainError, shown: frozenset[str], keys: dict[str, str]
) -> dict[str, str]:
    """Each problem beside its field; anything else above the form."""
    locale = request_locale(request)
    if not error.problems:
        return {"__all__": translate(locale, error.message, **error.params)}
    found: dict[str, str] = {}
    for problem in error.problems:
        key = keys.get(problem.key, problem.key)
        found.setdefault(
            key if key in shown else "__all__", translate(locale, problem.message, **problem.params)
        )
    return found


def _int(form: dict[str, Any], key: str, problems: list[FieldProblem], message: str) -> int | None:
    value = form.get(key) or ""
    if value.lstrip("-").isdigit() and len(value) < 7:
        return int(value)
    problems.append(FieldProblem(key, message))
    return None


def day_of(value: str, key: str, problems: list[FieldProblem]) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(FieldProblem(key, N_("Please choose a date.")))
        return None


def build(form: dict[str, Any]) -> dict[str, Any]:
    """The series the form describes, as the series services' arguments; every problem at once."""
    problems: list[FieldProblem] = []
    elder_id = _int(form, "elder_id", problems, N_("Please choose the elder."))
    if not form.get("service_code"):
        problems.append(FieldProblem("service_code", N_("Please choose a service.")))
    clock = None
    try:
        clock = sd.parse_clock(form.get("time"))
        if clock is None:
            problems.append(FieldProblem("time", N_("Give the time like 09:30.")))
    except Invalid as error:
        problems += error.problems
    start_day = day_of(form.get("start_date", ""), "start_date", problems)
    end, count, until = form.get("end") or "none", None, None
    if end == "count":
        count = _int(form, "count", problems, N_("Give the number of visits."))
    elif end == "until":
        until = day_of(form.get("until", ""), "until", problems)
    month_day = None
    if form.get("kind") == "monthly_day":
        month_day = _int(
            form,
            "month_day",
            problems,
            N_("Days of the month are 1 to 31, or -1 for the last day."),
        )
    rule = None
    try:
        rule = plain.plain_rule(
            form.get("kind", ""),
            [int(d) for d in form["days"]],
            count=count,
            until=until,
            month_day=month_day,
        )
    except Invalid as error:
        problems += [p for p in error.problems if p.key not in {q.key for q in problems}]
    provider_id, caregiver_id = _who(form.get("who", ""))
    if problems:
        raise Invalid.many(problems)
    assert elder_id is not None and start_day is not None and clock is not None and rule is not None
    return {
        "elder_id": elder_id,
        "service_code": form["service_code"],
        "rrule": rule,
        "start": datetime.combine(start_day, clock, tzinfo=zone()),
        "provider_id": provider_id,
        "caregiver_id": caregiver_id,
        "skip_holidays": form.get("skip_holidays") == "1",
    }


def _who(value: str) -> tuple[int | None, int | None]:
    """ "" (best match), "p:PROVIDER" or "c:PROVIDER:CAREGIVER", from the "who should come" list."""
    parts = value.split(":")
    if len(parts) >= 2 and all(p.isdigit() for p in parts[1:]):
        return int(parts[1]), int(parts[2]) if parts[0] == "c" and len(parts) == 3 else None
    return None, None


def drops(form: dict[str, Any]) -> list[date]:
    found = []
    for value in form.get("drop", []):
        try:
            found.append(date.fromisoformat(value))
        except ValueError:
            continue
    return found


def defaults() -> dict[str, Any]:
    tomorrow = now().astimezone(zone()).date() + timedelta(days=1)
    return {
        "kind": "weekdays",
        "time": "11:30",
        "start_date": tomorrow.isoformat(),
        "end": "none",
        "days": [],
        "drop": [],
    }
