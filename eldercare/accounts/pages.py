"""HTML pages for accounts and elders: sign in, register, my account, add an elder, registry."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from eldercare.accounts import domain, elders, service
from eldercare.accounts.elders import NEEDS, ElderInput
from eldercare.actor import Actor
from eldercare.errors import N_, DomainError, FieldProblem, Forbidden, Invalid
from eldercare.geo import service as geo
from eldercare.settings import get_settings
from eldercare.web.auth import SESSION_COOKIE, client_ip, current_actor, signed_in
from eldercare.web.i18n import translate
from eldercare.web.locale import ELDER_MODE_COOKIE, LANG_COOKIE, request_locale
from eldercare.web.pages import safe_next
from eldercare.web.pagination import MAX_LIMIT
from eldercare.web.templating import render

REGISTRY_PAGE_SIZE = 20


def field_errors(request: Request, error: DomainError) -> dict[str, str]:
    locale = request_locale(request)
    problems = error.problems or []
    if not problems:
        return {"__all__": translate(locale, error.message, **error.params)}
    return {p.key: translate(locale, p.message, **p.params) for p in problems}


def session_cookie(response: Response[Any], secret: str) -> None:
    settings = get_settings()
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )


async def _form(request: Request) -> dict[str, Any]:
    form = await request.form()
    return {key: form.get(key) for key in form}


class AccountPages(Controller):
    include_in_schema = False

    @get("/")
    async def home(self, request: Request) -> Template:
        return render(request, "home.html")

    @get("/login")
    async def login_form(self, request: Request, next: FromQuery[str] = "") -> Template:
        return render(request, "accounts/login.html", form={"next": safe_next(next, "/account")})

    @post("/login")
    async def login(self, request: Request) -> Response[Any]:
        form = await _form(request)
        try:
            result = await service.sign_in(
                phone=form.get("phone") or "",
                password=form.get("password") or "",
                kind="web",
                ip=client_ip(request),
                replaces=request.cookies.get(SESSION_COOKIE),
            )
        except DomainError as error:
            form.pop("password", None)
            page = render(
                request,
                "accounts/login.html",
                status_code=error.status_code,
                form=form,
                errors=field_errors(request, error),
            )
            page.headers.update(error.headers)  # Retry-After when locked out
            return page
        response = Redirect(safe_next(form.get("next"), "/account"))
        session_cookie(response, result.token)
        if result.user.locale:
            response.set_cookie(LANG_COOKIE, result.user.locale, samesite="lax", max_age=31536000)
        if result.user.elder_mode:
            response.set_cookie(ELDER_MODE_COOKIE, "1", samesite="lax", max_age=31536000)
        return response

    @post("/logout")
    async def logout(self, request: Request) -> Response[Any]:
        actor = request.scope.get("user")
        if actor is not None:
            await service.sign_out(actor)
        response = Redirect("/")
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @get("/register")
    async def register_form(self, request: Request) -> Template:
        return render(request, "accounts/register.html", form={"role": "resident"})

    @post("/register")
    async def register(self, request: Request) -> Response[Any]:
        form = await _form(request)
        try:
            await service.register(
                phone=form.get("phone") or "",
                password=form.get("password") or "",
                name=form.get("name") or "",
                role=form.get("role") or "resident",
                ip=client_ip(request),
            )
            result = await service.sign_in(
                phone=form.get("phone") or "",
                password=form.get("password") or "",
                kind="web",
                ip=client_ip(request),
            )
        except DomainError as error:
            form.pop("password", None)
            return render(
                request,
                "accounts/register.html",
                status_code=error.status_code,
                form=form,
                errors=field_errors(request, error),
            )
        response = Redirect("/account")
        session_cookie(response, result.token)
        return response

    @get("/account", guards=[signed_in])
    async def account(self, request: Request) -> Template:
        actor = current_actor(request)
        me = await service.get_user(actor)
        items, total = (
            await elders.list_elders(actor, limit=MAX_LIMIT) if not actor.is_staff else ([], 0)
        )
        return render(request, "accounts/account.html", me=me, elders=items)


async def _region_choices(actor: Actor, locale: str) -> list[tuple[str, str]]:
    scope = actor.region_code if actor.is_staff else "510000"
    regions = await geo.regions_under(scope or "510000")
    names = await geo.all_regions()

    def label(code: str) -> str:
        parts = []
        region = names.get(code)
        while region is not None and region.level not in ("province",):
            parts.append(region.name(locale))
            region = names.get(region.parent_code or "")
        return " · ".join(reversed(parts))

    return [
        (r.code, label(r.code)) for r in regions if r.level in ("district", "street", "community")
    ]


class ElderPages(Controller):
    path = "/elders"
    include_in_schema = False
    guards = [signed_in]

    async def _form_page(self, request: Request, actor: Actor, **context: Any) -> Template:
        locale = request_locale(request)
        return render(
            request,
            "elders/new.html",
            regions=await _region_choices(actor, locale),
            living_situations=domain.LIVING_SITUATIONS,
            relationships=[r for r in domain.RELATIONSHIPS],
            needs=NEEDS,
            **context,
        )

    @get("/new")
    async def new(self, request: Request) -> Template:
        return await self._form_page(request, current_actor(request), form={"needs": []})

    @post("/new")
    async def create(self, request: Request) -> Response[Any]:
        actor = current_actor(request)
        raw = await request.form()
        form = {key: raw.get(key) for key in raw}
        form["needs"] = raw.getall("needs", [])
        typed_wrong: list[FieldProblem] = []
        try:
            lat, lon = _coordinates(form)
        except Invalid as error:
            typed_wrong, lat, lon = error.problems, None, None
        data = ElderInput(
            name=form.get("name") or "",
            id_number=form.get("id_number") or "",
            address=form.get("address") or "",
            region_code=form.get("region_code") or "",
            phone=form.get("phone") or None,
            lat=lat,
            lon=lon,
            living_situation=form.get("living_situation") or None,
            relationship=form.get("relationship") or None,
            needs=list(form["needs"]),
            consent_health=form.get("consent_health") == "yes",
        )
        try:
            if typed_wrong:  # report them with every other problem of the form, store nothing
                await elders.check_input(actor, data, problems=typed_wrong)
            elder = await elders.add_elder(actor, data, channel="web")
        except DomainError as error:
            return await self._form_page(
                request,
                actor,
                status_code=error.status_code,
                form=form,
                errors=field_errors(request, error),
            )
        return Redirect(f"/elders/{elder.id}?created=1")

    @get("/{elder_id:int}/edit")
    async def edit_form(self, request: Request, elder_id: FromPath[int]) -> Template:
        actor = current_actor(request)
        elder = await elders.get_elder(actor, elder_id)
        form = {
            "name": elder.name,
            "address": elder.address,
            "region_code": elder.region_code,
            "living_situation": elder.living_situation or "",
            "needs": elder.needs,
            "lat": "" if elder.location_source == "region_centroid" else elder.lat,
            "lon": "" if elder.location_source == "region_centroid" else elder.lon,
            "conditions": [c for c in ("low_income", "disability") if getattr(elder, c)],
        }
        return await self._form_page(
            request,
            actor,
            form=form,
            editing=True,
            form_action=f"/elders/{elder_id}/edit",
            cancel_url=f"/elders/{elder_id}",
        )

    @post("/{elder_id:int}/edit")
    async def edit(self, request: Request, elder_id: FromPath[int]) -> Response[Any]:
        actor = current_actor(request)
        await elders.get_elder(actor, elder_id)  # 404 before reading anything else
        raw = await request.form()
        form = {key: raw.get(key) for key in raw}
        form["needs"] = raw.getall("needs", [])
        changes: dict[str, Any] = {
            "name": form.get("name") or "",
            "address": form.get("address") or "",
            "region_code": form.get("region_code") or "",
            "phone": form.get("phone") or None,
            "living_situation": form.get("living_situation") or None,
            "needs": list(form["needs"]),
            "consent_health": form.get("consent_health") == "yes",
        }
        if "phone" not in raw or not form.get(
            "phone"
        ):  # the form never shows the full number; keep it unless retyped
            changes.pop("phone")
        if actor.is_staff:
            form["conditions"] = raw.getall("conditions", [])
            changes.update(
                low_income="low_income" in form["conditions"],
                disability="disability" in form["conditions"],
            )
        try:
            lat, lon = _coordinates(form)
            if lat is not None or lon is not None:
                changes.update(lat=lat, lon=lon)
            await elders.update_elder(actor, elder_id, changes)
        except DomainError as error:
            return await self._form_page(
                request,
                actor,
                status_code=error.status_code,
                form=form,
                errors=field_errors(request, error),
                editing=True,
                form_action=f"/elders/{elder_id}/edit",
                cancel_url=f"/elders/{elder_id}",
            )
        return Redirect(f"/elders/{elder_id}?updated=1")

    @get("/{elder_id:int}")
    async def detail(
        self,
        request: Request,
        elder_id: FromPath[int],
        created: FromQuery[str] = "",
        updated: FromQuery[str] = "",
    ) -> Template:
        actor = current_actor(request)
        elder = await elders.get_elder(actor, elder_id)
        return render(
            request,
            "elders/detail.html",
            elder=elder,
            revealed=None,
            can_reveal=actor.is_staff,
            created=bool(created),
            updated=bool(updated),
            region=await geo.get_region(elder.region_code),
        )

    @post("/{elder_id:int}/reveal")
    async def reveal(self, request: Request, elder_id: FromPath[int]) -> Template:
        actor = current_actor(request)
        revealed = await elders.reveal_elder(actor, elder_id)
        elder = await elders.get_elder(actor, elder_id)
        return render(
            request,
            "elders/detail.html",
            elder=elder,
            revealed=revealed,
            can_reveal=True,
            created=False,
            region=await geo.get_region(elder.region_code),
        )


def _coordinates(form: dict[str, Any]) -> tuple[float | None, float | None]:
    """Typed latitude and longitude; both problems reported together."""
    values: dict[str, float | None] = {}
    problems = []
    for key in ("lat", "lon"):
        text = (form.get(key) or "").strip()
        try:
            values[key] = float(text) if text else None
        except ValueError:
            problems.append(FieldProblem(key, N_("Enter a number, like 30.52.")))
    if problems:
        raise Invalid.many(problems)
    return values["lat"], values["lon"]


class StaffPages(Controller):
    path = "/staff"
    include_in_schema = False
    guards = [signed_in]

    @get("/elders")
    async def registry(
        self, request: Request, q: FromQuery[str] = "", page: FromQuery[int] = 1
    ) -> Template:
        actor = current_actor(request)
        if not actor.is_staff:
            raise Forbidden(N_("Only community staff and bureau officers see the registry."))
        page = max(page, 1)
        items, total = await elders.list_elders(
            actor, query=q[:50], limit=REGISTRY_PAGE_SIZE, offset=(page - 1) * REGISTRY_PAGE_SIZE
        )
        pages = max(1, -(-total // REGISTRY_PAGE_SIZE))
        return render(
            request,
            "staff/registry.html",
            items=items,
            total=total,
            q=q,
            page=page,
            pages=pages,
            query_for=lambda p: urlencode({"q": q, "page": p}),
            regions=await geo.all_regions(),
        )
