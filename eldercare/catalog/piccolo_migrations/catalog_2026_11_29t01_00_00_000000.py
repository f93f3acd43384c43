"""Triggers that change the data revision on every write to what price caps are read from."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from eldercare.db import add_revision_triggers, drop_revision_triggers

ID = "2026-11-29T01:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "change the data revision on every write to the menu, so matching may keep caps"

TABLES = ["service_category", "service_item", "menu_entry"]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="catalog", description=DESCRIPTION)

    async def create_triggers() -> None:
        for table in TABLES:
            await add_revision_triggers(table)

    async def drop_triggers() -> None:
        for table in TABLES:
            await drop_revision_triggers(table)

    manager.add_raw(create_triggers)
    manager.add_raw_backwards(drop_triggers)
    return manager
