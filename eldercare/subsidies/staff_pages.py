"""HTML pages for staff of a region: one entitlement with its payments and reviews, the
outreach list from the discovery sweep, and recording a death or a move away. The shared
form helpers live in bureau_pages.py."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from eldercare.accounts import elders as elder_records
from eldercare.accounts.service import local_today
from eldercare.errors import N_, Conflict, FieldProblem, Invalid
from eldercare.geo import service as geo
from eldercare.subsidies import (
    departures,
    discovery,
    domain,
    entitlements,
    payments,
    reviews,
    vouchers,
)
from eldercare.subsidies.bureau_pages import (
    OUTREACH_PAGE,
    PAYMENT_LIMIT,
    STAFF,
    _errors,
    _form,
    _now,
    _region_label,
    _see_other,
    _text,
)
from eldercare.web.auth import current_actor, roles, signed_in
from eldercare.web.locale import request_locale
from eldercare.web.templating import render

# --------------------------------------------------------------------------- one entitlement


def ended_parts(text: str) -> tuple[str, str]:
    """``"death: 家属告知"`` → ("death", "家属告知"), as departures.close_elder writes it."""
    reason, _, comment = text.partition(":")
    return reason.strip(), comment.strip()


class EntitlementPages(Controller):
    """One entitlement with its payments and yearly checks: the elder's side and staff of
    the elder's region; anyone else gets 404."""

    path = "/subsidies/entitlements"
    include_in_schema = False
    guards = [signed_in]

    @get("/{entitlement_id:int}")
    async def detail(self, request: Request, entitlement_id: FromPath[int]) -> Template:
        actor, now = current_actor(request), _now()
        found = await entitlements.get_entitlement(actor, entitlement_id, now=now)
        paid, total = await payments.list_payments(
            actor, entitlement_id=found.id, limit=PAYMENT_LIMIT
        )
        checks, _ = await reviews.list_reviews(actor, elder_id=found.elder_id, limit=100)
        balance = None
        if found.kind == domain.VOUCHER:
            this_month = domain.month_of(local_today(now))
            balance = await vouchers.balance(actor, found.elder_id, this_month)
        return render(
            request,
            "subsidies/bureau_entitlement.html",
            e=found,
            payments=paid,
            payment_total=total,
            checks=[c for c in checks if c.entitlement_id == found.id],
            balance=balance,
            ended=ended_parts(found.ended_reason),
            month_text=domain.month_text,
        )


# --------------------------------------------------------------------------- outreach


class OutreachPages(Controller):
    """Elders the discovery sweep found eligible, for community staff to contact."""

    path = "/staff/subsidies/outreach"
    include_in_schema = False
    guards = [roles(*STAFF)]

    @get("/")
    async def index(
        self, request: Request, page: FromQuery[int] = 1, dismissed: FromQuery[str] = ""
    ) -> Template:
        page = max(1, min(page, 10_000))
        items, total = await discovery.outreach_list(
            current_actor(request), limit=OUTREACH_PAGE, offset=(page - 1) * OUTREACH_PAGE
        )
        regions = await geo.all_regions()
        locale = request_locale(request)
        return render(
            request,
            "subsidies/bureau_outreach.html",
            items=items,
            total=total,
            page=page,
            pages=max(1, -(-total // OUTREACH_PAGE)),
            region_label=lambda code: _region_label(regions, code, locale),
            dismissed=bool(dismissed),
        )

    @post("/{outreach_id:int}/dismiss")
    async def dismiss(self, request: Request, outreach_id: FromPath[int]) -> Response[Any]:
        await discovery.dismiss(current_actor(request), outreach_id)
        return _see_other("/staff/subsidies/outreach", dismissed=1)


# --------------------------------------------------------------------------- a departure

DEPARTURE_FIELDS = ("reason", "date", "comment")
COMMENT_MAX = 500


def _departure(form: dict[str, Any], today: date) -> tuple[str, date]:
    """The reason and the day, checked before the confirmation step shows them in words."""
    problems: list[FieldProblem] = []
    reason = _text(form, "reason")
    if reason not in departures.REASONS:
        problems.append(FieldProblem("reason", N_("Choose what happened.")))
    day = None
    try:
        day = date.fromisoformat(_text(form, "date"))
    except ValueError:
        problems.append(
            FieldProblem("date", N_("Give the date as YYYY-MM-DD, for example 2026-11-28."))
        )
    if day is not None and day > today:
        problems.append(FieldProblem("date", N_("The date cannot be later than today.")))
    if len(_text(form, "comment")) > COMMENT_MAX:
        problems.append(
            FieldProblem(
                "comment", N_("Keep the comment under {n} characters."), {"n": COMMENT_MAX}
            )
        )
    if problems or day is None:
        raise Invalid.many(problems)
    return reason, day


class DeparturePages(Controller):
    """Staff record a death or a move out of the region: the form, a confirmation in plain
    words, then departures.close_elder."""

    path = "/elders/{elder_id:int}/departure"
    include_in_schema = False
    guards = [roles(*STAFF)]

    async def _page(
        self, request: Request, elder_id: int, *, status_code: int = 200, **context: Any
    ) -> Template:
        elder = await elder_records.get_elder(current_actor(request), elder_id)
        context.setdefault("form", {"date": local_today(_now()).isoformat()})
        return render(
            request,
            "subsidies/bureau_departure.html",
            status_code=status_code,
            elder=elder,
            today=local_today(_now()),
            **context,
        )

    @get("/")
    async def show(self, request: Request, elder_id: FromPath[int]) -> Template:
        return await self._page(request, elder_id)

    @post("/")
    async def record(self, request: Request, elder_id: FromPath[int]) -> Response[Any]:
        actor = current_actor(request)
        elder = await elder_records.get_elder(actor, elder_id)  # 404 before reading the form
        form = await _form(request)
        form = {key: _text(form, key) for key in (*DEPARTURE_FIELDS, "step")}
        if elder.ended_on is not None:
            return await self._page(request, elder_id, status_code=409, form=form)
        if form["step"] == "edit":  # back from the confirmation, with what was typed
            return await self._page(request, elder_id, form=form)
        try:
            reason, day = _departure(form, local_today(_now()))
            if form["step"] != "confirm":
                return await self._page(
                    request,
                    elder_id,
                    form=form,
                    confirm={"reason": reason, "day": day, "month": domain.month_of(day)},
                    month_text=domain.month_text,
                )
            await departures.close_elder(
                actor, elder_id, reason=reason, on=day, comment=form["comment"]
            )
        except (Invalid, Conflict) as error:
            return await self._page(
                request,
                elder_id,
                status_code=error.status_code,
                form=form,
                errors=_errors(request, error),
            )
        return _see_other(f"/elders/{elder_id}", departed=reason)


PAGES = [EntitlementPages, OutreachPages, DeparturePages]
