"""Request and response shapes of the catalog API (API.md, "Catalog")."""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec import UNSET, UnsetType

from eldercare.catalog.domain import UNIT_LABELS, CategoryInfo, Effective, ItemInfo
from eldercare.catalog.service import Menu, RegionMenu
from eldercare.web.i18n import translate


class Strict(msgspec.Struct, forbid_unknown_fields=True):
    """Request bodies refuse fields they do not know (no mass assignment)."""


def given(body: msgspec.Struct) -> dict[str, Any]:
    """The fields a PATCH body actually carries."""
    return {k: v for k, v in msgspec.structs.asdict(body).items() if v is not UNSET}


def unit_label(unit: str, locale: str) -> str:
    return translate(locale, UNIT_LABELS.get(unit, unit))


# --- Items ------------------------------------------------------------------------------------


class ItemCreate(Strict):
    code: str
    category_code: str
    name: str
    unit: str
    duration_minutes: int
    price_fen: int
    subsidy_eligible: bool
    skill: str | None = None
    name_zh: str | None = None
    name_en: str | None = None
    active: bool = True


class ItemUpdate(Strict):
    code: str | UnsetType = UNSET
    category_code: str | UnsetType = UNSET
    name: str | UnsetType = UNSET
    name_zh: str | UnsetType = UNSET
    name_en: str | UnsetType = UNSET
    unit: str | UnsetType = UNSET
    duration_minutes: int | UnsetType = UNSET
    price_fen: int | UnsetType = UNSET
    subsidy_eligible: bool | UnsetType = UNSET
    skill: str | UnsetType = UNSET
    active: bool | UnsetType = UNSET


class Item(msgspec.Struct):
    code: str
    category_code: str
    name: str
    name_zh: str
    name_en: str
    unit: str
    unit_label: str
    duration_minutes: int
    price_fen: int
    subsidy_eligible: bool
    skill: str
    active: bool

    @classmethod
    def of(cls, item: ItemInfo, locale: str) -> Item:
        return cls(
            code=item.code,
            category_code=item.category_code,
            name=item.name(locale),
            name_zh=item.name_zh,
            name_en=item.name_en,
            unit=item.unit,
            unit_label=unit_label(item.unit, locale),
            duration_minutes=item.duration_minutes,
            price_fen=item.price_fen,
            subsidy_eligible=item.subsidy_eligible,
            skill=item.skill,
            active=item.active,
        )


class ItemPage(msgspec.Struct):
    items: list[Item]
    total: int


# --- The public menu --------------------------------------------------------------------------


class MenuItemOut(msgspec.Struct):
    code: str
    name: str
    unit: str
    duration_minutes: int
    price_fen: int  # the region's cap
    subsidy_eligible: bool
    unit_label: str
    guide_price_fen: int
    name_zh: str
    name_en: str
    skill: str


class MenuCategoryOut(msgspec.Struct):
    code: str
    name: str
    items: list[MenuItemOut]
    name_zh: str
    name_en: str


class CatalogOut(msgspec.Struct):
    categories: list[MenuCategoryOut]
    region_code: str | None

    @classmethod
    def of(cls, menu: Menu, locale: str) -> CatalogOut:
        return cls(
            region_code=menu.region_code,
            categories=[
                MenuCategoryOut(
                    code=c.code,
                    name=c.name(locale),
                    name_zh=c.name_zh,
                    name_en=c.name_en,
                    items=[
                        MenuItemOut(
                            code=i.code,
                            name=i.name(locale),
                            unit=i.unit,
                            duration_minutes=i.duration_minutes,
                            price_fen=i.price_fen,
                            subsidy_eligible=i.subsidy_eligible,
                            unit_label=unit_label(i.unit, locale),
                            guide_price_fen=i.guide_price_fen,
                            name_zh=i.name_zh,
                            name_en=i.name_en,
                            skill=i.skill,
                        )
                        for i in c.items
                    ],
                )
                for c in menu.categories
            ],
        )


# --- Categories -------------------------------------------------------------------------------


class CategoryCreate(Strict):
    code: str
    name_zh: str | None = None
    name_en: str | None = None
    name: str | None = None
    sort_order: int = 100
    active: bool = True


class CategoryUpdate(Strict):
    code: str | UnsetType = UNSET
    name: str | UnsetType = UNSET
    name_zh: str | UnsetType = UNSET
    name_en: str | UnsetType = UNSET
    sort_order: int | UnsetType = UNSET
    active: bool | UnsetType = UNSET


class Category(msgspec.Struct):
    code: str
    name: str
    name_zh: str
    name_en: str
    sort_order: int
    active: bool

    @classmethod
    def of(cls, category: CategoryInfo, locale: str) -> Category:
        return cls(
            code=category.code,
            name=category.name(locale),
            name_zh=category.name_zh,
            name_en=category.name_en,
            sort_order=category.sort_order,
            active=category.active,
        )


class CategoryPage(msgspec.Struct):
    items: list[Category]
    total: int


# --- Regional menus ---------------------------------------------------------------------------


class MenuEntryIn(Strict):
    item_code: str
    offered: bool = True
    price_cap_fen: int | None = None


class MenuPublish(Strict):
    entries: list[MenuEntryIn]


class MenuEntryOut(msgspec.Struct):
    item_code: str
    offered: bool
    price_cap_fen: int | None


class EffectiveOut(msgspec.Struct):
    item_code: str
    category_code: str
    name: str
    offered: bool
    price_fen: int  # the cap that applies here
    guide_price_fen: int
    decided_by: str | None  # the region whose entry decided; None: the guide price

    @classmethod
    def of(cls, effective: Effective, locale: str) -> EffectiveOut:
        item = effective.item
        return cls(
            item_code=item.code,
            category_code=item.category_code,
            name=item.name(locale),
            offered=effective.offered,
            price_fen=effective.price_cap_fen,
            guide_price_fen=item.price_fen,
            decided_by=effective.decided_by,
        )


class RegionMenuOut(msgspec.Struct):
    region_code: str
    entries: list[MenuEntryOut]
    effective: list[EffectiveOut]

    @classmethod
    def of(cls, menu: RegionMenu, locale: str) -> RegionMenuOut:
        return cls(
            region_code=menu.region_code,
            entries=[MenuEntryOut(e.item_code, e.offered, e.price_cap_fen) for e in menu.entries],
            effective=[EffectiveOut.of(e, locale) for e in menu.effective],
        )
