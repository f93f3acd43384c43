"""JSON controllers for recurring series (API.md "Bookings": POST /series and its actions)."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody

from eldercare.booking import series, series_change, series_edits, series_preview, series_views
from eldercare.booking.series_schemas import (
    ChangeIn,
    OccurrenceOut,
    PreviewOut,
    SeriesCreate,
    SeriesOut,
    SeriesPage,
    SkipIn,
)
from eldercare.web.auth import CurrentActor, roles, signed_in
from eldercare.web.i18n import translator
from eldercare.web.idempotency import idempotent
from eldercare.web.locale import request_locale
from eldercare.web.pagination import PageParams, provide_page

BOOKERS = ("resident", "family", "community_staff", "bureau_officer")


def _words(request: Request):
    return translator(request_locale(request))


class SeriesController(Controller):
    path = "/series"
    tags = ["series"]
    guards = [signed_in]
    dependencies = {"page": Provide(provide_page, sync_to_thread=False)}

    @post("/", status_code=201, guards=[roles(*BOOKERS)])
    async def create(
        self, request: Request, actor: CurrentActor, data: JSONBody[SeriesCreate]
    ) -> SeriesOut:
        async def create_series() -> SeriesOut:
            made, created = await series.create_series(
                actor,
                elder_id=data.elder_id,
                service_code=data.service_code,
                rrule=data.rrule,
                start=data.start,
                provider_id=data.provider_id,
                caregiver_id=data.caregiver_id,
                skip_holidays=data.skip_holidays,
                drop_dates=data.drop_dates,
                notes=data.notes,
                channel=data.channel,
                default_channel="app",
            )
            return SeriesOut.of(made, _words(request), visits_created=created)

        return await idempotent(request, actor, create_series)

    @post("/preview", status_code=200, guards=[roles(*BOOKERS)])
    async def preview(
        self, request: Request, actor: CurrentActor, data: JSONBody[SeriesCreate]
    ) -> PreviewOut:
        plan, items = await series_preview.preview(
            actor,
            elder_id=data.elder_id,
            service_code=data.service_code,
            rrule=data.rrule,
            start=data.start,
            provider_id=data.provider_id,
            caregiver_id=data.caregiver_id,
            skip_holidays=data.skip_holidays,
        )
        words = _words(request)
        return PreviewOut(
            rule_text=plan.describe(words), occurrences=[OccurrenceOut.of(i, words) for i in items]
        )

    @get("/")
    async def index(
        self,
        request: Request,
        actor: CurrentActor,
        page: NamedDependency[PageParams],
        elder_id: FromQuery[int | None] = None,
        status: FromQuery[str | None] = None,
    ) -> SeriesPage:
        items, total = await series_views.list_series(
            actor, elder_id=elder_id, status=status, limit=page.limit, offset=page.offset
        )
        words = _words(request)
        return SeriesPage(items=[SeriesOut.of(s, words) for s in items], total=total)

    @get("/{series_id:int}")
    async def detail(
        self, request: Request, actor: CurrentActor, series_id: FromPath[int]
    ) -> SeriesOut:
        return SeriesOut.of(await series.get_series(actor, series_id), _words(request))

    @post("/{series_id:int}/pause", status_code=200, guards=[roles(*BOOKERS)])
    async def pause(
        self, request: Request, actor: CurrentActor, series_id: FromPath[int]
    ) -> SeriesOut:
        return SeriesOut.of(await series_edits.pause(actor, series_id), _words(request))

    @post("/{series_id:int}/resume", status_code=200, guards=[roles(*BOOKERS)])
    async def resume(
        self, request: Request, actor: CurrentActor, series_id: FromPath[int]
    ) -> SeriesOut:
        resumed, created = await series_edits.resume(actor, series_id)
        return SeriesOut.of(resumed, _words(request), visits_created=created)

    @post("/{series_id:int}/cancel", status_code=200, guards=[roles(*BOOKERS)])
    async def cancel(
        self, request: Request, actor: CurrentActor, series_id: FromPath[int]
    ) -> SeriesOut:
        return SeriesOut.of(await series_edits.cancel(actor, series_id), _words(request))

    @post("/{series_id:int}/skip", status_code=200, guards=[roles(*BOOKERS)])
    async def skip(
        self,
        request: Request,
        actor: CurrentActor,
        series_id: FromPath[int],
        data: JSONBody[SkipIn],
    ) -> SeriesOut:
        return SeriesOut.of(await series_edits.skip(actor, series_id, data.date), _words(request))

    @post("/{series_id:int}/change", status_code=200, guards=[roles(*BOOKERS)])
    async def change(
        self,
        request: Request,
        actor: CurrentActor,
        series_id: FromPath[int],
        data: JSONBody[ChangeIn],
    ) -> SeriesOut:
        changed, booking_id = await series_change.change(
            actor,
            series_id,
            scope=data.scope,
            day=data.date,
            new_time=data.time,
            caregiver_id=data.caregiver_id,
        )
        return SeriesOut.of(changed, _words(request), booking_id=booking_id)
