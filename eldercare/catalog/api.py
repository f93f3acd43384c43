"""JSON controllers for the service menu under /api/v1/catalog: parse, authorise, call, shape."""

from __future__ import annotations

from litestar import Controller, Request, get, patch, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody

from eldercare.catalog import service
from eldercare.catalog.domain import Entry
from eldercare.catalog.menus import Menu
from eldercare.catalog.schemas import (
    CatalogOut,
    Category,
    CategoryCreate,
    CategoryPage,
    CategoryUpdate,
    Item,
    ItemCreate,
    ItemPage,
    ItemUpdate,
    MenuPublish,
    RegionMenuOut,
    given,
)
from eldercare.web.auth import CurrentActor, roles
from eldercare.web.idempotency import idempotent
from eldercare.web.locale import request_locale
from eldercare.web.pagination import PageParams, provide_page

officer = roles("bureau_officer")

# The answer shaped from each cached menu, per language: the menu is read on every visit
# and shaping it cost as much as the rest of the request (bench/, issue 9). Keyed by region
# and locale (bounded by the gazetteer), valid while the menu cache hands out the same menu.
_SHAPED: dict[tuple[str | None, str], tuple[Menu, CatalogOut]] = {}


def _shaped(menu: Menu, locale: str) -> CatalogOut:
    hit = _SHAPED.get((menu.region_code, locale))
    if hit is not None and hit[0] is menu:
        return hit[1]
    out = CatalogOut.of(menu, locale)
    _SHAPED[(menu.region_code, locale)] = (menu, out)
    return out


class CatalogController(Controller):
    path = "/catalog"
    tags = ["catalog"]
    dependencies = {"page": Provide(provide_page, sync_to_thread=False)}

    @get("/")
    async def menu(self, request: Request, region_code: FromQuery[str | None] = None) -> CatalogOut:
        """The menu of a region (its own and inherited entries); without one, the guide menu."""
        menu = await service.region_menu(region_code.strip() if region_code else None)
        return _shaped(menu, request_locale(request))

    # --- items ----------------------------------------------------------------------------

    @get("/items")
    async def items(self, request: Request, page: NamedDependency[PageParams]) -> ItemPage:
        """Every item with its guide price, inactive ones too (for officers' tools)."""
        items = await service.all_items()
        locale = request_locale(request)
        chosen = items[page.offset : page.offset + page.limit]
        return ItemPage(items=[Item.of(i, locale) for i in chosen], total=len(items))

    @get("/items/{code:str}")
    async def item(self, request: Request, code: FromPath[str]) -> Item:
        return Item.of(await service.get_item(code), request_locale(request))

    @post("/items", status_code=201, guards=[officer])
    async def create_item(
        self, request: Request, actor: CurrentActor, data: JSONBody[ItemCreate]
    ) -> Item:
        async def create() -> Item:
            item = await service.create_item(actor, **given(data))
            return Item.of(item, request_locale(request))

        return await idempotent(request, actor, create)

    @patch("/items/{code:str}", guards=[officer])
    async def update_item(
        self, request: Request, actor: CurrentActor, code: FromPath[str], data: JSONBody[ItemUpdate]
    ) -> Item:
        item = await service.update_item(actor, code, given(data))
        return Item.of(item, request_locale(request))

    # --- categories -----------------------------------------------------------------------

    @get("/categories")
    async def categories(self, request: Request, page: NamedDependency[PageParams]) -> CategoryPage:
        """Every category, withdrawn ones too, in menu order."""
        categories = await service.all_categories()
        locale = request_locale(request)
        chosen = categories[page.offset : page.offset + page.limit]
        return CategoryPage(items=[Category.of(c, locale) for c in chosen], total=len(categories))

    @post("/categories", status_code=201, guards=[officer])
    async def create_category(
        self, request: Request, actor: CurrentActor, data: JSONBody[CategoryCreate]
    ) -> Category:
        async def create() -> Category:
            category = await service.create_category(actor, **given(data))
            return Category.of(category, request_locale(request))

        return await idempotent(request, actor, create)

    @patch("/categories/{code:str}", guards=[officer])
    async def update_category(
        self,
        request: Request,
        actor: CurrentActor,
        code: FromPath[str],
        data: JSONBody[CategoryUpdate],
    ) -> Category:
        category = await service.update_category(actor, code, given(data))
        return Category.of(category, request_locale(request))

    # --- regional menus -------------------------------------------------------------------

    @get("/menus/{region_code:str}")
    async def region_menu(self, request: Request, region_code: FromPath[str]) -> RegionMenuOut:
        """What the region's own menu sets, and the result with inheritance."""
        menu = await service.region_menu_detail(region_code)
        return RegionMenuOut.of(menu, request_locale(request))

    @put("/menus/{region_code:str}", guards=[officer])
    async def publish_menu(
        self,
        request: Request,
        actor: CurrentActor,
        region_code: FromPath[str],
        data: JSONBody[MenuPublish],
    ) -> RegionMenuOut:
        entries = [
            Entry(region_code, e.item_code, e.offered, e.price_cap_fen) for e in data.entries
        ]
        menu = await service.publish_menu(actor, region_code, entries)
        return RegionMenuOut.of(menu, request_locale(request))
