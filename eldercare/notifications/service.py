"""Telling people things: the inbox, and the outbox rows other channels are sent from.

Sending is idempotent: one message per ``dedupe_key``. A message whose kind also goes by
SMS gets its delivery row in the same transaction, so the dispatcher sends exactly the
messages that exist (see dispatch.py).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from eldercare.actor import Actor
from eldercare.db import fetch, is_sqlite, write_transaction
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
    await notify_many([Outgoing(user_id, kind, message, dedupe_key, link, params)], now=now)


@dataclass(frozen=True)
class Outgoing:
    """One message for ``notify_many``: the same fields ``notify`` takes."""

    user_id: int
    kind: str
    message: str
    dedupe_key: str
    link: str = ""
    params: dict[str, Any] = field(default_factory=dict)


_BULK_ROWS = 500  # SQLite: 7 parameters a row, far below its limit


async def notify_many(messages: list[Outgoing], *, now: datetime | None = None) -> int:
    """``notify`` for many messages at once (a sweep telling a city): the same rows ``notify``
    writes and the same ``dedupe_key`` rule, in a few statements (PostgreSQL: one insert of
    arrays; SQLite: multi-row inserts of 500). Call it inside the use case's transaction;
    returns how many were new."""
    now = now or datetime.now(UTC)
    first: dict[str, Outgoing] = {}
    for m in messages:
        first.setdefault(m.dedupe_key, m)
    unique = list(first.values())
    if not unique:
        return 0
    if is_sqlite():
        added = []
        for chunk in range(0, len(unique), _BULK_ROWS):
            added += await _insert_rows(unique[chunk : chunk + _BULK_ROWS], now)
    else:
        added = await _insert_arrays(unique, now)
    by_sms = sorted(row["id"] for row in added if _by_sms(row["kind"]))
    for chunk in range(0, len(by_sms), _BULK_ROWS):
        part = by_sms[chunk : chunk + _BULK_ROWS]
        await fetch(
            "INSERT INTO notification_delivery (notification, channel, state, attempts, "
            "next_attempt_at, claimed_at, sent_at, last_error, created_at) VALUES "
            + ", ".join(f"({int(nid)}, {{}}, {{}}, 0, {{}}, NULL, NULL, '', {{}})" for nid in part)
            + " ON CONFLICT (notification, channel) DO NOTHING",
            *[v for _ in part for v in (domain.SMS, domain.PENDING, now, now)],
        )
    return len(added)


@functools.lru_cache(maxsize=256)
def _by_sms(kind: str) -> bool:
    return domain.SMS in domain.channels_for(kind)


def _params(m: Outgoing) -> str:
    return json.dumps(m.params, ensure_ascii=False, default=str)


async def _insert_rows(part: list[Outgoing], now: datetime) -> list[dict[str, Any]]:
    args: list[Any] = []
    for m in part:
        args += [m.user_id, m.kind, m.message, _params(m), m.link, m.dedupe_key, now]
    return await fetch(
        "INSERT INTO notification (user_id, kind, message, params, link, dedupe_key, "
        "created_at, read_at) VALUES "
        + ", ".join("({}, {}, {}, {}, {}, {}, {}, NULL)" for _ in part)
        + " ON CONFLICT (dedupe_key) DO NOTHING RETURNING id, kind",
        *args,
    )


async def _insert_arrays(part: list[Outgoing], now: datetime) -> list[dict[str, Any]]:
    """One statement whatever the count: six arrays unnested (thousands of parameters would
    cost more to send than the insert)."""
    return await fetch(
        "INSERT INTO notification (user_id, kind, message, params, link, dedupe_key, "
        "created_at, read_at) SELECT u, k, m, p, l, d, {}, NULL FROM unnest({}::integer[], "
        "{}::text[], {}::text[], {}::text[], {}::text[], {}::text[]) AS t(u, k, m, p, l, d) "
        "ON CONFLICT (dedupe_key) DO NOTHING RETURNING id, kind",
        now,
        [m.user_id for m in part],
        [m.kind for m in part],
        [m.message for m in part],
        [_params(m) for m in part],
        [m.link for m in part],
        [m.dedupe_key for m in part],
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
