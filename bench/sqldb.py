"""A thin bulk-SQL driver for the benchmarks: sqlite3 or asyncpg straight, outside Piccolo.

Seeding a million rows is set-based SQL (one ``INSERT … SELECT`` per chunk over a generated
run of numbers), written once with the few expressions that differ between the engines.
"""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, date, datetime
from typing import Any

import asyncpg


class BulkDb:
    """One connection to the database ``url`` names, with dialect helpers for bulk SQL."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.kind = "sqlite" if url.startswith("sqlite") else "postgres"
        self._lite: sqlite3.Connection | None = None
        self._pg: asyncpg.Connection | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.kind == "sqlite"

    async def __aenter__(self) -> BulkDb:
        if self.is_sqlite:
            path = self.url.split("sqlite:///", 1)[1]
            self._lite = sqlite3.connect(path, isolation_level=None, timeout=60)
            self._lite.execute("PRAGMA journal_mode = WAL")
            self._lite.execute("PRAGMA synchronous = NORMAL")
            self._lite.execute("PRAGMA foreign_keys = ON")
            self._lite.execute("PRAGMA cache_size = -200000")
        else:
            self._pg = await asyncpg.connect(self.url)
        return self

    async def __aexit__(self, *_: Any) -> None:
        if self._lite is not None:
            self._lite.close()
        if self._pg is not None:
            await self._pg.close()

    # ------------------------------------------------------------------ running

    async def execute(self, sql: str) -> None:
        if self._lite is not None:
            self._lite.execute(sql)
        else:
            assert self._pg is not None
            await self._pg.execute(sql)

    async def fetch(self, sql: str) -> list[dict[str, Any]]:
        if self._lite is not None:
            cursor = self._lite.execute(sql)
            names = [c[0] for c in cursor.description or ()]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        assert self._pg is not None
        return [dict(row) for row in await self._pg.fetch(sql)]

    async def value(self, sql: str) -> Any:
        rows = await self.fetch(sql)
        return next(iter(rows[0].values())) if rows else None

    async def executemany(self, sql: str, rows: list[tuple]) -> None:
        """``sql`` with ``?`` placeholders (turned into $1… for PostgreSQL)."""
        if self._lite is not None:
            self._lite.execute("BEGIN")
            self._lite.executemany(sql, rows)
            self._lite.execute("COMMIT")
            return
        assert self._pg is not None
        parts = sql.split("?")
        pg_sql = parts[0] + "".join(f"${i}{part}" for i, part in enumerate(parts[1:], start=1))
        async with self._pg.transaction():
            await self._pg.executemany(pg_sql, rows)

    async def timed(self, sql: str) -> float:
        started = time.perf_counter()
        await self.execute(sql)
        return time.perf_counter() - started

    # ------------------------------------------------------------------ dialect

    def numbers(self, lo: int, hi: int) -> tuple[str, str]:
        """A CTE (SQLite) or a FROM item (PostgreSQL) giving n = lo … hi as ``g(n)``."""
        if self.is_sqlite:
            return (
                f"g(n) AS (SELECT {int(lo)} UNION ALL SELECT n + 1 FROM g WHERE n < {int(hi)})",
                "g",
            )
        return "", f"generate_series({int(lo)}::bigint, {int(hi)}::bigint) AS g(n)"

    def with_(self, *ctes: str) -> str:
        """``WITH [RECURSIVE] …`` for the non-empty CTEs."""
        parts = [c for c in ctes if c]
        if not parts:
            return ""
        return ("WITH RECURSIVE " if self.is_sqlite else "WITH ") + ", ".join(parts) + " "

    def add_days(self, day: date, expr: str) -> str:
        if self.is_sqlite:
            return f"date('{day.isoformat()}', ({expr}) || ' days')"
        return f"(DATE '{day.isoformat()}' + ({expr})::int)"

    def ymd(self, expr: str) -> str:
        if self.is_sqlite:
            return f"strftime('%Y%m%d', {expr})"
        return f"to_char({expr}, 'YYYYMMDD')"

    def year(self, expr: str) -> str:
        if self.is_sqlite:
            return f"CAST(strftime('%Y', {expr}) AS INTEGER)"
        return f"EXTRACT(YEAR FROM {expr})::int"

    def mmdd(self, expr: str) -> str:
        if self.is_sqlite:
            return f"CAST(strftime('%m%d', {expr}) AS INTEGER)"
        return f"(EXTRACT(MONTH FROM {expr}) * 100 + EXTRACT(DAY FROM {expr}))::int"

    def pad(self, expr: str, width: int) -> str:
        if self.is_sqlite:
            return f"substr('{'0' * width}' || ({expr}), -{width})"
        return f"lpad(({expr})::text, {width}, '0')"

    def pick(self, chars: str, expr: str) -> str:
        """One character of ``chars`` chosen by the integer ``expr``."""
        index = f"(1 + ({expr}) % {len(chars)})"
        return f"substr('{chars}', {index if self.is_sqlite else index + '::int'}, 1)"

    def text(self, expr: str) -> str:
        return f"CAST(({expr}) AS TEXT)"

    def digit(self, expr: str, index: int) -> str:
        return f"CAST(substr({expr}, {index}, 1) AS INTEGER)"

    def ts(self, moment: datetime) -> str:
        """An aware UTC moment as a literal, stored the way Piccolo stores it on each engine."""
        if self.is_sqlite:
            return f"'{moment.isoformat(sep=' ')}'"
        return f"TIMESTAMPTZ '{moment.isoformat()}'"

    def ts_plus(self, moment: datetime, minute_expr: str) -> str:
        """``moment`` (aware) plus ``minute_expr`` minutes, stored the way ``ts`` stores it."""
        if self.is_sqlite:
            base = moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
            return (
                f"(strftime('%Y-%m-%d %H:%M:%S', '{base}', '+' || ({minute_expr}) || ' minutes')"
                " || '+00:00')"
            )
        return f"(TIMESTAMPTZ '{moment.isoformat()}' + make_interval(mins => ({minute_expr})::int))"

    def naive_ts(self, expr_date: str, minute_expr: str) -> str:
        """A local wall-clock TIMESTAMP: the date ``expr_date`` at ``minute_expr`` minutes."""
        if self.is_sqlite:
            return (
                f"({expr_date} || ' ' || {self.pad(f'({minute_expr}) / 60', 2)} || ':' || "
                f"{self.pad(f'({minute_expr}) % 60', 2)} || ':00')"
            )
        return f"(({expr_date})::timestamp + make_interval(mins => ({minute_expr})::int))"

    def day_literal(self, day: date) -> str:
        return f"'{day.isoformat()}'" if self.is_sqlite else f"DATE '{day.isoformat()}'"
