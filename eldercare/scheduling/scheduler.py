"""APScheduler wiring only: each sweep as an in-memory job with an explicit id.

The jobs' lasting state lives in our tables (sweeps are idempotent), never in the
scheduler's store, so several processes may run schedulers: on PostgreSQL the advisory
lock in runner.py lets one of them do each run.

Stopping drains: no new run starts, and the runs under way may finish (up to DRAIN_SECONDS)
before the scheduler shuts down. APScheduler's own shutdown cancels a running coroutine job,
which left its job_run row unfinished and a dispatch batch claimed but unsent.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from eldercare.scheduling.registry import all_jobs
from eldercare.scheduling.runner import run_job

DRAIN_SECONDS = 25.0  # inside the 30 s most supervisors allow between SIGTERM and SIGKILL
_running: set[asyncio.Task] = set()


async def _scheduled_run(name: str) -> None:
    """One scheduled run, tracked so that a stop can let it finish."""
    task = asyncio.current_task()
    if task is not None:
        _running.add(task)
    try:
        await run_job(name)
    finally:
        _running.discard(task)


async def drain(scheduler: AsyncIOScheduler, timeout: float = DRAIN_SECONDS) -> None:
    """Start no new run, wait for the running ones (at most ``timeout``), then shut down."""
    scheduler.pause()
    running = [task for task in _running if not task.done()]
    if running:
        await asyncio.wait(running, timeout=timeout)
    scheduler.shutdown(wait=False)  # cancels what is still running after the timeout
    await asyncio.sleep(0)  # AsyncIOScheduler shuts down in a callback on the loop: let it run


def build_scheduler() -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC")
    for spec in all_jobs().values():
        scheduler.add_job(
            _scheduled_run,
            args=[spec.name],
            id=spec.name,
            name=spec.description,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=60,
            **spec.trigger,
        )
    return scheduler


@contextlib.asynccontextmanager
async def scheduler_lifespan(_: Any) -> AsyncIterator[None]:
    scheduler = build_scheduler()
    scheduler.start()
    try:
        yield
    finally:
        await drain(scheduler)
