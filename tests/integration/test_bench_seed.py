"""`eldercare bench seed` (issue 9): the set-based generator makes exactly the rows asked
for, consistent enough for the app to work on them (integrity checks, matching), on both
engines; and it refuses counts that cannot be."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from eldercare import integrity
from eldercare.actor import Actor
from eldercare.booking import service as booking
from eldercare.db import fetch
from tests.integration.test_cli_and_migrations import run_cli

SEED = ["bench", "seed", "--elders", "120", "--entitlements", "80", "--providers", "40"]
SEED += ["--caregivers", "160", "--series", "15"]


async def _count(sql: str) -> int:
    return int((await fetch(sql))[0]["n"])


async def test_bench_seed_adds_a_working_city_of_the_sizes_asked_for(capsys):
    assert await run_cli(SEED) == 0
    assert "bench rows added" in capsys.readouterr().out
    assert await _count("SELECT COUNT(*) AS n FROM elder WHERE created_channel = 'bench'") == 120
    assert (
        await _count(
            "SELECT COUNT(*) AS n FROM subsidy_entitlement s JOIN elder e ON e.id = s.elder "
            "WHERE e.created_channel = 'bench'"
        )
        == 80
    )
    assert await _count("SELECT COUNT(*) AS n FROM series") >= 15
    # Seeded allowances stand for a register carried over from before the platform: granted
    # without an application or an audit row here. Every other rule of the app holds.
    imported = {"entitlement_without_application", "entitlement_without_audit"}
    checks = [c for c in integrity.ALL_CHECKS if c.name not in imported]
    assert len(checks) == len(integrity.ALL_CHECKS) - 2
    assert await integrity.find_violations(checks) == []

    # The seeded city is one the app can book in: a seeded elder finds providers in reach.
    staff = (await fetch("SELECT id, roles, region_code FROM app_user WHERE roles LIKE '%staff%'"))[
        0
    ]
    actor = Actor(staff["id"], "staff", tuple(staff["roles"].split(",")), staff["region_code"])
    elder = (
        await fetch(
            "SELECT id FROM elder WHERE created_channel = 'bench' AND lat IS NOT NULL "
            "ORDER BY id LIMIT 1"
        )
    )[0]["id"]
    day = datetime.now(UTC) + timedelta(days=3)
    start = day.replace(hour=2, minute=0, second=0, microsecond=0)  # 10:00 in Shanghai
    found = await booking.match(actor, elder_id=elder, service_code="lunch-delivery", start=start)
    assert found and all(c.caregiver_ids for c in found)

    # A second run adds more, never the same rows again.
    assert await run_cli(["bench", "seed", "--elders", "10"]) == 0
    assert await _count("SELECT COUNT(*) AS n FROM elder WHERE created_channel = 'bench'") == 130


async def test_bench_seed_refuses_more_allowances_than_elders(capsys):
    assert await run_cli(["bench", "seed", "--elders", "5", "--entitlements", "6"]) == 2
    assert "--entitlements cannot exceed --elders" in capsys.readouterr().err
    assert await _count("SELECT COUNT(*) AS n FROM elder WHERE created_channel = 'bench'") == 0
