"""The demo city's subsidies: 遂宁市's age allowance and service voucher, a few applications
at each stage of review, one allowance being paid, and the outreach list filled by the
discovery sweep. Idempotent (nothing is added once the programs exist), through the services.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from eldercare import demo_data
from eldercare.accounts import links as account_links
from eldercare.accounts.tables import User
from eldercare.actor import Actor
from eldercare.errors import DomainError
from eldercare.subsidies import applications, jobs, programs
from eldercare.subsidies.domain import ALLOWANCE, VOUCHER, Band

ALLOWANCE_CODE, VOUCHER_CODE = "suining-gaoling", "suining-fuwuquan"


async def _actor(phone: str) -> Actor | None:
    row = await User.select().where(User.phone == phone).first().run()
    if row is None:
        return None
    return Actor(
        id=row["id"],
        name=row["name"],
        roles=tuple(row["roles"].split(",")),
        region_code=row["region_code"],
    )


async def load_demo(now: datetime) -> dict[str, int]:
    officer = await _actor("13900000002")
    staff = [a for a in [await _actor("13900000003"), await _actor("13900000004")] if a]
    if officer is None or not staff:
        return {"programs_created": 0}
    if await programs.list_programs() and any(
        p.code == ALLOWANCE_CODE for p in await programs.list_programs()
    ):
        return {"programs_created": 0}
    await programs.create_program(
        officer,
        programs.ProgramInput(
            code=ALLOWANCE_CODE,
            name="遂宁市高龄津贴",
            kind=ALLOWANCE,
            region_code="510900",
            bands=[Band(80, 89, 10000), Band(90, 99, 30000), Band(100, None, 100000)],
            annual_review=True,
        ),
        now=now,
    )
    await programs.create_program(
        officer,
        programs.ProgramInput(
            code=VOUCHER_CODE,
            name="居家养老服务券",
            kind=VOUCHER,
            region_code="510900",
            bands=[Band(80, None, 20000)],
            annual_review=False,
        ),
        now=now,
    )
    cases = 0
    stages = (("approve", 75), ("pass", 3), ("accept", 2), (None, 1))
    for phone in (f["phone"] for f in demo_data.FAMILIES[:4]):
        family = await _actor(phone)
        if family is None:
            continue
        for elder_id in await account_links.account_elder_ids(family.id):
            if cases >= len(stages):
                break
            last, days_ago = stages[cases]
            when = now - timedelta(days=days_ago)
            try:
                view = await applications.apply(
                    family,
                    elder_id=elder_id,
                    program_code=ALLOWANCE_CODE,
                    bank_name="遂宁银行",
                    bank_account="6217731234567890",
                    consent_bank=True,  # given at the counter with the application
                    channel="app",
                    now=when,
                )
            except DomainError:
                continue  # too young, or already applied
            local_staff = next(
                (a for a in staff if view.region_code.startswith(a.region_code or "-")), None
            )
            if local_staff is None:
                continue
            for decision, actor in (
                ("accept", local_staff),
                ("pass", local_staff),
                ("approve", officer),
            ):
                if last is None:
                    break
                await applications.decide(actor, view.id, decision=decision, now=when)
                if decision == last:
                    break
            cases += 1
    await jobs.monthly_payments(now)
    found = await jobs.discover_eligible(now)
    return {"programs_created": 2, "applications_created": cases, "elders_found": found}
