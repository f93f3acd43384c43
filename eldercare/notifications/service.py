"""Telling people things: the inbox, and the outbox rows other channels are sent from.

Sending is idempotent: one message per ``dedupe_key``. A message whose kind also goes by
SMS gets its delivery row in the same transaction, so the dispatcher sends exactly the
messages that exist (see dispatch.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from eldercare.actor import Actor
from eldercare.db import fetch, write_transaction
from eldercare.errors import N_, NotFound
from eldercare.notifications import domain
from eldercare.notifications.rendering import render
from eldercare.notifications.tables import Notification, VisitReminder


async def notify(
    user_id: int,
    kind: str,
    message: str,
    *,
    dedupe_key: str,
    link: str = "",
    now: datetime | None = None,
    **params: Any,
) -> None:
    """Queue one message for a user; a second call with the same ``dedupe_key`` does nothing.

    Call it inside the use case's transaction, so the message exists exactly when the
    change it reports does.
    """
    now = now or datetime.now(UTC)
    added = await fetch(
        "INSERT INTO notification (user_id, kind, message, params, link, dedupe_key, created_at, "
        "read_at) VALUES ({}, {}, {}, {}, {}, {}, {}, NULL) "
        "ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
        user_id,
        kind,
        message,
        json.dumps(params, ensure_ascii=False, default=str),
        link,
        dedupe_key,
        now,
    )
    if added and domain.SMS in domain.channels_for(kind):
        await fetch(
            "INSERT INTO notification_delivery (notification, channel, state, attempts, "
            "next_attempt_at, claimed_at, sent_at, last_error, created_at) "
            "VALUES ({}, {}, {}, 0, {}, NULL, NULL, '', {}) "
            "ON CONFLICT (notification, channel) DO NOTHING",
            added[0]["id"],
            domain.SMS,
            domain.PENDING,
            now,
            now,
        )


@dataclass(frozen=True)
class Message:
    id: int
    kind: str
    message: str
    params: dict[str, Any]
    link: str
    created_at: datetime
    read: bool

    def text(self, locale: str) -> str:
        """The message in the reader's language, placeholders filled in for that reader."""
        return render(locale, self.message, self.params)


async def inbox(
    actor: Actor, *, unread_only: bool = False, limit: int = 50, offset: int = 0
) -> tuple[list[Message], int]:
    where = Notification.user_id == actor.id
    if unread_only:
        where = where & Notification.read_at.is_null()
    total = await Notification.count().where(where).run()
    rows = await (
        Notification.select()
        .where(where)
        .order_by(Notification.id, ascending=False)
        .limit(limit)
        .offset(offset)
        .run()
    )
    return [
        Message(
            id=r["id"],
            kind=r["kind"],
            message=r["message"],
            link=r["link"],
            params=json.loads(r["params"] or "{}"),
            created_at=r["created_at"],
            read=r["read_at"] is not None,
        )
        for r in rows
    ], total


async def unread_count(actor: Actor) -> int:
    return (
        await Notification.count()
        .where((Notification.user_id == actor.id) & Notification.read_at.is_null())
        .run()
    )


async def mark_read(actor: Actor, notification_id: int, *, now: datetime | None = None) -> None:
    async with write_transaction():
        row = (
            await Notification.select(Notification.id)
            .where((Notification.id == notification_id) & (Notification.user_id == actor.id))
            .first()
            .run()
        )
        if row is None:
            raise NotFound(N_("No such message."))
        await (
            Notification.update({Notification.read_at: now or datetime.now(UTC)})
            .where((Notification.id == notification_id) & Notification.read_at.is_null())
            .run()
        )


async def mark_all_read(actor: Actor, *, now: datetime | None = None) -> None:
    async with write_transaction():
        await (
            Notification.update({Notification.read_at: now or datetime.now(UTC)})
            .where((Notification.user_id == actor.id) & Notification.read_at.is_null())
            .run()
        )


# --------------------------------------------------------------------------- visit reminders


def _key(booking_id: int, kind: str, start: datetime) -> tuple[int, str, datetime]:
    return booking_id, kind, start.astimezone(UTC)


async def sent_reminders(booking_ids: list[int]) -> set[tuple[int, str, datetime]]:
    """(booking, kind, visit start) of every reminder already sent for these bookings, so a
    rerun of the sweep reads once and writes nothing."""
    if not booking_ids:
        return set()
    rows = (
        await VisitReminder.select(
            VisitReminder.booking_id,
            VisitReminder.kind,
            VisitReminder.visit_start,
        )
        .where(VisitReminder.booking_id.is_in(booking_ids))
        .run()
    )
    return {_key(r["booking_id"], r["kind"], r["visit_start"]) for r in rows}


def already_sent(
    done: set[tuple[int, str, datetime]], booking_id: int, kind: str, start: datetime
) -> bool:
    return _key(booking_id, kind, start) in done


async def claim_reminder(
    booking_id: int, kind: str, start: datetime, *, recipients: int, at: datetime
) -> bool:
    """Record that this reminder is being sent; False when someone already did. Call it inside
    the transaction that notifies, so the record and the messages exist together."""
    added = await fetch(
        "INSERT INTO visit_reminder (booking_id, kind, visit_start, recipients, sent_at) "
        "VALUES ({}, {}, {}, {}, {}) "
        "ON CONFLICT (booking_id, kind, visit_start) DO NOTHING RETURNING id",
        booking_id,
        kind,
        start.astimezone(UTC),
        recipients,
        at,
    )
    return bool(added)
