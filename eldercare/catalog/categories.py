"""The bureau's edits to menu categories (one transaction each, audited)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from eldercare.actor import Actor
from eldercare.catalog import domain
from eldercare.catalog.domain import CategoryInfo
from eldercare.catalog.menus import clear_cache, get_category
from eldercare.catalog.tables import ServiceCategory
from eldercare.catalog.writing import collect, record, require_officer, split_names
from eldercare.db import write_transaction
from eldercare.errors import N_, Conflict, FieldProblem, Invalid, NotFound

CATEGORY_FIELDS = ("code", "name", "name_zh", "name_en", "sort_order", "active")


async def create_category(
    actor: Actor,
    *,
    code: str,
    name_zh: str | None = None,
    name_en: str | None = None,
    name: str | None = None,
    sort_order: int = 100,
    active: bool = True,
    now: datetime | None = None,
) -> CategoryInfo:
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
        problems.append(FieldProblem("name_zh", N_("Please enter the name shown on the menu.")))
    cleaned = (
        collect(
            problems, domain.clean_fields, {"code": code, **names, "sort_order": sort_order}, keys
        )
        or {}
    )
    if problems:
        raise Invalid.many(problems)
    async with write_transaction():
        if await ServiceCategory.exists().where(ServiceCategory.code == cleaned["code"]).run():
            raise Conflict(N_("A service category with the code {code} already exists."), code=code)
        await ServiceCategory.insert(ServiceCategory(**cleaned, active=active)).run()
        await record(
            actor,
            "catalog.category.create",
            "service_category",
            cleaned["code"],
            {**cleaned, "active": active},
            now,
        )
    clear_cache()
    return await get_category(cleaned["code"])


async def update_category(
    actor: Actor, code: str, changes: dict[str, Any], *, now: datetime | None = None
) -> CategoryInfo:
    require_officer(actor)
    now = now or datetime.now(UTC)
    unknown = [key for key in changes if key not in CATEGORY_FIELDS]
    if unknown:
        raise Invalid(unknown[0], N_("This field cannot be changed."))
    current = await ServiceCategory.select().where(ServiceCategory.code == code).first().run()
    if current is None:
        raise NotFound(N_("There is no service category with the code {code}."), code=code)
    problems: list[FieldProblem] = []
    if "code" in changes and changes["code"] != code:
        problems.append(FieldProblem("code", N_("The code of a category cannot be changed.")))
    names, keys = split_names(changes, current)
    fields = {**names, **({"sort_order": changes["sort_order"]} if "sort_order" in changes else {})}
    cleaned = collect(problems, domain.clean_fields, fields, keys) or {}
    if problems:
        raise Invalid.many(problems)
    if "active" in changes:
        cleaned["active"] = bool(changes["active"])
    async with write_transaction():
        if cleaned:
            await ServiceCategory.update(cleaned).where(ServiceCategory.code == code).run()
        await record(
            actor,
            "catalog.category.update",
            "service_category",
            code,
            {k: v for k, v in changes.items() if k != "code"},
            now,
        )
    clear_cache()
    return await get_category(code)
