"""The SQLite engine keeps its connections, and only clean ones (SQLite only: PostgreSQL
has asyncpg's pool)."""

from __future__ import annotations

import asyncio

import pytest

from eldercare import db
from eldercare.sqlite_pool import PooledSQLiteEngine

pytestmark = pytest.mark.skipif(not db.is_sqlite(), reason="PostgreSQL uses asyncpg's own pool")


def _engine() -> PooledSQLiteEngine:
    engine = db.engine()
    assert isinstance(engine, PooledSQLiteEngine)
    return engine


async def test_queries_and_transactions_reuse_one_connection(app) -> None:
    engine = _engine()
    await db.fetch("SELECT 1")
    kept = list(engine._idle)
    assert kept
    await db.fetch("SELECT 2")
    async with db.write_transaction():
        await db.fetch("SELECT 3")
    assert engine._idle[-1] in kept  # handed back, not closed and opened anew


async def test_a_failed_transaction_rolls_back_and_leaves_a_clean_connection(app) -> None:
    engine = _engine()
    await db.fetch("CREATE TABLE IF NOT EXISTS pool_probe (n INTEGER)")
    await db.fetch("DELETE FROM pool_probe")
    with pytest.raises(RuntimeError):
        async with db.write_transaction():
            await db.fetch("INSERT INTO pool_probe (n) VALUES (1)")
            raise RuntimeError("the use case fails")
    assert all(not c.in_transaction for c in engine._idle)
    assert await db.fetch("SELECT COUNT(*) AS n FROM pool_probe") == [{"n": 0}]
    await db.fetch("DROP TABLE pool_probe")


async def test_an_sql_error_outside_a_transaction_keeps_the_connection(app) -> None:
    engine = _engine()
    await db.fetch("SELECT 1")
    before = len(engine._idle)
    with pytest.raises(Exception, match="no such table"):
        await db.fetch("SELECT * FROM no_such_table")
    assert len(engine._idle) == before
    assert await db.fetch("SELECT 1 AS one") == [{"one": 1}]


async def test_a_connection_whose_query_was_cancelled_is_not_reused(app) -> None:
    engine = _engine()
    await engine.close_idle()
    slow = asyncio.create_task(
        db.fetch(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000000) "
            "SELECT COUNT(*) FROM n"
        )
    )
    await asyncio.sleep(0.05)
    slow.cancel()
    with pytest.raises(asyncio.CancelledError):
        await slow
    assert engine._idle == []
    assert await db.fetch("SELECT 1 AS one") == [{"one": 1}]


async def test_many_at_once_keep_at_most_the_idle_limit(app) -> None:
    engine = _engine()
    await asyncio.gather(*(db.fetch("SELECT {} AS n", n) for n in range(40)))
    assert 0 < len(engine._idle) <= engine.idle_limit


async def test_integers_and_booleans_read_back_as_piccolo_reads_them(app) -> None:
    await db.fetch("CREATE TABLE IF NOT EXISTS convert_probe (n INTEGER, flag BOOLEAN)")
    await db.fetch("DELETE FROM convert_probe")
    await db.fetch(
        "INSERT INTO convert_probe (n, flag) VALUES (12, 1), (-3, 0), (1.5, 1), "
        "(9007199254740993, 0), (NULL, NULL)"
    )
    rows = await db.fetch("SELECT n, flag FROM convert_probe ORDER BY rowid")
    assert rows == [
        {"n": 12, "flag": True},
        {"n": -3, "flag": False},
        {"n": 1, "flag": True},  # a REAL in an INTEGER column: truncated, as Piccolo does
        {"n": 9007199254740993, "flag": False},  # beyond a float's precision, exact
        {"n": None, "flag": None},
    ]
    assert all(type(row["n"]) is int for row in rows[:4])
    await db.fetch("DROP TABLE convert_probe")
