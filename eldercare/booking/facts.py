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
from eldercare.db import fetch, id_list
from eldercare.errors import N_
from eldercare.notifications.service import notify

# A voucher's credit is held by a booking waiting for, or with, a provider, and spent by a
# completed one; a cancelled, declined, expired or missed booking gives it back.
HOLDS_SUBSIDY = (*domain.OPEN, *domain.HOLDING, domain.COMPLETED)
_CHUNK = 5000


def verified_check_in_sql(alias: str) -> tuple[str, list[Any]]:
    """The condition (``{}`` placeholders, and their values) that the booking row ``alias``
    is a check-in at the elder's home: for a sweep that joins it to its own rows."""
    return (
        f"{alias}.check_in_at IS NOT NULL AND {alias}.geofence_flag = {{}} "
        f"AND {alias}.status IN ({{}}, {{}})",
        [False, domain.IN_SERVICE, domain.COMPLETED],
    )


async def verified_check_in(
    elder_id: int, *, since: datetime, until: datetime
) -> tuple[int, datetime] | None:
    """The first check-in at the elder's home (inside the geofence) in this window."""
    found = await verified_check_ins([elder_id], since=since, until=until)
    return found[elder_id][0] if elder_id in found else None


async def verified_check_ins(
    elder_ids: list[int], *, since: datetime, until: datetime
) -> dict[int, list[tuple[int, datetime]]]:
    """``verified_check_in`` for many elders at once (the annual-review sweep): each elder's
    check-ins at home in the window as (booking, moment), earliest first. Our own integer ids
    are inlined, 5,000 to a query: a city has tens of thousands of pending reviews."""
    ids = sorted({int(i) for i in elder_ids})
    found: dict[int, list[tuple[int, datetime]]] = {}
    for start in range(0, len(ids), _CHUNK):
        verified, args = verified_check_in_sql("booking")
        rows = await fetch(
            "SELECT id, elder, check_in_at FROM booking WHERE elder IN ("
            + id_list(ids[start : start + _CHUNK])
            + f") AND {verified} AND check_in_at >= {{}} AND check_in_at <= {{}} "
            "ORDER BY check_in_at, id",
            *args,
            since,
            until,
        )
        for row in rows:
            moment = row["check_in_at"]
            if isinstance(moment, str):  # SQLite keeps timestamps as UTC text
                moment = datetime.fromisoformat(moment)
            found.setdefault(row["elder"], []).append((row["id"], moment))
    return found


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
