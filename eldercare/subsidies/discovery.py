"""Proactive discovery (免申即享 / 主动发现): elders in the registry who reach a program's
minimum age with no application or entitlement are invited, listed for their community
staff, and with ``auto_grant`` given a pre-filled application for staff to confirm."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from dateutil.relativedelta import relativedelta

from eldercare.accounts import elders as elder_records
from eldercare.accounts import links as account_links
from eldercare.accounts.service import local_today
from eldercare.actor import SYSTEM, Actor
from eldercare.db import fetch, write_transaction
from eldercare.errors import N_, Forbidden, NotFound
from eldercare.geo.domain import region_prefix
from eldercare.notifications.service import notify
from eldercare.subsidies import applications, domain, programs
from eldercare.subsidies.tables import Outreach


async def discover_eligible(at: datetime) -> int:
    today = local_today(at)
    found = 0
    for program in await programs.list_programs():
        youngest = today - relativedelta(years=program.min_age)
        candidates = await elder_records.registry_rows(region_prefix(program.region_code), youngest)
        if not candidates:
            continue
        known = {
            row["elder"]
            for row in await fetch(
                "SELECT elder FROM subsidy_application WHERE program = {} AND status <> 'withdrawn' "
                "UNION SELECT elder FROM subsidy_entitlement WHERE program = {} "
                "UNION SELECT elder FROM subsidy_outreach WHERE program = {}",
                program.id,
                program.id,
                program.id,
            )
        }
        for row in candidates:
            if row["id"] in known:
                continue
            who = domain.Applicant(
                age=domain.age_on(row["birth_date"], today),
                region_code=row["region_code"],
                low_income=bool(row["low_income"]),
                disability=bool(row["disability"]),
            )
            if domain.eligibility_problem(program.conditions, program.bands, who) is None:
                found += await _invite(row, program, at)
    return found


async def _invite(row: dict, program: programs.ProgramView, at: datetime) -> int:
    async with write_transaction():
        added = await fetch(
            "INSERT INTO subsidy_outreach (elder, program, region_code, found_at, application, "
            "status) VALUES ({}, {}, {}, {}, NULL, 'open') "
            "ON CONFLICT (elder, program) DO NOTHING RETURNING id",
            row["id"],
            program.id,
            row["region_code"],
            at,
        )
        if not added:
            return 0
        if program.auto_grant:
            elder = (await elder_records.elders_by_id([row["id"]], now=at))[row["id"]]
            application_id = await applications.submit(
                SYSTEM, elder=elder, program=program, channel="discovered", now=at
            )
            # Still open: staff confirm the pre-filled application from the outreach list.
            await (
                Outreach.update({Outreach.application: application_id, Outreach.status: "open"})
                .where(Outreach.id == added[0]["id"])
                .run()
            )
        for user_id in await account_links.linked_user_ids(row["id"]):
            await notify(
                user_id,
                "subsidy.invitation",
                N_(
                    "You may be able to receive {program}. Apply on the allowance page, or ask "
                    "your community worker."
                ),
                dedupe_key=f"subsidy.invitation:{added[0]['id']}:{user_id}",
                link="/subsidies",
                now=at,
                program=program.name,
            )
    return 1


@dataclass(frozen=True)
class OutreachView:
    id: int
    elder_id: int
    elder_name: str
    age: int
    region_code: str
    program_code: str
    program_name: str
    found_on: date
    application_id: int | None
    status: str


async def outreach_list(
    actor: Actor,
    *,
    status: str = "open",
    limit: int = 50,
    offset: int = 0,
    now: datetime | None = None,
) -> tuple[list[OutreachView], int]:
    """The community staff's list of elders to contact, oldest find first."""
    now = now or datetime.now(UTC)
    if not actor.is_staff:
        raise Forbidden(N_("Only community staff and bureau officers see the outreach list."))
    where = Outreach.region_code.like(f"{region_prefix(actor.region_code or '')}%") & (
        Outreach.status == status
    )
    total = await Outreach.count().where(where).run()
    rows = (
        await Outreach.select()
        .where(where)
        .order_by(Outreach.found_at)
        .order_by(Outreach.id)
        .limit(limit)
        .offset(offset)
        .run()
    )
    elders = await elder_records.elders_by_id([row["elder"] for row in rows], now=now)
    by_id = await programs.programs_by_id()
    today = local_today(now)
    return [
        OutreachView(
            id=row["id"],
            elder_id=row["elder"],
            elder_name=elders[row["elder"]].name,
            age=domain.age_on(elders[row["elder"]].birth_date, today),
            region_code=row["region_code"],
            program_code=by_id[row["program"]].code,
            program_name=by_id[row["program"]].name,
            found_on=local_today(row["found_at"]),
            application_id=row["application"],
            status=row["status"],
        )
        for row in rows
    ], total


async def settle(elder_id: int, program_id: int, status: str) -> None:
    """Mark an elder's outreach row applied (or dismissed) inside the caller's transaction."""
    await (
        Outreach.update({Outreach.status: status})
        .where(
            (Outreach.elder == elder_id)
            & (Outreach.program == program_id)
            & (Outreach.status == "open")
        )
        .run()
    )


async def dismiss(actor: Actor, outreach_id: int) -> None:
    row = await Outreach.select().where(Outreach.id == outreach_id).first().run()
    if (
        row is None
        or not actor.is_staff
        or not row["region_code"].startswith(region_prefix(actor.region_code or ""))
    ):
        raise NotFound(N_("No such outreach entry."))
    async with write_transaction():
        await (
            Outreach.update({Outreach.status: "dismissed"}).where(Outreach.id == outreach_id).run()
        )
