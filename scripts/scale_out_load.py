"""The scale-out test's load: clients on both web ports racing each other, and pairs of
``eldercare jobs run`` started at the same moment.

The clients and the recording of acknowledged writes are the crash test's (crash_load.py);
what is new here is the racing. Both ports' bookers aim at the same few slots, both ports'
accepters take the same oldest jobs with the same few caregivers, both ports' reviewers
decide the same queue, and a canceller frees caregivers again. Every 2xx is recorded.
"""

from __future__ import annotations

import random
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from crash_load import CREATIONS, SHANGHAI, Client, Recorder

# Series are created with an Idempotency-Key like the crash test's creations.
CREATIONS.setdefault("/api/v1/series", ("series", "series.create"))

# One-off visits in the morning of the next three days, series visits in the afternoon:
# few enough slots that the two ports keep colliding on them.
DAYS = (1, 2, 3)
MORNING = [(8, 0), (8, 30), (9, 0), (9, 30), (10, 0), (10, 30), (11, 0), (11, 30)]
AFTERNOON = [(14, 0), (14, 30), (15, 0), (15, 30)]

# The sweeps the pairs run, each with the moment both processes of a pair run it as of.
# dispatch_notifications is left to the two workers' own schedule (every 30 s).
SWEEPS: dict[str, Any] = {
    "materialize_series": lambda rng, now: now + timedelta(days=rng.randint(0, 6)),
    "monthly_payments": lambda rng, now: now + timedelta(days=rng.randint(31, 400)),
    "annual_reviews": lambda rng, now: now + timedelta(days=rng.randint(0, 400)),
    "send_reminders": lambda rng, now: now + timedelta(days=rng.randint(1, 3)),
    "expire_offers": lambda rng, now: now,
    "missed_visits": lambda rng, now: now,
    "age_bands": lambda rng, now: now + timedelta(days=rng.randint(0, 400)),
    "discover_eligible": lambda rng, now: now,
}


def slot(rng: random.Random, times: list[tuple[int, int]]) -> str:
    day = datetime.now(SHANGHAI).date() + timedelta(days=rng.choice(DAYS))
    hour, minute = rng.choice(times)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI).isoformat()


def booker(client: Client, rng: random.Random, setup: dict[str, Any]) -> None:
    """Book a random elder into one of the few morning slots (the other port does too)."""
    while not client.stop.is_set():
        with client.rec.lock:
            elder_id = rng.choice(client.rec.elders)
        body = {
            "elder_id": elder_id,
            "service_code": rng.choice(setup["service_codes"]),
            "start": slot(rng, MORNING),
            "provider_id": setup["provider_id"],
        }
        client.create("/api/v1/bookings", body)


def series_maker(client: Client, rng: random.Random, setup: dict[str, Any]) -> None:
    """Now and then a daily series in the afternoon (its first 14 days are made at once; the
    materialize_series pairs make the rest as their moment moves on)."""
    while not client.stop.wait(rng.uniform(0.5, 1.5)):
        with client.rec.lock:
            elder_id = rng.choice(client.rec.elders)
        body = {
            "elder_id": elder_id,
            "service_code": rng.choice(setup["service_codes"]),
            "start": slot(rng, AFTERNOON),
            "provider_id": setup["provider_id"],
            "rrule": "FREQ=DAILY;COUNT=18",
        }
        client.create("/api/v1/series", body)


def accepter(client: Client, rng: random.Random, setup: dict[str, Any]) -> None:
    """Accept open jobs, each with one of four caregivers. Both ports' accepters start from the
    same job in the same half second, so a booking is often accepted twice at once (one must
    get 409), and one caregiver often given two visits at one time (one must get 409)."""
    caregivers = setup["caregiver_ids"][:4]
    while not client.stop.is_set():
        jobs = client.items("/api/v1/jobs?limit=20")
        if not jobs:
            time.sleep(0.05)
            continue
        jobs.sort(key=lambda job: job["id"])
        first = int(time.time() * 2) % len(jobs)
        for job in (jobs + jobs)[first : first + 3]:
            caregiver = rng.choice(caregivers)
            answer = client.write(
                f"/api/v1/bookings/{job['id']}/accept", {"caregiver_id": caregiver},
                entity="booking", entity_id=job["id"], action="booking.accept",
                caregiver=caregiver,
            )  # fmt: skip
            if answer is not None:
                client.rec.count(f"accept answered {answer.status_code}")


def canceller(client: Client, rng: random.Random, setup: dict[str, Any]) -> None:
    """Cancel some accepted and some offered visits (the elder's side, as community staff)."""
    while not client.stop.wait(rng.uniform(0.2, 0.6)):
        status = rng.choice(("accepted", "accepted", "offered"))
        items = client.items(f"/api/v1/bookings?status={status}&limit=20")
        if not items:
            continue
        booking = rng.choice(items)
        answer = client.write(
            f"/api/v1/bookings/{booking['id']}/cancel", {"reason": "家里有事"},
            entity="booking", entity_id=booking["id"], action="booking.cancel",
        )  # fmt: skip
        if answer is not None:
            client.rec.count(f"cancel answered {answer.status_code}")


def sweep_pairs(rec: Recorder, rng: random.Random, stop: threading.Event, launcher, work: Path):
    """Start the same sweep as of the same moment in two processes at once, again and again.
    Each must exit 0; at most one of them may work at a time (job_run shows it afterwards)."""
    logs = work / "sweeps"
    logs.mkdir(exist_ok=True)
    names = list(SWEEPS)
    rng.shuffle(names)
    number = 0
    while not stop.wait(rng.uniform(0.2, 0.8)):
        name = names[number % len(names)]
        number += 1
        at = SWEEPS[name](rng, datetime.now(SHANGHAI)).isoformat()
        argv = ["jobs", "run", name, "--at", at]
        paths = [logs / f"{number:03d}-{name}-{side}.log" for side in "ab"]
        children = [launcher.start(argv, path) for path in paths]
        for child, path in zip(children, paths, strict=True):
            code = child.wait(timeout=120)
            output = path.read_text(errors="replace").strip() if path.exists() else ""
            last = output.splitlines()[-1] if output else ""
            if code is None:
                child.kill()
                rec.problem(f"jobs run {name} --at {at} did not end within 120 s; see {path}")
            elif code != 0:
                rec.problem(f"jobs run {name} --at {at} exited {code}; see {path}")
            elif "running in another process" in last:
                rec.count(f"sweep {name}: skipped, the other process held it")
            else:
                rec.count(f"sweep {name}: ran")
