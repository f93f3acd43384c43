"""Indexes over the visits that hold a caregiver (accepted, in service) only (raw SQL).

Matching asks, for the caregivers and providers in reach, which visits hold them then and
how many each provider has this week. The bookings table also keeps every visit ever made:
indexed by start alone, or by caregiver alone, those questions read through a city's
history. These partial indexes hold the visits still ahead, which is all they ask about.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from eldercare.db import engine

ID = "2026-11-29T06:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "partial indexes over the visits holding a caregiver"

HOLDING = "status IN ('accepted', 'in_service')"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="booking", description=DESCRIPTION)

    async def create() -> None:
        db = engine()
        await db.run_ddl(
            "CREATE INDEX booking_caregiver_holding ON booking (caregiver, start_at, busy_until) "
            f"WHERE {HOLDING}"
        )
        await db.run_ddl(
            f"CREATE INDEX booking_provider_holding ON booking (provider, start_at) WHERE {HOLDING}"
        )

    async def drop() -> None:
        await engine().run_ddl("DROP INDEX booking_provider_holding")
        await engine().run_ddl("DROP INDEX booking_caregiver_holding")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
