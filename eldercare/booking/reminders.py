"""The ``send_reminders`` sweep: the elder's side hears of each accepted visit the day before
and again within the hour, each reminder exactly once.

Run as of T it sends every reminder due by T for visits that have not started (catch-up
after downtime sends the nearer one only; see notifications.domain.reminder_due), and a
rerun, or a second worker, finds each one recorded in ``visit_reminder`` and sends nothing.
Recipients: whoever booked, and everyone linked to the elder (the elder's own account and
family); staff only when they made the booking themselves.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from eldercare.accounts import elders as elder_records
from eldercare.accounts import links as account_links
from eldercare.booking import domain
from eldercare.booking.tables import Booking
from eldercare.catalog import service as catalog
from eldercare.catalog.domain import ItemInfo
from eldercare.db import is_sqlite, write_transaction
from eldercare.errors import N_, NotFound
from eldercare.notifications import domain as rules
from eldercare.notifications import service as notifications
from eldercare.notifications.rendering import in_each_language, moment
from eldercare.scheduling.runner import report_progress
from eldercare.settings import get_settings

MESSAGES = {
    rules.DAY_BEFORE: N_("Reminder: {service} for {elder} on {when}."),
    rules.SOON: N_("Starting soon: {service} for {elder}, {when}."),
}


def reminder_policy() -> rules.ReminderPolicy:
    settings = get_settings()
    return rules.ReminderPolicy(
        day_before=timedelta(hours=settings.reminder_hours),
        soon=timedelta(minutes=settings.reminder_minutes),
    )


async def send_reminders(at: datetime) -> int:
    """Send the reminders due as of ``at``; the number of visits reminded."""
    policy = reminder_policy()
    horizon = max(policy.day_before, policy.soon)
    rows = (
        await Booking.select(
            Booking.id,
            Booking.elder,
            Booking.service_code,
            Booking.start_at,
            Booking.booked_by,
        )
        .where(
            (Booking.status == domain.ACCEPTED)
            & (Booking.start_at > at)
            & (Booking.start_at <= at + horizon)
        )
        .order_by(Booking.start_at)
        .run()
    )
    done = await notifications.sent_reminders([r["id"] for r in rows])
    due = [
        (row, kind)
        for row in rows
        if (kind := rules.reminder_due(row["start_at"], at, policy))
        and not notifications.already_sent(done, row["id"], kind, row["start_at"])
    ]
    items: dict[str, ItemInfo | None] = {}
    sent = 0
    for position, (row, kind) in enumerate(due, start=1):
        sent += await _remind(row, kind, at, items)
        report_progress(position, len(due))
    return sent


async def _remind(
    row: dict[str, Any], kind: str, at: datetime, items: dict[str, ItemInfo | None]
) -> int:
    """One visit's reminder to each recipient, with its record, in one transaction."""
    item = await _item(row["service_code"], items)
    elder = (await elder_records.elders_by_id([row["elder"]], now=at)).get(row["elder"])
    recipients = sorted({row["booked_by"], *await account_links.linked_user_ids(row["elder"])})
    async with write_transaction():
        # Re-read inside the transaction: the visit may have been cancelled or moved meanwhile.
        query = Booking.select(Booking.status, Booking.start_at).where(Booking.id == row["id"])
        if not is_sqlite():  # a cancellation waits for this reminder, or this for it
            query = query.lock_rows()
        current = await query.first().run()
        if current != {"status": domain.ACCEPTED, "start_at": row["start_at"]}:
            return 0
        if not await notifications.claim_reminder(
            row["id"], kind, row["start_at"], recipients=len(recipients), at=at
        ):
            return 0  # another worker sent it
        start_key = row["start_at"].astimezone(UTC).strftime("%Y%m%dT%H%MZ")
        service = in_each_language(item.name_zh, item.name_en) if item else row["service_code"]
        for user_id in recipients:
            await notifications.notify(
                user_id,
                kind,
                MESSAGES[kind],
                now=at,
                link=f"/bookings/{row['id']}",
                dedupe_key=f"{kind}:{row['id']}:{start_key}:{user_id}",
                elder=elder.name if elder else "",
                service=service,
                when=moment(row["start_at"], get_settings().timezone),
            )
    return 1


async def _item(code: str, cache: dict[str, ItemInfo | None]) -> ItemInfo | None:
    if code not in cache:
        try:
            cache[code] = await catalog.get_item(code)
        except NotFound:
            cache[code] = None
    return cache[code]
