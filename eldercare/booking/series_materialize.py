"""Turning a series' rule into visits, and the ``materialize_series`` sweep.

Each time the rule gives is first *claimed* — a row in series_occurrence, unique per
(series, occurrence_start), inserted with ON CONFLICT DO NOTHING — and only the process
that claimed it books the visit. So running the sweep twice, or in two workers at once,
never makes a visit twice, and a visit cancelled or moved on its own keeps its claim and
is never made again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from eldercare.accounts import links as account_links
from eldercare.actor import SYSTEM, Actor
from eldercare.audit import service as audit
from eldercare.booking import series_domain as sd
from eldercare.booking import service
from eldercare.booking.policy import current_policy
from eldercare.booking.tables import Series, SeriesOccurrence
from eldercare.db import fetch, id_list, select_all, select_first, update, write_transaction
from eldercare.errors import N_
from eldercare.notifications.rendering import moment
from eldercare.notifications.service import notify
from eldercare.settings import get_settings

log = logging.getLogger("eldercare.jobs")
BATCH = 100
# An active series whose visits are not yet made up to a time (the arguments: status, time).
_BEHIND = "status = {} AND (materialized_until IS NULL OR materialized_until < {})"


def horizon() -> timedelta:
    return timedelta(days=get_settings().series_horizon_days)


async def claim(
    series_id: int, start: datetime, now: datetime, state: str = sd.MATERIALIZED
) -> int | None:
    """Claim one occurrence: its new row's id, or None when it was claimed before."""
    rows = await fetch(
        "INSERT INTO series_occurrence (series, occurrence_start, booking, state, created_at) "
        "VALUES ({}, {}, NULL, {}, {}) "
        "ON CONFLICT (series, occurrence_start) DO NOTHING RETURNING id",
        series_id,
        start,
        state,
        now,
    )
    return rows[0]["id"] if rows else None


async def book(
    actor: Actor,
    row: dict[str, Any],
    occurrence_id: int,
    start: datetime,
    now: datetime,
    caregiver_id: int | None = None,
) -> int | None:
    """Book the visit of a claimed occurrence at ``start``; when nobody can come, the
    occurrence is recorded as skipped and the elder's side is told. The booking id, or None."""
    booking_id = await service.book_occurrence(
        actor,
        elder_id=row["elder"],
        service_code=row["service_code"],
        start=start,
        provider_id=row["provider"],
        caregiver_id=caregiver_id or row["caregiver"],
        channel=row["channel"],
        series_id=row["id"],
        booked_by=row["created_by"],
        notes=row["notes"],
        now=now,
    )
    if booking_id is None:
        await update(SeriesOccurrence, occurrence_id, state=sd.SKIPPED, booking=None)
        await tell_unfilled(row, start, now)
        return None
    await update(SeriesOccurrence, occurrence_id, state=sd.MATERIALIZED, booking=booking_id)
    return booking_id


async def tell_unfilled(row: dict[str, Any], start: datetime, now: datetime) -> None:
    recipients = {row["created_by"], *await account_links.linked_user_ids(row["elder"])}
    for user_id in recipients:
        await notify(
            user_id,
            "series.unfilled",
            N_(
                "Nobody could take the visit on {date} in a recurring series, "
                "so that visit was skipped."
            ),
            dedupe_key=f"series.unfilled:{row['id']}:{start.isoformat()}:{user_id}",
            link=f"/series/{row['id']}",
            now=now,
            date=moment(start, row["timezone"]),
        )


async def materialize(
    actor: Actor, row: dict[str, Any], now: datetime, *, until: datetime | None = None
) -> int:
    """Create the visits the series gives from where it got to (or ``now``) up to ``until``
    (default now + the horizon), inside the caller's transaction; returns how many times
    were claimed. Visits too soon to book (within the minimum notice) are not made."""
    until = until or now + horizon()
    created = 0
    for start in _times_to_make(row, now, until):
        occurrence_id = await claim(row["id"], start, now)
        if occurrence_id is None:
            continue
        created += 1
        await book(actor, row, occurrence_id, start, now)
    values: dict[Any, Any] = {
        Series.materialized_until: max(until, row["materialized_until"] or until)
    }
    if _last_visit_begun(row, now) and row["status"] == sd.ACTIVE:
        values[Series.status] = sd.ENDED  # its last visit has begun: the sweep stops visiting it
        values[Series.updated_at] = now
    await Series.update(values).where(Series.id == row["id"]).run()
    return created


async def _sweep_one(series_id: int, at: datetime, end: datetime) -> int:
    async with write_transaction():
        # Re-read inside the transaction: another process may have done it meanwhile.
        row = await select_first(
            Series, f"WHERE id = {{}} AND {_BEHIND}", series_id, sd.ACTIVE, end
        )
        if row is None:
            return 0
        created = await materialize(SYSTEM, row, at, until=end)
        if created:
            await audit.record(
                SYSTEM,
                "series.materialize",
                entity="series",
                entity_id=series_id,
                detail=str(created),
                now=at,
            )
        return created


async def materialize_series(at: datetime) -> int:
    """The sweep: every active series' visits up to ``at`` + the horizon, catching up however
    long it did not run; as of the same ``at`` again it changes nothing. Series are read a
    page at a time by id. Most hourly runs find no new time for most series: those only move
    their mark, in one statement per page; each series with a visit to book is handled in its
    own transaction."""
    end, created, last_id = at + horizon(), 0, 0
    while True:
        page = await fetch(
            f"SELECT id FROM series WHERE id > {{}} AND {_BEHIND} ORDER BY id LIMIT {BATCH}",
            last_id,
            sd.ACTIVE,
            end,
        )
        if not page:
            return created
        for series_id in await _advance_idle([item["id"] for item in page], at, end):
            try:
                created += await _sweep_one(series_id, at, end)
            except (
                Exception
            ):  # one broken series must not hold up the others; logged, retried next run
                log.exception("materialize_series: series %s failed", series_id)
        last_id = page[-1]["id"]


def _is_idle(row: dict[str, Any], at: datetime, end: datetime) -> bool:
    """True when materialising this series up to ``end`` would only move its mark: no time to
    claim in the window and no last visit already begun (which ends the series)."""
    return not _last_visit_begun(row, at) and not _times_to_make(row, at, end)


def _times_to_make(row: dict[str, Any], now: datetime, until: datetime) -> list[datetime]:
    """The times the series gives from where it got to (or ``now``) up to ``until``, except
    those too soon to book (within the minimum notice)."""
    lower = now + current_policy().min_notice
    if row["materialized_until"] is not None:
        lower = max(lower, row["materialized_until"])
    return sd.occurrences(
        row["rrule"],
        row["dtstart_local"],
        row["timezone"],
        lower,
        until,
        sd.parse_exdates(row["exdates"]),
        row["skip_holidays"],
    )


def _last_visit_begun(row: dict[str, Any], now: datetime) -> bool:
    """The rule ends (COUNT or UNTIL) and its last visit began before ``now``."""
    last = sd.last_time(row["rrule"], row["dtstart_local"], row["timezone"])
    return last is not None and sd.attach(last, ZoneInfo(row["timezone"])) < now


async def _advance_idle(ids: list[int], at: datetime, end: datetime) -> list[int]:
    """Move the mark of the page's idle series to ``end`` in one statement (rows re-read and,
    on PostgreSQL, locked in the same transaction, so an edit meanwhile is never skipped);
    returns the ids that have visits to book."""
    async with write_transaction():
        rows = await select_all(
            Series,
            f"WHERE id IN ({id_list(ids)}) AND {_BEHIND} ORDER BY id",
            sd.ACTIVE,
            end,
            lock=True,
        )
        idle = [row["id"] for row in rows if _is_idle(row, at, end)]
        if idle:
            await Series.update({Series.materialized_until: end}).where(Series.id.is_in(idle)).run()
    moved = set(idle)
    return [row["id"] for row in rows if row["id"] not in moved]
