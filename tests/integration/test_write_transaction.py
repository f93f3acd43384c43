"""The one write-transaction helper (db.write_transaction), on both engines: many writers in
one process all commit (on SQLite they take turns in the process, not on SQLite's lock), and a
transaction inside another is part of it — committed or rolled back with it, never waiting on
itself."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from eldercare import db

AT = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)


async def _failures(prefix: str) -> list[str]:
    rows = await db.fetch(
        "SELECT phone_hash FROM login_failure WHERE phone_hash LIKE {} ORDER BY phone_hash",
        f"{prefix}%",
    )
    return [row["phone_hash"] for row in rows]


async def _write(key: str) -> None:
    await db.fetch("INSERT INTO login_failure (phone_hash, ip, at) VALUES ({}, '', {})", key, AT)


async def test_forty_writers_at_once_all_commit(app, monkeypatch) -> None:
    engine, held, most = db.engine(), [0], [0]
    if db.is_sqlite():  # count the connections held at once
        get, release = engine.get_connection, engine.release

        async def counted_get():
            held[0] += 1
            most[0] = max(most[0], held[0])
            return await get()

        async def counted_release(connection, *, reusable):
            held[0] -= 1
            await release(connection, reusable=reusable)

        monkeypatch.setattr(engine, "get_connection", counted_get)
        monkeypatch.setattr(engine, "release", counted_release)

    async def one(n: int) -> None:
        async with db.write_transaction():
            await _write(f"many-{n:02d}")
            await asyncio.sleep(0)  # hand the loop to the others mid-transaction
            await _write(f"many-{n:02d}-b")

    await asyncio.wait_for(asyncio.gather(*(one(n) for n in range(40))), timeout=60)
    assert len(await _failures("many-")) == 80
    if db.is_sqlite():
        # They took turns in the process: one connection at a time, not forty waiting in SQLite.
        assert most[0] == 1


async def test_a_transaction_inside_another_is_part_of_it(app) -> None:
    async def nested() -> None:
        async with db.write_transaction():
            await _write("outer-1")
            async with db.write_transaction():  # does not wait for the outer one to end
                await _write("inner")
            await _write("outer-2")

    await asyncio.wait_for(nested(), timeout=10)
    assert await _failures("outer-") == ["outer-1", "outer-2"]
    assert await _failures("inner") == ["inner"]

    class Undo(Exception):
        pass

    with pytest.raises(Undo):
        async with db.write_transaction():
            async with db.write_transaction():
                await _write("undone-inner")
            raise Undo
    assert await _failures("undone-") == []
    # The lock was given back: the next writer goes at once.
    await asyncio.wait_for(_write_alone("after"), timeout=10)
    assert await _failures("after") == ["after"]


async def _write_alone(key: str) -> None:
    async with db.write_transaction():
        await _write(key)
