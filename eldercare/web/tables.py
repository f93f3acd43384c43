"""State the web layer keeps: idempotency keys of API requests."""

from __future__ import annotations

from piccolo.columns import Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class IdempotencyKey(Table, tablename="idempotency_key"):
    """One row per (user, Idempotency-Key): the request's fingerprint and its first answer."""

    user_id = Integer()
    key = Varchar(length=255)
    fingerprint = Varchar(length=64)
    state = Varchar(length=8)  # "running" | "done"
    locked_until = Timestamptz()
    status_code = Integer(null=True, default=None)
    body = Text(default="")
    created_at = Timestamptz(index=True)
