"""The unique keys that make the subsidy sweeps idempotent and stop duplicate cases.

Composite and partial unique indexes are raw SQL (Piccolo's table-level constraint fails on
SQLite); both engines support ``CREATE UNIQUE INDEX … WHERE``.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from eldercare.db import engine

ID = "2026-11-28T15:15:49:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique keys for payments, reviews, outreach, open cases"

INDEXES = {
    "subsidy_payment_month": "subsidy_payment (entitlement, month)",
    "subsidy_review_due": "subsidy_review (entitlement, due_date)",
    "subsidy_outreach_once": "subsidy_outreach (elder, program)",
    "subsidy_band_start": "subsidy_band (program, min_age)",
    "subsidy_application_open": "subsidy_application (elder, program) "
    "WHERE status IN ('submitted', 'accepted', 'reviewed', 'returned')",
    "subsidy_entitlement_live": "subsidy_entitlement (elder, program) "
    "WHERE status IN ('active', 'suspended')",
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="subsidies", description=DESCRIPTION)

    async def create() -> None:
        for name, target in INDEXES.items():
            await engine().run_ddl(f"CREATE UNIQUE INDEX {name} ON {target}")
        await engine().run_ddl(
            "CREATE INDEX subsidy_payment_batch_month ON subsidy_payment (status, month)"
        )

    async def drop() -> None:
        await engine().run_ddl("DROP INDEX subsidy_payment_batch_month")
        for name in INDEXES:
            await engine().run_ddl(f"DROP INDEX {name}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
