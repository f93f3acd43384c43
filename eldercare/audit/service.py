"""Writing and reading the audit log. Rows are only ever inserted."""

from __future__ import annotations

from datetime import UTC, datetime

from eldercare.actor import Actor
from eldercare.audit.tables import AuditEvent
from eldercare.db import insert


async def record(
    actor: Actor | None,
    action: str,
    *,
    entity: str = "",
    entity_id: object = "",
    detail: str = "",
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """Append one event; call it inside the use case's transaction so both land or neither."""
    await insert(
        AuditEvent,
        at=now or datetime.now(UTC),
        actor_id=actor.id if actor and actor.id else None,
        actor_role=actor.main_role if actor else "",
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        ip=ip or (actor.ip if actor else ""),
        detail=detail,
    )


async def events_for(entity: str, entity_id: object, *, limit: int = 50) -> list[dict]:
    return (
        await AuditEvent.select()
        .where((AuditEvent.entity == entity) & (AuditEvent.entity_id == str(entity_id)))
        .order_by(AuditEvent.id, ascending=False)
        .limit(limit)
        .run()
    )
