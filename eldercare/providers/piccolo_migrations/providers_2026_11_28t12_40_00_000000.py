"""An index for the matching pool's widest-radius lookup (raw SQL: a composite index)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from eldercare.db import engine

ID = "2026-11-28T12:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "index approved providers by service radius, so matching reads the widest in one step"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="providers", description=DESCRIPTION)

    async def create_index() -> None:
        await engine().run_ddl(
            "CREATE INDEX provider_status_radius ON provider (status, service_radius_km)"
        )

    async def drop_index() -> None:
        await engine().run_ddl("DROP INDEX provider_status_radius")

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager
