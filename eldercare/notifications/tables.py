"""In-app messages (the inbox); each is rendered in the reader's language when shown."""

from __future__ import annotations

from piccolo.columns import Integer, Text, Timestamptz, Varchar
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
