"""The ``eldercare`` command line (API.md, "Command line")."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from eldercare.errors import DomainError


def _run(coro_factory: Callable[[], Awaitable[Any]]) -> Any:
    async def main() -> Any:
        from eldercare import db

        await db.open_pool()
        try:
            return await coro_factory()
        finally:
            await db.close_pool()

    return asyncio.run(main())


async def _migrate() -> None:
    """Every process migrates as it starts; on PostgreSQL one at a time (web processes and
    workers started together raced to create the same tables and indexes, and all but one
    crashed). The others wait, then find nothing left to do."""
    from eldercare import db
    from eldercare.geo import service as geo
    from eldercare.scheduling.runner import cluster_lock

    async with cluster_lock("migrate", wait=True):
        await db.migrate()
        await geo.sync_gazetteer()


def cmd_migrate(_: argparse.Namespace) -> int:
    _run(_migrate)
    print("migrations applied")
    return 0


def cmd_demo(_: argparse.Namespace) -> int:
    from eldercare import demo

    async def load() -> dict[str, int]:
        await _migrate()
        return await demo.load_demo()

    result = _run(load)
    added = ", ".join(f"{key.replace('_', ' ')}: {value}" for key, value in result.items())
    print(f"demo city ready ({added})")
    print(f"demo sign-ins (password {demo.demo_data.DEMO_PASSWORD}):")
    for role, name, phone, region in demo.sign_in_table():
        print(f"  {role:<16} {phone}  {name} {region}")
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    from eldercare.accounts import service

    async def add() -> Any:
        await _migrate()
        return await service.create_user(
            phone=args.phone,
            password=args.password,
            name=args.name,
            roles=[args.role],
            region_code=args.region,
            provider_id=args.provider,
        )

    try:
        user = _run(add)
    except DomainError as error:
        problems = "; ".join(f"{p.key}: {p.message.format(**p.params)}" for p in error.problems)
        print(f"error: {problems or error}", file=sys.stderr)
        return 2
    print(f"user {user.id} {user.name} ({','.join(user.roles)}) created")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import os

    import uvicorn

    scheduler = not args.no_scheduler and args.workers == 1
    if not args.no_scheduler and args.workers > 1:
        print("several web workers: the scheduler is off here; run it once with `eldercare worker`")
    os.environ["ELDERCARE_RUN_SCHEDULER"] = "1" if scheduler else "0"
    _run(_migrate)
    uvicorn.run(
        "eldercare.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="info",
        proxy_headers=True,
    )
    return 0


def cmd_worker(_: argparse.Namespace) -> int:
    """The scheduler alone, for deployments whose web processes run without it."""
    import signal

    from eldercare.scheduling.scheduler import build_scheduler, drain

    async def work() -> None:
        await _migrate()
        scheduler = build_scheduler()
        scheduler.start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        print(f"worker running {len(scheduler.get_jobs())} scheduled sweeps; Ctrl-C stops")
        await stop.wait()
        await drain(scheduler)  # the runs under way finish first

    _run(work)
    return 0


def cmd_jobs_list(_: argparse.Namespace) -> int:
    from eldercare.scheduling.registry import all_jobs
    from eldercare.scheduling.runner import last_runs

    async def listing() -> dict:
        await _migrate()
        return await last_runs()

    runs = _run(listing)
    for name, spec in all_jobs().items():
        run = runs.get(name)
        last = "never run"
        if run:
            if run["error"]:
                state = f"error: {run['error']}"
            elif run["finished_at"] is None:  # running now, or its process was killed
                state = f"not finished (started {run['started_at']:%Y-%m-%d %H:%M} UTC)"
            else:
                state = f"{run['rows']} rows"
            last = f"last as of {run['as_of']:%Y-%m-%d %H:%M} UTC, {state}"
        print(f"{name:<24} {spec.trigger_text:<28} {last}")
        print(f"{'':<24} {spec.description}")
    return 0


@contextlib.contextmanager
def _progress_bar(name: str) -> Iterator[Callable[[int, int | None], None]]:
    """A rich progress bar on a terminal for sweeps that report progress; silent when piped."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    console = Console(stderr=True)
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    quiet = not console.is_terminal
    with Progress(*columns, console=console, transient=True, disable=quiet) as bar:
        task = bar.add_task(name, total=None)

        def update(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def cmd_jobs_run(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from eldercare.scheduling.registry import all_jobs
    from eldercare.scheduling.runner import run_job

    if args.name not in all_jobs():
        print(f"error: no job called {args.name}; see `eldercare jobs list`", file=sys.stderr)
        return 2
    at = None
    if args.at:
        try:
            at = datetime.fromisoformat(args.at)
        except ValueError:
            print(
                "error: --at takes an ISO date-time, like 2026-12-01T09:00:00+08:00",
                file=sys.stderr,
            )
            return 2
        at = at.replace(tzinfo=UTC) if at.tzinfo is None else at

    with _progress_bar(args.name) as progress:

        async def run() -> Any:
            await _migrate()
            return await run_job(args.name, at or datetime.now(UTC), progress=progress)

        result = _run(run)
    if result is None:
        print(f"{args.name} is running in another process; nothing done")
        return 0
    if result.error:
        print(f"{args.name} failed: {result.error}", file=sys.stderr)
        return 1
    print(f"{args.name} as of {result.as_of.isoformat()}: {result.rows} rows")
    return 0


def cmd_bench_seed(args: argparse.Namespace) -> int:
    """Fill the database with a city's worth of rows (bench/seed.py, in the source checkout)."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    if not (root / "bench" / "seed.py").exists():
        print(
            "error: `eldercare bench` needs the source checkout (its bench/ folder)",
            file=sys.stderr,
        )
        return 2
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    from bench import seed_cli

    return seed_cli.main(args, _run, _migrate)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="eldercare", description="eldercare platform")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="migrate, then serve pages and API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument(
        "--no-scheduler", action="store_true", help="do not run scheduled sweeps here"
    )
    serve.set_defaults(handler=cmd_serve)

    commands.add_parser("migrate", help="apply migrations").set_defaults(handler=cmd_migrate)
    commands.add_parser("worker", help="run the scheduled sweeps alone").set_defaults(
        handler=cmd_worker
    )

    jobs = commands.add_parser("jobs", help="the scheduled sweeps")
    job_commands = jobs.add_subparsers(dest="jobs_command", required=True)
    job_commands.add_parser("list", help="each sweep, its trigger and last run").set_defaults(
        handler=cmd_jobs_list
    )
    run = job_commands.add_parser("run", help="run one sweep as of a moment")
    run.add_argument("name")
    run.add_argument("--at", default=None, help="ISO date-time (default: now)")
    run.set_defaults(handler=cmd_jobs_run)
    commands.add_parser("demo", help="load the demo city (idempotent)").set_defaults(
        handler=cmd_demo
    )

    user = commands.add_parser("user", help="manage accounts")
    user_commands = user.add_subparsers(dest="user_command", required=True)
    add = user_commands.add_parser("add", help="make a staff or provider account")
    add.add_argument("--phone", required=True)
    add.add_argument("--password", required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--role", required=True)
    add.add_argument("--region", default=None)
    add.add_argument("--provider", type=int, default=None)
    add.set_defaults(handler=cmd_user_add)

    bench = commands.add_parser("bench", help="benchmarks at city scale (source checkout)")
    bench_commands = bench.add_subparsers(dest="bench_command", required=True)
    seed = bench_commands.add_parser(
        "seed",
        help="add elders, providers, caregivers, allowances, series and past visits, set-based",
    )
    for name in ("elders", "providers", "caregivers", "entitlements", "series", "visits"):
        seed.add_argument(f"--{name}", type=int, default=0, metavar="N")
    seed.set_defaults(handler=cmd_bench_seed)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    raise SystemExit(main())
