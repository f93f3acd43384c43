"""Reading the menu: items, categories and regional menus (cached). Use it through service.py.

Other packages use ``get_item``, ``price_cap`` and ``region_menu``. The computed menu of a
region is cached in the process: it is read on every menu page and API call, changes
rarely, and takes several queries to build. Writes in this
process clear the cache; entries also expire after ``CACHE_SECONDS`` so that other
processes' writes show up soon.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from eldercare.catalog import domain
from eldercare.catalog.domain import CategoryInfo, Effective, Entry, ItemInfo
from eldercare.catalog.tables import MenuEntry, ServiceCategory, ServiceItem
from eldercare.db import fetch
from eldercare.errors import N_, Invalid, NotFound
from eldercare.geo import service as geo
from eldercare.geo.domain import region_contains

CACHE_SECONDS = 5.0

# --- Shapes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MenuItem:
    """An item as a region's menu shows it: ``price_fen`` is the region's cap."""

    code: str
    category_code: str
    name_zh: str
    name_en: str
    unit: str
    duration_minutes: int
    price_fen: int
    guide_price_fen: int
    subsidy_eligible: bool
    skill: str
    decided_by: str | None

    def name(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") else self.name_zh


@dataclass(frozen=True)
class MenuCategory:
    code: str
    name_zh: str
    name_en: str
    items: tuple[MenuItem, ...]

    def name(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") else self.name_zh


@dataclass(frozen=True)
class Menu:
    """Active categories with the items offered in a region (None: the guide menu)."""

    region_code: str | None
    categories: tuple[MenuCategory, ...]

    def item(self, code: str) -> MenuItem | None:
        return next((i for c in self.categories for i in c.items if i.code == code), None)


@dataclass(frozen=True)
class RegionMenu:
    """What a region's own menu sets, what it inherits, and the result (for the publish page)."""

    region_code: str
    entries: tuple[Entry, ...]
    effective: tuple[Effective, ...]
    inherited: dict[str, Effective] = field(default_factory=dict)


# --- The cache ----------------------------------------------------------------------------------

_cache: dict[str, tuple[float, Menu]] = {}
_generation = 0


def clear_cache() -> None:
    """Forget every computed menu (after a write, or when a test empties the tables)."""
    global _generation
    _generation += 1
    _cache.clear()


# --- Reading ------------------------------------------------------------------------------------

_ITEM_COLUMNS = (
    ServiceItem.code,
    ServiceItem.category.code.as_alias("category_code"),
    ServiceItem.name_zh,
    ServiceItem.name_en,
    ServiceItem.unit,
    ServiceItem.duration_minutes,
    ServiceItem.price_fen,
    ServiceItem.subsidy_eligible,
    ServiceItem.skill,
    ServiceItem.active,
)


def _item(row: dict[str, Any]) -> ItemInfo:
    return ItemInfo(**{name: row[name] for name in ItemInfo.__dataclass_fields__})


def _category(row: dict[str, Any]) -> CategoryInfo:
    return CategoryInfo(**{name: row[name] for name in CategoryInfo.__dataclass_fields__})


async def all_items() -> list[ItemInfo]:
    """Every item, inactive ones too, in menu order (by category, then as they were added)."""
    rows = await (
        ServiceItem.select(*_ITEM_COLUMNS)
        .order_by(ServiceItem.category.sort_order)
        .order_by(ServiceItem.category.code)
        .order_by(ServiceItem.id)
        .run()
    )
    return [_item(row) for row in rows]


async def all_categories() -> list[CategoryInfo]:
    rows = (
        await ServiceCategory.select()
        .order_by(ServiceCategory.sort_order)
        .order_by(ServiceCategory.code)
        .run()
    )
    return [_category(row) for row in rows]


async def _item_row(code: str) -> dict[str, Any] | None:
    """One item with its category's code and ``category_active``, in plain SQL: bookings,
    acceptances and matching read items and price caps over and over, and building Piccolo's
    joined select cost five times the query itself."""
    rows = await fetch(
        "SELECT i.code, c.code AS category_code, i.name_zh, i.name_en, i.unit, "
        "i.duration_minutes, i.price_fen, i.subsidy_eligible, i.skill, i.active, "
        "c.active AS category_active FROM service_item i "
        "JOIN service_category c ON c.id = i.category WHERE i.code = {}",
        code,
    )
    return rows[0] if rows else None


async def get_item(code: str) -> ItemInfo:
    row = await _item_row(code)
    if row is None:
        raise NotFound(N_("There is no service item with the code {code}."), code=code)
    return _item(row)


async def get_category(code: str) -> CategoryInfo:
    row = await ServiceCategory.select().where(ServiceCategory.code == code).first().run()
    if row is None:
        raise NotFound(N_("There is no service category with the code {code}."), code=code)
    return _category(row)


async def region_chain(region_code: str) -> list[str] | None:
    """The region and its ancestors, nearest first; None when the region is not known.

    A code below the gazetteer (a community we do not list) hangs under the deepest known
    region that contains it, so its menu is still its street's or district's.
    """
    regions = await geo.all_regions()
    parents = {code: region.parent_code for code, region in regions.items()}
    if region_code in regions:
        return domain.region_chain(region_code, parents)
    try:
        holders = [code for code in regions if region_contains(code, region_code)]
    except ValueError:
        return None
    if not holders:
        return None
    deepest = max(holders, key=lambda code: (len(domain.region_chain(code, parents)), code))
    return [region_code, *domain.region_chain(deepest, parents)]


async def entries_in(chain: list[str], item_code: str | None = None) -> list[Entry]:
    if not chain:
        return []
    query = MenuEntry.select(
        MenuEntry.region_code,
        MenuEntry.item.code.as_alias("item_code"),
        MenuEntry.offered,
        MenuEntry.price_cap_fen,
    ).where(MenuEntry.region_code.is_in(chain))
    if item_code is not None:
        query = query.where(MenuEntry.item.code == item_code)
    return [Entry(**row) for row in await query.run()]


async def price_cap(item_code: str, region_code: str) -> int | None:
    """The most a provider may charge for the item in the region; None if it is not offered there.

    Read fresh (two small queries) rather than from the menu cache: it guards writes
    (offerings, bookings), where a stale answer would let a wrong price through.
    """
    # Plain SQL: matching asks this for each provider region it meets.
    row = await _item_row(item_code)
    if row is None or not row["category_active"]:
        return None
    chain = await region_chain(region_code) or [region_code]
    entries = [
        Entry(**row)
        for row in await fetch(
            "SELECT e.region_code, i.code AS item_code, e.offered, e.price_cap_fen "
            "FROM menu_entry e JOIN service_item i ON i.id = e.item "
            f"WHERE i.code = {{}} AND e.region_code IN ({', '.join('{}' for _ in chain)})",
            item_code,
            *chain,
        )
    ]
    return domain.price_cap(_item(row), entries, chain)


async def _chain_or_invalid(region_code: str) -> list[str]:
    """A region of the gazetteer (elders' regions always are), else 422 naming region_code.

    Being strict here also bounds the cache: one entry per known region at most.
    """
    chain = await region_chain(region_code)
    if chain is None or region_code not in await geo.all_regions():
        raise Invalid(
            "region_code", N_("There is no region with the code {code}."), code=region_code
        )
    return chain


async def region_menu(region_code: str | None) -> Menu:
    """The menu of a region (or, for None, the guide menu), from the cache when fresh."""
    key = region_code or ""
    hit = _cache.get(key)  # at most one entry per gazetteer region (see _chain_or_invalid)
    if hit is not None and time.monotonic() - hit[0] < CACHE_SECONDS:
        return hit[1]
    generation = _generation
    chain = await _chain_or_invalid(region_code) if region_code else []
    menu = _build_menu(
        region_code or None,
        await all_categories(),
        await all_items(),
        await entries_in(chain),
        chain,
    )
    if generation == _generation:  # a write meanwhile may have made this menu stale already
        _cache[key] = (time.monotonic(), menu)
    return menu


def _build_menu(
    region_code: str | None,
    categories: list[CategoryInfo],
    items: list[ItemInfo],
    entries: list[Entry],
    chain: list[str],
) -> Menu:
    offered: dict[str, list[MenuItem]] = {}
    for effective in domain.effective_menu(items, entries, chain):
        if effective.offered:
            offered.setdefault(effective.item.category_code, []).append(_menu_item(effective))
    return Menu(
        region_code,
        tuple(
            MenuCategory(c.code, c.name_zh, c.name_en, tuple(offered[c.code]))
            for c in categories
            if c.active and offered.get(c.code)
        ),
    )


def _menu_item(effective: Effective) -> MenuItem:
    item = effective.item
    return MenuItem(
        code=item.code,
        category_code=item.category_code,
        name_zh=item.name_zh,
        name_en=item.name_en,
        unit=item.unit,
        duration_minutes=item.duration_minutes,
        price_fen=effective.price_cap_fen,
        guide_price_fen=item.price_fen,
        subsidy_eligible=item.subsidy_eligible,
        skill=item.skill,
        decided_by=effective.decided_by,
    )


async def region_menu_detail(region_code: str) -> RegionMenu:
    """A region's own entries, what it would inherit without them, and the effective menu."""
    chain = await region_chain(region_code)
    if chain is None or region_code not in await geo.all_regions():
        raise NotFound(N_("There is no region with the code {code}."), code=region_code)
    open_categories = {c.code for c in await all_categories() if c.active}
    items = [i for i in await all_items() if i.active and i.category_code in open_categories]
    entries = await entries_in(chain)
    own = tuple(
        sorted((e for e in entries if e.region_code == region_code), key=lambda e: e.item_code)
    )
    parents = [e for e in entries if e.region_code != region_code]
    return RegionMenu(
        region_code=region_code,
        entries=own,
        effective=tuple(domain.effective_menu(items, entries, chain)),
        inherited={e.item.code: e for e in domain.effective_menu(items, parents, chain[1:])},
    )
