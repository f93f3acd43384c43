"""Composite unique indexes (raw SQL: Piccolo's Unique() fails on SQLite)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from eldercare.db import engine

ID = "2026-11-28T12:22:55:000000"
VERSION = "1.38.0"
DESCRIPTION = "one row per provider and district, provider and item, provider and phone, caregiver and day off"

INDEXES = {
    "provider_district_provider_region": "provider_district (provider, region_code)",
    "offering_provider_item": "offering (provider, item_code)",
    "caregiver_provider_phone": "caregiver (provider, phone)",
    "caregiver_day_off_caregiver_day": "caregiver_day_off (caregiver, day)",
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="providers", description=DESCRIPTION)

    async def create_indexes() -> None:
        for name, target in INDEXES.items():
            await engine().run_ddl(f"CREATE UNIQUE INDEX {name} ON {target}")

    async def drop_indexes() -> None:
        for name in INDEXES:
            await engine().run_ddl(f"DROP INDEX {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
