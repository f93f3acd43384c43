"""Running one sweep: once cluster-wide on PostgreSQL (an advisory lock), recorded in job_run."""

from __future__ import annotations

import contextlib
import contextvars
import logging
import socket
import zlib
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

from piccolo.engine.postgres import PostgresEngine

from eldercare.db import engine
from eldercare.errors import N_, NotFound
from eldercare.scheduling.registry import all_jobs
from eldercare.scheduling.tables import JobRun

log = logging.getLogger("eldercare.jobs")
LOCK_NAMESPACE = 0x45C0  # distinguishes our advisory locks from anyone else's

Progress = Callable[[int, int | None], None]
_progress: contextvars.ContextVar[Progress | None] = contextvars.ContextVar(
    "job_progress", default=None
)


def report_progress(done: int, total: int | None = None) -> None:
    """A sweep says how far it is (for the progress bar of ``eldercare jobs run``); a no-op
    when nobody is watching, as under the scheduler."""
    callback = _progress.get()
    if callback is not None:
        callback(done, total)


@contextlib.asynccontextmanager
async def cluster_lock(name: str, *, wait: bool = False) -> AsyncIterator[bool]:
    """True when this process may run ``name`` now. On PostgreSQL a session advisory lock held
    on its own connection for the run; SQLite serves one machine, where sweeps are idempotent.
    With ``wait``, queue for the lock instead (always True): for work that must run one at a
    time but by everyone, like the migrations each process applies as it starts."""
    db = engine()
    if not isinstance(db, PostgresEngine):
        yield True
        return
    # pg_try_advisory_lock(int4, int4): the CRC as a signed 32-bit number
    key = int.from_bytes(zlib.crc32(name.encode()).to_bytes(4, "big"), "big", signed=True)
    connection = await db.get_new_connection()
    try:
        if wait:
            await connection.execute("SELECT pg_advisory_lock($1, $2)", LOCK_NAMESPACE, key)
            got = True
        else:
            got = await connection.fetchval(
                "SELECT pg_try_advisory_lock($1, $2)", LOCK_NAMESPACE, key
            )
        try:
            yield bool(got)
        finally:
            if got:
                await connection.execute("SELECT pg_advisory_unlock($1, $2)", LOCK_NAMESPACE, key)
    finally:
        await connection.close()


async def run_job(
    name: str, at: datetime | None = None, *, progress: Progress | None = None
) -> JobRun | None:
    """Run a sweep as of ``at`` (default now); None when another process holds it right now."""
    spec = all_jobs().get(name)
    if spec is None:
        raise NotFound(N_("There is no job called {name}."), name=name)
    at = at or datetime.now(UTC)
    async with cluster_lock(name) as mine:
        if not mine:
            log.info("job %s is running elsewhere; skipped", name)
            return None
        run = JobRun(
            name=name, as_of=at, started_at=datetime.now(UTC), host=socket.gethostname()[:100]
        )
        await run.save().run()
        token = _progress.set(progress)
        try:
            run.rows = await spec.sweep(at)
        except Exception as error:  # recorded, then the scheduler carries on with the next run
            run.error = f"{type(error).__name__}: {error}"[:2000]
            log.exception("job %s failed", name)
        finally:
            _progress.reset(token)
        run.finished_at = datetime.now(UTC)
        await run.save().run()
        return run


async def last_runs() -> dict[str, dict]:
    """The latest run of each job, for ``eldercare jobs list``."""
    latest: dict[str, dict] = {}
    for name in all_jobs():
        row = (
            await JobRun.select()
            .where(JobRun.name == name)
            .order_by(JobRun.id, ascending=False)
            .first()
            .run()
        )
        if row:
            latest[name] = row
    return latest
