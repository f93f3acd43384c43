"""Service vouchers: a monthly credit in fen for subsidy-eligible menu items.

A booking holds its ``subsidy_fen`` from the credit of its visit's month while it waits for
or has a provider; a completed visit has spent it; a cancelled, declined, expired or missed
one gives it back. So the balance is worked out from the bookings themselves and cannot
drift. Reservations for one elder are serialised on the entitlement row (PostgreSQL
``FOR UPDATE``; SQLite's immediate transaction), so concurrent bookings never overspend.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from eldercare.accounts import elders as elder_records
from eldercare.actor import Actor
from eldercare.db import fetch, is_sqlite
from eldercare.errors import N_, NotFound
from eldercare.settings import get_settings
from eldercare.subsidies import domain, programs


def _zone() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def _month_span(month: int) -> tuple[datetime, datetime]:
    zone = _zone()
    first, following = domain.first_day(month), domain.first_day(domain.add_months(month, 1))
    return (
        datetime(first.year, first.month, 1, tzinfo=zone).astimezone(UTC),
        datetime(following.year, following.month, 1, tzinfo=zone).astimezone(UTC),
    )


async def _voucher(elder_id: int, month: int, *, lock: bool) -> dict | None:
    """The elder's active voucher entitlement covering ``month``, locked when asked."""
    rows = await fetch(
        "SELECT e.id, e.program, e.birth_year, e.birth_mmdd FROM subsidy_entitlement e "
        "JOIN subsidy_program p ON p.id = e.program "
        "WHERE e.elder = {} AND e.status = 'active' AND p.kind = {} AND e.start_month <= {} "
        "AND (e.end_month IS NULL OR e.end_month >= {}) ORDER BY e.id"
        + (" FOR UPDATE OF e" if lock and not is_sqlite() else ""),
        elder_id,
        domain.VOUCHER,
        month,
        month,
    )
    return rows[0] if rows else None


async def _credit(row: dict, month: int) -> int:
    program = await programs.program_by_id(row["program"])
    age = domain.age_for_month_parts(row["birth_year"], row["birth_mmdd"], month)
    band = domain.band_for(program.bands, age)
    return band.amount_fen if band else 0


async def reserve(
    *,
    elder_id: int,
    start: datetime,
    price_fen: int,
    subsidy_eligible: bool,
    booking_id: int | None = None,
) -> int:
    """How much of this visit the elder's voucher covers, held from the visit's month's credit
    (inside the booking's transaction; the row lock serialises one elder's reservations)."""
    from eldercare.booking import facts

    if not subsidy_eligible or price_fen <= 0:
        return 0
    month = domain.month_of(start.astimezone(_zone()).date())
    voucher = await _voucher(elder_id, month, lock=True)
    if voucher is None:
        return 0
    span = _month_span(month)
    held, spent = await facts.subsidy_held(
        elder_id, start=span[0], end=span[1], exclude_booking=booking_id
    )
    return domain.voucher_subsidy(price_fen, await _credit(voucher, month), held + spent)


@dataclass(frozen=True)
class Balance:
    elder_id: int
    month: int
    credit_fen: int
    held_fen: int
    spent_fen: int

    @property
    def left_fen(self) -> int:
        return max(0, self.credit_fen - self.held_fen - self.spent_fen)


async def balance(actor: Actor, elder_id: int, month: int) -> Balance:
    from eldercare.booking import facts

    if not (actor.is_staff or actor.has_role("resident", "family")) or not (
        await elder_records.acts_for(actor, elder_id)
    ):
        raise NotFound(N_("No such elder."))
    voucher = await _voucher(elder_id, month, lock=False)
    credit = await _credit(voucher, month) if voucher else 0
    span = _month_span(month)
    held, spent = await facts.subsidy_held(elder_id, start=span[0], end=span[1])
    return Balance(elder_id, month, credit, held, spent)
