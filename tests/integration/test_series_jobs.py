"""The materialize_series sweep as of a moment: idempotent, catching up, never duplicating —
also with two runs at once and after visits were skipped, moved, paused or split."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from eldercare.booking.series_materialize import materialize_series
from eldercare.booking.tables import Series
from eldercare.scheduling.registry import all_jobs
from eldercare.scheduling.runner import run_job
from tests.integration.booking_support import build_world
from tests.integration.series_support import (
    SHANGHAI,
    bookings_of,
    created_at,
    days_ahead_at,
    local_dates,
    made,
    occurrences_of,
    series_row,
)


async def test_running_twice_as_of_the_same_moment_creates_nothing_more(client, make_person):
    w = await build_world(client, make_person)
    body = await made(client, w, provider_id=w.provider_id, caregiver_id=w.caregiver_id)
    t = await created_at(body["id"])
    assert await materialize_series(t) == 0
    assert await materialize_series(t) == 0
    assert len(await bookings_of(body["id"])) == body["visits_created"]


async def test_a_run_a_week_later_catches_up_exactly_the_new_week(client, make_person):
    w = await build_world(client, make_person)
    body = await made(client, w, provider_id=w.provider_id, caregiver_id=w.caregiver_id)
    t = await created_at(body["id"])
    assert await materialize_series(t + timedelta(days=7)) == 7
    assert await materialize_series(t + timedelta(days=7)) == 0
    bookings = await bookings_of(body["id"])
    assert len(bookings) == body["visits_created"] + 7
    dates = local_dates(bookings)
    assert len(set(dates)) == len(dates)
    assert (await series_row(body["id"]))["materialized_until"] == t + timedelta(days=21)
    assert await materialize_series(t + timedelta(days=3)) == 0  # an earlier moment undoes nothing


async def test_two_runs_at_once_create_each_visit_once(client, make_person):
    w = await build_world(client, make_person)
    body = await made(client, w, provider_id=w.provider_id)
    t = await created_at(body["id"]) + timedelta(days=10)
    counts = await asyncio.gather(materialize_series(t), materialize_series(t))
    assert sum(counts) == 10
    occurrences = await occurrences_of(body["id"])
    starts = [o["occurrence_start"] for o in occurrences]
    assert len(starts) == len(set(starts)) == body["visits_created"] + 10
    assert len(await bookings_of(body["id"])) == len(starts)


async def test_a_visit_moved_on_its_own_is_not_made_again_by_the_sweep(client, make_person):
    w = await build_world(client, make_person)
    body = await made(client, w, provider_id=w.provider_id, caregiver_id=w.caregiver_id)
    day = days_ahead_at(2).date()
    moved = await client.post(
        f"/api/v1/series/{body['id']}/change",
        headers=w.family.headers,
        json={"scope": "one", "date": day.isoformat(), "time": "16:30"},
    )
    assert moved.status_code == 200, moved.text
    t = await created_at(body["id"])
    assert await materialize_series(t + timedelta(days=1)) == 1
    live = await bookings_of(body["id"], live=True)
    on_day = [b for b in live if b["start_at"].astimezone(SHANGHAI).date() == day]
    assert (
        len(on_day) == 1 and on_day[0]["start_at"].astimezone(SHANGHAI).strftime("%H:%M") == "16:30"
    )
    assert len(live) == body["visits_created"] + 1


async def test_a_visit_cancelled_on_its_own_is_not_made_again(client, make_person):
    w = await build_world(client, make_person)
    body = await made(client, w, provider_id=w.provider_id)
    first = (await bookings_of(body["id"]))[0]
    cancelled = await client.post(
        f"/api/v1/bookings/{first['id']}/cancel", headers=w.family.headers, json={"reason": "住院"}
    )
    assert cancelled.status_code == 200
    await Series.update({Series.materialized_until: None}).where(Series.id == body["id"]).run()
    assert await materialize_series(await created_at(body["id"])) == 0
    assert len(await bookings_of(body["id"], live=True)) == body["visits_created"] - 1


async def test_skipped_dates_and_a_paused_series_are_left_alone_by_the_sweep(client, make_person):
    w = await build_world(client, make_person)
    body = await made(client, w, provider_id=w.provider_id)
    t = await created_at(body["id"])
    later = (t + timedelta(days=15)).astimezone(SHANGHAI).date()
    await client.post(
        f"/api/v1/series/{body['id']}/skip",
        headers=w.family.headers,
        json={"date": later.isoformat()},
    )
    assert await materialize_series(t + timedelta(days=2)) == 1  # the next day, not the skipped one
    assert later.isoformat() not in local_dates(await bookings_of(body["id"]))
    await client.post(f"/api/v1/series/{body['id']}/pause", headers=w.family.headers)
    assert await materialize_series(t + timedelta(days=5)) == 0
    resumed = await client.post(f"/api/v1/series/{body['id']}/resume", headers=w.family.headers)
    assert resumed.status_code == 200
    assert await materialize_series(t) == 0
    live = await bookings_of(body["id"], live=True)
    dates = local_dates(live)
    assert len(dates) == len(set(dates)) and later.isoformat() not in dates


async def test_after_a_split_the_sweep_feeds_only_the_new_series(client, make_person):
    w = await build_world(client, make_person)
    body = await made(client, w, provider_id=w.provider_id, caregiver_id=w.caregiver_id)
    day = days_ahead_at(4).date()
    new = (
        await client.post(
            f"/api/v1/series/{body['id']}/change",
            headers=w.family.headers,
            json={"scope": "future", "date": day.isoformat(), "time": "10:00"},
        )
    ).json()
    t = await created_at(new["id"])
    assert await materialize_series(t + timedelta(days=3)) == 3
    old_live = await bookings_of(body["id"], live=True)
    new_live = await bookings_of(new["id"], live=True)
    every = local_dates(old_live) + local_dates(new_live)
    assert len(every) == len(set(every))
    assert all(d < day.isoformat() for d in local_dates(old_live))


async def test_a_series_whose_last_visit_has_begun_ends(client, make_person):
    w = await build_world(client, make_person)
    body = await made(client, w, "FREQ=DAILY;COUNT=2", provider_id=w.provider_id)
    t = await created_at(body["id"])
    await Series.update({Series.materialized_until: None}).where(Series.id == body["id"]).run()
    assert await materialize_series(t + timedelta(days=5)) == 0
    assert (await series_row(body["id"]))["status"] == "ended"
    paused = await client.post(f"/api/v1/series/{body['id']}/pause", headers=w.family.headers)
    assert paused.status_code == 409


async def test_the_sweep_is_registered_and_its_runs_are_recorded(client, make_person):
    spec = all_jobs()["materialize_series"]
    assert spec.trigger == {"trigger": "interval", "hours": 1}
    w = await build_world(client, make_person)
    body = await made(client, w, provider_id=w.provider_id)
    run = await run_job("materialize_series", await created_at(body["id"]) + timedelta(days=1))
    assert run is not None and run.rows == 1 and run.error == ""
