"""The visit after booking: accept or decline, cancel or withdraw, check in and out, rate,
complain.

Accepting is where double-booking would happen. PostgreSQL refuses two overlapping holding
visits for one caregiver by an exclusion constraint (SQLSTATE 23P01 → 409); on SQLite the
overlap check and the write share one immediate (write-locked) transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from eldercare.accounts import elders as elder_records
from eldercare.accounts import service as accounts
from eldercare.actor import Actor
from eldercare.audit import service as audit
from eldercare.booking import domain, matching
from eldercare.booking.policy import current_policy
from eldercare.booking.service import BookingView, load_for, offer_next, tell_elder_side, view
from eldercare.booking.tables import Booking, BookingOffer, Complaint
from eldercare.catalog import service as catalog
from eldercare.db import fetch, select_first, update, write_transaction
from eldercare.errors import N_, Conflict, Invalid
from eldercare.geo.domain import distance_km
from eldercare.notifications.service import notify
from eldercare.settings import get_settings


def _is_overlap_violation(error: BaseException) -> bool:
    return getattr(error, "sqlstate", None) == "23P01"


async def _reload(booking_id: int, sides: frozenset[str]) -> BookingView:
    row = await select_first(Booking, "WHERE id = {}", booking_id)
    return view(row, sides)


async def accept(
    actor: Actor, booking_id: int, caregiver_id: int, *, now: datetime | None = None
) -> BookingView:
    """The provider sends a caregiver. The slow check (skill and hours, by matching) runs before
    the write lock, and again under it only if the booking changed in between; the lock covers
    the state, the overlap and the writes."""
    now = now or datetime.now(UTC)
    async with matching.one_connection():
        row, sides = await load_for(actor, booking_id)
        _may_accept(row, sides)
        await _check_caregiver(row, caregiver_id)
    checked = _visit_of(row)
    try:
        async with write_transaction():
            row, sides = await load_for(actor, booking_id, lock=True)
            _may_accept(row, sides)
            if _visit_of(row) != checked:  # offered elsewhere or moved meanwhile
                await _check_caregiver(row, caregiver_id)
            busy = await matching.busy_caregivers(
                [caregiver_id], row["start_at"], row["busy_until"], exclude_booking=booking_id
            )
            if busy:
                raise Conflict(N_("This caregiver already has a visit at that time."))
            await update(
                Booking,
                booking_id,
                status=domain.ACCEPTED,
                caregiver=caregiver_id,
                offer_expires_at=None,
                updated_at=now,
            )
            await fetch(
                "UPDATE booking_offer SET outcome = 'accepted' "
                "WHERE booking = {} AND outcome = 'open'",
                booking_id,
            )
            await audit.record(
                actor,
                "booking.accept",
                entity="booking",
                entity_id=booking_id,
                detail=f"caregiver={caregiver_id}",
                now=now,
            )
            row["status"] = domain.ACCEPTED
            await tell_elder_side(
                row, "booking.accepted", N_("Your booking for {date} has been accepted."), now=now
            )
    except Exception as error:
        if _is_overlap_violation(error):
            raise Conflict(N_("This caregiver already has a visit at that time.")) from error
        raise
    return await _reload(booking_id, sides)


def _may_accept(row: dict[str, Any], sides: frozenset[str]) -> None:
    domain.transition("accept", row["status"], domain.PROVIDER if domain.PROVIDER in sides else "")


def _visit_of(row: dict[str, Any]) -> tuple[Any, ...]:
    """What ``_check_caregiver`` depends on."""
    return (row["provider"], row["elder"], row["service_code"], row["start_at"], row["end_at"])


async def _check_caregiver(row: dict[str, Any], caregiver_id: int) -> None:
    """The caregiver belongs to this provider (else 404); the provider still offers the
    service (approved, offering it, priced within the cap: else 409); the caregiver has the
    skill and works for the whole visit (else 422). What matching asks, for this caregiver
    alone. Whoever asks is the provider's admin (``_may_accept`` ran first); whether the
    caregiver is free is checked under the write lock."""
    from eldercare.providers import service as providers

    await providers.ensure_on_team(row["provider"], caregiver_id)
    if not await providers.offers_now(row["provider"], row["service_code"]):
        raise Conflict(
            N_("Your organisation does not offer this service now, so it cannot take this visit.")
        )
    item = await catalog.get_item(row["service_code"])
    start, end = matching.local_span(row["start_at"], row["end_at"])
    working = await providers.teams([row["provider"]], item.skill, start.date(), (start, end))
    if not any(c.id == caregiver_id for c in working.get(row["provider"], [])):
        raise Invalid(
            "caregiver_id",
            N_("This caregiver does not have the skill or is not working at that time."),
        )


async def decline(
    actor: Actor, booking_id: int, reason: str, *, now: datetime | None = None
) -> BookingView:
    now = now or datetime.now(UTC)
    reason = _reason(reason)
    async with write_transaction():
        row, sides = await load_for(actor, booking_id, lock=True)
        domain.transition(
            "decline", row["status"], domain.PROVIDER if domain.PROVIDER in sides else ""
        )
        await (
            BookingOffer.update({BookingOffer.outcome: "declined", BookingOffer.reason: reason})
            .where((BookingOffer.booking == booking_id) & (BookingOffer.outcome == "open"))
            .run()
        )
        await audit.record(
            actor, "booking.decline", entity="booking", entity_id=booking_id, detail=reason, now=now
        )
        await offer_next(row, now, reason="declined")
    return await _reload(booking_id, sides)


def _reason(reason: str | None, *, required: bool = True) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise Invalid("reason", N_("Please say why."))
    if len(reason) > 500:
        raise Invalid("reason", N_("The reason can be at most 500 characters."))
    return reason


async def cancel(
    actor: Actor, booking_id: int, reason: str, *, now: datetime | None = None
) -> BookingView:
    """The elder's side cancels (late when inside the cutoff); a provider's cancellation puts the
    job back on offer to someone else."""
    now = now or datetime.now(UTC)
    reason = _reason(reason, required=False)
    async with write_transaction():
        row, sides = await load_for(actor, booking_id, lock=True)
        if domain.ELDER_SIDE in sides:
            domain.transition("cancel", row["status"], domain.ELDER_SIDE)
            late = row["status"] == domain.ACCEPTED and domain.is_late_cancellation(
                row["start_at"], now, current_policy()
            )
            await _cancel_for_elder_side(
                actor,
                row,
                reason=reason,
                late=late,
                action="booking.cancel",
                message=N_("Booking {id} was cancelled by the elder's side."),
                now=now,
            )
        elif domain.PROVIDER in sides:
            domain.transition("provider_cancel", row["status"], domain.PROVIDER)
            reason = _reason(reason)
            await (
                BookingOffer.update(
                    {BookingOffer.outcome: "withdrawn", BookingOffer.reason: reason}
                )
                .where(
                    (BookingOffer.booking == booking_id)
                    & (BookingOffer.provider == row["provider"])
                )
                .run()
            )
            await audit.record(
                actor,
                "booking.provider_cancel",
                entity="booking",
                entity_id=booking_id,
                detail=reason,
                now=now,
            )
            await tell_elder_side(
                row,
                "booking.provider_cancelled",
                N_("The provider cancelled your visit on {date}; we are finding another."),
                now=now,
            )
            await offer_next(row, now, reason="provider_cancelled")
        else:
            domain.transition("cancel", row["status"], "")
    return await _reload(booking_id, sides)


WITHDRAWN = "withdrawn"  # the cancel_reason of a booking taken back soon after it was made


def withdraw_until(created_at: datetime) -> datetime:
    """Until when a booking made at ``created_at`` can be withdrawn (ELDERCARE_WITHDRAW_MINUTES)."""
    return created_at + timedelta(minutes=get_settings().withdraw_minutes)


def may_withdraw(booking: BookingView, created_at: datetime | None, now: datetime) -> bool:
    """For pages: whether to offer "Withdraw" (the service decides again when it is pressed)."""
    return (
        created_at is not None
        and domain.ELDER_SIDE in booking.sides
        and "cancel" in booking.actions
        and booking.series_id is None
        and now <= withdraw_until(created_at)
    )


async def withdraw(actor: Actor, booking_id: int, *, now: datetime | None = None) -> BookingView:
    """Changed one's mind: within minutes of booking, the elder's side takes the booking back
    whatever the provider has done so far (short of starting the visit). It is cancelled as
    "withdrawn", never a late cancellation; after the window it can still be cancelled."""
    now = now or datetime.now(UTC)
    async with write_transaction():
        row, sides = await load_for(actor, booking_id, lock=True)
        side = domain.ELDER_SIDE if domain.ELDER_SIDE in sides else ""
        domain.transition("cancel", row["status"], side)
        if row["series_id"] is not None:
            raise Conflict(
                N_("This visit is one of a series of regular visits. You can cancel it instead.")
            )
        if now > withdraw_until(row["created_at"]):
            raise Conflict(
                N_(
                    "More than {minutes} minutes have passed since this booking was made, so it "
                    "can no longer be withdrawn. You can still cancel it."
                ),
                minutes=get_settings().withdraw_minutes,
            )
        await _cancel_for_elder_side(
            actor,
            row,
            reason=WITHDRAWN,
            late=False,
            action="booking.withdraw",
            message=N_("Booking {id} was withdrawn by the elder's side soon after it was made."),
            now=now,
        )
    return await _reload(booking_id, sides)


async def _cancel_for_elder_side(
    actor: Actor,
    row: dict[str, Any],
    *,
    reason: str,
    late: bool,
    action: str,
    message: str,
    now: datetime,
) -> None:
    """Cancel inside the caller's transaction: open offers withdrawn, the provider's admins told,
    audited as ``action``."""
    booking_id = row["id"]
    await (
        Booking.update(
            {
                Booking.status: domain.CANCELLED,
                Booking.cancelled_by: actor.id,
                Booking.cancel_reason: reason,
                Booking.late_cancellation: late,
                Booking.offer_expires_at: None,
                Booking.updated_at: now,
            }
        )
        .where(Booking.id == booking_id)
        .run()
    )
    await (
        BookingOffer.update({BookingOffer.outcome: "withdrawn"})
        .where((BookingOffer.booking == booking_id) & (BookingOffer.outcome == "open"))
        .run()
    )
    if row["provider"]:
        for user_id in await accounts.users_with_role(
            "provider_admin", provider_id=row["provider"]
        ):
            await notify(
                user_id,
                "booking.cancelled",
                message,
                dedupe_key=f"cancel:{booking_id}:{user_id}",
                link=f"/bookings/{booking_id}",
                now=now,
                id=booking_id,
            )
    await audit.record(
        actor,
        action,
        entity="booking",
        entity_id=booking_id,
        detail="late" if late else "",
        now=now,
    )


async def check_in(
    actor: Actor, booking_id: int, lat: float, lon: float, *, now: datetime | None = None
) -> BookingView:
    now = now or datetime.now(UTC)
    policy = current_policy()
    for key, value, bound in (("lat", lat, 90), ("lon", lon, 180)):
        if not isinstance(value, int | float) or value != value or abs(value) > bound:
            raise Invalid(key, N_("Give the position as numbers."))
    async with write_transaction():
        row, sides = await load_for(actor, booking_id, lock=True)
        side = (
            domain.CAREGIVER
            if domain.CAREGIVER in sides
            else domain.PROVIDER
            if domain.PROVIDER in sides
            else ""
        )
        domain.transition("check_in", row["status"], side)
        domain.check_in_window(row["start_at"], row["end_at"], now, policy)
        elder = (await elder_records.elders_by_id([row["elder"]], now=now))[row["elder"]]
        distance_m = (
            (distance_km(lat, lon, elder.lat, elder.lon) * 1000) if elder.lat is not None else None
        )
        flagged = distance_m is None or distance_m > policy.geofence_m
        await (
            Booking.update(
                {
                    Booking.status: domain.IN_SERVICE,
                    Booking.check_in_at: now,
                    Booking.check_in_lat: lat,
                    Booking.check_in_lon: lon,
                    Booking.check_in_distance_m: distance_m,
                    Booking.geofence_flag: flagged,
                    Booking.updated_at: now,
                }
            )
            .where(Booking.id == booking_id)
            .run()
        )
        await audit.record(
            actor,
            "booking.check_in",
            entity="booking",
            entity_id=booking_id,
            detail=f"{round(distance_m) if distance_m is not None else '?'}m"
            + (" flagged" if flagged else ""),
            now=now,
        )
        if flagged:  # accepted, but the bureau sees it
            for user_id in await accounts.users_with_role(
                "bureau_officer", region_covering=elder.region_code
            ):
                await notify(
                    user_id,
                    "visit.check_in_far",
                    N_(
                        "The caregiver checked in for booking {id} {metres} m from the elder's home."
                    ),
                    dedupe_key=f"checkin-far:{booking_id}:{user_id}",
                    link=f"/bookings/{booking_id}",
                    now=now,
                    id=booking_id,
                    metres=round(distance_m) if distance_m is not None else "?",
                )
    return await _reload(booking_id, sides)


async def check_out(
    actor: Actor, booking_id: int, notes: str = "", *, now: datetime | None = None
) -> BookingView:
    now = now or datetime.now(UTC)
    if len(notes or "") > 2000:
        raise Invalid("notes", N_("Notes can be at most 2000 characters."))
    async with write_transaction():
        row, sides = await load_for(actor, booking_id, lock=True)
        side = (
            domain.CAREGIVER
            if domain.CAREGIVER in sides
            else domain.PROVIDER
            if domain.PROVIDER in sides
            else ""
        )
        domain.transition("check_out", row["status"], side)
        minutes = max(0, round((now - row["check_in_at"]).total_seconds() / 60))
        await (
            Booking.update(
                {
                    Booking.status: domain.COMPLETED,
                    Booking.check_out_at: now,
                    Booking.visit_notes: (notes or "").strip(),
                    Booking.actual_minutes: minutes,
                    Booking.updated_at: now,
                }
            )
            .where(Booking.id == booking_id)
            .run()
        )
        await audit.record(
            actor,
            "booking.check_out",
            entity="booking",
            entity_id=booking_id,
            detail=f"{minutes}min",
            now=now,
        )
        row["status"] = domain.COMPLETED
        await tell_elder_side(
            row,
            "booking.completed",
            N_("The visit on {date} is finished. Please confirm it and rate it."),
            now=now,
        )
    return await _reload(booking_id, sides)


async def mark_no_show(
    actor: Actor, booking_id: int, *, now: datetime | None = None
) -> BookingView:
    """Nobody was home: the provider records it once the visit should have begun."""
    now = now or datetime.now(UTC)
    async with write_transaction():
        row, sides = await load_for(actor, booking_id, lock=True)
        side = (
            domain.PROVIDER
            if domain.PROVIDER in sides
            else domain.CAREGIVER
            if domain.CAREGIVER in sides
            else ""
        )
        domain.transition("no_show", row["status"], side)
        if now < row["start_at"]:
            raise Conflict(N_("The visit has not started yet."))
        await (
            Booking.update({Booking.status: domain.NO_SHOW, Booking.updated_at: now})
            .where(Booking.id == booking_id)
            .run()
        )
        await audit.record(
            actor, "booking.no_show", entity="booking", entity_id=booking_id, now=now
        )
    return await _reload(booking_id, sides)


async def _elder_side_completed(
    actor: Actor, booking_id: int
) -> tuple[dict[str, Any], frozenset[str]]:
    row, sides = await load_for(actor, booking_id, lock=True)
    if domain.ELDER_SIDE not in sides:
        from eldercare.errors import Forbidden

        raise Forbidden(N_("Only the elder's side can do this."))
    if row["status"] != domain.COMPLETED:
        raise Conflict(N_("This can be done once the visit is completed."))
    return row, sides


async def rate(
    actor: Actor, booking_id: int, stars: int, comment: str = "", *, now: datetime | None = None
) -> BookingView:
    """1-5 stars once per visit; the provider's average follows."""
    from eldercare.providers import service as providers

    now = now or datetime.now(UTC)
    domain.check_stars(stars)
    if len(comment or "") > 1000:
        raise Invalid("comment", N_("The comment can be at most 1000 characters."))
    async with write_transaction():
        row, sides = await _elder_side_completed(actor, booking_id)
        if row["stars"] is not None:
            raise Conflict(N_("This visit has already been rated."))
        await (
            Booking.update(
                {
                    Booking.stars: stars,
                    Booking.rating_comment: (comment or "").strip(),
                    Booking.rated_at: now,
                    Booking.confirmed_at: row["confirmed_at"] or now,
                    Booking.updated_at: now,
                }
            )
            .where(Booking.id == booking_id)
            .run()
        )
        await providers.add_rating(row["provider"], stars)
        await audit.record(
            actor,
            "booking.rate",
            entity="booking",
            entity_id=booking_id,
            detail=str(stars),
            now=now,
        )
    return await _reload(booking_id, sides)


async def confirm(actor: Actor, booking_id: int, *, now: datetime | None = None) -> BookingView:
    now = now or datetime.now(UTC)
    async with write_transaction():
        row, sides = await _elder_side_completed(actor, booking_id)
        if row["confirmed_at"] is None:
            await (
                Booking.update({Booking.confirmed_at: now, Booking.updated_at: now})
                .where(Booking.id == booking_id)
                .run()
            )
            await audit.record(
                actor, "booking.confirm", entity="booking", entity_id=booking_id, now=now
            )
    return await _reload(booking_id, sides)


async def complain(actor: Actor, booking_id: int, text: str, *, now: datetime | None = None) -> int:
    """A complaint tied to the visit, for the bureau's queue."""
    now = now or datetime.now(UTC)
    text = (text or "").strip()
    if not text:
        raise Invalid("text", N_("Please describe what went wrong."))
    if len(text) > 2000:
        raise Invalid("text", N_("Please keep it under 2000 characters."))
    async with write_transaction():
        row, sides = await load_for(actor, booking_id)
        if domain.ELDER_SIDE not in sides:
            from eldercare.errors import Forbidden

            raise Forbidden(N_("Only the elder's side can do this."))
        if row["status"] in (domain.REQUESTED, domain.OFFERED):
            raise Conflict(N_("A complaint can be filed once a provider has taken the booking."))
        elder = (await elder_records.elders_by_id([row["elder"]], now=now))[row["elder"]]
        complaint = Complaint(
            booking=booking_id,
            region_code=elder.region_code,
            filed_by=actor.id,
            text=text,
            created_at=now,
        )
        await complaint.save().run()
        for user_id in await accounts.users_with_role(
            "bureau_officer", region_covering=elder.region_code
        ):
            await notify(
                user_id,
                "complaint.filed",
                N_("A complaint was filed about booking {id}."),
                dedupe_key=f"complaint:{complaint.id}:{user_id}",
                link="/bureau/complaints",
                now=now,
                id=booking_id,
            )
        await audit.record(
            actor, "complaint.create", entity="booking", entity_id=booking_id, now=now
        )
    return complaint.id
