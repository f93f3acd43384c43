"""JSON controllers for matching, bookings, the job board and the visit (API.md "Bookings")."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody

from eldercare.booking import service, visits
from eldercare.booking.schemas import (
    AcceptIn,
    AwareDatetime,
    BookingCreate,
    BookingOut,
    BookingPage,
    CandidateOut,
    CheckInIn,
    CheckOutIn,
    ComplaintIn,
    ComplaintOut,
    MatchOut,
    RateIn,
    ReasonIn,
)
from eldercare.web.auth import CurrentActor, roles, signed_in
from eldercare.web.idempotency import idempotent
from eldercare.web.pagination import PageParams, provide_page

PAGE = {"page": Provide(provide_page, sync_to_thread=False)}
# Roles that can ever stand on the elder's side of a booking (403 for the others; whether this
# elder is theirs is the service's 404).
ELDER_SIDE = roles("resident", "family", "community_staff", "bureau_officer")
ELDER_SIDE_OR_PROVIDER = roles(
    "resident", "family", "community_staff", "bureau_officer", "provider_admin"
)


class MatchController(Controller):
    path = "/match"
    tags = ["bookings"]
    guards = [signed_in]

    @get("/")
    async def match(
        self,
        actor: CurrentActor,
        elder_id: FromQuery[int],
        service_code: FromQuery[str],
        start: FromQuery[AwareDatetime],
    ) -> MatchOut:
        found = await service.match(
            actor, elder_id=elder_id, service_code=service_code, start=start
        )
        return MatchOut(candidates=[CandidateOut.of(c) for c in found])


class BookingController(Controller):
    path = "/bookings"
    tags = ["bookings"]
    guards = [signed_in]
    dependencies = PAGE

    @post("/", status_code=201, guards=[ELDER_SIDE])
    async def create(
        self, request: Request, actor: CurrentActor, data: JSONBody[BookingCreate]
    ) -> BookingOut:
        async def create_booking() -> BookingOut:
            return BookingOut.of(
                await service.book(
                    actor,
                    elder_id=data.elder_id,
                    service_code=data.service_code,
                    start=data.start,
                    provider_id=data.provider_id,
                    notes=data.notes,
                    channel=data.channel,
                    default_channel="app",
                )
            )

        return await idempotent(request, actor, create_booking)

    @get("/")
    async def index(
        self,
        actor: CurrentActor,
        page: NamedDependency[PageParams],
        elder_id: FromQuery[int | None] = None,
        status: FromQuery[str | None] = None,
    ) -> BookingPage:
        items, total = await service.list_bookings(
            actor, elder_id=elder_id, status=status, limit=page.limit, offset=page.offset
        )
        return BookingPage(items=[BookingOut.of(b) for b in items], total=total)

    @get("/{booking_id:int}")
    async def detail(self, actor: CurrentActor, booking_id: FromPath[int]) -> BookingOut:
        return BookingOut.of(await service.get_booking(actor, booking_id))

    @post("/{booking_id:int}/accept", status_code=200, guards=[roles("provider_admin")])
    async def accept(
        self, actor: CurrentActor, booking_id: FromPath[int], data: JSONBody[AcceptIn]
    ) -> BookingOut:
        return BookingOut.of(await visits.accept(actor, booking_id, data.caregiver_id))

    @post("/{booking_id:int}/decline", status_code=200, guards=[roles("provider_admin")])
    async def decline(
        self, actor: CurrentActor, booking_id: FromPath[int], data: JSONBody[ReasonIn]
    ) -> BookingOut:
        return BookingOut.of(await visits.decline(actor, booking_id, data.reason))

    @post("/{booking_id:int}/cancel", status_code=200, guards=[ELDER_SIDE_OR_PROVIDER])
    async def cancel(
        self, actor: CurrentActor, booking_id: FromPath[int], data: JSONBody[ReasonIn]
    ) -> BookingOut:
        return BookingOut.of(await visits.cancel(actor, booking_id, data.reason))

    @post("/{booking_id:int}/withdraw", status_code=200, guards=[ELDER_SIDE])
    async def withdraw(self, actor: CurrentActor, booking_id: FromPath[int]) -> BookingOut:
        """Within minutes of booking: taken back as if never made (409 later: cancel instead)."""
        return BookingOut.of(await visits.withdraw(actor, booking_id))

    @post(
        "/{booking_id:int}/check-in", status_code=200, guards=[roles("caregiver", "provider_admin")]
    )
    async def check_in(
        self, actor: CurrentActor, booking_id: FromPath[int], data: JSONBody[CheckInIn]
    ) -> BookingOut:
        return BookingOut.of(await visits.check_in(actor, booking_id, data.lat, data.lon))

    @post(
        "/{booking_id:int}/check-out",
        status_code=200,
        guards=[roles("caregiver", "provider_admin")],
    )
    async def check_out(
        self, actor: CurrentActor, booking_id: FromPath[int], data: JSONBody[CheckOutIn]
    ) -> BookingOut:
        return BookingOut.of(await visits.check_out(actor, booking_id, data.notes))

    @post(
        "/{booking_id:int}/no-show", status_code=200, guards=[roles("caregiver", "provider_admin")]
    )
    async def no_show(self, actor: CurrentActor, booking_id: FromPath[int]) -> BookingOut:
        return BookingOut.of(await visits.mark_no_show(actor, booking_id))

    @post("/{booking_id:int}/rate", status_code=200, guards=[ELDER_SIDE])
    async def rate(
        self, actor: CurrentActor, booking_id: FromPath[int], data: JSONBody[RateIn]
    ) -> BookingOut:
        return BookingOut.of(await visits.rate(actor, booking_id, data.stars, data.comment))

    @post("/{booking_id:int}/confirm", status_code=200, guards=[ELDER_SIDE])
    async def confirm(self, actor: CurrentActor, booking_id: FromPath[int]) -> BookingOut:
        return BookingOut.of(await visits.confirm(actor, booking_id))

    @post("/{booking_id:int}/complaints", status_code=201, guards=[ELDER_SIDE])
    async def complain(
        self, actor: CurrentActor, booking_id: FromPath[int], data: JSONBody[ComplaintIn]
    ) -> ComplaintOut:
        return ComplaintOut(
            id=await visits.complain(actor, booking_id, data.text), booking_id=booking_id
        )


class JobController(Controller):
    path = "/jobs"
    tags = ["bookings"]
    guards = [roles("provider_admin")]
    dependencies = PAGE

    @get("/")
    async def index(self, actor: CurrentActor, page: NamedDependency[PageParams]) -> BookingPage:
        items, total = await service.job_board(actor, limit=page.limit, offset=page.offset)
        return BookingPage(items=[BookingOut.of(b) for b in items], total=total)
