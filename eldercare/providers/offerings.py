"""Offerings: which catalog items a provider sells, at what price (never above the region's cap)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from eldercare.actor import Actor
from eldercare.audit import service as audit
from eldercare.catalog import service as catalog
from eldercare.db import write_transaction
from eldercare.errors import N_, FieldProblem, Invalid, NotFound
from eldercare.providers import domain
from eldercare.providers.access import (
    load_provider,
    managed_provider,
    require_operating,
    sees_private,
    visible,
)
from eldercare.providers.tables import Offering

# --------------------------------------------------------------------------- offerings


@dataclass(frozen=True)
class OfferingView:
    id: int
    provider_id: int
    service_code: str
    price_fen: int
    active: bool
    updated_at: datetime
    cap_fen: int | None  # the region's cap now; None when the item is no longer offered there
    item: Any | None  # catalog ItemInfo, for its name in the reader's language


async def set_offering(
    actor: Actor,
    provider_id: int,
    service_code: str,
    price_fen: int,
    *,
    active: bool = True,
    now: datetime | None = None,
) -> tuple[OfferingView, bool]:
    """Offer a catalog item at a price up to the region's cap; again for the same item updates it.

    Returns the offering and whether it was created (201) rather than updated (200).
    """
    now = now or datetime.now(UTC)
    provider = await managed_provider(actor, provider_id)
    code = (service_code or "").strip()
    item, cap = await _item_and_cap(code, provider["region_code"])
    problems: list[FieldProblem] = []
    if item is None:
        problems.append(
            FieldProblem(
                "service_code", N_("There is no service with the code {code}."), {"code": code[:48]}
            )
        )
    elif cap is None:
        problems.append(
            FieldProblem(
                "service_code",
                N_("The service {code} is not offered in your region."),
                {"code": code},
            )
        )
    try:
        domain.check_price(price_fen)
    except Invalid as error:
        problems += error.problems
    else:
        if cap is not None and price_fen > cap:
            problems.append(
                FieldProblem(
                    "price_fen",
                    N_("The price is above the region's cap of ¥{cap}."),
                    {"cap": f"{cap / 100:.2f}"},
                )
            )
    if problems:
        raise Invalid.many(problems)
    require_operating(provider)
    async with write_transaction():
        existing = (
            await Offering.select(Offering.id)
            .where((Offering.provider == provider_id) & (Offering.item_code == code))
            .first()
            .run()
        )
        if existing:
            offering_id = existing["id"]
            await (
                Offering.update(
                    {
                        Offering.price_fen: price_fen,
                        Offering.active: active,
                        Offering.updated_at: now,
                    }
                )
                .where(Offering.id == offering_id)
                .run()
            )
        else:
            row = Offering(
                provider=provider_id,
                item_code=code,
                price_fen=price_fen,
                active=active,
                updated_at=now,
            )
            await row.save().run()
            offering_id = row.id
        await audit.record(
            actor,
            "offering.update" if existing else "offering.create",
            entity="offering",
            entity_id=offering_id,
            detail=f"{code} {price_fen} active={active}",
            now=now,
        )
    view = OfferingView(
        id=offering_id,
        provider_id=provider_id,
        service_code=code,
        price_fen=price_fen,
        active=active,
        updated_at=now,
        cap_fen=cap,
        item=item,
    )
    return view, existing is None


async def _item_and_cap(code: str, region_code: str) -> tuple[Any | None, int | None]:
    if not code:
        return None, None
    try:
        item = await catalog.get_item(code)
    except NotFound:
        return None, None
    return item, await catalog.price_cap(code, region_code)


async def list_offerings(
    actor: Actor | None, provider_id: int, *, limit: int = 50, offset: int = 0
) -> tuple[list[OfferingView], int]:
    """Everyone sees an approved provider's active offerings; its admin and the bureau see all."""
    provider = await load_provider(provider_id)
    if not visible(actor, provider):
        raise NotFound(N_("No such provider."))
    where = Offering.provider == provider_id
    if not sees_private(actor, provider):
        where = where & (Offering.active == True)  # noqa: E712
    total = await Offering.count().where(where).run()
    rows = (
        await Offering.select()
        .where(where)
        .order_by(Offering.item_code)
        .limit(limit)
        .offset(offset)
        .run()
    )
    views = []
    for row in rows:
        item, cap = await _item_and_cap(row["item_code"], provider["region_code"])
        views.append(
            OfferingView(
                id=row["id"],
                provider_id=provider_id,
                service_code=row["item_code"],
                price_fen=row["price_fen"],
                active=row["active"],
                updated_at=row["updated_at"],
                cap_fen=cap,
                item=item,
            )
        )
    return views, total


async def price_cap_for(actor: Actor, service_code: str) -> int | None:
    """The cap the admin's own region sets for an item (shown beside the offering form)."""
    if actor.provider_id is None:
        return None
    provider = await load_provider(actor.provider_id)
    return (await _item_and_cap(service_code, provider["region_code"]))[1]
