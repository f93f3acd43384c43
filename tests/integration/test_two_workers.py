"""Two worker processes on one PostgreSQL database never do a thing twice.

Each worker runs every registered sweep, through the same ``run_job`` that the scheduler
and ``eldercare jobs run`` use, as of the same advancing moments, starting at the same
instant; each also runs the SMS dispatcher directly (outside the advisory lock) as a third
and fourth dispatcher sharing the outbox by ``FOR UPDATE SKIP LOCKED``. Afterwards: no
duplicate message, reminder, delivery or SMS, and no two runs of one sweep overlapped.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import pytest

from eldercare import db
from eldercare.booking.tables import Booking
from eldercare.notifications import domain
from eldercare.notifications.tables import Notification, NotificationDelivery, SmsLog, VisitReminder
from eldercare.scheduling.registry import all_jobs
from eldercare.scheduling.runner import run_job
from eldercare.scheduling.tables import JobRun
from tests.integration.booking_support import at, book, build_world

pytestmark = pytest.mark.skipif(
    db.is_sqlite(),
    reason="two worker processes share one database only on PostgreSQL (advisory locks, SKIP LOCKED); "
    "SQLite serves one machine with one scheduler",
)

WORKER = """
import asyncio, json, sys, time
from datetime import datetime

async def main(start_at, moments):
    from eldercare import db
    from eldercare.notifications.dispatch import dispatch_notifications
    from eldercare.scheduling.registry import all_jobs
    from eldercare.scheduling.runner import run_job

    await db.open_pool()
    ran, skipped, errors, dispatched = 0, 0, [], 0
    await asyncio.sleep(max(0.0, start_at - time.time()))
    try:
        for moment in moments:
            for name in all_jobs():
                run = await run_job(name, moment)
                if run is None:
                    skipped += 1
                else:
                    ran += 1
                    if run.error:
                        errors.append(f"{name}: {run.error}")
            dispatched += await dispatch_notifications(moment)
    finally:
        await db.close_pool()
    print(json.dumps({"ran": ran, "skipped": skipped, "errors": errors, "dispatched": dispatched}))

asyncio.run(main(float(sys.argv[1]), [datetime.fromisoformat(m) for m in sys.argv[2:]]))
"""


async def a_busy_day(client, make_person) -> tuple[datetime, list[int], list[int]]:
    """Four accepted visits two hours apart, and three offers nobody will answer."""
    w = await build_world(client, make_person)
    start = datetime.now(UTC).replace(second=0, microsecond=0)
    accepted = []
    for n in range(4):
        created = await book(client, w.family, w.elder_id, at(120 + 120 * n))
        assert created.status_code == 201, created.text
        answer = await client.post(
            f"/api/v1/bookings/{created.json()['id']}/accept",
            headers=w.admin.headers,
            json={"caregiver_id": w.caregiver_id},
        )
        assert answer.status_code == 200, answer.text
        accepted.append(created.json()["id"])
    offered = []
    for n in range(3):
        created = await book(client, w.family, w.elder_id, at(600 + 60 * n))
        assert created.json()["status"] == "offered", created.text
        offered.append(created.json()["id"])
    return start, accepted, offered


def start_workers(moments: list[datetime]) -> list[subprocess.Popen]:
    go = time.time() + 2.5  # both import and connect first, then start at the same instant
    args = [str(go), *(m.isoformat() for m in moments)]
    env = {**os.environ}
    return [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]


async def finish(workers: list[subprocess.Popen]) -> list[dict]:
    reports = []
    for worker in workers:
        out, err = await asyncio.to_thread(worker.communicate, timeout=60)
        assert worker.returncode == 0, err[-3000:]
        reports.append(json.loads(out.strip().splitlines()[-1]))
    return reports


async def test_two_workers_on_one_database_never_duplicate_anything(client, make_person):
    began = time.monotonic()
    start, accepted, offered = await a_busy_day(client, make_person)
    moments = [start + timedelta(minutes=30 * k) for k in range(21)]  # ten hours, every half hour

    reports = await finish(start_workers(moments))
    for name in all_jobs():  # settle: one more run of each as of the last moment
        await run_job(name, moments[-1])

    assert [r["errors"] for r in reports] == [[], []]
    attempts = len(moments) * len(all_jobs())
    assert [r["ran"] + r["skipped"] for r in reports] == [attempts, attempts]

    # No message twice: every kind here is once per user and booking (the link or the params say which).
    notes = await Notification.select(
        Notification.user_id, Notification.kind, Notification.link, Notification.params
    ).run()
    said = Counter((r["user_id"], r["kind"], r["link"], r["params"]) for r in notes)
    repeated = [key for key, n in said.items() if n > 1]
    assert repeated == []

    # No reminder twice, and every accepted visit was reminded.
    reminders = await VisitReminder.select(VisitReminder.booking_id, VisitReminder.kind).run()
    assert max(Counter((r["booking_id"], r["kind"]) for r in reminders).values()) == 1
    assert {r["booking_id"] for r in reminders} == set(accepted)

    # Every offer expired once; every missed visit alerted once.
    statuses = (
        await Booking.select(Booking.id, Booking.status).where(Booking.id.is_in(offered)).run()
    )
    assert {r["status"] for r in statuses} == {"expired"}
    missed = Counter(r["link"] for r in notes if r["kind"] == "visit.missed")
    assert missed == {
        f"/bookings/{booking_id}": 2 for booking_id in accepted
    }  # the provider and the staff

    # Each SMS-worthy message has one delivery, sent once, logged once.
    deliveries = await NotificationDelivery.select().run()
    assert max(Counter((d["notification"], d["channel"]) for d in deliveries).values()) == 1
    sms_worthy = [
        r
        for r in await Notification.select(Notification.id, Notification.kind).run()
        if domain.SMS in domain.channels_for(r["kind"])
    ]
    assert {d["notification"] for d in deliveries} == {r["id"] for r in sms_worthy}
    assert {d["state"] for d in deliveries} == {domain.SENT}
    logged = [r["notification_id"] for r in await SmsLog.select(SmsLog.notification_id).run()]
    assert len(logged) == len(set(logged)) == len(deliveries)

    # One sweep never ran twice at once: by name, each run finished before the next began.
    runs = defaultdict(list)
    for row in await JobRun.select().order_by(JobRun.started_at).run():
        runs[row["name"]].append(row)
    for name, rows in runs.items():
        for before, after in zip(rows, rows[1:], strict=False):
            assert before["finished_at"] <= after["started_at"], f"{name} runs overlapped"
    skipped = sum(r["skipped"] for r in reports)
    print(
        f"two workers: {sum(r['ran'] for r in reports)} runs, {skipped} skipped by the advisory lock, "
        f"{sum(r['dispatched'] for r in reports)} SMS settled by direct dispatchers"
    )
    assert time.monotonic() - began < 60


async def test_the_advisory_lock_lets_only_one_of_two_simultaneous_runs_through(
    client, make_person
):
    from eldercare.scheduling.runner import cluster_lock

    async with cluster_lock("send_reminders") as first:
        assert first is True
        assert await run_job("send_reminders", datetime.now(UTC)) is None  # held: skipped
    run = await run_job("send_reminders", datetime.now(UTC))
    assert run is not None and run.error == ""


async def test_two_workers_materialise_a_series_without_a_duplicate_visit(client, make_person):
    from eldercare.booking.tables import SeriesOccurrence
    from tests.integration.series_support import made

    w = await build_world(client, make_person)
    series = await made(client, w, "FREQ=DAILY")
    before = await SeriesOccurrence.count().where(SeriesOccurrence.series == series["id"]).run()
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    moments = [now + timedelta(days=day) for day in range(1, 6)]
    reports = await finish(start_workers(moments))
    assert [r["errors"] for r in reports] == [[], []]

    occurrences = (
        await SeriesOccurrence.select().where(SeriesOccurrence.series == series["id"]).run()
    )
    assert len(occurrences) == before + 5  # the horizon moved five days: five new visits, once each
    starts = Counter(o["occurrence_start"] for o in occurrences)
    assert max(starts.values()) == 1
    visits = await Booking.select(Booking.start_at).where(Booking.series_id == series["id"]).run()
    assert max(Counter(v["start_at"] for v in visits).values()) == 1
