"""Composite unique index on family links (raw SQL: Piccolo's Unique() fails on SQLite)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from eldercare.db import engine

ID = "2026-11-28T12:12:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "one link per user and elder"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="accounts", description=DESCRIPTION)

    async def unique_links() -> None:
        await engine().run_ddl(
            'CREATE UNIQUE INDEX elder_link_user_elder ON elder_link ("user", elder)'
        )

    async def drop_unique_links() -> None:
        await engine().run_ddl("DROP INDEX elder_link_user_elder")

    manager.add_raw(unique_links)
    manager.add_raw_backwards(drop_unique_links)
    return manager
