"""Recurring series through the API: creating, previewing, reading, skipping, pausing,
resuming, cancelling and changing — with nothing duplicated and nothing orphaned."""

from __future__ import annotations

from datetime import timedelta

from eldercare.booking.tables import Booking, Series
from eldercare.notifications.tables import Notification
from tests.integration.booking_support import book, build_world, set_hours
from tests.integration.series_support import (
    SHANGHAI,
    bookings_of,
    create,
    days_ahead_at,
    local_dates,
    made,
    occurrences_of,
    series_row,
)


async def test_a_family_sets_up_a_series_and_its_first_two_weeks_appear_as_bookings(
    client, make_person
):
    w = await build_world(client, make_person)
    response = await create(
        client, w, "FREQ=DAILY", provider_id=w.provider_id, caregiver_id=w.caregiver_id
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "active" and body["id"] > 0
    assert body["rule_text"] == "每天 11:30"
    bookings = await bookings_of(body["id"])
    assert body["visits_created"] == len(bookings) in (13, 14)
    assert {b["status"] for b in bookings} == {"accepted"}
    assert {b["caregiver"] for b in bookings} == {w.caregiver_id}
    assert {b["series_id"] for b in bookings} == {body["id"]}
    dates = local_dates(bookings)
    assert len(set(dates)) == len(dates)
    assert dates[0] == days_ahead_at(1).date().isoformat()
    assert {b["start_at"].astimezone(SHANGHAI).strftime("%H:%M") for b in bookings} == {"11:30"}
    listed = await client.get("/api/v1/bookings", headers=w.family.headers, params={"limit": 200})
    assert sum(1 for b in listed.json()["items"] if b["series_id"] == body["id"]) == len(bookings)


async def test_without_a_caregiver_the_visits_are_offered_to_the_provider(client, make_person):
    w = await build_world(client, make_person)
    body = await made(
        client,
        w,
        "FREQ=WEEKLY;BYDAY=MO,WE,FR",
        provider_id=w.provider_id,
        headers={"Accept-Language": "en"},
    )
    assert body["rule_text"] == "every Monday, Wednesday and Friday at 11:30"
    bookings = await bookings_of(body["id"])
    assert bookings and {b["status"] for b in bookings} == {"offered"}
    assert {b["provider"] for b in bookings} == {w.provider_id}
    jobs = await client.get("/api/v1/jobs", headers=w.admin.headers)
    assert jobs.json()["total"] == len(bookings)


async def test_the_answer_shape_and_reading_a_series_back(client, make_person):
    w = await build_world(client, make_person)
    body = await made(
        client, w, "FREQ=WEEKLY;INTERVAL=2;BYDAY=SA", skip_holidays=True, notes="午饭送到家"
    )
    got = await client.get(f"/api/v1/series/{body['id']}", headers=w.family.headers)
    assert got.status_code == 200
    one = got.json()
    assert one["rrule"] == "FREQ=WEEKLY;INTERVAL=2;BYDAY=SA" and one["skip_holidays"] is True
    assert one["start"].endswith("+08:00") and one["notes"] == "午饭送到家"
    assert set(one["actions"]) == {"pause", "cancel", "skip", "change"}
    listed = await client.get("/api/v1/series", headers=w.family.headers)
    assert listed.json()["total"] == 1 and listed.json()["items"][0]["id"] == body["id"]


async def test_bad_rules_and_starts_are_refused_naming_the_field_and_nothing_is_stored(
    client, make_person
):
    w = await build_world(client, make_person)
    cases = [
        ("FREQ=HOURLY", {}, "rrule"),
        ("FREQ=WEEKLY;BYHOUR=9", {}, "rrule"),
        ("FREQ=DAILY;INTERVAL=0", {}, "rrule"),
        ("FREQ=DAILY;COUNT=500", {}, "rrule"),
        ("FREQ=DAILY", {"start": days_ahead_at(-1)}, "start"),
        ("FREQ=DAILY", {"caregiver_id": 1}, "provider_id"),
    ]
    for rrule, extra, key in cases:
        response = await create(client, w, rrule, **extra)
        assert response.status_code == 422, (rrule, response.text)
        assert key in {e["key"] for e in response.json()["extra"]}, (rrule, response.text)
    assert await Series.count().run() == 0
    assert await Booking.count().run() == 0


async def test_unknown_body_fields_and_a_bad_provider_are_422(client, make_person):
    w = await build_world(client, make_person)
    unknown = await create(client, w, status="paused")
    assert unknown.status_code == 422 and unknown.json()["extra"][0]["key"] == "status"
    wrong = await create(client, w, provider_id=w.provider_id + 999)
    assert wrong.status_code == 422 and wrong.json()["extra"][0]["key"] == "provider_id"


async def test_the_same_idempotency_key_creates_one_series(client, make_person):
    w = await build_world(client, make_person)
    headers = {"Idempotency-Key": "series-1"}
    first = await create(client, w, "FREQ=DAILY;COUNT=3", headers=headers)
    again = await create(client, w, "FREQ=DAILY;COUNT=3", headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert await Series.count().run() == 1
    assert len(await bookings_of(first.json()["id"])) == 3


async def test_other_families_see_nothing_and_the_provider_reads_but_cannot_change(
    client, make_person
):
    w = await build_world(client, make_person)
    body = await made(client, w, provider_id=w.provider_id)
    stranger = await make_person("family")
    assert (
        await client.get(f"/api/v1/series/{body['id']}", headers=stranger.headers)
    ).status_code == 404
    assert (
        await client.post(f"/api/v1/series/{body['id']}/pause", headers=stranger.headers)
    ).status_code == 404
    assert (await create(client, w, who=stranger)).status_code == 404
    assert (
        await client.get(f"/api/v1/series/{body['id']}", headers=w.admin.headers)
    ).status_code == 200
    assert (
        await client.post(f"/api/v1/series/{body['id']}/pause", headers=w.admin.headers)
    ).status_code == 403
    caregiver = await client.post("/api/v1/series", headers=w.caregiver.headers, json={})
    assert caregiver.status_code == 403
    staff = await client.get(f"/api/v1/series/{body['id']}", headers=w.staff.headers)
    assert staff.status_code == 200 and "pause" in staff.json()["actions"]


async def test_the_preview_names_the_dates_the_caregiver_is_busy(client, make_person):
    w = await build_world(client, make_person)
    clash_start = days_ahead_at(3)
    other = (await book(client, w.family, w.elder_id, clash_start.isoformat())).json()
    accepted = await client.post(
        f"/api/v1/bookings/{other['id']}/accept",
        headers=w.admin.headers,
        json={"caregiver_id": w.caregiver_id},
    )
    assert accepted.status_code == 200
    response = await client.post(
        "/api/v1/series/preview",
        headers={**w.family.headers, "Accept-Language": "en"},
        json={
            "elder_id": w.elder_id,
            "service_code": "home-haircut",
            "rrule": "FREQ=DAILY",
            "start": days_ahead_at(1).isoformat(),
            "provider_id": w.provider_id,
            "caregiver_id": w.caregiver_id,
        },
    )
    assert response.status_code == 200, response.text
    items = response.json()["occurrences"]
    clashes = [i for i in items if i["clash"]]
    assert [(i["start"][:10], i["clash"]) for i in clashes] == [
        (clash_start.date().isoformat(), "caregiver_busy")
    ]
    assert clashes[0]["clash_text"] == "The chosen caregiver already has a visit then."
    assert await Series.count().run() == 0


async def test_the_preview_says_when_the_caregiver_is_off(client, make_person):
    w = await build_world(client, make_person)
    weekdays_only = [{"weekday": d, "start": "08:00", "end": "18:00"} for d in range(5)]
    await set_hours(client, w.admin, w.provider_id, w.caregiver_id, weekdays_only)
    response = await client.post(
        "/api/v1/series/preview",
        headers=w.family.headers,
        json={
            "elder_id": w.elder_id,
            "service_code": "home-haircut",
            "rrule": "FREQ=DAILY",
            "start": days_ahead_at(1).isoformat(),
            "provider_id": w.provider_id,
            "caregiver_id": w.caregiver_id,
        },
    )
    items = response.json()["occurrences"]
    off = {i["start"][:10] for i in items if i["clash"] == "caregiver_off"}
    weekend = {i["start"][:10] for i in items if i["start"] and _weekday(i["start"]) >= 5}
    assert off == weekend and off


def _weekday(iso: str) -> int:
    from datetime import date

    return date.fromisoformat(iso[:10]).weekday()


async def test_dropped_dates_from_the_preview_are_not_booked(client, make_person):
    w = await build_world(client, make_person)
    dropped = days_ahead_at(2).date()
    body = await made(client, w, drop_dates=[dropped.isoformat()])
    assert dropped.isoformat() not in local_dates(await bookings_of(body["id"]))
    assert body["exdates"] == [dropped.isoformat()]


async def test_a_visit_nobody_can_take_is_skipped_and_the_family_is_told(client, make_person):
    w = await build_world(client, make_person)
    weekdays_only = [{"weekday": d, "start": "08:00", "end": "18:00"} for d in range(5)]
    await set_hours(client, w.admin, w.provider_id, w.caregiver_id, weekdays_only)
    body = await made(client, w, provider_id=w.provider_id)
    occurrences = await occurrences_of(body["id"])
    skipped = [o for o in occurrences if o["state"] == "skipped"]
    assert skipped and all(o["booking"] is None for o in skipped)
    assert all(o["occurrence_start"].astimezone(SHANGHAI).weekday() >= 5 for o in skipped)
    told = (
        await Notification.count()
        .where((Notification.user_id == w.family.id) & (Notification.kind == "series.unfilled"))
        .run()
    )
    assert told == len(skipped)


async def test_skipping_a_date_cancels_its_visit_and_a_date_not_in_the_series_is_422(
    client, make_person
):
    w = await build_world(client, make_person)
    start = days_ahead_at(1)
    weekday = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][start.weekday()]
    body = await made(
        client,
        w,
        f"FREQ=WEEKLY;BYDAY={weekday}",
        start=start,
        provider_id=w.provider_id,
        caregiver_id=w.caregiver_id,
    )
    before = await bookings_of(body["id"])
    wrong = await client.post(
        f"/api/v1/series/{body['id']}/skip",
        headers=w.family.headers,
        json={"date": (start + timedelta(days=1)).date().isoformat()},
    )
    assert wrong.status_code == 422 and wrong.json()["extra"][0]["key"] == "date"
    assert await bookings_of(body["id"]) == before
    assert (await series_row(body["id"]))["exdates"] == ""

    skipped = await client.post(
        f"/api/v1/series/{body['id']}/skip",
        headers=w.family.headers,
        json={"date": start.date().isoformat()},
    )
    assert skipped.status_code == 200, skipped.text
    assert skipped.json()["exdates"] == [start.date().isoformat()]
    first = (await bookings_of(body["id"]))[0]
    assert first["status"] == "cancelled" and first["cancel_reason"] == "skipped"
    again = await client.post(
        f"/api/v1/series/{body['id']}/skip",
        headers=w.family.headers,
        json={"date": start.date().isoformat()},
    )
    assert again.status_code == 200
    malformed = await client.post(
        f"/api/v1/series/{body['id']}/skip", headers=w.family.headers, json={"date": "next tuesday"}
    )
    assert malformed.status_code == 422 and malformed.json()["extra"][0]["key"] == "date"


async def test_pause_then_resume_makes_the_visits_again_without_duplicates(client, make_person):
    w = await build_world(client, make_person)
    body = await made(client, w, provider_id=w.provider_id, caregiver_id=w.caregiver_id)
    live = await bookings_of(body["id"], live=True)
    paused = await client.post(f"/api/v1/series/{body['id']}/pause", headers=w.family.headers)
    assert paused.status_code == 200 and paused.json()["status"] == "paused"
    assert await bookings_of(body["id"], live=True) == []
    assert await occurrences_of(body["id"]) == []
    again = await client.post(f"/api/v1/series/{body['id']}/pause", headers=w.family.headers)
    assert again.status_code == 409
    resumed = await client.post(f"/api/v1/series/{body['id']}/resume", headers=w.family.headers)
    assert resumed.status_code == 200 and resumed.json()["status"] == "active"
    relive = await bookings_of(body["id"], live=True)
    assert local_dates(relive) == local_dates(live)
    assert {b["status"] for b in relive} == {"accepted"}  # the caregiver was freed by the pause
    assert len(await occurrences_of(body["id"])) == len(relive)
    told = (
        await Notification.count()
        .where((Notification.user_id == w.admin.id) & (Notification.kind == "series.paused"))
        .run()
    )
    assert told == 1


async def test_cancelling_ends_the_series_and_pausing_a_cancelled_series_is_409(
    client, make_person
):
    w = await build_world(client, make_person)
    body = await made(client, w, provider_id=w.provider_id)
    cancelled = await client.post(f"/api/v1/series/{body['id']}/cancel", headers=w.family.headers)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["actions"] == []
    assert await bookings_of(body["id"], live=True) == []
    for action in ("pause", "resume", "cancel"):
        response = await client.post(
            f"/api/v1/series/{body['id']}/{action}", headers=w.family.headers
        )
        assert response.status_code == 409, action
    skip = await client.post(
        f"/api/v1/series/{body['id']}/skip",
        headers=w.family.headers,
        json={"date": days_ahead_at(2).date().isoformat()},
    )
    assert skip.status_code == 409
    assert (await series_row(body["id"]))["status"] == "cancelled"


async def test_changing_one_visits_time_moves_only_that_visit(client, make_person):
    w = await build_world(client, make_person)
    body = await made(client, w, provider_id=w.provider_id, caregiver_id=w.caregiver_id)
    day = days_ahead_at(3).date()
    changed = await client.post(
        f"/api/v1/series/{body['id']}/change",
        headers=w.family.headers,
        json={"scope": "one", "date": day.isoformat(), "time": "15:00"},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["id"] == body["id"]
    live = await bookings_of(body["id"], live=True)
    on_day = [b for b in live if b["start_at"].astimezone(SHANGHAI).date() == day]
    assert [b["start_at"].astimezone(SHANGHAI).strftime("%H:%M") for b in on_day] == ["15:00"]
    assert on_day[0]["id"] == changed.json()["booking_id"] and on_day[0]["status"] == "accepted"
    assert len(live) == body["visits_created"]
    assert len(await occurrences_of(body["id"])) == body["visits_created"]


async def test_changing_future_visits_splits_the_series_without_orphans(client, make_person):
    w = await build_world(client, make_person)
    body = await made(client, w, provider_id=w.provider_id, caregiver_id=w.caregiver_id)
    before = local_dates(await bookings_of(body["id"], live=True))
    assert len(before) == body["visits_created"]
    day = days_ahead_at(5).date()
    changed = await client.post(
        f"/api/v1/series/{body['id']}/change",
        headers=w.family.headers,
        json={"scope": "future", "date": day.isoformat(), "time": "09:00"},
    )
    assert changed.status_code == 200, changed.text
    new = changed.json()
    assert new["id"] != body["id"] and new["replaces"] == body["id"] and new["status"] == "active"
    old = await series_row(body["id"])
    assert old["status"] == "active" and "UNTIL=" in old["rrule"]
    old_live = await bookings_of(body["id"], live=True)
    new_live = await bookings_of(new["id"], live=True)
    assert all(b["start_at"].astimezone(SHANGHAI).date() < day for b in old_live)
    assert all(b["start_at"].astimezone(SHANGHAI).date() >= day for b in new_live)
    assert {b["start_at"].astimezone(SHANGHAI).strftime("%H:%M") for b in new_live} == {"09:00"}
    every = local_dates(old_live) + local_dates(new_live)
    assert len(every) == len(set(every))
    assert set(before) <= set(every)
    # Moved from 11:30 to 09:00, the 14 days' horizon may hold one more visit, on its last
    # day (between 09:00 and 11:30 local time): never one in between.
    assert all(extra > max(before) for extra in set(every) - set(before))
    assert len(every) <= len(before) + 1


async def test_a_change_to_a_time_too_soon_or_a_date_not_in_the_series_is_422(client, make_person):
    w = await build_world(client, make_person)
    body = await made(client, w, "FREQ=WEEKLY;BYDAY=MO,WE,FR", provider_id=w.provider_id)
    not_in = next(
        days_ahead_at(n).date() for n in range(1, 8) if days_ahead_at(n).weekday() in (1, 3)
    )
    bad = await client.post(
        f"/api/v1/series/{body['id']}/change",
        headers=w.family.headers,
        json={"scope": "one", "date": not_in.isoformat(), "time": "10:00"},
    )
    assert bad.status_code == 422 and bad.json()["extra"][0]["key"] == "date"
    nothing = await client.post(
        f"/api/v1/series/{body['id']}/change",
        headers=w.family.headers,
        json={"scope": "all", "date": not_in.isoformat()},
    )
    assert nothing.status_code == 422 and nothing.json()["extra"][0]["key"] == "scope"
    assert await Series.count().run() == 1


async def test_a_staff_member_sets_up_a_series_on_the_elders_behalf(client, make_person):
    w = await build_world(client, make_person)
    body = await made(client, w, "FREQ=DAILY;COUNT=2", who=w.staff)
    assert body["channel"] == "proxy"
    assert len(await bookings_of(body["id"])) == 2


async def test_a_time_the_only_caregiver_is_taken_is_skipped_and_the_rest_go_ahead(
    client, make_person
):
    w = await build_world(client, make_person)
    first = days_ahead_at(1)
    taken = (await book(client, w.family, w.elder_id, first.isoformat())).json()
    await client.post(
        f"/api/v1/bookings/{taken['id']}/accept",
        headers=w.admin.headers,
        json={"caregiver_id": w.caregiver_id},
    )
    body = await made(
        client,
        w,
        "FREQ=DAILY;COUNT=2",
        start=first,
        provider_id=w.provider_id,
        caregiver_id=w.caregiver_id,
    )
    assert body["visits_created"] == 2
    assert [b["status"] for b in await bookings_of(body["id"])] == ["accepted"]
    states = [o["state"] for o in await occurrences_of(body["id"])]
    assert states == ["skipped", "materialized"]
