"""Each message once per channel and each reminder once per visit time (raw SQL: Piccolo's
composite Unique() fails on SQLite), and the partial index the dispatcher claims from."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from eldercare.db import engine

ID = "2026-11-28T13:15:07:000000"
VERSION = "1.38.0"
DESCRIPTION = "one delivery per message and channel, one reminder per visit and kind"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="notifications", description=DESCRIPTION)

    async def add_indexes() -> None:
        db = engine()
        await db.run_ddl(
            "CREATE UNIQUE INDEX notification_delivery_once "
            "ON notification_delivery (notification, channel)"
        )
        await db.run_ddl(
            "CREATE INDEX notification_delivery_due ON notification_delivery "
            "(channel, next_attempt_at) WHERE state = 'pending'"
        )
        await db.run_ddl(
            "CREATE UNIQUE INDEX visit_reminder_once ON visit_reminder (booking_id, kind, visit_start)"
        )

    async def drop_indexes() -> None:
        db = engine()
        await db.run_ddl("DROP INDEX visit_reminder_once")
        await db.run_ddl("DROP INDEX notification_delivery_due")
        await db.run_ddl("DROP INDEX notification_delivery_once")

    manager.add_raw(add_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
