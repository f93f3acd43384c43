"""Notification rules: which messages go by SMS, when a failed send is tried again, and
which visit reminder is due. Pure: no I/O and no clock (every rule takes ``at``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from fnmatch import fnmatchcase

INBOX = "inbox"
SMS = "sms"

# Delivery states of a message on an outside channel.
PENDING = "pending"  # waiting for its next attempt
SENDING = "sending"  # claimed by one dispatcher; never claimed again
SENT = "sent"
FAILED = "failed"  # gave up: attempts used up, or a send was interrupted (outcome unknown)
SKIPPED = "skipped"  # not sendable: no phone, account off, or too old to be worth sending

# Kinds that also go by SMS: reminders, offers to providers, cancellations and decisions.
# Everything else (completed visits, complaints, alerts to staff) stays in the inbox.
SMS_KINDS = (
    "reminder.*",
    "job.offered",
    "series.created",  # a standing order for a provider: as good as an offer
    "*.cancelled",
    "*.provider_cancelled",
    "booking.unfilled",
    "booking.accepted",
    "booking.declined",
    "provider.approve",
    "provider.reject",
    "provider.suspend",
    "*.approved",
    "*.rejected",
    "*.returned",
)

DAY_BEFORE = "reminder.day_before"
SOON = "reminder.hour_before"


def channels_for(kind: str) -> tuple[str, ...]:
    """Every message reaches the inbox; the kinds people must not miss go by SMS as well."""
    if any(fnmatchcase(kind, pattern) for pattern in SMS_KINDS):
        return (INBOX, SMS)
    return (INBOX,)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    first_wait: timedelta = timedelta(minutes=1)
    longest_wait: timedelta = timedelta(hours=1)
    max_age: timedelta = timedelta(hours=24)  # an older unsent SMS is news nobody needs


def after_failure(attempts: int, at: datetime, policy: RetryPolicy) -> tuple[str, datetime | None]:
    """After the ``attempts``-th failed send as of ``at``: try again later (waits doubling
    from ``first_wait`` up to ``longest_wait``), or give up once the attempts are used."""
    if attempts >= policy.max_attempts:
        return FAILED, None
    wait = min(policy.first_wait * (2 ** max(attempts - 1, 0)), policy.longest_wait)
    return PENDING, at + wait


def too_old(created_at: datetime, at: datetime, policy: RetryPolicy) -> bool:
    return at - created_at > policy.max_age


@dataclass(frozen=True)
class ReminderPolicy:
    day_before: timedelta = timedelta(hours=24)
    soon: timedelta = timedelta(minutes=60)


def reminder_due(start: datetime, at: datetime, policy: ReminderPolicy) -> str | None:
    """The one reminder a visit starting at ``start`` is due as of ``at``, if any.

    Within ``soon`` of the start it is the hour-before reminder; within ``day_before`` the
    day-before one. A run that catches up late sends only the nearer reminder, so a visit
    never gets two messages in the same minute, and nothing once the visit has begun.
    """
    if start <= at:
        return None
    left = start - at
    if left <= policy.soon:
        return SOON
    if left <= policy.day_before:
        return DAY_BEFORE
    return None
