"""Booking sweeps: idempotent, catch up to the moment they run as of, and only move forward."""

from __future__ import annotations

from datetime import datetime

from eldercare.accounts import elders as elder_records
from eldercare.accounts import service as accounts
from eldercare.actor import SYSTEM
from eldercare.audit import service as audit
from eldercare.booking import domain
from eldercare.booking.policy import current_policy
from eldercare.booking.service import offer_next
from eldercare.booking.tables import Booking, BookingOffer
from eldercare.db import write_transaction
from eldercare.errors import N_
from eldercare.notifications.service import notify

BATCH = 200


async def expire_offers(at: datetime) -> int:
    """Offers unanswered by their deadline go to the next provider, or the booking expires."""
    handled = 0
    while True:
        rows = (
            await Booking.select(Booking.id)
            .where((Booking.status == domain.OFFERED) & (Booking.offer_expires_at <= at))
            .order_by(Booking.offer_expires_at)
            .limit(BATCH)
            .run()
        )
        if not rows:
            return handled
        for row in rows:
            async with write_transaction():
                # Re-read inside the transaction: another process may have handled it.
                booking = (
                    await Booking.select()
                    .where(
                        (Booking.id == row["id"])
                        & (Booking.status == domain.OFFERED)
                        & (Booking.offer_expires_at <= at)
                    )
                    .first()
                    .run()
                )
                if booking is None:
                    continue
                await (
                    BookingOffer.update({BookingOffer.outcome: "expired"})
                    .where(
                        (BookingOffer.booking == booking["id"]) & (BookingOffer.outcome == "open")
                    )
                    .run()
                )
                await audit.record(
                    SYSTEM,
                    "booking.offer_expired",
                    entity="booking",
                    entity_id=booking["id"],
                    now=at,
                )
                await offer_next(booking, at, reason="expired")
                handled += 1


async def missed_visits(at: datetime) -> int:
    """A caregiver not checked in 30 minutes after the start: alert the provider and the staff."""
    policy = current_policy()
    rows = (
        await Booking.select()
        .where(
            (Booking.status == domain.ACCEPTED)
            & Booking.check_in_at.is_null()
            & Booking.missed_alert_at.is_null()
            & (Booking.start_at <= at - policy.missed_after)
        )
        .limit(1000)
        .run()
    )
    for row in rows:
        async with write_transaction():
            updated = (
                await Booking.update({Booking.missed_alert_at: at})
                .where((Booking.id == row["id"]) & Booking.missed_alert_at.is_null())
                .returning(Booking.id)
                .run()
            )
            if not updated:
                continue
            elder = (await elder_records.elders_by_id([row["elder"]], now=at))[row["elder"]]
            recipients = set(
                await accounts.users_with_role("provider_admin", provider_id=row["provider"])
            )
            recipients |= set(
                await accounts.users_with_role("community_staff", region_covering=elder.region_code)
            )
            for user_id in recipients:
                await notify(
                    user_id,
                    "visit.missed",
                    N_(
                        "Nobody has checked in for booking {id} (elder {name}) 30 minutes after the start."
                    ),
                    dedupe_key=f"missed:{row['id']}:{user_id}",
                    link=f"/bookings/{row['id']}",
                    now=at,
                    id=row["id"],
                    name=elder.name,
                )
            await audit.record(
                SYSTEM, "booking.missed_alert", entity="booking", entity_id=row["id"], now=at
            )
    return len(rows)
