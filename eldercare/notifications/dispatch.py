"""The ``dispatch_notifications`` sweep: the outbox sent by SMS, each message at most once.

Claim: one transaction takes the deliveries due as of ``at`` and marks them ``sending``
(PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so two dispatchers take different rows and never
wait for each other; SQLite: the immediate transaction is the lock). Send: outside any
transaction, so a slow gateway holds no lock. Record: sent; or pending again with a later
attempt (waits doubling), until the attempts are used up. A row left ``sending`` by a
process that died is never sent again: after a lease it is marked failed, its fate unknown,
because a second SMS is worse than none.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from eldercare.db import is_sqlite, write_transaction
from eldercare.errors import N_
from eldercare.notifications import domain
from eldercare.notifications.channels import SmsBackend, SmsMessage, configured_backend
from eldercare.notifications.rendering import render
from eldercare.notifications.tables import Notification
from eldercare.notifications.tables import NotificationDelivery as Delivery
from eldercare.scheduling.runner import report_progress
from eldercare.settings import get_settings
from eldercare.web.i18n import DEFAULT_LOCALE, normalize_locale

log = logging.getLogger("eldercare.notifications")
BATCH = 50
SEND_TIMEOUT_SECONDS = 10
SENDING_LEASE = timedelta(minutes=10)  # wall clock: how long a claimed send may take
SMS_FRAME = N_("[Eldercare] {text}")  # the sender's signature, as Chinese SMS gateways require


@dataclass(frozen=True)
class _Claimed:
    id: int
    notification_id: int
    attempts: int  # including this one


@dataclass(frozen=True)
class _Contact:
    phone: str
    locale: str
    active: bool


def retry_policy() -> domain.RetryPolicy:
    return domain.RetryPolicy(max_attempts=max(get_settings().sms_max_attempts, 1))


async def dispatch_notifications(
    at: datetime, *, backend: SmsBackend | None = None, batch: int = BATCH
) -> int:
    """Send every SMS due as of ``at``; the number of deliveries settled (sent, retried later,
    failed or skipped). Safe to run twice, and from two processes at once."""
    backend = backend or configured_backend()
    policy = retry_policy()
    handled = await _give_up_interrupted()
    while claimed := await _claim(at, batch):
        notifications, contacts = await _load(claimed)
        for item in claimed:
            notification = notifications.get(item.notification_id)
            if notification is not None:  # else deleted since: its delivery went with it
                await _deliver(item, notification, contacts, backend, at, policy)
            handled += 1
            report_progress(handled)
    return handled


async def _claim(at: datetime, batch: int) -> list[_Claimed]:
    due = (
        (Delivery.channel == domain.SMS)
        & (Delivery.state == domain.PENDING)
        & (Delivery.next_attempt_at <= at)
    )
    async with write_transaction():
        query = (
            Delivery.select(Delivery.id, Delivery.notification, Delivery.attempts)
            .where(due)
            .order_by(Delivery.next_attempt_at)
            .order_by(Delivery.id)
            .limit(batch)
        )
        if not is_sqlite():  # on SQLite the immediate transaction already shuts out other writers
            query = query.lock_rows(skip_locked=True)
        rows = await query.run()
        if not rows:
            return []
        await (
            Delivery.update(
                {
                    Delivery.state: domain.SENDING,
                    Delivery.attempts: Delivery.attempts + 1,
                    Delivery.claimed_at: datetime.now(UTC),
                }
            )
            .where(Delivery.id.is_in([r["id"] for r in rows]))
            .run()
        )
    return [_Claimed(r["id"], r["notification"], r["attempts"] + 1) for r in rows]


async def _load(claimed: list[_Claimed]) -> tuple[dict[int, dict[str, Any]], dict[int, _Contact]]:
    ids = list({c.notification_id for c in claimed})
    rows = await Notification.select().where(Notification.id.is_in(ids)).run()
    notifications = {r["id"]: r for r in rows}
    return notifications, await _contacts(list({r["user_id"] for r in rows}))


async def _contacts(user_ids: list[int]) -> dict[int, _Contact]:
    """Where and in which language to reach each user. Read from the accounts table directly:
    accounts has no service read for this yet (a sweep, no actor)."""
    from eldercare.accounts.tables import User

    if not user_ids:
        return {}
    rows = (
        await User.select(User.id, User.phone, User.locale, User.active)
        .where(User.id.is_in(user_ids))
        .run()
    )
    default = normalize_locale(get_settings().default_locale) or DEFAULT_LOCALE
    return {
        r["id"]: _Contact(
            phone=r["phone"] or "",
            active=bool(r["active"]),
            locale=normalize_locale(r["locale"]) or default,
        )
        for r in rows
    }


def sms_text(locale: str, message: str, params: dict[str, Any]) -> str:
    return render(locale, SMS_FRAME, {"text": render(locale, message, params)})


async def _deliver(
    item: _Claimed,
    notification: dict[str, Any],
    contacts: dict[int, _Contact],
    backend: SmsBackend,
    at: datetime,
    policy: domain.RetryPolicy,
) -> None:
    contact = contacts.get(notification["user_id"])
    if contact is None or not contact.phone or not contact.active:
        return await _settle(item, domain.SKIPPED, error="no phone or account inactive")
    if domain.too_old(notification["created_at"], at, policy):
        return await _settle(item, domain.SKIPPED, error="too old to be worth sending")
    try:
        params = json.loads(notification["params"] or "{}")
        text = sms_text(contact.locale, notification["message"], params)
    except (KeyError, ValueError, IndexError) as error:  # a broken message: retrying cannot help
        return await _settle(item, domain.FAILED, error=f"cannot render: {error!r}")
    message = SmsMessage(
        notification_id=notification["id"],
        user_id=notification["user_id"],
        phone=contact.phone,
        locale=contact.locale,
        text=text,
        at=at,
    )
    try:
        await asyncio.wait_for(backend.send(message), SEND_TIMEOUT_SECONDS)
    except Exception as error:  # any gateway trouble: try again later, with the same out id
        log.warning(
            "SMS for notification %s failed (attempt %s): %r",
            notification["id"],
            item.attempts,
            error,
        )
        state, retry_at = domain.after_failure(item.attempts, at, policy)
        return await _settle(
            item, state, error=f"{type(error).__name__}: {error}"[:500], retry_at=retry_at
        )
    await _settle(item, domain.SENT, sent_at=at)


async def _settle(
    item: _Claimed,
    state: str,
    *,
    error: str = "",
    retry_at: datetime | None = None,
    sent_at: datetime | None = None,
) -> None:
    values: dict[Any, Any] = {Delivery.state: state, Delivery.last_error: error}
    where = Delivery.id == item.id
    if state == domain.SENT:
        values[Delivery.sent_at] = sent_at  # sent is the truth, even after a lease ran out
    else:
        where = where & (Delivery.state == domain.SENDING)
    if retry_at is not None:
        values[Delivery.next_attempt_at] = retry_at
    async with write_transaction():
        await Delivery.update(values).where(where).run()


async def _give_up_interrupted() -> int:
    """Claims older than the lease belong to a dispatcher that died mid-send: never resend."""
    async with write_transaction():
        rows = (
            await Delivery.update(
                {
                    Delivery.state: domain.FAILED,
                    Delivery.last_error: "interrupted while sending; not sent again",
                }
            )
            .where(
                (Delivery.state == domain.SENDING)
                & (Delivery.claimed_at < datetime.now(UTC) - SENDING_LEASE)
            )
            .returning(Delivery.id)
            .run()
        )
    return len(rows)
