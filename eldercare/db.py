"""The database engine, the one write-transaction helper, and migrations.

SQLite (the embedded default) serialises writers: every write transaction is
``BEGIN IMMEDIATE`` so concurrent writers queue on the busy timeout instead of
failing with "database is locked". PostgreSQL uses a pool and ordinary
transactions; row locks or constraints do the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import sqlite3
import string
import weakref
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from piccolo.columns import Column
from piccolo.columns.defaults.base import Default
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.querystring import QueryString
from piccolo.table import Table

from eldercare import redaction
from eldercare.settings import get_settings
from eldercare.sqlite_pool import PooledSQLiteEngine

T = TypeVar("T")


class _PragmaConnection(sqlite3.Connection):
    """A SQLite connection with the per-connection settings we rely on."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.execute("PRAGMA foreign_keys = ON")
        self.execute("PRAGMA synchronous = NORMAL")


def make_engine() -> Engine:
    settings = get_settings()
    # Every process that touches the database (web, worker, CLI) builds the engine once:
    # from here on no log line carries an ID or phone number (see redaction.py).
    redaction.install()
    if settings.is_sqlite:
        return PooledSQLiteEngine(
            path=settings.sqlite_path,
            timeout=settings.sqlite_busy_seconds,
            factory=_PragmaConnection,
        )
    return PostgresEngine(config={"dsn": settings.database_url})


def engine() -> Engine:
    from eldercare.piccolo_conf import DB

    return DB


def is_sqlite() -> bool:
    return isinstance(engine(), SQLiteEngine)


@contextlib.asynccontextmanager
async def write_transaction() -> AsyncIterator[Any]:
    """One use case's write transaction, right for each engine; services use nothing else.

    On SQLite the process's writers also queue on an asyncio lock before ``BEGIN IMMEDIATE``:
    SQLite lets one write at a time anyway, and a writer waiting inside SQLite holds a
    connection (a thread, a parsed schema) and polls with growing sleeps, where one waiting
    here holds nothing and goes the moment the one before commits. (Other processes still
    meet at SQLite's own lock, on the busy timeout.) A transaction inside another is part of
    it: it neither waits nor begins again."""
    db = engine()
    if isinstance(db, SQLiteEngine):
        nested = db.current_transaction.get() is not None
        async with (
            _one_writer(nested),
            db.transaction(transaction_type=TransactionType.immediate) as transaction,
        ):
            yield transaction
    else:
        async with db.transaction() as transaction:
            yield transaction


class PerLoop(Generic[T]):
    """One asyncio lock or semaphore per event loop: each belongs to the loop it first waits
    in, and tests run many loops in one process."""

    def __init__(self, make: Callable[[], T]) -> None:
        self._make = make
        self._made: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, T] = (
            weakref.WeakKeyDictionary()
        )

    def get(self) -> T:
        loop = asyncio.get_running_loop()
        made = self._made.get(loop)
        if made is None:
            made = self._made[loop] = self._make()
        return made


_WRITER = PerLoop(asyncio.Lock)


def _one_writer(nested: bool) -> contextlib.AbstractAsyncContextManager[Any]:
    return contextlib.nullcontext() if nested else _WRITER.get()


async def fetch(sql: str, *args: Any) -> list[dict[str, Any]]:
    """A raw query with ``{}`` placeholders (Piccolo's), for reports and set-based sweeps.

    Runs inside the current transaction when there is one.
    """
    plain = not any(isinstance(arg, (QueryString, Column)) for arg in args)
    query = _PlainQuery(sql, *args) if plain else QueryString(sql, *args)
    return list(await engine().run_querystring(query))


class _PlainQuery(QueryString):
    """A query whose arguments are all values (none a nested query or column), as nearly all
    of ours are: its placeholders are numbered once per template, where Piccolo parses the
    template again on every run (a tenth of a booking's time went on that)."""

    __slots__ = ()

    def compile_string(self, engine_type: str = "postgres") -> tuple[str, list[Any]]:
        number = _numbered if len(self.template) <= _LONGEST_KEPT else _numbered.__wrapped__
        sql, used = number(self.template, len(self.args), engine_type)  # long: ids inlined
        return sql, [*self.args[:used]]


_LONGEST_KEPT = 2000


@functools.lru_cache(maxsize=2048)
def _numbered(template: str, count: int, engine_type: str) -> tuple[str, int]:
    """The template as ``QueryString.compile_string`` numbers it (``$1, $2…`` on PostgreSQL,
    ``?`` on SQLite, ``{{`` and ``}}`` unescaped, a placeholder for each of the first ``count``
    fields), and how many arguments that takes."""
    numbered = engine_type in ("postgres", "cockroach")
    parts, used = [], 0
    for index, (literal, *_) in enumerate(string.Formatter().parse(template)):
        parts.append(literal)
        if index < count:
            parts.append(f"${index + 1}" if numbered else "?")
            used += 1
    return "".join(parts), used


async def select_all(
    table: type[Table], clause: str, *args: Any, lock: bool = False
) -> list[dict[str, Any]]:
    """``table.select().where(…)`` for the paths every booking takes: every column of the rows
    ``clause`` picks (the SQL after ``FROM table``, ``{}`` placeholders), as the same dicts.
    Piccolo builds a select of every column afresh on each call, column by column (~1 ms of
    a core for a booking row, more than running it); this one is built once per table.
    ``lock`` adds ``FOR UPDATE`` on PostgreSQL (SQLite's write transaction already holds
    the whole database). Dicts on both engines (``fetch`` gives asyncpg's records there)."""
    sql = f"{_select_every_column(table)} {clause}"
    if lock and not is_sqlite():
        sql += " FOR UPDATE"
    return engine().transform_response_to_dicts(await fetch(sql, *args))


async def select_first(
    table: type[Table], clause: str, *args: Any, lock: bool = False
) -> dict[str, Any] | None:
    """The first row of ``select_all`` (the clause says which: by id, or with ORDER BY)."""
    rows = await select_all(table, clause, *args, lock=lock)
    return rows[0] if rows else None


async def insert(table: type[Table], **values: Any) -> int:
    """``table(**values).save()`` for the same paths: one row, each column not given taking
    its Piccolo default (and one without a default must be given, as Piccolo asks); the new
    row's id. The statement is built once per table. Values go in as the driver takes them
    (no JSON encoding: the tables it writes have no JSON column)."""
    columns, sql = _insert_every_column(table)
    unknown = values.keys() - {column._meta.name for column in columns}
    if unknown:
        raise ValueError(f"Unrecognized columns - {sorted(unknown)}")
    args = [
        values[column._meta.name] if column._meta.name in values else _default(column)
        for column in columns
    ]
    return int((await fetch(sql, *args))[0]["id"])


async def update(table: type[Table], row_id: int, **values: Any) -> None:
    """``table.update({…}).where(table.id == row_id)`` for the same paths: the statement is
    built once per table and set of columns, which must all be the table's."""
    await fetch(_update_columns(table, tuple(values)), *values.values(), row_id)


@functools.lru_cache(maxsize=256)
def _update_columns(table: type[Table], names: tuple[str, ...]) -> str:
    columns = {column._meta.name: column for column in table._meta.columns}
    unknown = set(names) - columns.keys()
    if unknown or not names:
        raise ValueError(f"Unrecognized columns - {sorted(unknown)}")
    sets = ", ".join(f'"{columns[name]._meta.db_column_name}" = {{}}' for name in names)
    return f'UPDATE "{table._meta.tablename}" SET {sets} WHERE id = {{}}'


def _default(column: Column) -> Any:
    value = column.get_default_value()
    if isinstance(value, Default):
        value = value.python()
    if value is None and not column._meta.null:
        raise ValueError(f"{column._meta.name} wasn't provided")
    return value


@functools.cache
def _select_every_column(table: type[Table]) -> str:
    columns = ", ".join(f'"{column._meta.db_column_name}"' for column in table._meta.columns)
    return f'SELECT {columns} FROM "{table._meta.tablename}"'


@functools.cache
def _insert_every_column(table: type[Table]) -> tuple[list[Column], str]:
    columns = [column for column in table._meta.columns if not column._meta.primary_key]
    names = ", ".join(f'"{column._meta.db_column_name}"' for column in columns)
    slots = ", ".join("{}" for _ in columns)
    sql = f'INSERT INTO "{table._meta.tablename}" ({names}) VALUES ({slots}) RETURNING id'
    return columns, sql


def id_list(ids: Iterable[int]) -> str:
    """Our own integer ids inlined as the inside of an ``IN (…)``: thousands of bound
    parameters cost Piccolo more to build than the query costs to run. ``int`` keeps anything
    but a number out of the SQL."""
    return ", ".join(str(int(i)) for i in ids)


def ids_in(column: str, ids: Iterable[int]) -> tuple[str, tuple[Any, ...]]:
    """``column`` among our own integer ``ids``: the SQL (one ``{}`` placeholder or none) and
    its arguments. SQLite: the ids written in (``id_list``). PostgreSQL: one array parameter,
    so the statement's text is the same whatever the ids, and the driver prepares it once per
    connection and the server keeps its plan; written in, each new list was parsed and
    planned again (1-3 ms for the hundreds a match asks about) and pushed the driver's other
    prepared statements out of its cache."""
    if is_sqlite():
        return f"{column} IN ({id_list(ids)})", ()
    return f"{column} = ANY({{}}::integer[])", ([int(i) for i in ids],)


def as_date(value: Any) -> date:
    """A DATE column's value from a raw ``fetch``: PostgreSQL gives a date, SQLite its text."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


# --- The data revision ---------------------------------------------------------------------------
#
# Matching keeps provider data in memory (providers/snapshot.py). Every process must see a
# write by any other, so triggers on the tables it is built from set one row's ``rev`` to a
# new value in the writing transaction itself: committed with the write, rolled back with it,
# and never the same value twice (a random 64-bit number on SQLite, a sequence on PostgreSQL),
# so a value seen once always means the same data.

REVISION_TABLE = "data_revision"
# Providers' ratings change with every review: a revision of their own, so that a review
# drops the ratings matching keeps and not the rest of its snapshot.
RATINGS_REVISION_TABLE = "rating_revision"


async def data_revision() -> int | None:
    """The current revision (None if the table is missing: then nothing may be kept)."""
    rows = await fetch(f"SELECT rev FROM {REVISION_TABLE} WHERE id = 1")
    return int(rows[0]["rev"]) if rows else None


async def revisions() -> tuple[int | None, int | None]:
    """The data revision and the ratings revision, in one read (None where there is none)."""
    rows = await fetch(
        f"SELECT d.rev AS rev, r.rev AS ratings FROM {REVISION_TABLE} d "
        f"LEFT JOIN {RATINGS_REVISION_TABLE} r ON r.id = 1 WHERE d.id = 1"
    )
    if not rows:
        return None, None
    ratings = rows[0]["ratings"]
    return int(rows[0]["rev"]), None if ratings is None else int(ratings)


def _trigger_name(table: str, revision_table: str) -> str:
    suffix = "revision" if revision_table == REVISION_TABLE else revision_table
    return f"{table}_{suffix}"


async def add_revision_triggers(
    table: str, update_columns: list[str] | None = None, revision_table: str = REVISION_TABLE
) -> None:
    """Triggers that change the revision (``revision_table``'s one row) on every insert,
    update and delete of ``table`` (for updates, only of ``update_columns`` when given).
    Creates the revision row if needed."""
    db = engine()
    of = f" OF {', '.join(update_columns)}" if update_columns else ""
    name = _trigger_name(table, revision_table)
    if is_sqlite():
        await db.run_ddl(
            f"CREATE TABLE IF NOT EXISTS {revision_table} "
            "(id INTEGER PRIMARY KEY CHECK (id = 1), rev INTEGER NOT NULL)"
        )
        await db.run_ddl(f"INSERT OR IGNORE INTO {revision_table} (id, rev) VALUES (1, 0)")
        bump = f"UPDATE {revision_table} SET rev = random() WHERE id = 1;"
        for event in ("INSERT", f"UPDATE{of}", "DELETE"):
            trigger = f"{name}_{event.split()[0].lower()}"
            await db.run_ddl(f"CREATE TRIGGER {trigger} AFTER {event} ON {table} BEGIN {bump} END")
        return
    await db.run_ddl(
        f"CREATE TABLE IF NOT EXISTS {revision_table} "
        "(id INTEGER PRIMARY KEY CHECK (id = 1), rev BIGINT NOT NULL)"
    )
    await db.run_ddl(
        f"INSERT INTO {revision_table} (id, rev) VALUES (1, 0) ON CONFLICT (id) DO NOTHING"
    )
    await db.run_ddl(f"CREATE SEQUENCE IF NOT EXISTS {revision_table}_seq")
    await db.run_ddl(
        f"CREATE OR REPLACE FUNCTION {revision_table}_bump() RETURNS trigger AS $$ "
        f"BEGIN UPDATE {revision_table} SET rev = nextval('{revision_table}_seq') WHERE id = 1; "
        "RETURN NULL; END $$ LANGUAGE plpgsql"
    )
    await db.run_ddl(
        f"CREATE TRIGGER {name} AFTER INSERT OR UPDATE{of} OR DELETE OR TRUNCATE "
        f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {revision_table}_bump()"
    )


async def drop_revision_triggers(table: str, revision_table: str = REVISION_TABLE) -> None:
    name = _trigger_name(table, revision_table)
    if is_sqlite():
        for event in ("insert", "update", "delete"):
            await engine().run_ddl(f"DROP TRIGGER IF EXISTS {name}_{event}")
    else:
        await engine().run_ddl(f"DROP TRIGGER IF EXISTS {name} ON {table}")


async def open_pool() -> None:
    db = engine()
    if isinstance(db, PostgresEngine):
        await db.start_connection_pool(max_size=get_settings().pg_pool_max)


async def close_pool() -> None:
    db = engine()
    if isinstance(db, PostgresEngine):
        await db.close_connection_pool()
    elif isinstance(db, PooledSQLiteEngine):
        await db.close_idle()


async def migrate() -> None:
    """Apply every pending migration of every app (WAL mode is set once on SQLite)."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    db = engine()
    if isinstance(db, SQLiteEngine):
        await db.run_ddl("PRAGMA journal_mode = WAL")
    with contextlib.redirect_stdout(None):
        result = await run_forwards(app_name="all")
    if not result.success:
        raise RuntimeError(f"migrations failed: {result.message}")
