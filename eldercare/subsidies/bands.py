"""The age_bands sweep: keep each entitlement's shown amount at its band for the current
month, and tell the family when a birthday raised it. Payments never depend on this sweep
having run: the monthly run works the band out per month itself (payments.py)."""

from __future__ import annotations

from datetime import datetime

from eldercare.accounts import links as account_links
from eldercare.accounts.service import local_today
from eldercare.db import fetch, write_transaction
from eldercare.errors import N_
from eldercare.notifications import rendering
from eldercare.notifications.service import Outgoing, notify_many
from eldercare.subsidies import domain

_AGE = "({year} - e.birth_year - (CASE WHEN {mmdd} < e.birth_mmdd THEN 1 ELSE 0 END))"


async def age_bands(at: datetime) -> int:
    month = domain.month_of(local_today(at))
    ref = domain.reference_day(month)
    age = _AGE.format(year=int(ref.year), mmdd=int(ref.month * 100 + ref.day))
    band_amount = (
        "(SELECT b.amount_fen FROM subsidy_band b WHERE b.program = e.program "
        f"AND b.min_age <= {age} AND (b.max_age IS NULL OR b.max_age >= {age}))"
    )
    async with write_transaction():
        # Only the rows a birthday moved to another band are changed and come back to Python
        # (a handful a month, not the city's million); then every other row's month is set
        # without working its band out a second time.
        raised = await fetch(
            f"UPDATE subsidy_entitlement AS e SET amount_fen = {band_amount}, amount_month = {{}} "
            "WHERE e.status IN ('active', 'suspended') AND e.amount_month < {} "
            f"AND {band_amount} <> e.amount_fen RETURNING id, elder, amount_fen AS new",
            month,
            month,
        )
        await fetch(
            "UPDATE subsidy_entitlement SET amount_month = {} "
            "WHERE status IN ('active', 'suspended') AND amount_month < {}",
            month,
            month,
        )
        linked = await account_links.linked_users_by_elder([row["elder"] for row in raised])
        await notify_many(
            [
                Outgoing(
                    user_id,
                    "entitlement.raised",
                    N_("From {month} the allowance is {amount} a month."),
                    f"entitlement.raised:{row['id']}:{month}:{user_id}",
                    "/subsidies",
                    {"month": rendering.month(month), "amount": rendering.money(row["new"])},
                )
                for row in raised
                for user_id in sorted(linked.get(row["elder"], ()))
            ],
            now=at,
        )
    return len(raised)
