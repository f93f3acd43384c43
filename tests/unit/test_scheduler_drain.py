"""Stopping a scheduler lets the sweep under way finish (APScheduler alone cancels it, which left
its job_run row unfinished and an SMS batch claimed but unsent)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from eldercare.scheduling import scheduler as scheduling


async def test_drain_waits_for_the_running_sweep(monkeypatch) -> None:
    started, finished = asyncio.Event(), []

    async def slow_run(name: str) -> None:
        started.set()
        await asyncio.sleep(0.3)
        finished.append(name)

    monkeypatch.setattr(scheduling, "run_job", slow_run)
    sched = scheduling.build_scheduler()
    sched.start()
    sched.get_job("expire_offers").modify(next_run_time=datetime.now(UTC))
    await asyncio.wait_for(started.wait(), timeout=5)
    await scheduling.drain(sched, timeout=5)
    assert finished == ["expire_offers"]
    assert not sched.running


async def test_drain_gives_up_after_its_timeout(monkeypatch) -> None:
    started = asyncio.Event()

    async def stuck_run(name: str) -> None:
        started.set()
        await asyncio.sleep(30)

    monkeypatch.setattr(scheduling, "run_job", stuck_run)
    sched = scheduling.build_scheduler()
    sched.start()
    sched.get_job("expire_offers").modify(next_run_time=datetime.now(UTC))
    await asyncio.wait_for(started.wait(), timeout=5)
    began = asyncio.get_running_loop().time()
    await scheduling.drain(sched, timeout=0.2)
    assert asyncio.get_running_loop().time() - began < 2
    assert not sched.running
