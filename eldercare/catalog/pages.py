"""HTML pages of the menu: the public /menu, and the bureau's pages under /bureau/catalog."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from eldercare.actor import Actor
from eldercare.catalog import domain, service
from eldercare.catalog.domain import UNITS, Entry
from eldercare.errors import N_, DomainError, FieldProblem, Invalid
from eldercare.geo import service as geo
from eldercare.web.auth import current_actor, roles
from eldercare.web.i18n import translate
from eldercare.web.locale import request_locale
from eldercare.web.templating import render

# Form inputs whose name differs from the field the service names in its errors.
_FORM_KEYS = {"price_fen": "price", "name": "name_zh"}
PUBLIC_LEVELS = ("city", "district")
OFFICER_LEVELS = ("province", "city", "district", "street")


def _errors(
    request: Request, error: DomainError, keys: dict[str, str] | None = None
) -> dict[str, str]:
    """Each problem translated and placed beside its form field; others above the form."""
    locale = request_locale(request)
    keys = {**_FORM_KEYS, **(keys or {})}
    if not error.problems:
        return {"__all__": translate(locale, error.message, **error.params)}
    return {
        keys.get(p.key, p.key): translate(locale, p.message, **p.params)
        for p in reversed(error.problems)
    }


async def _form(request: Request) -> dict[str, Any]:
    form = await request.form()
    return {key: form.get(key) for key in form}


async def _region_choices(
    request: Request, scope: str | None, levels: tuple[str, ...]
) -> list[tuple[str, str]]:
    locale = request_locale(request)
    regions = await geo.regions_under(scope) if scope else list((await geo.all_regions()).values())
    return [
        (r.code, r.name(locale)) for r in sorted(regions, key=lambda r: r.code) if r.level in levels
    ]


class MenuPages(Controller):
    """The public menu: no sign-in, big plain cards per category."""

    path = "/menu"
    include_in_schema = False

    @get("/")
    async def menu(self, request: Request, region_code: FromQuery[str] = "") -> Template:
        choices = await _region_choices(request, None, PUBLIC_LEVELS)
        chosen = region_code if region_code in {code for code, _ in choices} else ""
        menu = await service.region_menu(chosen or None)
        return render(
            request,
            "catalog/menu.html",
            menu=menu,
            regions=choices,
            region_code=chosen,
            unit_labels=domain.UNIT_LABELS,
        )


# --- The bureau's pages ---------------------------------------------------------------------


def _number(form: dict[str, Any], key: str, problems: list[FieldProblem]) -> int | None:
    text = (form.get(key) or "").strip()
    if text.isdigit() and len(text) < 10:
        return int(text)
    problems.append(FieldProblem(key, N_("Enter a whole number, such as 60.")))
    return None


def _price(form: dict[str, Any], key: str, problems: list[FieldProblem]) -> int | None:
    try:
        return domain.parse_yuan(form.get(key) or "", key)
    except Invalid as error:
        problems += error.problems
        return None


def _ticked(form: dict[str, Any], key: str) -> bool:
    """A tick box as posted ("on") or as already read back into the form (True)."""
    return form.get(key) in ("on", True)


def _item_values(form: dict[str, Any]) -> dict[str, Any]:
    """An item form as the service's fields; a blank English name follows the Chinese one."""
    problems: list[FieldProblem] = []
    values = {
        "category_code": form.get("category_code") or "",
        "name_zh": form.get("name_zh") or "",
        "unit": form.get("unit") or "",
        "duration_minutes": _number(form, "duration_minutes", problems),
        "price_fen": _price(form, "price", problems),
        "subsidy_eligible": _ticked(form, "subsidy_eligible"),
        "skill": (form.get("skill") or "").strip() or None,
    }
    if (form.get("name_en") or "").strip():
        values["name_en"] = form["name_en"]
    if problems:
        raise Invalid.many(problems)
    return values


def _item_form(item: domain.ItemInfo) -> dict[str, Any]:
    return {
        "code": item.code,
        "category_code": item.category_code,
        "name_zh": item.name_zh,
        "name_en": item.name_en,
        "unit": item.unit,
        "duration_minutes": item.duration_minutes,
        "price": domain.yuan_text(item.price_fen),
        "subsidy_eligible": item.subsidy_eligible,
        "skill": item.skill,
        "active": item.active,
    }


class BureauCatalogPages(Controller):
    """Officers keep the menu: items, and each region's offer and price caps."""

    path = "/bureau/catalog"
    include_in_schema = False
    guards = [roles("bureau_officer")]

    @get("/")
    async def index(self, request: Request, saved: FromQuery[str] = "") -> Template:
        actor = current_actor(request)
        return render(
            request,
            "catalog/bureau_items.html",
            items=await service.all_items(),
            categories={c.code: c for c in await service.all_categories()},
            regions=await _region_choices(request, actor.region_code, OFFICER_LEVELS),
            saved=saved,
            unit_labels=domain.UNIT_LABELS,
        )

    async def _item_page(
        self,
        request: Request,
        *,
        item: domain.ItemInfo | None,
        form: dict[str, Any],
        errors: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Template:
        return render(
            request,
            "catalog/item_form.html",
            status_code=status_code,
            item=item,
            form=form,
            errors=errors or {},
            units=UNITS,
            unit_labels=domain.UNIT_LABELS,
            categories=await service.all_categories(),
        )

    @get("/items/new")
    async def new_item(self, request: Request) -> Template:
        return await self._item_page(
            request, item=None, form={"unit": "visit", "subsidy_eligible": False}
        )

    @post("/items/new")
    async def create_item(self, request: Request) -> Response[Any]:
        form = await _form(request)
        form["subsidy_eligible"] = _ticked(form, "subsidy_eligible")
        try:
            item = await service.create_item(
                current_actor(request), code=form.get("code") or "", **_item_values(form)
            )
        except DomainError as error:
            return await self._item_page(
                request,
                item=None,
                form=form,
                status_code=error.status_code,
                errors=_errors(request, error, {"code": "code"}),
            )
        return Redirect(f"/bureau/catalog?saved={quote(item.code)}")

    @get("/items/{code:str}")
    async def edit_item(self, request: Request, code: FromPath[str]) -> Template:
        item = await service.get_item(code)
        return await self._item_page(request, item=item, form=_item_form(item))

    @post("/items/{code:str}")
    async def update_item(self, request: Request, code: FromPath[str]) -> Response[Any]:
        item = await service.get_item(code)  # 404 before reading the form
        form = await _form(request)
        form["subsidy_eligible"] = _ticked(form, "subsidy_eligible")
        form["active"] = _ticked(form, "active")
        try:
            values = _item_values(form)
            values.setdefault(
                "name_en", values["name_zh"] if item.name_en == item.name_zh else item.name_en
            )
            if values["skill"] is None:
                values.pop("skill")
            await service.update_item(
                current_actor(request), code, {**values, "active": form["active"]}
            )
        except DomainError as error:
            return await self._item_page(
                request,
                item=item,
                form={**form, "code": code},
                status_code=error.status_code,
                errors=_errors(request, error),
            )
        return Redirect(f"/bureau/catalog?saved={quote(code)}")

    # --- a region's menu --------------------------------------------------------------------

    @get("/menus")
    async def choose_region(
        self, request: Request, region_code: FromQuery[str] = ""
    ) -> Response[Any]:
        actor = current_actor(request)
        return Redirect(f"/bureau/catalog/menus/{quote(region_code or actor.region_code or '')}")

    async def _menu_page(
        self,
        request: Request,
        actor: Actor,
        region_code: str,
        *,
        form: dict[str, Any] | None = None,
        errors: dict[str, str] | None = None,
        status_code: int = 200,
        published: bool = False,
    ) -> Template:
        detail = await service.region_menu_for(actor, region_code)
        own = {e.item_code: e for e in detail.entries}
        return render(
            request,
            "catalog/publish.html",
            status_code=status_code,
            detail=detail,
            own=own,
            region=await geo.get_region(region_code),
            form=form or {},
            errors=errors or {},
            published=published,
            categories={c.code: c for c in await service.all_categories()},
            yuan=domain.yuan_text,
            unit_labels=domain.UNIT_LABELS,
        )

    @get("/menus/{region_code:str}")
    async def region_menu(
        self, request: Request, region_code: FromPath[str], published: FromQuery[str] = ""
    ) -> Template:
        return await self._menu_page(
            request, current_actor(request), region_code, published=bool(published)
        )

    @post("/menus/{region_code:str}")
    async def publish(self, request: Request, region_code: FromPath[str]) -> Response[Any]:
        actor = current_actor(request)
        detail = await service.region_menu_for(actor, region_code)
        form = await _form(request)
        codes = [e.item.code for e in detail.effective]
        try:
            entries = _menu_entries(form, region_code, codes)
            # Entries for items the table does not show (withdrawn ones) stay as they are.
            entries += [e for e in detail.entries if e.item_code not in codes]
            await service.publish_menu(actor, region_code, entries, drop_redundant=True)
        except DomainError as error:
            keys = {f"entries[{i}].price_cap_fen": f"cap-{code}" for i, code in enumerate(codes)}
            return await self._menu_page(
                request,
                actor,
                region_code,
                form=form,
                status_code=error.status_code,
                errors=_errors(request, error, keys),
            )
        return Redirect(f"/bureau/catalog/menus/{quote(region_code)}?published=1")


def _menu_entries(form: dict[str, Any], region_code: str, codes: list[str]) -> list[Entry]:
    """One entry per item row of the publish table: its tick box and its cap in yuan."""
    problems: list[FieldProblem] = []
    entries = []
    for code in codes:
        cap = None
        if (form.get(f"cap-{code}") or "").strip():
            cap = _price(form, f"cap-{code}", problems)
        entries.append(Entry(region_code, code, form.get(f"offered-{code}") == "on", cap))
    if problems:
        raise Invalid.many(problems)
    return entries
