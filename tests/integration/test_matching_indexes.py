"""Matching's questions about the visits ahead (who is busy then, how many visits each
provider has this week) are answered from the partial indexes over holding visits, not by
reading through the bookings table's history (bench/seed.py --visits seeds a year of it)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from eldercare import db
from eldercare.booking import matching

AT = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


async def _statements(monkeypatch, call) -> list[tuple[str, tuple]]:
    seen: list[tuple[str, tuple]] = []

    async def recording(sql, *args):
        seen.append((sql, args))
        return []

    monkeypatch.setattr(matching, "fetch", recording)
    await call()
    monkeypatch.undo()
    return seen


async def _plan(sql: str, args: tuple) -> str:
    explain = "EXPLAIN QUERY PLAN " if db.is_sqlite() else "EXPLAIN "
    rows = await db.fetch(explain + sql, *args)
    return " ".join(str(value) for row in rows for value in row.values())


async def test_the_holding_indexes_exist_for_holding_visits_only(app):
    if db.is_sqlite():
        rows = await db.fetch(
            "SELECT name, sql AS definition FROM sqlite_master WHERE type = 'index' "
            "AND name IN ('booking_caregiver_holding', 'booking_provider_holding')"
        )
    else:
        rows = await db.fetch(
            "SELECT indexname AS name, indexdef AS definition FROM pg_indexes "
            "WHERE indexname IN ('booking_caregiver_holding', 'booking_provider_holding')"
        )
    assert {row["name"] for row in rows} == {
        "booking_caregiver_holding",
        "booking_provider_holding",
    }
    for row in rows:
        assert "accepted" in row["definition"] and "in_service" in row["definition"]
        assert "completed" not in row["definition"]


async def test_sqlite_answers_them_from_the_holding_indexes(app, monkeypatch):
    if not db.is_sqlite():
        pytest.skip("PostgreSQL's planner weighs its statistics; the indexes exist (above)")
    busy = await _statements(
        monkeypatch, lambda: matching.busy_caregivers(list(range(1, 800)), AT, AT)
    )
    loads = await _statements(monkeypatch, lambda: matching._loads(list(range(1, 160)), AT))
    assert "booking_caregiver_holding" in await _plan(*busy[0])
    assert "booking_provider_holding" in await _plan(*loads[0])
