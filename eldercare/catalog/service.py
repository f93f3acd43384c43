"""Menu use cases: the bureau's edits (one transaction each, audited) and, re-exported from
menus.py, the reads other packages use (``get_item``, ``price_cap``, ``region_menu``).

Category edits live in categories.py and are re-exported here, so other packages need
only this module. Every write clears this process's menu cache once it has committed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from eldercare.actor import Actor
from eldercare.catalog import domain
from eldercare.catalog.categories import create_category, update_category
from eldercare.catalog.domain import CategoryInfo, Effective, Entry, ItemInfo
from eldercare.catalog.menus import (
    Menu,
    MenuCategory,
    MenuItem,
    RegionMenu,
    all_categories,
    all_items,
    clear_cache,
    get_category,
    get_item,
    price_cap,
    region_chain,
    region_menu,
    region_menu_detail,
)
from eldercare.catalog.tables import MenuEntry, ServiceCategory, ServiceItem
from eldercare.catalog.writing import (
    collect,
    is_unique_violation,
    record,
    require_officer,
    split_names,
)
from eldercare.db import write_transaction
from eldercare.errors import N_, Conflict, FieldProblem, Invalid, NotFound
from eldercare.geo.domain import region_contains

__all__ = [
    "CategoryInfo",
    "Effective",
    "Entry",
    "ItemInfo",
    "Menu",
    "MenuCategory",
    "MenuItem",
    "RegionMenu",
    "all_categories",
    "all_items",
    "clear_cache",
    "create_category",
    "create_item",
    "get_category",
    "get_item",
    "price_cap",
    "publish_menu",
    "region_chain",
    "region_menu",
    "region_menu_detail",
    "region_menu_for",
    "update_category",
    "update_item",
]

ITEM_FIELDS = (
    "code",
    "category_code",
    "name",
    "name_zh",
    "name_en",
    "unit",
    "duration_minutes",
    "price_fen",
    "subsidy_eligible",
    "skill",
    "active",
)


# --- Items ------------------------------------------------------------------------------------


async def _category_id(code: str, problems: list[FieldProblem]) -> int | None:
    row = (
        await ServiceCategory.select(ServiceCategory.id)
        .where(ServiceCategory.code == code)
        .first()
        .run()
    )
    if row is None:
        problems.append(
            FieldProblem(
                "category_code",
                N_("There is no service category with the code {code}."),
                {"code": code},
            )
        )
        return None
    return row["id"]


async def create_item(
    actor: Actor,
    *,
    code: str,
    category_code: str,
    unit: str,
    duration_minutes: int,
    price_fen: int,
    subsidy_eligible: bool = False,
    name: str | None = None,
    name_zh: str | None = None,
    name_en: str | None = None,
    skill: str | None = None,
    active: bool = True,
    now: datetime | None = None,
) -> ItemInfo:
    """Add an item to the menu; its skill defaults to its category's code."""
    require_officer(actor)
    now = now or datetime.now(UTC)
    given = {
        k: v
        for k, v in (("name", name), ("name_zh", name_zh), ("name_en", name_en))
        if v is not None
    }
    names, keys = split_names(given)
    problems: list[FieldProblem] = []
    if "name_zh" not in names:
        problems.append(FieldProblem("name", N_("Please enter the name shown on the menu.")))
    fields = {
        "code": code,
        **names,
        "unit": unit,
        "duration_minutes": duration_minutes,
        "price_fen": price_fen,
        **({"skill": skill} if skill is not None else {}),
    }
    cleaned = collect(problems, domain.clean_fields, fields, keys) or {}
    cleaned.setdefault("skill", category_code)
    category_id = await _category_id(category_code, problems)
    if problems:
        raise Invalid.many(problems)
    async with write_transaction():
        if await ServiceItem.exists().where(ServiceItem.code == cleaned["code"]).run():
            raise Conflict(N_("A service item with the code {code} already exists."), code=code)
        try:
            await ServiceItem.insert(
                ServiceItem(
                    **cleaned,
                    category=category_id,
                    subsidy_eligible=subsidy_eligible,
                    active=active,
                    created_at=now,
                    updated_at=now,
                )
            ).run()
        except Exception as error:
            if is_unique_violation(error):
                raise Conflict(
                    N_("A service item with the code {code} already exists."), code=code
                ) from error
            raise
        await record(
            actor,
            "catalog.item.create",
            "service_item",
            cleaned["code"],
            {
                **cleaned,
                "category_code": category_code,
                "subsidy_eligible": subsidy_eligible,
                "active": active,
            },
            now,
        )
    clear_cache()
    return await get_item(cleaned["code"])


async def update_item(
    actor: Actor, code: str, changes: dict[str, Any], *, now: datetime | None = None
) -> ItemInfo:
    """Change any of an item's fields; the code itself is its identity and cannot change."""
    require_officer(actor)
    now = now or datetime.now(UTC)
    unknown = [key for key in changes if key not in ITEM_FIELDS]
    if unknown:
        raise Invalid(unknown[0], N_("This field cannot be changed."))
    current = (
        await ServiceItem.select(
            ServiceItem.all_columns(), ServiceItem.category.code.as_alias("category_code")
        )
        .where(ServiceItem.code == code)
        .first()
        .run()
    )
    if current is None:
        raise NotFound(N_("There is no service item with the code {code}."), code=code)
    values, problems = await _item_changes(current, changes)
    if problems:
        raise Invalid.many(problems)
    async with write_transaction():
        if values:
            await (
                ServiceItem.update({**values, "updated_at": now})
                .where(ServiceItem.code == code)
                .run()
            )
        await record(
            actor,
            "catalog.item.update",
            "service_item",
            code,
            {k: v for k, v in changes.items() if k != "code"},
            now,
        )
    clear_cache()
    return await get_item(code)


async def _item_changes(
    current: dict[str, Any], changes: dict[str, Any]
) -> tuple[dict[str, Any], list[FieldProblem]]:
    """The column values an edit sets, with every problem found in it."""
    problems: list[FieldProblem] = []
    if "code" in changes and changes["code"] != current["code"]:
        problems.append(FieldProblem("code", N_("The code of an item cannot be changed.")))
    names, keys = split_names(changes, current)
    fields = {
        k: changes[k] for k in ("unit", "duration_minutes", "price_fen", "skill") if k in changes
    }
    cleaned = collect(problems, domain.clean_fields, {**names, **fields}, keys) or {}
    new_category = changes.get("category_code")
    if new_category is not None and new_category != current["category_code"]:
        category_id = await _category_id(new_category, problems)
        cleaned["category"] = category_id
        # An item whose skill was its category's follows the item into the new category.
        if "skill" not in changes and current["skill"] == current["category_code"]:
            cleaned["skill"] = new_category
    for flag in ("subsidy_eligible", "active"):
        if flag in changes:
            cleaned[flag] = bool(changes[flag])
    return cleaned, problems


# --- Regional menus ---------------------------------------------------------------------------


async def publish_menu(
    actor: Actor,
    region_code: str,
    entries: Sequence[Entry],
    *,
    drop_redundant: bool = False,
    now: datetime | None = None,
) -> RegionMenu:
    """Make a region's own menu exactly ``entries``; items it leaves out follow its parents.

    Officers publish only inside their own region; any other region is 404, as if it did
    not exist. ``drop_redundant`` (the publish page) keeps only the entries that differ
    from what the region would inherit.
    """
    now = now or datetime.now(UTC)
    before = await region_menu_for(actor, region_code)
    items = {
        row["code"]: row["id"]
        for row in await ServiceItem.select(ServiceItem.id, ServiceItem.code).run()
    }
    entries = [Entry(region_code, e.item_code, e.offered, e.price_cap_fen) for e in entries]
    domain.check_entries(entries, items)
    if drop_redundant:
        entries = [
            e
            for e in entries
            if e.item_code not in before.inherited
            or not domain.redundant(e, before.inherited[e.item_code])
        ]
    async with write_transaction():
        await _replace_entries(region_code, entries, items, now)
        await record(
            actor,
            "catalog.menu.publish",
            "menu",
            region_code,
            {
                "before": [_entry_detail(e) for e in before.entries],
                "after": [_entry_detail(e) for e in entries],
            },
            now,
        )
    clear_cache()
    return await region_menu_detail(region_code)


async def region_menu_for(actor: Actor, region_code: str) -> RegionMenu:
    """A region's menu for an officer to edit: 404 outside their region, as if it did not exist."""
    require_officer(actor)
    if not actor.region_code or not _within(actor.region_code, region_code):
        raise NotFound(N_("There is no region with the code {code}."), code=region_code)
    return await region_menu_detail(region_code)


async def _replace_entries(
    region_code: str, entries: list[Entry], item_ids: dict[str, int], now: datetime
) -> None:
    """The region's own entries become exactly ``entries`` (inside the caller's transaction).

    Two officers publishing one region at the same moment can collide on the unique
    (region, item) index on PostgreSQL: the later one is told to try again (409).
    """
    await MenuEntry.delete().where(MenuEntry.region_code == region_code).run()
    if not entries:
        return
    rows = [
        MenuEntry(
            region_code=region_code,
            item=item_ids[e.item_code],
            offered=e.offered,
            price_cap_fen=e.price_cap_fen,
            updated_at=now,
        )
        for e in entries
    ]
    try:
        await MenuEntry.insert(*rows).run()
    except Exception as error:
        if is_unique_violation(error):
            raise Conflict(
                N_("Someone else published this menu at the same moment. Please try again.")
            ) from error
        raise


def _within(scope: str, region_code: str) -> bool:
    try:
        return region_contains(scope, region_code)
    except ValueError:  # not a region code at all
        return False


def _entry_detail(entry: Entry) -> dict[str, Any]:
    return {"item": entry.item_code, "offered": entry.offered, "cap": entry.price_cap_fen}
