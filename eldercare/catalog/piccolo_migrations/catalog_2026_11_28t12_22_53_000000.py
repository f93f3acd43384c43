"""One menu entry per region and item (raw SQL: Piccolo's Unique() fails on SQLite)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from eldercare.db import engine

ID = "2026-11-28T12:22:53:000000"
VERSION = "1.38.0"
DESCRIPTION = "A region's menu has at most one entry per service item."


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="catalog", description=DESCRIPTION)

    async def unique_entries() -> None:
        await engine().run_ddl(
            "CREATE UNIQUE INDEX menu_entry_region_item ON menu_entry (region_code, item)"
        )

    async def drop_unique_entries() -> None:
        await engine().run_ddl("DROP INDEX menu_entry_region_item")

    manager.add_raw(unique_entries)
    manager.add_raw_backwards(drop_unique_entries)
    return manager
