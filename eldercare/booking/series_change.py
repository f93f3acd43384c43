"""Changing the time or caregiver of a series' visits: for one visit only (it keeps its
occurrence, so the sweep never makes it again), or for every visit from a date on (the
series is split: it ends the day before, and a new series carries on with the change; the
old series' visits from that date are cancelled, so no visit is orphaned or doubled).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from eldercare.actor import Actor
from eldercare.audit import service as audit
from eldercare.booking import domain, visits
from eldercare.booking import series_domain as sd
from eldercare.booking.policy import current_policy
from eldercare.booking.series import SeriesView, check_team, load_for, tell_provider
from eldercare.booking.series_edits import (
    LIVE,
    _cancel_from,
    _checked_day,
    _day_start,
    _not_begun,
    _occurrences,
    _reload,
)
from eldercare.booking.series_materialize import book, claim, materialize
from eldercare.booking.tables import Series
from eldercare.catalog import service as catalog
from eldercare.db import write_transaction
from eldercare.errors import N_, Invalid


async def change(
    actor: Actor,
    series_id: int,
    *,
    scope: str,
    day: date,
    new_time: str | None = None,
    caregiver_id: int | None = None,
    now: datetime | None = None,
) -> tuple[SeriesView, int | None]:
    """A new time and/or caregiver for the visit on ``day`` only (``one``: it keeps its
    occurrence, so nothing is made twice), or for every visit from ``day`` on (``future``: this
    series ends the day before and a new one carries on). Returns the series the visits now
    belong to, and for ``one`` the new booking's id."""
    now = now or datetime.now(UTC)
    if scope not in ("one", "future"):
        raise Invalid("scope", N_("Choose this visit only, or this and later visits."))
    clock = sd.parse_clock(new_time)
    if clock is None and caregiver_id is None:
        raise Invalid("time", N_("Choose a new time or another caregiver."))
    async with write_transaction():
        row, sides = await load_for(actor, series_id, write=True)
        starts = _checked_day(row, day, now)
        zone = ZoneInfo(row["timezone"])
        local = datetime.combine(day, clock or row["dtstart_local"].time())
        start = sd.attach(local, zone)
        try:
            domain.check_start(start, now, current_policy())
        except Invalid as error:
            raise Invalid("time", error.message, **error.params) from error
        if caregiver_id is not None:
            item = await catalog.get_item(row["service_code"])
            from eldercare.accounts import elders as elder_records

            elder = (await elder_records.elders_by_id([row["elder"]], now=now))[row["elder"]]
            if row["provider"] is None:
                raise Invalid(
                    "caregiver_id", N_("This series has no provider to choose a caregiver from.")
                )
            problems = await check_team(item, elder, day, row["provider"], caregiver_id)
            if problems:
                raise Invalid.many(problems)
        sd.transition("change", row["status"])
        found = await _occurrences(
            series_id, _day_start(day, zone), _day_start(day + timedelta(days=1), zone)
        )
        _not_begun(found, day)
        if scope == "one":
            booking_id = await _change_one(actor, row, starts[0], found, start, caregiver_id, now)
            await audit.record(
                actor,
                "series.change",
                entity="series",
                entity_id=series_id,
                detail=f"one {day.isoformat()} booking={booking_id}",
                now=now,
            )
            return await _reload(series_id, sides), booking_id
        new_id = await _change_future(actor, row, day, local, caregiver_id, now)
        await audit.record(
            actor,
            "series.change",
            entity="series",
            entity_id=series_id,
            detail=f"future {day.isoformat()} new={new_id}",
            now=now,
        )
        return await _reload(new_id, sides), None


async def _change_one(
    actor: Actor,
    row: dict[str, Any],
    occurrence_start: datetime,
    found: list[dict[str, Any]],
    start: datetime,
    caregiver_id: int | None,
    now: datetime,
) -> int:
    """Re-book one visit: the old one is cancelled and the occurrence points to the new one."""
    occurrence = next((o for o in found if o["occurrence_start"] == occurrence_start), None)
    if occurrence is None:
        occurrence_id = await claim(row["id"], occurrence_start, now)
        assert occurrence_id is not None
    else:
        occurrence_id = occurrence["id"]
        if occurrence["booking_status"] in LIVE:
            await visits.cancel(actor, occurrence["booking"], "moved", now=now)
    booking_id = await book(
        actor, {**row, "created_by": actor.id}, occurrence_id, start, now, caregiver_id
    )
    if booking_id is None:
        raise Invalid("time", N_("Nobody can come at that time. Please choose another time."))
    if caregiver_id is not None:
        from eldercare.booking.tables import Booking

        booked = (
            await Booking.select(Booking.caregiver).where(Booking.id == booking_id).first().run()
        )
        if booked["caregiver"] != caregiver_id:
            raise Invalid("caregiver_id", N_("This caregiver is busy or not working at that time."))
    return booking_id


async def _change_future(
    actor: Actor,
    row: dict[str, Any],
    day: date,
    local: datetime,
    caregiver_id: int | None,
    now: datetime,
) -> int:
    """Split: this series ends the day before ``day``; a new one starts on ``day``, changed."""
    old_rule, new_rule = sd.split(row["rrule"], row["dtstart_local"], row["timezone"], day)
    sd.check(new_rule, local, row["timezone"], now)
    zone = ZoneInfo(row["timezone"])
    await _cancel_from(actor, row, _day_start(day, zone), now, "series changed", forget=False)
    exdates = sd.parse_exdates(row["exdates"])
    await (
        Series.update(
            {
                Series.rrule: old_rule or row["rrule"],
                Series.status: row["status"] if old_rule else sd.ENDED,
                Series.exdates: sd.format_exdates(d for d in exdates if d < day),
                Series.updated_at: now,
            }
        )
        .where(Series.id == row["id"])
        .run()
    )
    new = Series(
        elder=row["elder"],
        service_code=row["service_code"],
        provider=row["provider"],
        caregiver=caregiver_id or row["caregiver"],
        rrule=new_rule,
        dtstart_local=local,
        timezone=row["timezone"],
        skip_holidays=row["skip_holidays"],
        exdates=sd.format_exdates(d for d in exdates if d >= day),
        status=sd.ACTIVE,
        channel=row["channel"],
        created_by=actor.id,
        notes=row["notes"],
        replaces=row["id"],
        created_at=now,
        updated_at=now,
    )
    await new.save().run()
    created_row = await Series.select().where(Series.id == new.id).first().run()
    await materialize(actor, created_row, now)
    await audit.record(
        actor,
        "series.create",
        entity="series",
        entity_id=new.id,
        detail=f"{new_rule} replaces={row['id']}",
        now=now,
    )
    await tell_provider(
        created_row,
        "series.changed",
        N_("Recurring series {id} continues with a new time or caregiver."),
        now,
    )
    return new.id
