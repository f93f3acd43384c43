"""What the subsidy pages need besides the services: reading forms and query strings, placing
errors beside their fields, and gathering the few service answers one page shows together.

Dates, times and months are shown by the shared helpers of every page (``day``, ``moment``,
``month_name`` in eldercare/web/templating.py), in the platform's zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

from litestar import Request
from litestar.datastructures import UploadFile

from eldercare.accounts import elders as elder_records
from eldercare.accounts.service import local_today
from eldercare.actor import Actor
from eldercare.errors import N_, DomainError, FieldProblem
from eldercare.subsidies import (
    application_views,
    domain,
    entitlements,
    programs,
    reviews,
    vouchers,
)
from eldercare.subsidies.application_views import ApplicationView
from eldercare.web.i18n import translate
from eldercare.web.locale import request_locale

QUEUE_PAGE_SIZE = 50
LIST_LIMIT = 50
STATUSES = (*domain.OPEN, domain.APPROVED, domain.REJECTED)


def now() -> datetime:
    return datetime.now(UTC)


# --------------------------------------------------------------------------- forms


async def form_dict(request: Request) -> dict[str, Any]:
    raw = await request.form()
    return {key: raw.get(key) for key in raw if key != "_csrf_token"}


def text(form: dict[str, Any], key: str, limit: int = 2000) -> str:
    value = form.get(key)
    return value.strip()[:limit] if isinstance(value, str) else ""


def whole_number(value: str | None) -> int | None:
    """An id from a form or a link: None unless it is a plain whole number."""
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) <= 12 else None


async def upload_of(form: dict[str, Any]) -> tuple[str, bytes]:
    """The chosen file's name and bytes; nothing chosen reads as an empty file."""
    chosen = form.get("file")
    if isinstance(chosen, UploadFile):
        return chosen.filename or "", await chosen.read()
    return "", b""


def errors(
    request: Request,
    error: DomainError,
    keys: dict[str, str] | None = None,
    shown: frozenset[str] = frozenset(),
) -> dict[str, str]:
    """Each problem translated and placed beside its field (renamed by ``keys``); a problem
    with no field, or about a field the page does not show, goes above the form."""
    locale = request_locale(request)
    if not error.problems:
        return {"__all__": translate(locale, error.message, **error.params)}
    found: dict[str, str] = {}
    for problem in error.problems:
        key = (keys or {}).get(problem.key, problem.key)
        found.setdefault(
            key if key in shown else "__all__",
            translate(locale, problem.message, **problem.params),
        )
    return found


def problems_text(request: Request, problems: list[FieldProblem]) -> dict[str, str]:
    locale = request_locale(request)
    return {p.key: translate(locale, p.message, **p.params) for p in problems}


# --------------------------------------------------------------------------- the review queue


@dataclass
class QueueFilters:
    status: str = ""
    min_age: int | None = None
    max_age: int | None = None
    overdue: bool = False
    page: int = 1
    typed: dict[str, str] = field(default_factory=dict)

    def link(self, page: int) -> str:
        return "/staff/subsidies?" + urlencode(
            {**{k: v for k, v in self.typed.items() if v}, "page": page}
        )


def default_status(actor: Actor) -> str:
    """What waits for this reviewer: officers approve reviewed applications, community staff
    receive new ones."""
    if actor.has_role("bureau_officer") and not actor.has_role("community_staff"):
        return domain.REVIEWED
    return domain.SUBMITTED


def _age(value: str, key: str, problems: list[FieldProblem]) -> int | None:
    if not value:
        return None
    if not value.isdigit() or not 0 <= int(value) <= 150:
        problems.append(FieldProblem(key, N_("Give an age in whole years, from 0 to 150.")))
        return None
    return int(value)


def queue_filters(
    actor: Actor,
    *,
    status: str | None,
    min_age: str,
    max_age: str,
    overdue: str,
    page: str,
) -> tuple[QueueFilters, list[FieldProblem]]:
    """The queue's filters from the query string; each bad one named for its field."""
    problems: list[FieldProblem] = []
    chosen = default_status(actor) if status is None else status.strip()
    if chosen not in ("", "all", *STATUSES):
        problems.append(FieldProblem("status", N_("Please choose from the list.")))
    typed = {
        "status": (chosen or "all")[:20],
        "min_age": min_age.strip()[:10],
        "max_age": max_age.strip()[:10],
        "overdue": "1" if overdue == "1" else "",
    }
    low = _age(typed["min_age"], "min_age", problems)
    high = _age(typed["max_age"], "max_age", problems)
    if low is not None and high is not None and high < low:
        problems.append(
            FieldProblem("max_age", N_("The highest age must not be below the lowest age."))
        )
    number = whole_number(page) or 1
    return (
        QueueFilters(
            status="" if chosen == "all" else chosen,
            min_age=low,
            max_age=high,
            overdue=overdue == "1",
            page=max(1, min(number, 10_000)),
            typed=typed,
        ),
        problems,
    )


# --------------------------------------------------------------------------- one application


def first_reviewer(view: ApplicationView) -> int | None:
    """Who passed the first review last (the service's rule: they may not also approve)."""
    passes = [step.actor_id for step in view.steps if step.decision == "pass"]
    return passes[-1] if passes else None


def decisions_for(actor: Actor, view: ApplicationView) -> list[str]:
    """The review buttons this person may press now; the service checks again on the POST."""
    if not actor.is_staff:
        return []
    allowed = []
    for decision in domain.DECISIONS:
        rule = domain.RULES[decision]
        if view.status not in rule.sources or not set(rule.roles).intersection(actor.roles):
            continue
        if decision == "approve" and first_reviewer(view) == actor.id:
            continue
        allowed.append(decision)
    return allowed


def approve_blocked(actor: Actor, view: ApplicationView) -> bool:
    return (
        actor.is_staff
        and actor.has_role("bureau_officer")
        and view.status == domain.REVIEWED
        and first_reviewer(view) == actor.id
    )


# --------------------------------------------------------------------------- applying


@dataclass
class ApplyChoices:
    elders: list[elder_records.ElderView]
    chosen: elder_records.ElderView | None
    programs: list[programs.ProgramView]


async def apply_choices(actor: Actor, elder_id: int | None, q: str) -> ApplyChoices:
    """Step 1's lists: the elders to choose from (staff: found by a search, or the one a link
    names) and the programs open where they live. An elder not ours is 404."""
    chosen = await elder_records.get_elder(actor, elder_id) if elder_id is not None else None
    if actor.is_staff:
        found = (await elder_records.list_elders(actor, query=q, limit=LIST_LIMIT))[0] if q else []
    else:
        found = (await elder_records.list_elders(actor, limit=LIST_LIMIT))[0]
    if chosen is not None and all(e.id != chosen.id for e in found):
        found = [chosen, *found]
    if chosen is None and len(found) == 1 and not actor.is_staff:
        chosen = found[0]
    regions = [chosen.region_code] if chosen else sorted({e.region_code for e in found})
    offered: dict[str, programs.ProgramView] = {}
    for region in regions:
        for program in await programs.list_programs(region):
            offered.setdefault(program.code, program)
    return ApplyChoices(found, chosen, list(offered.values()))


async def open_application(actor: Actor, elder_id: int, program_code: str) -> int | None:
    """The open application a second one ran into, to link to it."""
    found, _ = await application_views.list_applications(actor, elder_id=elder_id)
    return next(
        (a.id for a in found if a.program_code == program_code and a.status in domain.OPEN),
        None,
    )


def missing_choices(elder_id: int | None, program: str) -> list[FieldProblem]:
    problems = []
    if elder_id is None:
        problems.append(FieldProblem("elder_id", N_("Please choose the elder.")))
    if not program:
        problems.append(FieldProblem("program", N_("Please choose an allowance.")))
    return problems


def monthly_amount(program: programs.ProgramView, age: int) -> int:
    band = domain.band_for(program.bands, age)
    return band.amount_fen if band else 0


# --------------------------------------------------------------------------- my allowance


@dataclass
class ElderOffer:
    elder: elder_records.ElderView
    programs: list[tuple[programs.ProgramView, str]]  # program, "apply" | "applied" | "receiving"


@dataclass
class Overview:
    offers: list[ElderOffer]
    applications: list[ApplicationView]
    entitlements: list[entitlements.EntitlementView]
    balances: dict[int, vouchers.Balance]
    reviews_waiting: int


async def overview(actor: Actor, at: datetime) -> Overview:
    """The elder's side of "My allowance": what each of my elders can apply for, what was
    applied for, what is paid, this month's voucher credit and the yearly checks waiting."""
    elders = (await elder_records.list_elders(actor, limit=LIST_LIMIT))[0]
    mine, _ = await application_views.list_applications(actor, limit=LIST_LIMIT, now=at)
    paid, _ = await entitlements.list_entitlements(actor, limit=LIST_LIMIT, now=at)
    month = domain.month_of(local_today(at))
    balances = {
        e.id: await vouchers.balance(actor, e.elder_id, month)
        for e in paid
        if e.kind == domain.VOUCHER and e.status == entitlements.ACTIVE
    }
    waiting = 0
    for status in reviews.PENDING:
        waiting += (await reviews.list_reviews(actor, status=status, limit=1))[1]
    live = {(e.elder_id, e.program_code) for e in paid if e.status in entitlements.LIVE}
    open_ = {(a.elder_id, a.program_code) for a in mine if a.status in domain.OPEN}
    offers = []
    for elder in elders:
        found = []
        for program in await programs.list_programs(elder.region_code):
            key = (elder.id, program.code)
            state = "receiving" if key in live else "applied" if key in open_ else "apply"
            found.append((program, state))
        offers.append(ElderOffer(elder, found))
    return Overview(offers, mine, paid, balances, waiting)


# --------------------------------------------------------------------------- yearly checks


@dataclass
class ReviewRow:
    review: reviews.ReviewView
    elder_name: str
    program_name: str
    paused: bool


async def review_rows(actor: Actor, status: str) -> tuple[list[ReviewRow], int]:
    """The yearly checks of my elders (staff: of their region), each with the elder's name
    and the program; "" lists those still waiting (late ones first), else one status."""
    if status:
        found, total = await reviews.list_reviews(actor, status=status, limit=LIST_LIMIT)
    else:
        late, late_total = await reviews.list_reviews(
            actor, status=reviews.OVERDUE, limit=LIST_LIMIT
        )
        due, due_total = await reviews.list_reviews(actor, status=reviews.OPEN, limit=LIST_LIMIT)
        found, total = (late + due)[:LIST_LIMIT], late_total + due_total
    held: dict[int, entitlements.EntitlementView] = {}
    for review in found:
        if review.entitlement_id not in held:
            held[review.entitlement_id] = await entitlements.get_entitlement(
                actor, review.entitlement_id
            )
    return [
        ReviewRow(
            review=r,
            elder_name=held[r.entitlement_id].elder_name,
            program_name=held[r.entitlement_id].program_name,
            paused=held[r.entitlement_id].status == entitlements.SUSPENDED,
        )
        for r in found
    ], total


def today() -> date:
    return local_today(now())
