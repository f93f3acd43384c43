"""Audit rows are append-only: triggers refuse UPDATE and DELETE on audit_event (raw SQL).

PostgreSQL: one trigger function for UPDATE, DELETE (per row) and TRUNCATE. A maintenance
session may purge rows after ``SET LOCAL eldercare.allow_audit_purge = 'on'`` (the test
suite empties tables between tests that way); updates are refused always. SQLite: two
triggers raising ABORT; a purge drops and recreates them inside one transaction.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.sqlite import SQLiteEngine

from eldercare.db import engine

ID = "2026-11-28T17:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit rows cannot be updated or deleted"

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'TRUNCATE')
       AND coalesce(current_setting('eldercare.allow_audit_purge', true), '') = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit rows are append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""
PG_TRIGGERS = (
    "CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
    "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()",
)
SQLITE_TRIGGERS = (
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit rows are append-only (UPDATE refused)'); END",
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit rows are append-only (DELETE refused)'); END",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="audit", description=DESCRIPTION)

    async def add_triggers() -> None:
        db = engine()
        if isinstance(db, SQLiteEngine):
            for statement in SQLITE_TRIGGERS:
                await db.run_ddl(statement)
            return
        await db.run_ddl(PG_FUNCTION)
        for statement in PG_TRIGGERS:
            await db.run_ddl(statement)

    async def drop_triggers() -> None:
        db = engine()
        if isinstance(db, SQLiteEngine):
            await db.run_ddl("DROP TRIGGER IF EXISTS audit_event_no_update")
            await db.run_ddl("DROP TRIGGER IF EXISTS audit_event_no_delete")
            return
        await db.run_ddl("DROP TRIGGER IF EXISTS audit_event_no_change ON audit_event")
        await db.run_ddl("DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event")
        await db.run_ddl("DROP FUNCTION IF EXISTS audit_event_append_only()")

    manager.add_raw(add_triggers)
    manager.add_raw_backwards(drop_triggers)
    return manager
