"""HTML pages: registering a provider, the provider admin's dashboard, the bureau's queue."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from eldercare.actor import Actor
from eldercare.errors import N_, DomainError, NotFound
from eldercare.geo import service as geo
from eldercare.providers import domain, forms, service
from eldercare.web.auth import current_actor, roles, signed_in
from eldercare.web.i18n import translate
from eldercare.web.locale import request_locale
from eldercare.web.templating import render

QUEUE_PAGE_SIZE = 20


def _errors(request: Request, error: DomainError) -> dict[str, str]:
    """Each problem beside its form field; a problem with no field goes to the form's top."""
    locale = request_locale(request)
    if not error.problems:
        return {"__all__": translate(locale, error.message, **error.params)}
    found: dict[str, str] = {}
    for problem in error.problems:
        name = forms.FORM_NAMES.get(problem.key, problem.key)
        found.setdefault(name, translate(locale, problem.message, **problem.params))
    return found


async def _form(request: Request) -> tuple[dict[str, Any], Any]:
    raw = await request.form()
    return {key: raw.get(key) for key in raw if key != "_csrf_token"}, raw


def _all(raw: Any, key: str) -> list[str]:
    return [v for v in raw.getall(key, []) if isinstance(v, str)] if hasattr(raw, "getall") else []


async def _region_choices(locale: str, levels: tuple[str, ...]) -> list[tuple[str, str]]:
    names = await geo.all_regions()

    def label(code: str) -> str:
        parts, region = [], names.get(code)
        while region is not None and region.level != "province":
            parts.append(region.name(locale))
            region = names.get(region.parent_code or "")
        return " · ".join(reversed(parts))

    return [
        (r.code, label(r.code))
        for r in sorted(names.values(), key=lambda r: r.code)
        if r.level in levels
    ]


class ProviderRegisterPages(Controller):
    path = "/providers"
    include_in_schema = False
    guards = [signed_in]

    async def _page(self, request: Request, *, status_code: int = 200, **context: Any) -> Template:
        locale = request_locale(request)
        return render(
            request,
            "providers/register.html",
            status_code=status_code,
            regions=await _region_choices(locale, ("city", "district", "street")),
            districts=await _region_choices(locale, ("district",)),
            **context,
        )

    @get("/register")
    async def form(self, request: Request) -> Template:
        return await self._page(request, form={"service_radius_km": "5", "districts": []})

    @post("/register")
    async def register(self, request: Request) -> Response[Any]:
        actor = current_actor(request)
        form, raw = await _form(request)
        form["districts"] = _all(raw, "districts")
        try:
            await service.register_provider(actor, forms.provider_input(form, form["districts"]))
        except DomainError as error:
            return await self._page(
                request, status_code=error.status_code, form=form, errors=_errors(request, error)
            )
        return Redirect("/provider?registered=1")


class ProviderDashboardPages(Controller):
    """The provider admin's own organisation: offerings, team, and each caregiver's hours."""

    path = "/provider"
    include_in_schema = False
    guards = [signed_in]

    async def _dashboard(
        self, request: Request, actor: Actor, *, status_code: int = 200, **context: Any
    ) -> Template:
        board = await service.dashboard(actor)
        if board is None:
            return render(request, "providers/none.html", status_code=status_code)
        context.setdefault("form", {"skills": []})
        return render(
            request,
            "providers/dashboard.html",
            status_code=status_code,
            board=board,
            skills=domain.KNOWN_SKILLS,
            regions=await geo.all_regions(),
            **context,
        )

    @get("/")
    async def index(
        self, request: Request, registered: FromQuery[int] = 0, saved: FromQuery[str] = ""
    ) -> Template:
        return await self._dashboard(
            request, current_actor(request), registered=registered, saved=saved
        )

    @post("/offerings")
    async def offer(self, request: Request) -> Response[Any]:
        actor = current_actor(request)
        form, _ = await _form(request)
        try:
            await service.set_offering(
                actor,
                actor.provider_id or 0,
                forms.text(form, "service_code"),
                forms.price_fen(form),
                active=form.get("active", "1") == "1",
            )
        except DomainError as error:
            return await self._dashboard(
                request,
                actor,
                status_code=error.status_code,
                form=form,
                failed="offering",
                errors=_errors(request, error),
            )
        return Redirect("/provider?saved=offering#offerings")

    @post("/caregivers")
    async def add_caregiver(self, request: Request) -> Response[Any]:
        actor = current_actor(request)
        form, raw = await _form(request)
        form["skills"] = _all(raw, "skills")
        try:
            caregiver = await service.add_caregiver(
                actor, actor.provider_id or 0, forms.caregiver_input(form, form["skills"])
            )
        except DomainError as error:
            return await self._dashboard(
                request,
                actor,
                status_code=error.status_code,
                form=form,
                failed="caregiver",
                errors=_errors(request, error),
            )
        return Redirect(f"/provider/caregivers/{caregiver.id}?saved=added")

    async def _caregiver(
        self,
        request: Request,
        actor: Actor,
        caregiver_id: int,
        *,
        status_code: int = 200,
        **context: Any,
    ) -> Template:
        provider_id = actor.provider_id or 0
        caregiver = await service.get_caregiver(actor, provider_id, caregiver_id)
        if "form" not in context:
            hours = await service.get_availability(actor, provider_id, caregiver_id)
            context["form"] = forms.availability_form(hours)
        return render(
            request,
            "providers/caregiver.html",
            status_code=status_code,
            caregiver=caregiver,
            slots=forms.slot_counts(context["form"]),
            **context,
        )

    @get("/caregivers/{caregiver_id:int}")
    async def caregiver(
        self, request: Request, caregiver_id: FromPath[int], saved: FromQuery[str] = ""
    ) -> Template:
        return await self._caregiver(request, _provider_admin(request), caregiver_id, saved=saved)

    @post("/caregivers/{caregiver_id:int}/hours")
    async def hours(self, request: Request, caregiver_id: FromPath[int]) -> Response[Any]:
        actor = _provider_admin(request)
        form, _ = await _form(request)
        try:
            await service.set_availability(
                actor,
                actor.provider_id or 0,
                caregiver_id,
                forms.weekly_entries(form),
                forms.days_off(form),
            )
        except DomainError as error:
            return await self._caregiver(
                request,
                actor,
                caregiver_id,
                status_code=error.status_code,
                form=form,
                failed="hours",
                errors=_errors(request, error),
            )
        return Redirect(f"/provider/caregivers/{caregiver_id}?saved=hours")

    @post("/caregivers/{caregiver_id:int}/certificates")
    async def certificate(self, request: Request, caregiver_id: FromPath[int]) -> Response[Any]:
        actor = _provider_admin(request)
        form, _ = await _form(request)
        try:
            await service.add_certificate(
                actor, actor.provider_id or 0, caregiver_id, forms.certificate_input(form)
            )
        except DomainError as error:
            hours = await service.get_availability(actor, actor.provider_id or 0, caregiver_id)
            return await self._caregiver(
                request,
                actor,
                caregiver_id,
                status_code=error.status_code,
                form={**forms.availability_form(hours), **form},
                failed="certificate",
                errors=_errors(request, error),
            )
        return Redirect(f"/provider/caregivers/{caregiver_id}?saved=certificate")

    @post("/caregivers/{caregiver_id:int}/active")
    async def active(self, request: Request, caregiver_id: FromPath[int]) -> Response[Any]:
        actor = _provider_admin(request)
        form, _ = await _form(request)
        await service.update_caregiver(
            actor, actor.provider_id or 0, caregiver_id, active=form.get("active") == "1"
        )
        return Redirect(f"/provider/caregivers/{caregiver_id}?saved=active")


def _provider_admin(request: Request) -> Actor:
    actor = current_actor(request)
    if actor.provider_id is None or not actor.has_role("provider_admin"):
        raise NotFound(N_("No such caregiver."))
    return actor


class BureauProviderPages(Controller):
    """The bureau's queue: pending applications first, each with its decision forms."""

    path = "/bureau/providers"
    include_in_schema = False
    guards = [roles("bureau_officer")]

    async def _queue(
        self,
        request: Request,
        *,
        status: str = "",
        page: int = 1,
        status_code: int = 200,
        **context: Any,
    ) -> Template:
        actor = current_actor(request)
        page = max(page, 1)
        items, total = await service.list_providers(
            actor, status=status or None, limit=QUEUE_PAGE_SIZE, offset=(page - 1) * QUEUE_PAGE_SIZE
        )
        return render(
            request,
            "providers/queue.html",
            status_code=status_code,
            items=items,
            total=total,
            status=status,
            statuses=domain.STATUSES,
            page=page,
            pages=max(1, -(-total // QUEUE_PAGE_SIZE)),
            regions=await geo.all_regions(),
            **context,
        )

    @get("/")
    async def index(
        self,
        request: Request,
        status: FromQuery[str] = "",
        page: FromQuery[int] = 1,
        done: FromQuery[int] = 0,
    ) -> Template:
        status = status if status in domain.STATUSES else ""
        return await self._queue(request, status=status, page=page, done=done)

    @post("/{provider_id:int}/{action:str}")
    async def decide(
        self, request: Request, provider_id: FromPath[int], action: FromPath[str]
    ) -> Response[Any]:
        if action not in domain.ACTIONS:
            raise NotFound(N_("Not found."))
        form, _ = await _form(request)
        try:
            await service.decide(
                current_actor(request), provider_id, action, forms.text(form, "reason")
            )
        except DomainError as error:
            if error.status_code == 404:
                raise
            return await self._queue(
                request,
                status_code=error.status_code,
                failed=provider_id,
                failed_action=action,
                form=form,
                errors=_errors(request, error),
            )
        return Redirect(f"/bureau/providers?done={provider_id}#provider-{provider_id}")
