"""The append-only audit log: who did what to which record, from where."""

from __future__ import annotations

from piccolo.columns import Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class AuditEvent(Table, tablename="audit_event"):
    at = Timestamptz(index=True)
    actor_id = Integer(null=True, default=None, index=True)
    actor_role = Varchar(length=32, default="")
    action = Varchar(length=64, index=True)
    entity = Varchar(length=32, default="")
    entity_id = Varchar(length=64, default="", index=True)
    ip = Varchar(length=64, default="")
    detail = Text(default="")
