"""Emptying tables between tests, audit_event included, past its append-only triggers.

The app can never update or delete an audit row (audit migration 2026-11-28T17:00): on
PostgreSQL the trigger lets a DELETE through only in a transaction that said
``SET LOCAL eldercare.allow_audit_purge = 'on'``; on SQLite the triggers are dropped and
recreated from their stored SQL inside the same write transaction, so no other connection
ever sees the table unguarded.
"""

from __future__ import annotations

from eldercare import db


async def purge(tables: list[str]) -> None:
    """DELETE every row of ``tables``, in the order given (children first)."""
    if db.is_sqlite():
        async with db.write_transaction():
            triggers = await db.fetch(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'audit_event'"
            )
            for trigger in triggers:
                await db.engine().run_ddl(f'DROP TRIGGER "{trigger["name"]}"')
            for table in tables:
                await db.engine().run_ddl(f'DELETE FROM "{table}"')
            for trigger in triggers:
                await db.engine().run_ddl(trigger["sql"])
        return
    # DELETE of these few rows is far quicker than TRUNCATE (~0.7 s a test) on PostgreSQL.
    statements = "; ".join(f'DELETE FROM "{table}"' for table in tables)
    async with db.engine().pool.acquire() as connection:  # execute() takes several statements
        await connection.execute(
            f"BEGIN; SET LOCAL eldercare.allow_audit_purge = 'on'; {statements}; COMMIT"
        )
