"""Entitlements: made by an approval, read by the elder's side and staff, ended by a death
or a move out of the region."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from eldercare.accounts import elders as elder_records
from eldercare.accounts import links as account_links
from eldercare.accounts.service import local_today
from eldercare.actor import Actor
from eldercare.audit import service as audit
from eldercare.db import is_sqlite
from eldercare.errors import N_, NotFound
from eldercare.geo.domain import region_prefix
from eldercare.subsidies import domain, programs
from eldercare.subsidies.programs import ProgramView
from eldercare.subsidies.tables import Entitlement

ACTIVE, SUSPENDED, TERMINATED = "active", "suspended", "terminated"
LIVE = (ACTIVE, SUSPENDED)


@dataclass(frozen=True)
class EntitlementView:
    id: int
    elder_id: int
    elder_name: str
    program_code: str
    program_name: str
    kind: str
    amount_fen: int
    status: str
    start_month: int
    end_month: int | None
    held_from: int | None
    approved_on: date
    next_review_due: date | None
    region_code: str
    bank_account_masked: str
    ended_reason: str


def _mask(account: str) -> str:
    return f"****{account[-4:]}" if account else ""


async def has_live(elder_id: int, program_id: int) -> bool:
    return (
        await Entitlement.exists()
        .where(
            (Entitlement.elder == elder_id)
            & (Entitlement.program == program_id)
            & Entitlement.status.is_in(list(LIVE))
        )
        .run()
    )


async def grant(
    actor: Actor, application: dict[str, Any], program: ProgramView, *, now: datetime
) -> int:
    """The entitlement an approval creates (inside the approval's transaction): from the month
    after approval, at the band the elder's age reaches by then."""
    elder = (await elder_records.elders_by_id([application["elder"]], now=now))[
        application["elder"]
    ]
    approved_on = local_today(now)
    start = domain.start_month(approved_on)
    entitlement = Entitlement(
        elder=elder.id,
        program=program.id,
        application=application["id"],
        status=ACTIVE,
        amount_fen=domain.amount_for_month(program.bands, elder.birth_date, start),
        amount_month=start,
        start_month=start,
        approved_on=approved_on,
        next_review_due=domain.anniversary(approved_on, 1) if program.annual_review else None,
        birth_year=elder.birth_date.year,
        birth_mmdd=elder.birth_date.month * 100 + elder.birth_date.day,
        region_code=elder.region_code,
        bank_name=application["bank_name"],
        bank_account=application["bank_account"],
        created_at=now,
        updated_at=now,
    )
    await entitlement.save().run()
    await audit.record(
        actor,
        "entitlement.grant",
        entity="entitlement",
        entity_id=entitlement.id,
        detail=program.code,
        now=now,
    )
    return entitlement.id


async def _views(rows: list[dict[str, Any]], now: datetime) -> list[EntitlementView]:
    by_id = await programs.programs_by_id()
    elders = await elder_records.elders_by_id([row["elder"] for row in rows], now=now)
    return [
        EntitlementView(
            id=row["id"],
            elder_id=row["elder"],
            elder_name=elders[row["elder"]].name,
            program_code=by_id[row["program"]].code,
            program_name=by_id[row["program"]].name,
            kind=by_id[row["program"]].kind,
            amount_fen=row["amount_fen"],
            status=row["status"],
            start_month=row["start_month"],
            end_month=row["end_month"],
            held_from=row["held_from"],
            approved_on=row["approved_on"],
            next_review_due=row["next_review_due"],
            region_code=row["region_code"],
            bank_account_masked=_mask(row["bank_account"]),
            ended_reason=row["ended_reason"],
        )
        for row in rows
    ]


async def load(actor: Actor, entitlement_id: int, *, lock: bool = False) -> dict[str, Any]:
    """The row, when this actor is on the elder's side or staff of the region; else 404."""
    query = Entitlement.select().where(Entitlement.id == entitlement_id)
    if lock and not is_sqlite():
        query = query.lock_rows()
    row = await query.first().run()
    if (
        row is None
        or not (actor.is_staff or actor.has_role("resident", "family"))
        or not await elder_records.acts_for(actor, row["elder"])
    ):
        raise NotFound(N_("No such entitlement."))
    return row


async def get_entitlement(
    actor: Actor, entitlement_id: int, *, now: datetime | None = None
) -> EntitlementView:
    row = await load(actor, entitlement_id)
    return (await _views([row], now or datetime.now(UTC)))[0]


async def list_entitlements(
    actor: Actor,
    *,
    elder_id: int | None = None,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
    now: datetime | None = None,
) -> tuple[list[EntitlementView], int]:
    now = now or datetime.now(UTC)
    if elder_id is not None:
        if not (
            actor.is_staff or actor.has_role("resident", "family")
        ) or not await elder_records.acts_for(actor, elder_id):
            raise NotFound(N_("No such elder."))
        where = Entitlement.elder == elder_id
    elif actor.is_staff:
        where = Entitlement.region_code.like(f"{region_prefix(actor.region_code or '')}%")
    else:
        mine = await account_links.account_elder_ids(actor.id)
        if not mine:
            return [], 0
        where = Entitlement.elder.is_in(mine)
    if status:
        where = where & (Entitlement.status == status)
    total = await Entitlement.count().where(where).run()
    rows = (
        await Entitlement.select()
        .where(where)
        .order_by(Entitlement.id, ascending=False)
        .limit(limit)
        .offset(offset)
        .run()
    )
    return await _views(rows, now), total


async def live_rows(elder_id: int) -> list[dict[str, Any]]:
    return (
        await Entitlement.select()
        .where((Entitlement.elder == elder_id) & Entitlement.status.is_in(list(LIVE)))
        .run()
    )
