"""Booking use cases: match, book, read. The visit's later steps live in visits.py.

Each write is one transaction; offering a booking to a provider, and telling people, happen
inside the transaction that changed the booking.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from eldercare.accounts import elders as elder_records
from eldercare.accounts import links as account_links
from eldercare.accounts import service as accounts
from eldercare.accounts.elders import ElderView
from eldercare.actor import Actor
from eldercare.audit import service as audit
from eldercare.booking import domain, matching
from eldercare.booking.domain import Candidate
from eldercare.booking.policy import current_policy
from eldercare.booking.tables import Booking, BookingOffer
from eldercare.catalog import service as catalog
from eldercare.db import fetch, insert, is_sqlite, select_first, update, write_transaction
from eldercare.errors import N_, Conflict, Invalid, NotFound
from eldercare.notifications.rendering import moment
from eldercare.notifications.service import Outgoing, notify, notify_many
from eldercare.settings import get_settings


@dataclass(frozen=True)
class BookingView:
    id: int
    status: str
    elder_id: int
    service_code: str
    provider_id: int | None
    caregiver_id: int | None
    start: datetime
    end: datetime
    price_fen: int
    subsidy_fen: int
    copay_fen: int
    channel: str
    notes: str
    offer_expires_at: datetime | None
    late_cancellation: bool
    cancel_reason: str
    check_in_at: datetime | None
    geofence_flag: bool
    check_out_at: datetime | None
    actual_minutes: int | None
    visit_notes: str
    stars: int | None
    rating_comment: str
    confirmed_at: datetime | None
    series_id: int | None
    sides: frozenset[str] = frozenset()

    @property
    def actions(self) -> list[str]:
        return domain.allowed_actions(self.status, set(self.sides))


def view(row: dict[str, Any], sides: frozenset[str] = frozenset()) -> BookingView:
    return BookingView(
        id=row["id"],
        status=row["status"],
        elder_id=row["elder"],
        service_code=row["service_code"],
        provider_id=row["provider"],
        caregiver_id=row["caregiver"],
        start=row["start_at"],
        end=row["end_at"],
        price_fen=row["price_fen"],
        subsidy_fen=row["subsidy_fen"],
        copay_fen=row["copay_fen"],
        channel=row["channel"],
        notes=row["notes"],
        offer_expires_at=row["offer_expires_at"],
        late_cancellation=row["late_cancellation"],
        cancel_reason=row["cancel_reason"],
        check_in_at=row["check_in_at"],
        geofence_flag=row["geofence_flag"],
        check_out_at=row["check_out_at"],
        actual_minutes=row["actual_minutes"],
        visit_notes=row["visit_notes"],
        stars=row["stars"],
        rating_comment=row["rating_comment"],
        confirmed_at=row["confirmed_at"],
        series_id=row["series_id"],
        sides=sides,
    )


def _place(elder: ElderView) -> matching.Place:
    if elder.lat is None or elder.lon is None:
        raise Invalid("elder_id", N_("This elder's address has no map position yet."))
    return matching.Place(lat=elder.lat, lon=elder.lon, region_code=elder.region_code)


async def sides_for(actor: Actor, row: dict[str, Any]) -> frozenset[str]:
    """How this actor stands to a booking; no side means the booking is not theirs (404)."""
    from eldercare.providers import service as providers

    sides = set()
    if (
        actor.has_role("provider_admin")
        and actor.provider_id
        and actor.provider_id == row["provider"]
    ):
        sides.add(domain.PROVIDER)
    if (
        actor.has_role("caregiver")
        and row["caregiver"] is not None
        and await providers.caregiver_id_for(actor) == row["caregiver"]
    ):
        sides.add(domain.CAREGIVER)
    if (actor.is_staff or actor.has_role("resident", "family")) and await elder_records.acts_for(
        actor, row["elder"]
    ):
        sides.add(domain.ELDER_SIDE)
    return frozenset(sides)


async def load_for(
    actor: Actor, booking_id: int, *, lock: bool = False
) -> tuple[dict[str, Any], frozenset[str]]:
    """The booking row and the actor's sides; 404 when the actor has none."""
    row = await select_first(Booking, "WHERE id = {}", booking_id, lock=lock)
    if row is None:
        raise NotFound(N_("No such booking."))
    sides = await sides_for(actor, row)
    if not sides:
        raise NotFound(N_("No such booking."))
    return row, sides


# --------------------------------------------------------------------------- matching


async def match(
    actor: Actor, *, elder_id: int, service_code: str, start: datetime, now: datetime | None = None
) -> list[Candidate]:
    now = now or datetime.now(UTC)
    async with matching.one_connection():  # a dozen reads: one SQLite connection, not one each
        elder = await elder_records.get_elder(actor, elder_id)
        if elder.ended_on is not None:
            raise Conflict(N_("This elder's record is closed; no new visits can be booked."))
        item = await _offered_item(service_code, elder.region_code)
        domain.check_start(start, now, current_policy())
        return await matching.candidates(
            item_code=item.code,
            skill=item.skill,
            duration=timedelta(minutes=item.duration_minutes),
            place=_place(elder),
            start=start,
            now=now,
            policy=current_policy(),
        )


async def _offered_item(service_code: str, region_code: str) -> catalog.ItemInfo:
    """The menu item, if this region's menu offers it (else the item does not exist here: 404)."""
    item = await catalog.get_item(service_code)
    if not item.active or await catalog.price_cap(service_code, region_code) is None:
        raise NotFound(N_("This service is not offered where the elder lives."))
    return item


# --------------------------------------------------------------------------- booking


def _channel(actor: Actor, requested: str | None, default: str) -> str:
    if requested is not None and requested not in domain.CHANNELS:
        raise Invalid("channel", N_("Choose app, web, phone, counter or proxy."))
    if actor.is_staff:
        return requested if requested in ("phone", "counter", "proxy") else "proxy"
    return requested if requested in domain.ONLINE_CHANNELS else default


async def book(
    actor: Actor,
    *,
    elder_id: int,
    service_code: str,
    start: datetime,
    provider_id: int | None = None,
    notes: str = "",
    channel: str | None = None,
    default_channel: str = "app",
    series_id: int | None = None,
    now: datetime | None = None,
) -> BookingView:
    """Book a visit: to the chosen provider, or to the best match; someone must be free then."""
    now = now or datetime.now(UTC)
    policy = current_policy()
    # Every read that can be, before the write lock (SQLite serialises writers), on one
    # connection: the lock then covers only the elder's open count and the writes.
    async with matching.one_connection():
        elder = await elder_records.get_elder(actor, elder_id)
        if elder.ended_on is not None:
            raise Conflict(N_("This elder's record is closed; no new visits can be booked."))
        item = await _offered_item(service_code, elder.region_code)
        if len(notes) > 500:
            raise Invalid("notes", N_("Notes can be at most 500 characters."))
        domain.check_start(start, now, policy)
        channel = _channel(actor, channel, default_channel)
        duration = timedelta(minutes=item.duration_minutes)
        found = await matching.candidates(
            item_code=item.code,
            skill=item.skill,
            duration=duration,
            place=_place(elder),
            start=start,
            now=now,
            policy=policy,
            only_provider=provider_id,
            best_only=True,
        )
        if not found:
            if provider_id is not None:
                raise Invalid(
                    "provider_id",
                    N_(
                        "This provider cannot come at that time. "
                        "Please choose another time or provider."
                    ),
                )
            raise Invalid(
                "start", N_("No provider is free at that time. Please choose another time.")
            )
        best = found[0]
        admins = await accounts.users_with_role("provider_admin", provider_id=best.provider_id)
    start_utc = start.astimezone(UTC)
    async with write_transaction():
        open_count = await _open_count(elder_id)
        if open_count >= policy.max_open_per_elder:
            raise Conflict(
                N_("This elder already has {count} bookings waiting for a provider."),
                count=open_count,
            )
        booking_id = await insert(
            Booking,
            elder=elder_id,
            service_code=item.code,
            start_at=start_utc,
            end_at=start_utc + duration,
            busy_until=start_utc + duration + policy.travel_buffer,
            status=domain.REQUESTED,
            chosen_provider=provider_id is not None,
            channel=channel,
            booked_by=actor.id,
            notes=notes.strip(),
            price_fen=best.price_fen,
            subsidy_fen=0,
            copay_fen=best.price_fen,
            series_id=series_id,
            created_at=now,
            updated_at=now,
        )
        await _offer(booking_id, best, now, known=(elder_id, item, start_utc, admins))
        await audit.record(
            actor,
            "booking.create",
            entity="booking",
            entity_id=booking_id,
            detail=f"{item.code} {channel}",
            now=now,
        )
        row = await select_first(Booking, "WHERE id = {}", booking_id)
    return view(row, frozenset({domain.ELDER_SIDE}))


async def _open_count(elder_id: int) -> int:
    """The elder's bookings still waiting for a provider."""
    rows = await fetch(
        "SELECT COUNT(*) AS n FROM booking WHERE elder = {} "
        f"AND status IN ({', '.join('{}' for _ in domain.OPEN)})",
        elder_id,
        *domain.OPEN,
    )
    return int(rows[0]["n"])


# What a new booking already knows: its elder, item and start, and the offered provider's admins.
_Known = tuple[int, catalog.ItemInfo, datetime, list[int]]


async def _offer(
    booking_id: int, candidate: Candidate, now: datetime, *, known: _Known | None = None
) -> None:
    """Offer the job to one provider (inside the caller's transaction) and tell its admins."""
    policy = current_policy()
    expires = now + policy.offer_window
    price = await _priced(booking_id, candidate.price_fen, known)
    await update(
        Booking,
        booking_id,
        status=domain.OFFERED,
        provider=candidate.provider_id,
        caregiver=None,
        offer_expires_at=expires,
        price_fen=price.price_fen,
        subsidy_fen=price.subsidy_fen,
        copay_fen=price.copay_fen,
        updated_at=now,
    )
    offer_id = await insert(
        BookingOffer,
        booking=booking_id,
        provider=candidate.provider_id,
        offered_at=now,
        expires_at=expires,
    )
    admins = (
        known[3]
        if known is not None
        else await accounts.users_with_role("provider_admin", provider_id=candidate.provider_id)
    )
    for user_id in admins:
        await notify(
            user_id,
            "job.offered",
            N_("A new job is waiting for your answer (booking {id})."),
            dedupe_key=f"offer:{offer_id}:{user_id}",
            link="/jobs",
            now=now,
            id=booking_id,
        )


async def _priced(booking_id: int, price_fen: int, known: _Known | None = None) -> domain.Price:
    """The price at this provider, less what the elder's service voucher covers (held from the
    visit's month's credit, inside the caller's transaction)."""
    from eldercare.subsidies import vouchers

    if known is not None:
        elder_id, item, start, _ = known
    else:
        row = await (
            Booking.select(Booking.elder, Booking.service_code, Booking.start_at)
            .where(Booking.id == booking_id)
            .first()
            .run()
        )
        elder_id, start = row["elder"], row["start_at"]
        item = await catalog.get_item(row["service_code"])
    subsidy = await vouchers.reserve(
        elder_id=elder_id,
        start=start,
        price_fen=price_fen,
        subsidy_eligible=item.subsidy_eligible,
        booking_id=booking_id,
    )
    return domain.price(price_fen, subsidy, item.subsidy_eligible)


async def book_occurrence(
    actor: Actor,
    *,
    elder_id: int,
    service_code: str,
    start: datetime,
    provider_id: int | None,
    caregiver_id: int | None,
    channel: str,
    series_id: int,
    booked_by: int,
    notes: str = "",
    now: datetime,
) -> int | None:
    """One visit of a recurring series, inside the caller's transaction (booking/series*.py,
    which checked access when the series was made). With the series' fixed caregiver working
    and free then, the visit is accepted at once (the provider agreed to the series); else it
    is offered like any booking, to the series' provider or the best match. The booking's id,
    or None when nobody can come."""
    policy = current_policy()
    elder = (await elder_records.elders_by_id([elder_id], now=now))[elder_id]
    item = await catalog.get_item(service_code)
    if elder.lat is None or elder.lon is None:
        return None
    duration = timedelta(minutes=item.duration_minutes)
    found = await matching.candidates(
        item_code=item.code,
        skill=item.skill,
        duration=duration,
        place=_place(elder),
        start=start,
        now=now,
        policy=policy,
        only_provider=provider_id,
        best_only=caregiver_id is None,  # else the fixed caregiver's provider may rank lower
    )
    if not found:
        return None
    fixed = (
        next((c for c in found if caregiver_id in c.caregiver_ids), None) if caregiver_id else None
    )
    best = fixed or found[0]
    start_utc = start.astimezone(UTC)
    values = dict(
        elder=elder_id,
        service_code=item.code,
        start_at=start_utc,
        end_at=start_utc + duration,
        busy_until=start_utc + duration + policy.travel_buffer,
        status=domain.REQUESTED,
        chosen_provider=provider_id is not None,
        channel=channel,
        booked_by=booked_by,
        notes=notes,
        price_fen=best.price_fen,  # an offered visit is priced by _offer
        subsidy_fen=0,
        copay_fen=best.price_fen,
        series_id=series_id,
        created_at=now,
        updated_at=now,
    )
    booking_id = None
    if fixed is not None:
        price = await _occurrence_price(elder_id, item, start_utc, best.price_fen)
        booking_id = await _save_holding(
            {
                **values,
                "status": domain.ACCEPTED,
                "provider": best.provider_id,
                "caregiver": caregiver_id,
                "price_fen": price.price_fen,
                "subsidy_fen": price.subsidy_fen,
                "copay_fen": price.copay_fen,
            }
        )
    if booking_id is None:  # no fixed caregiver, or taken meanwhile: offer it instead
        booking_id = await insert(Booking, **values)
        admins = await accounts.users_with_role("provider_admin", provider_id=best.provider_id)
        await _offer(booking_id, best, now, known=(elder_id, item, start_utc, admins))
    await audit.record(
        actor,
        "booking.create",
        entity="booking",
        entity_id=booking_id,
        detail=f"{item.code} series={series_id}",
        now=now,
    )
    return booking_id


async def _occurrence_price(
    elder_id: int, item: catalog.ItemInfo, start: datetime, price_fen: int
) -> domain.Price:
    from eldercare.subsidies import vouchers

    subsidy = await vouchers.reserve(
        elder_id=elder_id,
        start=start,
        price_fen=price_fen,
        subsidy_eligible=item.subsidy_eligible,
    )
    return domain.price(price_fen, subsidy, item.subsidy_eligible)


async def _save_holding(values: dict[str, Any]) -> int | None:
    """Insert an accepted visit: its id, or None when PostgreSQL's no-overlap constraint
    refuses it (a savepoint keeps the caller's transaction usable). SQLite's immediate
    transaction already serialises the busy check and this write."""
    from eldercare.db import engine

    transaction = engine().current_transaction.get()
    savepoint = (
        await transaction.savepoint() if transaction is not None and not is_sqlite() else None
    )
    try:
        booking_id = await insert(Booking, **values)
    except Exception as error:
        if savepoint is None or getattr(error, "sqlstate", None) != "23P01":
            raise
        await savepoint.rollback_to()
        return None
    if savepoint is not None:
        await savepoint.release()
    return booking_id


async def offer_next(row: dict[str, Any], now: datetime, *, reason: str) -> str:
    """After a decline, a time-out or a provider's cancellation: the next best match, or the
    end of the road (``declined`` for a chosen provider, else ``expired``), with everyone told."""
    policy = current_policy()
    tried = {
        o["provider"]
        for o in await BookingOffer.select(BookingOffer.provider)
        .where(BookingOffer.booking == row["id"])
        .run()
    }
    found: list[Candidate] = []
    if not row["chosen_provider"] and row["start_at"] > now + policy.min_notice:
        elder = (await elder_records.elders_by_id([row["elder"]], now=now))[row["elder"]]
        item = await catalog.get_item(row["service_code"])
        found = await matching.candidates(
            item_code=item.code,
            skill=item.skill,
            duration=row["end_at"] - row["start_at"],
            place=_place(elder),
            start=row["start_at"],
            now=now,
            policy=policy,
            exclude_providers=frozenset(tried),
            best_only=True,
        )
    if found:
        await _offer(row["id"], found[0], now)
        return domain.OFFERED
    final = domain.DECLINED if row["chosen_provider"] and reason == "declined" else domain.EXPIRED
    await (
        Booking.update(
            {Booking.status: final, Booking.offer_expires_at: None, Booking.updated_at: now}
        )
        .where(Booking.id == row["id"])
        .run()
    )
    await tell_elder_side(
        row,
        "booking.unfilled",
        N_("No provider could take the booking for {date}. Please choose another time."),
        now=now,
        staff_too=True,
    )
    return final


async def tell_elder_side(
    row: dict[str, Any],
    kind: str,
    message: str,
    *,
    now: datetime,
    staff_too: bool = False,
    **params: Any,
) -> None:
    """Notify whoever booked, the elder's linked family, and (when asked) the region's staff
    (one insert for them all)."""
    recipients = {row["booked_by"], *await account_links.linked_user_ids(row["elder"])}
    if staff_too:
        elder = (await elder_records.elders_by_id([row["elder"]], now=now))[row["elder"]]
        recipients |= set(
            await accounts.users_with_role("community_staff", region_covering=elder.region_code)
        )
    shown = {
        "date": moment(row["start_at"], get_settings().timezone),
        **{k: v for k, v in params.items() if k != "key"},
    }
    await notify_many(
        [
            Outgoing(
                user_id,
                kind,
                message,
                # The moment is part of the key: a second acceptance after a provider's
                # cancellation is news too, while a sweep re-run as of the same moment still
                # tells nobody twice.
                dedupe_key=f"{kind}:{row['id']}:{row['status']}:{now.isoformat()}:{user_id}:{params.get('key', '')}",
                link=f"/bookings/{row['id']}",
                params=shown,
            )
            for user_id in sorted(recipients)
        ],
        now=now,
    )


# --------------------------------------------------------------------------- reading


async def get_booking(actor: Actor, booking_id: int) -> BookingView:
    row, sides = await load_for(actor, booking_id)
    return view(row, sides)


async def list_bookings(
    actor: Actor,
    *,
    elder_id: int | None = None,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[BookingView], int]:
    """The bookings an actor may see: their elders' (or region's, for staff), their provider's,
    or their own visits as a caregiver. Sides are worked out in bulk, not per row."""
    from eldercare.geo.domain import region_contains, region_prefix
    from eldercare.providers import service as providers

    if status is not None and status not in domain.STATUSES:
        raise Invalid("status", N_("Unknown status: {status}."), status=status)
    clauses = []
    provider_id = actor.provider_id if actor.has_role("provider_admin") else None
    caregiver_id = await providers.caregiver_id_for(actor) if actor.has_role("caregiver") else None
    own_elders: set[int] = set()
    if provider_id:
        clauses.append(Booking.provider == provider_id)
    if caregiver_id is not None:
        clauses.append(Booking.caregiver == caregiver_id)
    if actor.is_staff:
        clauses.append(Booking.elder.region_code.like(f"{region_prefix(actor.region_code or '')}%"))
    elif actor.has_role("resident", "family"):
        own_elders = set(await account_links.account_elder_ids(actor.id))
        if own_elders:
            clauses.append(Booking.elder.is_in(list(own_elders)))
    if not clauses:
        return [], 0
    where = clauses[0]
    for clause in clauses[1:]:
        where = where | clause
    if elder_id is not None:
        where = where & (Booking.elder == elder_id)
    if status is not None:
        where = where & (Booking.status == status)
    total = await Booking.count().where(where).run()
    rows = (
        await Booking.select(
            *Booking.all_columns(), Booking.elder.region_code.as_alias("elder_region")
        )
        .where(where)
        .order_by(Booking.start_at, ascending=False)
        .order_by(Booking.id, ascending=False)
        .limit(limit)
        .offset(offset)
        .run()
    )

    def sides(row: dict[str, Any]) -> frozenset[str]:
        found = set()
        if provider_id and row["provider"] == provider_id:
            found.add(domain.PROVIDER)
        if caregiver_id is not None and row["caregiver"] == caregiver_id:
            found.add(domain.CAREGIVER)
        if row["elder"] in own_elders or (
            actor.is_staff and region_contains(actor.region_code or "", row["elder_region"])
        ):
            found.add(domain.ELDER_SIDE)
        return frozenset(found)

    return [view(row, sides(row)) for row in rows], total


async def job_board(
    actor: Actor, *, limit: int = 50, offset: int = 0
) -> tuple[list[BookingView], int]:
    """The offers open to the actor's organisation, soonest first."""
    if not actor.provider_id:
        return [], 0
    where = (Booking.provider == actor.provider_id) & (Booking.status == domain.OFFERED)
    total = await Booking.count().where(where).run()
    rows = (
        await Booking.select()
        .where(where)
        .order_by(Booking.start_at)
        .limit(limit)
        .offset(offset)
        .run()
    )
    return [view(row, frozenset({domain.PROVIDER})) for row in rows], total
