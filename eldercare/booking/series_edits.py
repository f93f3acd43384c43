"""Changing a series: skip one date, pause and resume, cancel the rest, and change the time or
caregiver of one visit or of every visit from a date on.

One transaction each, audited, with every check made before anything changes. No visit is
duplicated (each stays tied to its occurrence row) and none is orphaned: when a series is
split, its visits from the split date are cancelled and the new series makes its own.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from eldercare.actor import Actor
from eldercare.audit import service as audit
from eldercare.booking import domain, visits
from eldercare.booking import series_domain as sd
from eldercare.booking.series import SeriesView, load_for, tell_provider, view
from eldercare.booking.series_materialize import claim, materialize
from eldercare.booking.tables import Series, SeriesOccurrence
from eldercare.db import write_transaction
from eldercare.errors import N_, Conflict, Invalid

LIVE = (domain.REQUESTED, domain.OFFERED, domain.ACCEPTED)
BEGUN = (domain.IN_SERVICE, domain.COMPLETED, domain.NO_SHOW)


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    return sd.attach(datetime.combine(day, time()), zone)


def _starts_on(row: dict[str, Any], day: date) -> list[datetime]:
    """The times the rule gives on a local date (EXDATEs not removed; holidays are, when the
    series skips them)."""
    zone = ZoneInfo(row["timezone"])
    return sd.occurrences(
        row["rrule"],
        row["dtstart_local"],
        row["timezone"],
        _day_start(day, zone),
        _day_start(day + timedelta(days=1), zone),
        (),
        row["skip_holidays"],
    )


async def _occurrences(
    series_id: int, since: datetime, until: datetime | None = None
) -> list[dict[str, Any]]:
    where = (SeriesOccurrence.series == series_id) & (SeriesOccurrence.occurrence_start >= since)
    if until is not None:
        where = where & (SeriesOccurrence.occurrence_start < until)
    return (
        await SeriesOccurrence.select(
            *SeriesOccurrence.all_columns(),
            SeriesOccurrence.booking.status.as_alias("booking_status"),
            SeriesOccurrence.booking.start_at.as_alias("booking_start"),
        )
        .where(where)
        .order_by(SeriesOccurrence.occurrence_start)
        .run()
    )


def _checked_day(row: dict[str, Any], day: date, now: datetime) -> list[datetime]:
    """The rule's times on ``day`` (not skipped, not past), else 422 naming the date."""
    if day < now.astimezone(ZoneInfo(row["timezone"])).date():
        raise Invalid("date", N_("{date} has already passed."), date=day.isoformat())
    starts = _starts_on(row, day)
    if not starts or day in sd.parse_exdates(row["exdates"]):
        raise Invalid("date", N_("The series has no visit on {date}."), date=day.isoformat())
    return starts


def _not_begun(occurrences: list[dict[str, Any]], day: date) -> None:
    if any(o["booking_status"] in BEGUN for o in occurrences):
        raise Conflict(N_("The visit on {date} has already begun."), date=day.isoformat())


async def _cancel_from(
    actor: Actor, row: dict[str, Any], since: datetime, now: datetime, reason: str, *, forget: bool
) -> int:
    """Cancel the series' visits from ``since`` that have not begun. ``forget`` deletes their
    occurrence rows (and those nobody could take), so resuming makes them again; otherwise
    the rows stay, marked cancelled. Visits cancelled or moved on their own are left alone."""
    cancelled = []
    for occurrence in await _occurrences(row["id"], since):
        start = occurrence["booking_start"]
        if occurrence["booking_status"] in LIVE and start is not None and start > now:
            await visits.cancel(actor, occurrence["booking"], reason, now=now)
            cancelled.append(occurrence["id"])
    if forget:
        await (
            SeriesOccurrence.delete()
            .where(
                SeriesOccurrence.id.is_in(cancelled or [0])
                | (
                    (SeriesOccurrence.series == row["id"])
                    & (SeriesOccurrence.state == sd.SKIPPED)
                    & (SeriesOccurrence.occurrence_start > now)
                )
            )
            .run()
        )
    elif cancelled:
        await (
            SeriesOccurrence.update({SeriesOccurrence.state: sd.CANCELLED})
            .where(SeriesOccurrence.id.is_in(cancelled))
            .run()
        )
    return len(cancelled)


async def _reload(series_id: int, sides: frozenset[str]) -> SeriesView:
    return view(await Series.select().where(Series.id == series_id).first().run(), sides)


# --------------------------------------------------------------------------- skip


async def skip(
    actor: Actor, series_id: int, day: date, *, now: datetime | None = None
) -> SeriesView:
    """Leave out one date (an EXDATE); its visit, if already made, is cancelled."""
    now = now or datetime.now(UTC)
    async with write_transaction():
        row, sides = await load_for(actor, series_id, write=True)
        if day in sd.parse_exdates(row["exdates"]) and _starts_on(row, day):
            sd.transition("skip", row["status"])
            return view(row, sides)  # skipped already: nothing more to do
        starts = _checked_day(row, day, now)
        sd.transition("skip", row["status"])
        zone = ZoneInfo(row["timezone"])
        found = await _occurrences(
            series_id, _day_start(day, zone), _day_start(day + timedelta(days=1), zone)
        )
        _not_begun(found, day)
        for start in starts:
            occurrence = next((o for o in found if o["occurrence_start"] == start), None)
            if occurrence is None:
                await claim(series_id, start, now, state=sd.SKIPPED)
                continue
            if occurrence["booking_status"] in LIVE:
                await visits.cancel(actor, occurrence["booking"], "skipped", now=now)
            await (
                SeriesOccurrence.update({SeriesOccurrence.state: sd.SKIPPED})
                .where(SeriesOccurrence.id == occurrence["id"])
                .run()
            )
        exdates = sd.parse_exdates(row["exdates"]) | {day}
        await (
            Series.update({Series.exdates: sd.format_exdates(exdates), Series.updated_at: now})
            .where(Series.id == series_id)
            .run()
        )
        await audit.record(
            actor,
            "series.skip",
            entity="series",
            entity_id=series_id,
            detail=day.isoformat(),
            now=now,
        )
        return await _reload(series_id, sides)


# --------------------------------------------------------------------------- pause, resume, cancel


def _today_start(row: dict[str, Any], now: datetime) -> datetime:
    zone = ZoneInfo(row["timezone"])
    return _day_start(now.astimezone(zone).date(), zone)


async def pause(actor: Actor, series_id: int, *, now: datetime | None = None) -> SeriesView:
    """Stop for now: the visits not yet begun are cancelled, and made again on resume."""
    now = now or datetime.now(UTC)
    async with write_transaction():
        row, sides = await load_for(actor, series_id, write=True)
        status = sd.transition("pause", row["status"])
        count = await _cancel_from(actor, row, _today_start(row, now), now, "paused", forget=True)
        await (
            Series.update(
                {Series.status: status, Series.materialized_until: None, Series.updated_at: now}
            )
            .where(Series.id == series_id)
            .run()
        )
        await audit.record(
            actor,
            "series.pause",
            entity="series",
            entity_id=series_id,
            detail=f"{count} visits cancelled",
            now=now,
        )
        await tell_provider(
            {**row, "updated_at": now},
            "series.paused",
            N_("Recurring series {id} has been paused by the elder's side."),
            now,
        )
        return await _reload(series_id, sides)


async def resume(
    actor: Actor, series_id: int, *, now: datetime | None = None
) -> tuple[SeriesView, int]:
    now = now or datetime.now(UTC)
    async with write_transaction():
        row, sides = await load_for(actor, series_id, write=True)
        status = sd.transition("resume", row["status"])
        await (
            Series.update(
                {Series.status: status, Series.materialized_until: None, Series.updated_at: now}
            )
            .where(Series.id == series_id)
            .run()
        )
        row = await Series.select().where(Series.id == series_id).first().run()
        created = await materialize(actor, row, now)
        await audit.record(
            actor,
            "series.resume",
            entity="series",
            entity_id=series_id,
            detail=f"{created} visits",
            now=now,
        )
        await tell_provider(
            row, "series.resumed", N_("Recurring series {id} has been resumed."), now
        )
        return await _reload(series_id, sides), created


async def cancel(actor: Actor, series_id: int, *, now: datetime | None = None) -> SeriesView:
    """End the series for good: the visits not yet begun are cancelled."""
    now = now or datetime.now(UTC)
    async with write_transaction():
        row, sides = await load_for(actor, series_id, write=True)
        status = sd.transition("cancel", row["status"])
        count = await _cancel_from(
            actor, row, _today_start(row, now), now, "series cancelled", forget=False
        )
        await (
            Series.update({Series.status: status, Series.updated_at: now})
            .where(Series.id == series_id)
            .run()
        )
        await audit.record(
            actor,
            "series.cancel",
            entity="series",
            entity_id=series_id,
            detail=f"{count} visits cancelled",
            now=now,
        )
        await tell_provider(
            {**row, "updated_at": now},
            "series.cancelled",
            N_("Recurring series {id} has been cancelled by the elder's side."),
            now,
        )
        return await _reload(series_id, sides)
