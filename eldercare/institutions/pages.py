"""HTML pages of the institution directory: the public search, and the bureau's upkeep forms."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from eldercare.actor import Actor
from eldercare.errors import Invalid
from eldercare.geo import service as geo
from eldercare.institutions import domain, forms, service
from eldercare.web.auth import current_actor, roles
from eldercare.web.i18n import translate
from eldercare.web.locale import request_locale
from eldercare.web.templating import render

PAGE_SIZE = 20


def _errors(request: Request, error: Invalid) -> dict[str, str]:
    """Each problem under the name of the form field it belongs beside."""
    locale = request_locale(request)
    errors: dict[str, str] = {}
    for problem in error.problems:
        name = forms.FORM_NAMES.get(problem.key, problem.key)
        errors.setdefault(name, translate(locale, problem.message, **problem.params))
    return errors


def _kinds(locale: str) -> list[tuple[str, str]]:
    return [(code, translate(locale, label)) for code, label in domain.KIND_LABELS.items()]


async def _regions(
    scope: str | None, levels: tuple[str, ...], locale: str
) -> list[tuple[str, str]]:
    """(code, "遂宁市 · 船山区 · 南津路街道") for the regions under ``scope`` (all when None)."""
    names = await geo.all_regions()

    def label(code: str) -> str:
        parts, region = [], names.get(code)
        while region is not None and region.level != "province":
            parts.append(region.name(locale))
            region = names.get(region.parent_code or "")
        return " · ".join(reversed(parts))

    regions = (
        await geo.regions_under(scope) if scope else sorted(names.values(), key=lambda r: r.code)
    )
    return [(r.code, label(r.code)) for r in regions if r.level in levels]


def _page_count(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


class InstitutionPages(Controller):
    path = "/institutions"
    include_in_schema = False

    @get("/")
    async def search(
        self,
        request: Request,
        region_code: FromQuery[str] = "",
        kind: FromQuery[str] = "",
        lat: FromQuery[str] = "",
        lon: FromQuery[str] = "",
        radius_km: FromQuery[str] = "",
        page: FromQuery[int] = 1,
    ) -> Template:
        locale = request_locale(request)
        page = max(page, 1)
        form = {
            "region_code": region_code,
            "kind": kind,
            "lat": lat,
            "lon": lon,
            "radius_km": radius_km or str(int(domain.DEFAULT_RADIUS_KM)),
        }
        problems: list = []
        point_given = bool(lat.strip() or lon.strip())
        items: list[service.InstitutionView] = []
        total, errors, status = 0, {}, 200
        try:
            items, total = await service.search(
                lat=forms.read_decimal(lat, "lat", problems),
                lon=forms.read_decimal(lon, "lon", problems),
                # The radius box is filled in by default; it counts only with a point.
                radius_km=forms.read_decimal(radius_km, "radius_km", problems)
                if point_given
                else None,
                region_code=region_code.strip() or None,
                kind=kind.strip() or None,
                limit=PAGE_SIZE,
                offset=(page - 1) * PAGE_SIZE,
                problems=problems,
            )
        except Invalid as error:
            errors, status = _errors(request, error), error.status_code
        query = {k: v for k, v in form.items() if v and (k != "radius_km" or point_given)}
        return render(
            request,
            "institutions/search.html",
            status_code=status,
            form=form,
            errors=errors,
            items=items,
            total=total,
            page=page,
            pages=_page_count(total),
            query_for=lambda p: urlencode({**query, "page": p}),
            point_given=point_given,
            kinds=_kinds(locale),
            kind_labels=dict(_kinds(locale)),
            regions=await _regions(None, ("city", "district"), locale),
        )


class BureauInstitutionPages(Controller):
    path = "/bureau/institutions"
    include_in_schema = False
    guards = [roles("bureau_officer")]

    async def _form_page(
        self, request: Request, actor: Actor, *, status_code: int = 200, **context: Any
    ) -> Template:
        locale = request_locale(request)
        return render(
            request,
            "institutions/form.html",
            status_code=status_code,
            kinds=_kinds(locale),
            regions=await _regions(
                actor.region_code, ("city", "district", "street", "community"), locale
            ),
            **context,
        )

    @get("/")
    async def index(
        self, request: Request, page: FromQuery[int] = 1, saved: FromQuery[int] = 0
    ) -> Template:
        actor = current_actor(request)
        page = max(page, 1)
        items, total = await service.list_for_officer(
            actor, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
        )
        locale = request_locale(request)
        return render(
            request,
            "institutions/bureau_list.html",
            items=items,
            total=total,
            page=page,
            pages=_page_count(total),
            saved=saved,
            kind_labels=dict(_kinds(locale)),
            regions=await geo.all_regions(),
        )

    @get("/new")
    async def new(self, request: Request) -> Template:
        return await self._form_page(request, current_actor(request), institution=None, form={})

    @post("/new")
    async def create(self, request: Request) -> Response[Any]:
        actor = current_actor(request)
        form = await _form(request)
        data, problems = forms.input_from_form(form)
        try:
            created = await service.create_institution(actor, data, problems=problems)
        except Invalid as error:
            return await self._form_page(
                request,
                actor,
                status_code=error.status_code,
                institution=None,
                form=form,
                errors=_errors(request, error),
            )
        return Redirect(f"/bureau/institutions?saved={created.id}")

    @get("/{institution_id:int}/edit")
    async def edit(self, request: Request, institution_id: FromPath[int]) -> Template:
        actor = current_actor(request)
        await service.ensure_maintainable(actor, institution_id)
        institution = await service.get_institution(institution_id, actor)
        return await self._form_page(
            request, actor, institution=institution, form=forms.form_values(institution)
        )

    @post("/{institution_id:int}/edit")
    async def update(self, request: Request, institution_id: FromPath[int]) -> Response[Any]:
        actor = current_actor(request)
        await service.ensure_maintainable(actor, institution_id)
        institution = await service.get_institution(institution_id, actor)
        form = await _form(request)
        data, problems = forms.input_from_form(form, editing=True)
        try:
            await service.update_institution(actor, institution_id, data, problems=problems)
        except Invalid as error:
            return await self._form_page(
                request,
                actor,
                status_code=error.status_code,
                institution=institution,
                form=form,
                errors=_errors(request, error),
            )
        return Redirect(f"/bureau/institutions?saved={institution_id}")


async def _form(request: Request) -> dict[str, Any]:
    raw = await request.form()
    return {key: raw.get(key) for key in raw if key != "_csrf_token"}
