"""Triggers that change the data revision on every write matching reads (raw SQL)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from eldercare.db import add_revision_triggers, drop_revision_triggers

ID = "2026-11-29T01:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "change the data revision on every write to provider data, so matching may keep it"

# The provider columns matching keeps; ratings change with every review and are read fresh.
PROVIDER_COLUMNS = ["name", "region_code", "lat", "lon", "service_radius_km", "status"]
TABLES = [
    "provider_district",
    "offering",
    "caregiver",
    "caregiver_certificate",
    "availability_window",
    "caregiver_day_off",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="providers", description=DESCRIPTION)

    async def create_triggers() -> None:
        await add_revision_triggers("provider", PROVIDER_COLUMNS)
        for table in TABLES:
            await add_revision_triggers(table)

    async def drop_triggers() -> None:
        for table in ["provider", *TABLES]:
            await drop_revision_triggers(table)

    manager.add_raw(create_triggers)
    manager.add_raw_backwards(drop_triggers)
    return manager
