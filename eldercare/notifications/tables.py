"""The outbox: in-app messages (the inbox), their deliveries on other channels, the SMS log,
and a record of each visit reminder sent. Messages are rendered in the reader's language
when shown or sent, never when stored."""

from __future__ import annotations

from piccolo.columns import ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table


class Notification(Table, tablename="notification"):
    user_id = Integer(index=True)
    kind = Varchar(length=48)
    message = Text()  # an English msgid with {placeholders}
    params = Text(default="{}")  # JSON of the placeholders
    link = Varchar(length=200, default="")
    dedupe_key = Varchar(length=200, unique=True)
    created_at = Timestamptz(index=True)
    read_at = Timestamptz(null=True, default=None)


class NotificationDelivery(Table, tablename="notification_delivery"):
    """One message on one outside channel (SMS): claimed once, sent at most once.

    (notification, channel) is unique through a raw index in a later migration.
    """

    notification = ForeignKey(Notification, null=False, on_delete=OnDelete.cascade, index=True)
    channel = Varchar(length=16)
    state = Varchar(length=16, default="pending")  # pending, sending, sent, failed, skipped
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz()
    claimed_at = Timestamptz(null=True, default=None)  # wall clock, for interrupted sends
    sent_at = Timestamptz(null=True, default=None)
    last_error = Text(default="")
    created_at = Timestamptz()


class SmsLog(Table, tablename="sms_log"):
    """What the ``log`` SMS backend "sent": the stand-in for a gateway. The phone is kept
    masked only (PIPL: the full number lives in the account, not in a log)."""

    notification_id = Integer(index=True)
    user_id = Integer(index=True)
    phone_masked = Varchar(length=16)
    locale = Varchar(length=8)
    text = Text()
    sent_at = Timestamptz(index=True)


class VisitReminder(Table, tablename="visit_reminder"):
    """One reminder of one kind for one visit time, sent once: (booking_id, kind, visit_start)
    is unique through a raw index, so a rerun or a second worker finds it already done."""

    booking_id = Integer(index=True)
    kind = Varchar(length=48)
    visit_start = Timestamptz()
    recipients = Integer(default=0)
    sent_at = Timestamptz()
