"""APScheduler wiring only: each sweep as an in-memory job with an explicit id.

The jobs' lasting state lives in our tables (sweeps are idempotent), never in the
scheduler's store, so several processes may run schedulers: on PostgreSQL the advisory
lock in runner.py lets one of them do each run.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from eldercare.scheduling.registry import all_jobs
from eldercare.scheduling.runner import run_job


def build_scheduler() -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC")
    for spec in all_jobs().values():
        scheduler.add_job(
            run_job,
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
        scheduler.shutdown(wait=False)
