"""JSON controllers for providers under /api/v1/providers: parse, authorise, call, shape."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, patch, post, put
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody

from eldercare.actor import Actor
from eldercare.providers import service
from eldercare.providers.schemas import (
    AvailabilityIn,
    AvailabilityOut,
    CaregiverCreate,
    CaregiverCreated,
    CaregiverOut,
    CaregiverPage,
    CaregiverPatch,
    CertificateIn,
    CertificateOut,
    Decision,
    DecisionOut,
    OfferingIn,
    OfferingOut,
    OfferingPage,
    ProviderCreate,
    ProviderCreated,
    ProviderOut,
    ProviderPage,
)
from eldercare.web.auth import CurrentActor, provide_optional_actor, roles, signed_in
from eldercare.web.idempotency import idempotent
from eldercare.web.locale import request_locale
from eldercare.web.pagination import PageParams, provide_page

Viewer = NamedDependency[Actor | None]


class ProviderController(Controller):
    path = "/providers"
    tags = ["providers"]
    dependencies = {
        "page": Provide(provide_page, sync_to_thread=False),
        "viewer": Provide(provide_optional_actor, sync_to_thread=False),
    }

    @post("/", status_code=201, guards=[signed_in])
    async def create(
        self, request: Request, actor: CurrentActor, data: JSONBody[ProviderCreate]
    ) -> ProviderCreated:
        async def register() -> ProviderCreated:
            view = await service.register_provider(actor, data.to_input())
            return ProviderCreated(id=view.id, status=view.status)

        return await idempotent(request, actor, register)

    @get("/")
    async def index(
        self,
        viewer: Viewer,
        page: NamedDependency[PageParams],
        status: FromQuery[str | None] = None,
    ) -> ProviderPage:
        items, total = await service.list_providers(
            viewer, status=status, limit=page.limit, offset=page.offset
        )
        return ProviderPage(items=[ProviderOut.of(v) for v in items], total=total)

    @get("/{provider_id:int}")
    async def detail(self, viewer: Viewer, provider_id: FromPath[int]) -> ProviderOut:
        return ProviderOut.of(await service.get_provider(viewer, provider_id))

    @post("/{provider_id:int}/approve", status_code=200, guards=[roles("bureau_officer")])
    async def approve(
        self,
        actor: CurrentActor,
        provider_id: FromPath[int],
        data: JSONBody[Decision | None] = None,
    ) -> DecisionOut:
        return await _decide(actor, provider_id, "approve", data)

    @post("/{provider_id:int}/reject", status_code=200, guards=[roles("bureau_officer")])
    async def reject(
        self,
        actor: CurrentActor,
        provider_id: FromPath[int],
        data: JSONBody[Decision | None] = None,
    ) -> DecisionOut:
        return await _decide(actor, provider_id, "reject", data)

    @post("/{provider_id:int}/suspend", status_code=200, guards=[roles("bureau_officer")])
    async def suspend(
        self,
        actor: CurrentActor,
        provider_id: FromPath[int],
        data: JSONBody[Decision | None] = None,
    ) -> DecisionOut:
        return await _decide(actor, provider_id, "suspend", data)

    # ----------------------------------------------------------------------- offerings

    @post(
        "/{provider_id:int}/offerings",
        status_code=201,
        guards=[roles("provider_admin")],
        responses={200: ResponseSpec(OfferingOut, description="Already offered: updated")},
    )
    async def offer(
        self,
        request: Request,
        actor: CurrentActor,
        provider_id: FromPath[int],
        data: JSONBody[OfferingIn],
    ) -> Response[OfferingOut]:
        """201 for a new offering; 200 when the provider already offered the item (updated)."""
        view, created = await service.set_offering(
            actor, provider_id, data.service_code, data.price_fen, active=data.active
        )
        return Response(
            OfferingOut.of(view, request_locale(request)), status_code=201 if created else 200
        )

    @get("/{provider_id:int}/offerings")
    async def offerings(
        self,
        request: Request,
        viewer: Viewer,
        provider_id: FromPath[int],
        page: NamedDependency[PageParams],
    ) -> OfferingPage:
        items, total = await service.list_offerings(
            viewer, provider_id, limit=page.limit, offset=page.offset
        )
        locale = request_locale(request)
        return OfferingPage(items=[OfferingOut.of(v, locale) for v in items], total=total)

    # ----------------------------------------------------------------------- caregivers

    @post("/{provider_id:int}/caregivers", status_code=201, guards=[roles("provider_admin")])
    async def add_caregiver(
        self,
        request: Request,
        actor: CurrentActor,
        provider_id: FromPath[int],
        data: JSONBody[CaregiverCreate],
    ) -> CaregiverCreated:
        async def add() -> CaregiverCreated:
            view = await service.add_caregiver(actor, provider_id, data.to_input())
            return CaregiverCreated(id=view.id)

        return await idempotent(request, actor, add)

    @get("/{provider_id:int}/caregivers", guards=[roles("provider_admin", "bureau_officer")])
    async def caregivers(
        self, actor: CurrentActor, provider_id: FromPath[int], page: NamedDependency[PageParams]
    ) -> CaregiverPage:
        items, total = await service.list_caregivers(
            actor, provider_id, limit=page.limit, offset=page.offset
        )
        return CaregiverPage(items=[CaregiverOut.of(v) for v in items], total=total)

    @get(
        "/{provider_id:int}/caregivers/{caregiver_id:int}",
        guards=[roles("provider_admin", "bureau_officer")],
    )
    async def caregiver(
        self, actor: CurrentActor, provider_id: FromPath[int], caregiver_id: FromPath[int]
    ) -> CaregiverOut:
        return CaregiverOut.of(await service.get_caregiver(actor, provider_id, caregiver_id))

    @patch("/{provider_id:int}/caregivers/{caregiver_id:int}", guards=[roles("provider_admin")])
    async def update_caregiver(
        self,
        actor: CurrentActor,
        provider_id: FromPath[int],
        caregiver_id: FromPath[int],
        data: JSONBody[CaregiverPatch],
    ) -> CaregiverOut:
        view = await service.update_caregiver(
            actor,
            provider_id,
            caregiver_id,
            name=data.name,
            phone=data.phone,
            skills=data.skills,
            active=data.active,
        )
        return CaregiverOut.of(view)

    @post(
        "/{provider_id:int}/caregivers/{caregiver_id:int}/certificates",
        status_code=201,
        guards=[roles("provider_admin")],
    )
    async def add_certificate(
        self,
        actor: CurrentActor,
        provider_id: FromPath[int],
        caregiver_id: FromPath[int],
        data: JSONBody[CertificateIn],
    ) -> CertificateOut:
        return CertificateOut.of(
            await service.add_certificate(actor, provider_id, caregiver_id, data.to_input())
        )

    @put(
        "/{provider_id:int}/caregivers/{caregiver_id:int}/availability",
        status_code=200,
        guards=[roles("provider_admin")],
    )
    async def set_availability(
        self,
        actor: CurrentActor,
        provider_id: FromPath[int],
        caregiver_id: FromPath[int],
        data: JSONBody[AvailabilityIn],
    ) -> AvailabilityOut:
        view = await service.set_availability(
            actor, provider_id, caregiver_id, data.entries(), data.days_off
        )
        return AvailabilityOut.of(view)

    @get(
        "/{provider_id:int}/caregivers/{caregiver_id:int}/availability",
        guards=[roles("provider_admin", "bureau_officer")],
    )
    async def availability(
        self, actor: CurrentActor, provider_id: FromPath[int], caregiver_id: FromPath[int]
    ) -> AvailabilityOut:
        return AvailabilityOut.of(await service.get_availability(actor, provider_id, caregiver_id))


async def _decide(
    actor: Actor, provider_id: int, action: str, data: Decision | None
) -> DecisionOut:
    view = await service.decide(actor, provider_id, action, data.reason if data else None)
    return DecisionOut(id=view.id, status=view.status, reason=view.status_reason or "")
