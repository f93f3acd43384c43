"""What other packages may ask of, or do to, visits: proof of life for annual reviews,
voucher money held by bookings, and cancelling everything when an elder's record closes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from eldercare.accounts import service as accounts
from eldercare.actor import Actor
from eldercare.audit import service as audit
from eldercare.booking import domain
from eldercare.booking.tables import Booking, BookingOffer, Series
from eldercare.errors import N_
from eldercare.notifications.service import notify

# A voucher's credit is held by a booking waiting for, or with, a provider, and spent by a
# completed one; a cancelled, declined, expired or missed booking gives it back.
HOLDS_SUBSIDY = (*domain.OPEN, *domain.HOLDING, domain.COMPLETED)


def verified_check_in_sql(alias: str) -> tuple[str, list[Any]]:
    """The condition (``{}`` placeholders, and their values) that the booking row ``alias``
    is a check-in at the elder's home: for a sweep that joins it to its own rows."""
    return (
        f"{alias}.check_in_at IS NOT NULL AND {alias}.geofence_flag = {{}} "
        f"AND {alias}.status IN ({{}}, {{}})",
        [False, domain.IN_SERVICE, domain.COMPLETED],
    )


async def subsidy_held(
    elder_id: int, *, start: datetime, end: datetime, exclude_booking: int | None = None
) -> tuple[int, int]:
    """Voucher money held (waiting or accepted visits) and spent (completed) by the elder's
    bookings starting in [start, end)."""
    where = (
        (Booking.elder == elder_id)
        & (Booking.start_at >= start)
        & (Booking.start_at < end)
        & Booking.status.is_in(list(HOLDS_SUBSIDY))
        & (Booking.subsidy_fen > 0)
    )
    if exclude_booking is not None:
        where = where & (Booking.id != exclude_booking)
    held = spent = 0
    for row in await Booking.select(Booking.status, Booking.subsidy_fen).where(where).run():
        if row["status"] == domain.COMPLETED:
            spent += row["subsidy_fen"]
        else:
            held += row["subsidy_fen"]
    return held, spent


async def cancel_future(actor: Actor, elder_id: int, *, reason: str, now: datetime) -> int:
    """Cancel every visit not yet started and end every series (inside the caller's
    transaction), telling the providers that had them."""
    rows = (
        await Booking.select(Booking.id, Booking.provider)
        .where(
            (Booking.elder == elder_id)
            & Booking.status.is_in([*domain.OPEN, domain.ACCEPTED])
            & (Booking.start_at > now)
        )
        .run()
    )
    ids = [row["id"] for row in rows]
    if ids:
        await (
            Booking.update(
                {
                    Booking.status: domain.CANCELLED,
                    Booking.cancelled_by: actor.id,
                    Booking.cancel_reason: reason,
                    Booking.offer_expires_at: None,
                    Booking.updated_at: now,
                }
            )
            .where(Booking.id.is_in(ids))
            .run()
        )
        await (
            BookingOffer.update({BookingOffer.outcome: "withdrawn"})
            .where(BookingOffer.booking.is_in(ids) & (BookingOffer.outcome == "open"))
            .run()
        )
    await (
        Series.update({Series.status: "cancelled", Series.updated_at: now})
        .where((Series.elder == elder_id) & Series.status.is_in(["active", "paused"]))
        .run()
    )
    for row in rows:
        await audit.record(
            actor, "booking.cancel", entity="booking", entity_id=row["id"], detail=reason, now=now
        )
        if row["provider"]:
            for user_id in await accounts.users_with_role(
                "provider_admin", provider_id=row["provider"]
            ):
                await notify(
                    user_id,
                    "booking.cancelled",
                    N_("Booking {id} was cancelled by the elder's side."),
                    dedupe_key=f"cancel:{row['id']}:{user_id}",
                    link=f"/bookings/{row['id']}",
                    now=now,
                    id=row["id"],
                )
    return len(ids)
