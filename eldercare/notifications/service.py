"""Telling people things in-app. Sending is idempotent: one message per ``dedupe_key``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from eldercare.actor import Actor
from eldercare.db import fetch, write_transaction
from eldercare.errors import N_, NotFound
from eldercare.notifications.tables import Notification


async def notify(
    user_id: int, kind: str, message: str, *, dedupe_key: str, link: str = "",
    now: datetime | None = None, **params: Any,
) -> None:
    """Queue one message for a user; a second call with the same ``dedupe_key`` does nothing.

    Call it inside the use case's transaction, so the message exists exactly when the
    change it reports does.
    """
    conflict = "ON CONFLICT (dedupe_key) DO NOTHING"
    await fetch(
        "INSERT INTO notification (user_id, kind, message, params, link, dedupe_key, created_at, read_at) "
        f"VALUES ({{}}, {{}}, {{}}, {{}}, {{}}, {{}}, {{}}, NULL) {conflict}",
        user_id, kind, message, json.dumps(params, ensure_ascii=False, default=str), link,
        dedupe_key, now or datetime.now(UTC),
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


async def inbox(actor: Actor, *, unread_only: bool = False, limit: int = 50, offset: int = 0
                ) -> tuple[list[Message], int]:
    where = Notification.user_id == actor.id
    if unread_only:
        where = where & Notification.read_at.is_null()
    total = await Notification.count().where(where).run()
    rows = await (Notification.select().where(where).order_by(Notification.id, ascending=False)
                  .limit(limit).offset(offset).run())
    return [
        Message(id=r["id"], kind=r["kind"], message=r["message"], params=json.loads(r["params"] or "{}"),
                link=r["link"], created_at=r["created_at"], read=r["read_at"] is not None)
        for r in rows
    ], total


async def unread_count(actor: Actor) -> int:
    return await Notification.count().where(
        (Notification.user_id == actor.id) & Notification.read_at.is_null()
    ).run()


async def mark_read(actor: Actor, notification_id: int, *, now: datetime | None = None) -> None:
    async with write_transaction():
        row = await Notification.select(Notification.id).where(
            (Notification.id == notification_id) & (Notification.user_id == actor.id)
        ).first().run()
        if row is None:
            raise NotFound(N_("No such message."))
        await Notification.update({Notification.read_at: now or datetime.now(UTC)}).where(
            (Notification.id == notification_id) & Notification.read_at.is_null()
        ).run()


async def mark_all_read(actor: Actor, *, now: datetime | None = None) -> None:
    async with write_transaction():
        await Notification.update({Notification.read_at: now or datetime.now(UTC)}).where(
            (Notification.user_id == actor.id) & Notification.read_at.is_null()
        ).run()
