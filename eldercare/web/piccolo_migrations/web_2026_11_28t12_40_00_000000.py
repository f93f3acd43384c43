"""One idempotency key per user (raw SQL: Piccolo's composite Unique() fails on SQLite)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from eldercare.db import engine

ID = "2026-11-28T12:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique idempotency key per user"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="web", description=DESCRIPTION)

    async def unique_keys() -> None:
        await engine().run_ddl(
            "CREATE UNIQUE INDEX idempotency_key_user_key ON idempotency_key (user_id, key)"
        )

    async def drop_unique_keys() -> None:
        await engine().run_ddl("DROP INDEX idempotency_key_user_key")

    manager.add_raw(unique_keys)
    manager.add_raw_backwards(drop_unique_keys)
    return manager
