"""Scale-out (issue 9): two web processes and two scheduler workers on one PostgreSQL database
under load; nothing duplicated, lost or overlapping.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/FRESH_DB \\
        .venv/bin/python scripts/scale_out_test.py [--seconds 30] [--seed N] [--keep]

``DATABASE_URL`` must name a fresh (empty) PostgreSQL database. SQLite is out of scope: a
SQLite deployment is one machine running ``eldercare serve`` with its scheduler inside, it
has no advisory locks, and its writers are serialised by the file lock anyway.

What runs (all forked from one warmed launcher, crash_procs.py, as the crash test does):
``eldercare serve --no-scheduler`` on two ports, ``eldercare worker`` twice (each with the
full schedule: the 30-second dispatch_notifications is the one that fires in the test), and
the crash test's small city (crash_test.seed). For ``--seconds`` the clients of
scale_out_load.py book, accept, cancel, make series, register elders, apply and review on
*both* ports at once, racing each other for the same slots, jobs and applications, while
pairs of ``eldercare jobs run NAME --at T`` start the same sweep as of the same moment in
two processes at once.

Then it checks, and exits 1 listing every violation:
- the integrity checks of eldercare/integrity.py (nothing half-done, nothing twice, no
  caregiver with two overlapping holding visits);
- no duplicate series visit, series occurrence, notification, SMS delivery, SMS sent,
  visit reminder (each per its unique key);
- every 2xx-acknowledged write in the database as answered (a booking accepted twice, or an
  application approved twice, is a violation too);
- job_run: every run finished without error, and no two runs of one job overlapped in time;
  the workers' own schedule ran at least once;
- every process exited cleanly, no answer was a 5xx.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from crash_load import Client, Recorder, applicant, reviewer
from crash_procs import Child, Launcher, free_port
from crash_test import seed
from scale_out_load import accepter, booker, canceller, series_maker, sweep_pairs

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's eldercare
from eldercare import demo_data  # noqa: E402  (pure data; tables load after DATABASE_URL is set)

SHUTDOWN_SAID = "Application shutdown complete"  # uvicorn, after the lifespan's shutdown
WORKER_FIRST_RUN = 30  # seconds: dispatch_notifications' interval, the workers' first run

# Each: (name, what it means, SQL returning the offending rows).
DUPLICATES = (
    (
        "series_visit_twice",
        "two visits of one series at one start",
        "SELECT series_id, start_at, COUNT(*) AS n FROM booking WHERE series_id IS NOT NULL "
        "GROUP BY series_id, start_at HAVING COUNT(*) > 1",
    ),
    (
        "series_occurrence_twice",
        "one occurrence of a series claimed twice",
        "SELECT series, occurrence_start, COUNT(*) AS n FROM series_occurrence "
        "GROUP BY series, occurrence_start HAVING COUNT(*) > 1",
    ),
    (
        "booking_for_two_occurrences",
        "one booking standing for two series occurrences",
        "SELECT booking, COUNT(*) AS n FROM series_occurrence WHERE booking IS NOT NULL "
        "GROUP BY booking HAVING COUNT(*) > 1",
    ),
    (
        "notification_twice",
        "two notifications with one dedupe key",
        "SELECT dedupe_key, COUNT(*) AS n FROM notification GROUP BY dedupe_key "
        "HAVING COUNT(*) > 1",
    ),
    (
        "delivery_twice",
        "one notification queued twice on one channel",
        "SELECT notification, channel, COUNT(*) AS n FROM notification_delivery "
        "GROUP BY notification, channel HAVING COUNT(*) > 1",
    ),
    (
        "sms_sent_twice",
        "one notification sent by SMS twice",
        "SELECT notification_id, COUNT(*) AS n FROM sms_log GROUP BY notification_id "
        "HAVING COUNT(*) > 1",
    ),
    (
        "reminder_twice",
        "one reminder of one visit sent twice",
        "SELECT booking_id, kind, visit_start, COUNT(*) AS n FROM visit_reminder "
        "GROUP BY booking_id, kind, visit_start HAVING COUNT(*) > 1",
    ),
    (
        "job_runs_overlapping",
        "two runs of one sweep at the same time (the cluster-wide lock did not hold)",
        "SELECT a.name, a.id AS first_id, b.id AS second_id, a.started_at AS first_started, "
        "a.finished_at AS first_finished, b.started_at AS second_started FROM job_run a "
        "JOIN job_run b ON b.name = a.name AND a.id < b.id "
        "WHERE a.started_at < COALESCE(b.finished_at, 'infinity') "
        "AND b.started_at < COALESCE(a.finished_at, 'infinity')",
    ),
    (
        "job_run_unfinished",
        "a sweep run that never finished (interrupted, or still running after the stop)",
        "SELECT id, name, started_at FROM job_run WHERE finished_at IS NULL",
    ),
    (
        "job_run_failed",
        "a sweep run that failed",
        "SELECT id, name, error FROM job_run WHERE error <> ''",
    ),
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30, help="how long to load (default 30)")
    parser.add_argument("--seed", type=int, default=None, help="replay a run's random choices")
    parser.add_argument("--keep", action="store_true", help="keep the work folder and logs")
    return parser.parse_args()


def in_db(coroutine) -> Any:
    """Run a coroutine against the database with a small pool of its own."""
    from eldercare import db

    async def pooled() -> Any:
        await db.open_pool()
        try:
            return await coroutine
        finally:
            await db.close_pool()

    return asyncio.run(pooled())


def _seconds(span) -> str:
    return "unfinished" if span is None else f"{span.total_seconds():.2f} s"


def phase(name: str, started: float) -> None:
    print(f"  [{time.monotonic() - started:5.1f} s] {name}", flush=True)


# --------------------------------------------------------------------------- processes


class Web:
    """``eldercare serve --no-scheduler`` on a port of its own."""

    def __init__(self, launcher: Launcher, log_path: Path):
        self.port, self.log_path = free_port(), log_path
        self.url = f"http://127.0.0.1:{self.port}"
        argv = ["serve", "--no-scheduler", "--host", "127.0.0.1", "--port", str(self.port)]
        self.child = launcher.start(argv, log_path)

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.child.poll() is not None:
                raise SystemExit(
                    f"web on {self.port} exited {self.child.code}; see {self.log_path}"
                )
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            time.sleep(0.1)
        raise SystemExit(f"web on {self.port} did not answer within 60 s; see {self.log_path}")


def wait_for_line(child: Child, log_path: Path, text: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise SystemExit(f"{log_path.stem} exited {child.code}; see {log_path}")
        if log_path.exists() and text in log_path.read_text(errors="replace"):
            return
        time.sleep(0.1)
    raise SystemExit(f"{log_path.stem} did not say {text!r} within {timeout:.0f} s")


def stop(child: Child, name: str, log_path: Path, problems: list[str], said: str = "") -> None:
    """SIGTERM and wait: a clean stop exits 0, or dies of the SIGTERM uvicorn raises again after
    its graceful shutdown, having said ``said`` (a worker lets its running sweep finish)."""
    if child.poll() is not None:
        problems.append(f"{name} had exited with {child.code} before the end; see {log_path}")
        return
    child.kill(signal.SIGTERM)
    code = child.wait(timeout=40)
    if code is None:
        child.kill()
        child.wait()
        problems.append(f"{name} did not stop within 40 s of SIGTERM (killed); see {log_path}")
    elif code not in (0, -signal.SIGTERM):
        problems.append(f"{name} exited {code} on SIGTERM; see {log_path}")
    elif said and said not in log_path.read_text(errors="replace"):
        problems.append(f"{name} stopped without saying {said!r}; see {log_path}")


# --------------------------------------------------------------------------- the load


def drive(webs: list[Web], setup: dict, launcher, rec: Recorder, args, work: Path, until: float):
    from eldercare.providers.demo import ADMIN_ACCOUNTS

    stop_event = threading.Event()
    password = demo_data.DEMO_PASSWORD
    officer, staff = demo_data.STAFF[1]["phone"], demo_data.STAFF[2]["phone"]
    admin = ADMIN_ACCOUNTS[0][0]
    rec.elders.extend(setup["elder_ids"])
    tasks: list[tuple[Any, str, Any, Web]] = []
    for web in webs:  # the same racing roles on both ports
        tasks += [
            (booker, staff, setup, web),
            (accepter, admin, setup, web),
            (reviewer, staff, {"submitted": "accept", "accepted": "pass"}, web),
            (reviewer, officer, {"reviewed": "approve"}, web),
        ]
    tasks += [
        (applicant, staff, setup, webs[0]),
        (canceller, staff, setup, webs[1]),
        (series_maker, staff, setup, webs[0]),
    ]
    threads, user_ids = [], set()
    for number, (task, phone, extra, web) in enumerate(tasks):
        client = Client(web.url, phone, password, rec, stop_event)
        user_ids.add(client.user_id)
        task_rng = random.Random(args.seed * 100 + number)
        threads.append(threading.Thread(target=task, args=(client, task_rng, extra), daemon=True))
    sweeping = (rec, random.Random(args.seed * 100 + 99), stop_event, launcher, work)
    threads.append(threading.Thread(target=sweep_pairs, args=sweeping, daemon=True))
    for thread in threads:
        thread.start()
    try:
        while time.monotonic() < until:
            time.sleep(0.2)
    finally:
        stop_event.set()
        for thread in threads:
            thread.join(timeout=150)
            if thread.is_alive():
                rec.problem(f"a load thread ({thread.name}) did not stop")
    rec.user_ids = sorted(user_ids)


# --------------------------------------------------------------------------- the checks


def acknowledged(rec: Recorder) -> tuple[list, list[str]]:
    """The acknowledged writes as the database must show them at the end, and the answers
    that contradict each other (two 200s for one booking's accept, one application's approve)."""
    from eldercare.integrity import Acknowledged

    problems = []
    cancelled = {a["entity_id"] for a in rec.acks if a["action"] == "booking.cancel"}
    per_action = Counter((a["action"], a["entity_id"]) for a in rec.acks)
    for (action, entity_id), n in sorted(per_action.items()):
        if n > 1 and action in ("booking.accept", "booking.cancel", "application.approve"):
            problems.append(f"{action} of {entity_id} was answered 200 {n} times")
    acks = []
    for a in rec.acks:
        if a["entity"] == "series":
            continue  # checked on its own below
        expect: list[tuple[str, Any]] = [tuple(e) for e in a.get("expect", [])]
        if a["action"] == "booking.accept":
            expect = [("caregiver", a["caregiver"])]
            if a["entity_id"] not in cancelled:
                expect.append(("status", "accepted"))
        elif a["action"] == "booking.cancel":
            expect = [("status", "cancelled")]
        acks.append(Acknowledged(a["entity"], a["entity_id"], a["action"], tuple(expect)))
    return acks, problems


async def check(rec: Recorder) -> tuple[list[str], dict[str, Any]]:
    from eldercare import integrity
    from eldercare.db import fetch

    problems = [str(v) for v in await integrity.find_violations()]
    for name, description, sql in DUPLICATES:
        rows = [dict(r) for r in await fetch(sql)]
        if rows:
            more = f" (and {len(rows) - 5} more)" if len(rows) > 5 else ""
            problems.append(f"{name}: {description}: {', '.join(map(str, rows[:5]))}{more}")
    acks, contradictions = acknowledged(rec)
    problems += contradictions
    problems += await integrity.missing_acknowledged(acks)
    series_ids = sorted({a["entity_id"] for a in rec.acks if a["entity"] == "series"})
    if series_ids:
        marks = ", ".join("{}" for _ in series_ids)
        found = {
            r["id"]
            for r in await fetch(f"SELECT id FROM series WHERE id IN ({marks})", *series_ids)
        }
        problems += [
            f"series {i} was answered 201 but is missing" for i in series_ids if i not in found
        ]
    runs = await fetch(
        "SELECT name, COUNT(*) AS n, MAX(finished_at - started_at) AS longest FROM job_run "
        "GROUP BY name ORDER BY name"
    )
    if not any(r["name"] == "dispatch_notifications" for r in runs):
        problems.append("the workers' schedule never ran dispatch_notifications")
    counts = await integrity.table_counts(
        ("booking", "series", "series_occurrence", "subsidy_entitlement", "subsidy_payment",
         "notification", "sms_log", "visit_reminder", "job_run")
    )  # fmt: skip
    return problems + rec.problems, {"runs": runs, "counts": counts}


# --------------------------------------------------------------------------- main


def main() -> int:
    args = parse_args()
    args.seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("the scale-out test needs DATABASE_URL naming a fresh PostgreSQL database "
              "(SQLite is out of scope: one process serves it)", file=sys.stderr)  # fmt: skip
        return 2
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="eldercare-scale-"))
    os.environ.update(ELDERCARE_ARGON2_PROFILE="light")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    print(f"scale-out test on PostgreSQL, seed {args.seed}; logs in {work}", flush=True)
    rec = Recorder()
    problems: list[str] = []
    launcher = Launcher(env, work)  # migrates once
    workers: list[tuple[str, Child]] = []
    webs: list[Web] = []
    try:
        from eldercare.accounts.tables import User

        if in_db(User.count().run()):
            raise SystemExit("the scale-out test needs a fresh database (this one has users)")
        phase("migrated", started)
        for number in (1, 2):  # first, so that their 30-second schedule fires under the load
            log_path = work / f"worker-{number}.log"
            workers.append((log_path.stem, launcher.start(["worker"], log_path)))
        workers_started = time.monotonic()
        setup = in_db(seed())
        phase(f"seeded ({len(setup['elder_ids'])} elders, 6 caregivers)", started)
        webs = [Web(launcher, work / f"web-{number}.log") for number in (1, 2)]
        for web in webs:
            web.wait_ready()
        for name, child in workers:
            wait_for_line(child, work / f"{name}.log", "worker running")
        phase(
            f"two web processes (ports {webs[0].port}, {webs[1].port}) and two workers up", started
        )
        until = max(time.monotonic() + args.seconds, workers_started + WORKER_FIRST_RUN + 5)
        drive(webs, setup, launcher, rec, args, work, until)
        phase("load stopped", started)
    finally:
        for web in webs:
            stop(web.child, f"web on {web.port}", web.log_path, problems, SHUTDOWN_SAID)
        for name, child in workers:
            stop(child, name, work / f"{name}.log", problems)
        launcher.close()
    phase("all stopped", started)
    found, facts = in_db(check(rec))
    problems += found
    print(f"{len(rec.acks)} writes acknowledged over two ports:")
    for what, number in sorted(rec.counts.items()):
        print(f"  {what}: {number}")
    print("job_run: " + ", ".join(
        f"{r['name']} {r['n']}x (longest {_seconds(r['longest'])})"
        for r in facts["runs"]
    ))  # fmt: skip
    print(f"rows: {facts['counts']}")
    print(f"{time.monotonic() - started:.1f} s in all")
    if problems:
        print(f"SCALE-OUT TEST FAILED (seed {args.seed}); logs kept in {work}:")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    print("scale-out test passed: two web processes and two workers, nothing duplicated, "
          "lost or overlapping")  # fmt: skip
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
