"""One occurrence row per series and rule start (raw SQL: Piccolo's Unique() fails on SQLite).

This unique index is what makes materialize_series idempotent, also with two workers at once:
the claim is INSERT … ON CONFLICT DO NOTHING on (series, occurrence_start).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from eldercare.db import engine

ID = "2026-11-28T13:17:57:000000"
VERSION = "1.38.0"
DESCRIPTION = "one occurrence per series and start"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="booking", description=DESCRIPTION)

    async def unique_occurrences() -> None:
        await engine().run_ddl(
            "CREATE UNIQUE INDEX series_occurrence_once "
            "ON series_occurrence (series, occurrence_start)"
        )

    async def drop_unique_occurrences() -> None:
        await engine().run_ddl("DROP INDEX series_occurrence_once")

    manager.add_raw(unique_occurrences)
    manager.add_raw_backwards(drop_unique_occurrences)
    return manager
