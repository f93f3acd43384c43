"""JSON controllers of the institution directory under /api/v1: parse, authorise, call, shape."""

from __future__ import annotations

from litestar import Controller, Request, get, patch, post
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency, Provide
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromPath, FromQuery, JSONBody

from eldercare.institutions import service
from eldercare.institutions.domain import KIND_LABELS
from eldercare.institutions.schemas import (
    Institution,
    InstitutionCreate,
    InstitutionPage,
    InstitutionUpdate,
)
from eldercare.institutions.service import InstitutionView
from eldercare.web.auth import CurrentActor, current_actor, roles
from eldercare.web.i18n import translate
from eldercare.web.idempotency import idempotent
from eldercare.web.locale import request_locale
from eldercare.web.pagination import PageParams, provide_page


async def maintainable(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """A guard, so an institution outside the officer's region is 404 before the body is read."""
    await service.ensure_maintainable(
        current_actor(connection), connection.path_params["institution_id"]
    )


def _shape(request: Request, view: InstitutionView) -> Institution:
    return Institution.of(view, translate(request_locale(request), KIND_LABELS[view.kind]))


class InstitutionController(Controller):
    path = "/institutions"
    tags = ["institutions"]
    dependencies = {"page": Provide(provide_page, sync_to_thread=False)}

    @get("/")
    async def index(
        self,
        request: Request,
        page: NamedDependency[PageParams],
        lat: FromQuery[float | None] = None,
        lon: FromQuery[float | None] = None,
        radius_km: FromQuery[float | None] = None,
        region_code: FromQuery[str | None] = None,
        kind: FromQuery[str | None] = None,
    ) -> InstitutionPage:
        """Public: near a point (nearest first, with ``distance_km``), in a region, of a kind."""
        items, total = await service.search(
            lat=lat,
            lon=lon,
            radius_km=radius_km,
            region_code=region_code,
            kind=kind,
            limit=page.limit,
            offset=page.offset,
        )
        return InstitutionPage(items=[_shape(request, item) for item in items], total=total)

    @get("/{institution_id:int}")
    async def detail(self, request: Request, institution_id: FromPath[int]) -> Institution:
        view = await service.get_institution(institution_id, request.scope.get("user"))
        return _shape(request, view)

    @post("/", status_code=201, guards=[roles("bureau_officer")])
    async def create(
        self, request: Request, actor: CurrentActor, data: JSONBody[InstitutionCreate]
    ) -> Institution:
        async def create_institution() -> Institution:
            return _shape(request, await service.create_institution(actor, data.to_input()))

        return await idempotent(request, actor, create_institution)

    @patch("/{institution_id:int}", status_code=200, guards=[roles("bureau_officer"), maintainable])
    async def update(
        self,
        request: Request,
        actor: CurrentActor,
        institution_id: FromPath[int],
        data: JSONBody[InstitutionUpdate],
    ) -> Institution:
        view = await service.update_institution(actor, institution_id, data.to_input())
        return _shape(request, view)
