"""A covering index for the matching pool's bounding box (raw SQL: a composite index)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from eldercare.db import engine

ID = "2026-11-28T19:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "index providers by status, position and radius, so matching's box is read from the index"
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="providers", description=DESCRIPTION)

    async def create_index() -> None:
        # The box and the per-provider reach test read only these columns: the few providers
        # in reach are looked up in the table, not the thousands in the box.
        await engine().run_ddl(
            "CREATE INDEX provider_status_lat_lon ON provider (status, lat, lon, service_radius_km)"
        )

    async def drop_index() -> None:
        await engine().run_ddl("DROP INDEX provider_status_lat_lon")

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager
