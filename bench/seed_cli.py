"""The `eldercare bench seed` command: migrate, load the demo city when missing, then seed
with a rich progress bar (one line per kind of row)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from bench import seed as seeding


async def prepare(migrate: Callable[[], Awaitable[None]]) -> None:
    """Migrations, and the demo city (menu, programs, regions) unless it is there already."""
    from eldercare import demo
    from eldercare.subsidies.tables import Program

    await migrate()
    if not await Program.exists().where(Program.code == seeding.ALLOWANCE).run():
        await demo.load_demo()


def main(
    args: argparse.Namespace,
    run: Callable[[Callable[[], Awaitable[Any]]], Any],
    migrate: Callable[[], Awaitable[None]],
) -> int:
    from eldercare.settings import get_settings

    counts = seeding.Counts(
        elders=args.elders,
        providers=args.providers,
        caregivers=args.caregivers,
        entitlements=args.entitlements,
        series=args.series,
        visits=args.visits,
    )
    if min(counts.__dict__.values()) < 0:
        print("error: counts cannot be negative", file=sys.stderr)
        return 2
    console = Console(stderr=True)
    columns = (
        TextColumn("{task.description:<14}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    started = time.perf_counter()
    with Progress(*columns, console=console) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(label: str, done: int, total: int) -> None:
            if label not in tasks:
                tasks[label] = bar.add_task(label, total=total)
            bar.update(tasks[label], completed=done, total=total)

        async def go() -> dict:
            tasks["demo city"] = bar.add_task("demo city", total=None)
            await prepare(migrate)
            bar.update(tasks["demo city"], total=1, completed=1)
            return await seeding.seed(get_settings().database_url, counts, progress)

        try:
            added = run(go)
        except (ValueError, RuntimeError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    took = time.perf_counter() - started
    print(
        "bench rows added in "
        f"{took:.1f} s: " + ", ".join(f"{k} {v:,}" for k, v in added.items() if v)
    )
    return 0
