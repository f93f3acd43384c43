"""No caregiver in two overlapping holding visits, enforced by the database.

PostgreSQL: an exclusion constraint over the span each visit holds its caregiver
(start to end plus travel buffer) for accepted and in-service visits; a violation is
SQLSTATE 23P01, answered 409. SQLite has no exclusion constraints: there the overlap check
and the write share one immediate transaction (see booking/visits.py), which serialises
every writer. Both engines get the index the overlap query needs.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.postgres import PostgresEngine

from eldercare.db import engine

ID = "2026-11-28T12:29:37:000000"
VERSION = "1.38.0"
DESCRIPTION = "no overlapping holding visits per caregiver"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="booking", description=DESCRIPTION)

    async def constrain() -> None:
        db = engine()
        await db.run_ddl(
            "CREATE INDEX booking_caregiver_span ON booking (caregiver, start_at, busy_until)"
        )
        await db.run_ddl("CREATE INDEX booking_offer_due ON booking (status, offer_expires_at)")
        if isinstance(db, PostgresEngine):
            await db.run_ddl("CREATE EXTENSION IF NOT EXISTS btree_gist")
            await db.run_ddl(
                "ALTER TABLE booking ADD CONSTRAINT booking_no_overlap EXCLUDE USING gist "
                "(caregiver WITH =, tstzrange(start_at, busy_until, '[)') WITH &&) "
                "WHERE (status IN ('accepted', 'in_service'))"
            )

    async def unconstrain() -> None:
        db = engine()
        if isinstance(db, PostgresEngine):
            await db.run_ddl("ALTER TABLE booking DROP CONSTRAINT booking_no_overlap")
        await db.run_ddl("DROP INDEX booking_offer_due")
        await db.run_ddl("DROP INDEX booking_caregiver_span")

    manager.add_raw(constrain)
    manager.add_raw_backwards(unconstrain)
    return manager
