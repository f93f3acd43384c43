"""A revision of providers' ratings of its own (raw SQL): matching keeps ratings too."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from eldercare.db import (
    RATINGS_REVISION_TABLE,
    add_revision_triggers,
    drop_revision_triggers,
    engine,
    is_sqlite,
)

ID = "2026-11-29T06:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "change the ratings revision on every write to a provider's rating"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="providers", description=DESCRIPTION)

    async def create_triggers() -> None:
        await add_revision_triggers(
            "provider", ["rating_avg", "rating_count"], revision_table=RATINGS_REVISION_TABLE
        )

    async def drop_triggers() -> None:
        await drop_revision_triggers("provider", revision_table=RATINGS_REVISION_TABLE)
        await engine().run_ddl(f"DROP TABLE IF EXISTS {RATINGS_REVISION_TABLE}")
        if not is_sqlite():
            await engine().run_ddl(f"DROP FUNCTION IF EXISTS {RATINGS_REVISION_TABLE}_bump()")
            await engine().run_ddl(f"DROP SEQUENCE IF EXISTS {RATINGS_REVISION_TABLE}_seq")

    manager.add_raw(create_triggers)
    manager.add_raw_backwards(drop_triggers)
    return manager
