"""HTML pages of booking: the three-step /book, my bookings, a booking (withdrawn within
minutes of booking after one question in words), the job board, a caregiver's visits and the
bureau's complaint queue.

Thin: each handler reads the request, calls the booking services and renders. The steps of
/book are worked out in book_steps.py; their state travels in the query string and hidden
fields (no server-side session).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from eldercare.actor import Actor
from eldercare.booking import complaints, domain, forms, service, views, visits
from eldercare.booking.book_steps import BOOK_FIELDS, Choice, render_steps, week_in_range
from eldercare.booking.policy import current_policy
from eldercare.errors import N_, DomainError, NotFound
from eldercare.settings import get_settings
from eldercare.web.auth import current_actor, roles, signed_in
from eldercare.web.pagination import MAX_LIMIT
from eldercare.web.templating import render

BOOKERS = ("resident", "family", "community_staff")
QUEUE_PAGE_SIZE = 20
# The fields each page shows beside their inputs; problems with other fields go above the form.
DETAIL_FIELDS = frozenset(
    {"reason", "caregiver_id", "lat", "lon", "notes", "stars", "comment", "complaint"}
)
JOB_FIELDS = frozenset({"caregiver_id", "reason"})


def _now() -> datetime:
    return datetime.now(UTC)


class BookPages(Controller):
    path = "/book"
    include_in_schema = False
    guards = [roles(*BOOKERS)]

    @get("/")
    async def steps(
        self,
        request: Request,
        elder_id: FromQuery[int | None] = None,
        service_code: FromQuery[str] = "",
        start: FromQuery[str] = "",
        week: FromQuery[int] = 0,
        q: FromQuery[str] = "",
    ) -> Template:
        choice = Choice(elder_id, service_code[:48], start[:40], week_in_range(week), q[:50])
        return await render_steps(request, current_actor(request), choice)

    @post("/")
    async def book(self, request: Request) -> Response[Any]:
        actor = current_actor(request)
        form = await forms.form_dict(request)
        choice = Choice(
            forms.optional_int_or_none(form, "elder_id"),
            forms.text(form, "service_code")[:48],
            forms.text(form, "start")[:40],
        )
        try:
            booking = await service.book(
                actor,
                elder_id=forms.required_int(form, "elder_id", N_("Please choose the elder.")),
                service_code=choice.service_code,
                start=forms.parse_start(choice.start),
                provider_id=forms.optional_int(form, "provider_id"),
                notes=forms.text(form, "notes"),
                channel=(forms.text(form, "channel") or None) if actor.is_staff else None,
                default_channel="web",
            )
        except NotFound:
            raise
        except DomainError as error:
            return await render_steps(
                request,
                actor,
                choice,
                status_code=error.status_code,
                form=form,
                errors=forms.errors(request, error, shown=BOOK_FIELDS),
            )
        return Redirect(f"/bookings/{booking.id}?done=booked")


# --------------------------------------------------------------------------- one booking


async def _detail(
    request: Request, actor: Actor, booking_id: int, *, status_code: int = 200, **context: Any
) -> Template:
    from eldercare.providers import service as providers

    booking = await service.get_booking(actor, booking_id)
    now, policy = _now(), current_policy()
    caregivers = []
    if "accept" in booking.actions and booking.provider_id:
        caregivers = [
            c
            for c in (await providers.list_caregivers(actor, booking.provider_id, limit=MAX_LIMIT))[
                0
            ]
            if c.active
        ]
    elder_side = domain.ELDER_SIDE in booking.sides
    finished = booking.status in (domain.COMPLETED, domain.NO_SHOW)
    card = await views.card(booking)
    can_withdraw = visits.may_withdraw(booking, card.created_at, now)
    confirming = context.pop("confirm", "") == "withdraw" and can_withdraw
    for key, default in (("form", {}), ("done", ""), ("failed", "")):
        context.setdefault(key, default)
    return render(
        request,
        "booking/withdraw.html" if confirming else "booking/detail.html",
        status_code=status_code,
        card=card,
        b=booking,
        can_withdraw=can_withdraw,
        withdraw_until=visits.withdraw_until(card.created_at) if can_withdraw else None,
        withdraw_minutes=get_settings().withdraw_minutes,
        caregivers=caregivers,
        steps=await views.timeline(booking.id),
        elder_side=elder_side,
        only_caregiver=booking.sides == frozenset({domain.CAREGIVER}),
        free_until=booking.start - policy.free_cancel_before,
        late_cancel=booking.status == domain.ACCEPTED
        and domain.is_late_cancellation(booking.start, now, policy),
        can_no_show="no_show" in booking.actions and now >= booking.start,
        can_confirm=elder_side
        and booking.status == domain.COMPLETED
        and booking.confirmed_at is None,
        can_rate=elder_side and booking.status == domain.COMPLETED and booking.stars is None,
        can_complain=elder_side and finished,
        **context,
    )


async def _run(actor: Actor, booking_id: int, action: str, form: dict[str, Any]) -> None:
    """One visit step from a page form; the services decide who may and when."""
    reason = forms.text(form, "reason")
    if action in ("cancel", "give-back"):
        await visits.cancel(actor, booking_id, reason)
    elif action == "withdraw":
        await visits.withdraw(actor, booking_id)
    elif action == "accept":
        caregiver = forms.required_int(form, "caregiver_id", N_("Please choose a caregiver."))
        await visits.accept(actor, booking_id, caregiver)
    elif action == "decline":
        await visits.decline(actor, booking_id, reason)
    elif action == "check-in":
        lat, lon = forms.position(form)
        await visits.check_in(actor, booking_id, lat, lon)
    elif action == "check-out":
        await visits.check_out(actor, booking_id, forms.text(form, "notes"))
    elif action == "no-show":
        await visits.mark_no_show(actor, booking_id)
    elif action == "confirm":
        await visits.confirm(actor, booking_id)
    elif action == "rate":
        stars = forms.required_int(form, "stars", N_("Choose from 1 to 5 stars."))
        await visits.rate(actor, booking_id, stars, forms.text(form, "comment"))
    elif action == "complain":
        await visits.complain(actor, booking_id, forms.text(form, "complaint"))
    else:
        raise NotFound(N_("Not found."))


# Service field names → this page's field names, per form.
_FIELD_NAMES = {"complain": {"text": "complaint"}}


class BookingPages(Controller):
    path = "/bookings"
    include_in_schema = False
    guards = [signed_in]

    @get("/")
    async def mine(self, request: Request, elder_id: FromQuery[int | None] = None) -> Template:
        actor = current_actor(request)
        items, total = await service.list_bookings(actor, elder_id=elder_id, limit=MAX_LIMIT)
        upcoming, past = views.upcoming_and_past(await views.compose(items), _now())
        return render(
            request,
            "booking/mine.html",
            upcoming=upcoming,
            past=past,
            total=total,
            can_book=actor.has_role(*BOOKERS),
        )

    @get("/{booking_id:int}")
    async def detail(
        self,
        request: Request,
        booking_id: FromPath[int],
        done: FromQuery[str] = "",
        confirm: FromQuery[str] = "",
    ) -> Template:
        """The booking; ``?confirm=withdraw`` asks, in words, before withdrawing it."""
        return await _detail(
            request, current_actor(request), booking_id, done=done[:20], confirm=confirm[:20]
        )

    @post("/{booking_id:int}/{action:str}")
    async def act(
        self, request: Request, booking_id: FromPath[int], action: FromPath[str]
    ) -> Response[Any]:
        actor = current_actor(request)
        form = await forms.form_dict(request)
        try:
            await _run(actor, booking_id, action, form)
        except NotFound:
            raise
        except DomainError as error:
            return await _detail(
                request,
                actor,
                booking_id,
                status_code=error.status_code,
                form=form,
                failed=action,
                errors=forms.errors(request, error, _FIELD_NAMES.get(action), DETAIL_FIELDS),
            )
        return Redirect(f"/bookings/{booking_id}?done={action}")


# --------------------------------------------------------------------------- work lists


class JobPages(Controller):
    """The provider admin's job board: open offers, soonest first, answered in place."""

    path = "/jobs"
    include_in_schema = False
    guards = [roles("provider_admin")]

    async def _board(
        self, request: Request, actor: Actor, *, status_code: int = 200, **context: Any
    ) -> Template:
        from eldercare.providers import service as providers

        items, total = await service.job_board(actor, limit=MAX_LIMIT)
        caregivers = []
        if items and actor.provider_id:
            caregivers = [
                c
                for c in (
                    await providers.list_caregivers(actor, actor.provider_id, limit=MAX_LIMIT)
                )[0]
                if c.active
            ]
        for key, default in (("form", {}), ("done", ""), ("failed", ""), ("failed_id", None)):
            context.setdefault(key, default)
        return render(
            request,
            "booking/jobs.html",
            status_code=status_code,
            jobs=await views.compose(items),
            total=total,
            caregivers=caregivers,
            **context,
        )

    @get("/")
    async def board(self, request: Request, done: FromQuery[str] = "") -> Template:
        return await self._board(request, current_actor(request), done=done[:20])

    @post("/{booking_id:int}/{action:str}")
    async def answer(
        self, request: Request, booking_id: FromPath[int], action: FromPath[str]
    ) -> Response[Any]:
        if action not in ("accept", "decline"):
            raise NotFound(N_("Not found."))
        actor = current_actor(request)
        form = await forms.form_dict(request)
        try:
            await _run(actor, booking_id, action, form)
        except NotFound:
            raise
        except DomainError as error:
            return await self._board(
                request,
                actor,
                status_code=error.status_code,
                form=form,
                failed_id=booking_id,
                failed=action,
                errors=forms.errors(request, error, shown=JOB_FIELDS),
            )
        return Redirect(f"/jobs?done={action}")


class VisitPages(Controller):
    """A caregiver's visits: today, then the coming week."""

    path = "/visits"
    include_in_schema = False
    guards = [roles("caregiver")]

    @get("/")
    async def schedule(self, request: Request) -> Template:
        today, week = await views.caregiver_schedule(current_actor(request), _now())
        return render(request, "booking/visits.html", today=today, week=week)


class BureauComplaintPages(Controller):
    path = "/bureau/complaints"
    include_in_schema = False
    guards = [roles("bureau_officer")]

    async def _queue(
        self,
        request: Request,
        actor: Actor,
        status: str,
        page: int,
        *,
        status_code: int = 200,
        **context: Any,
    ) -> Template:
        status = status if status in complaints.STATUSES else complaints.OPEN
        page = max(page, 1)
        items, total = await complaints.list_complaints(
            actor, status=status, limit=QUEUE_PAGE_SIZE, offset=(page - 1) * QUEUE_PAGE_SIZE
        )
        for key, default in (("form", {}), ("done", False), ("failed_id", None)):
            context.setdefault(key, default)
        return render(
            request,
            "booking/complaints.html",
            status_code=status_code,
            items=await views.complaint_cards(items),
            total=total,
            status=status,
            page=page,
            pages=max(1, -(-total // QUEUE_PAGE_SIZE)),
            **context,
        )

    @get("/")
    async def queue(
        self,
        request: Request,
        status: FromQuery[str] = complaints.OPEN,
        page: FromQuery[int] = 1,
        done: FromQuery[str] = "",
    ) -> Template:
        return await self._queue(request, current_actor(request), status, page, done=bool(done))

    @post("/{complaint_id:int}/resolve")
    async def resolve(self, request: Request, complaint_id: FromPath[int]) -> Response[Any]:
        actor = current_actor(request)
        form = await forms.form_dict(request)
        try:
            await complaints.resolve(actor, complaint_id, forms.text(form, "resolution"))
        except NotFound:
            raise
        except DomainError as error:
            return await self._queue(
                request,
                actor,
                complaints.OPEN,
                1,
                status_code=error.status_code,
                form=form,
                failed_id=complaint_id,
                errors=forms.errors(request, error, shown=frozenset({"resolution"})),
            )
        return Redirect("/bureau/complaints?done=1")
