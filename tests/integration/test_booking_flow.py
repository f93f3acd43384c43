"""The whole visit through the API: book, offer, accept, check in and out, rate."""

from __future__ import annotations

from eldercare.booking.tables import Booking
from eldercare.notifications.tables import Notification
from tests.integration.booking_support import at, book, build_world, set_hours
from tests.integration.conftest import next_phone
from tests.integration.providers_support import add_caregiver, approved_provider


async def test_a_family_books_and_the_provider_takes_the_job_through_to_a_rating(
    client, make_person
):
    w = await build_world(client, make_person)
    created = await book(client, w.family, w.elder_id, at(45))
    assert created.status_code == 201, created.text
    booking = created.json()
    assert booking["status"] == "offered"
    assert booking["provider_id"] == w.provider_id
    assert (booking["price_fen"], booking["subsidy_fen"], booking["copay_fen"]) == (2800, 0, 2800)
    assert booking["start"].endswith("+08:00")

    jobs = await client.get("/api/v1/jobs", headers=w.admin.headers)
    assert [j["id"] for j in jobs.json()["items"]] == [booking["id"]]

    accepted = await client.post(
        f"/api/v1/bookings/{booking['id']}/accept",
        headers=w.admin.headers,
        json={"caregiver_id": w.caregiver_id},
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"
    assert accepted.json()["caregiver_id"] == w.caregiver_id

    checked_in = await client.post(
        f"/api/v1/bookings/{booking['id']}/check-in",
        headers=w.caregiver.headers,
        json={"lat": 30.5301, "lon": 105.5801},
    )
    assert checked_in.status_code == 200, checked_in.text
    assert checked_in.json()["status"] == "in_service"
    assert checked_in.json()["geofence_flag"] is False

    done = await client.post(
        f"/api/v1/bookings/{booking['id']}/check-out",
        headers=w.caregiver.headers,
        json={"notes": "剪发完成"},
    )
    assert done.json()["status"] == "completed"

    rated = await client.post(
        f"/api/v1/bookings/{booking['id']}/rate",
        headers=w.family.headers,
        json={"stars": 5, "comment": "很好"},
    )
    assert rated.status_code == 200, rated.text
    assert rated.json()["stars"] == 5
    provider = await client.get(f"/api/v1/providers/{w.provider_id}", headers=w.family.headers)
    assert provider.json()["rating_count"] == 1


async def test_a_check_in_far_from_the_address_is_accepted_but_flagged(client, make_person):
    w = await build_world(client, make_person)
    booking = (await book(client, w.family, w.elder_id, at(45))).json()
    await client.post(
        f"/api/v1/bookings/{booking['id']}/accept",
        headers=w.admin.headers,
        json={"caregiver_id": w.caregiver_id},
    )
    far = await client.post(
        f"/api/v1/bookings/{booking['id']}/check-in",
        headers=w.caregiver.headers,
        json={"lat": 30.60, "lon": 105.70},
    )
    assert far.status_code == 200
    assert far.json()["geofence_flag"] is True
    told = (
        await Notification.count()
        .where((Notification.user_id == w.officer.id) & (Notification.kind == "visit.check_in_far"))
        .run()
    )
    assert told == 1


async def test_check_out_before_check_in_is_a_conflict(client, make_person):
    w = await build_world(client, make_person)
    booking = (await book(client, w.family, w.elder_id, at(45))).json()
    await client.post(
        f"/api/v1/bookings/{booking['id']}/accept",
        headers=w.admin.headers,
        json={"caregiver_id": w.caregiver_id},
    )
    early = await client.post(
        f"/api/v1/bookings/{booking['id']}/check-out", headers=w.caregiver.headers, json={}
    )
    assert early.status_code == 409


async def test_a_booking_with_too_little_notice_is_refused_and_nothing_is_stored(
    client, make_person
):
    w = await build_world(client, make_person)
    response = await book(client, w.family, w.elder_id, at(10))
    assert response.status_code == 422
    assert response.json()["extra"][0]["key"] == "start"
    assert await Booking.count().run() == 0


async def test_another_family_cannot_book_for_an_elder_they_do_not_know(client, make_person):
    w = await build_world(client, make_person)
    stranger = await make_person("family")
    response = await book(client, stranger, w.elder_id, at(60))
    assert response.status_code == 404
    assert await Booking.count().run() == 0


async def test_other_people_see_no_booking_and_other_providers_cannot_accept_it(
    client, make_person
):
    w = await build_world(client, make_person)
    booking = (await book(client, w.family, w.elder_id, at(60))).json()
    stranger = await make_person("family")
    other_admin = await make_person("provider_admin", provider_id=w.provider_id + 1000)
    assert (
        await client.get(f"/api/v1/bookings/{booking['id']}", headers=stranger.headers)
    ).status_code == 404
    refused = await client.post(
        f"/api/v1/bookings/{booking['id']}/accept",
        headers=other_admin.headers,
        json={"caregiver_id": w.caregiver_id},
    )
    assert refused.status_code == 404
    staff = await client.get(f"/api/v1/bookings/{booking['id']}", headers=w.staff.headers)
    assert staff.status_code == 200


async def _send(client, w, booking_id: int, caregiver_id: int):
    return await client.post(
        f"/api/v1/bookings/{booking_id}/accept",
        headers=w.admin.headers,
        json={"caregiver_id": caregiver_id},
    )


async def _still_offered(client, w, booking_id: int) -> bool:
    after = (await client.get(f"/api/v1/bookings/{booking_id}", headers=w.admin.headers)).json()
    return (after["status"], after["caregiver_id"]) == ("offered", None)


async def test_a_provider_cannot_send_another_providers_caregiver(client, make_person):
    w = await build_world(client, make_person)
    booking = (await book(client, w.family, w.elder_id, at(60))).json()
    other_admin, other_id = await approved_provider(client, make_person, w.officer)
    theirs = await add_caregiver(client, other_admin, other_id, next_phone(), ["haircut"])
    await set_hours(client, other_admin, other_id, theirs)
    refused = await _send(client, w, booking["id"], theirs)
    assert refused.status_code == 404, refused.text
    assert await _still_offered(client, w, booking["id"])


async def test_a_suspended_provider_cannot_take_a_visit_offered_before(client, make_person):
    w = await build_world(client, make_person)
    booking = (await book(client, w.family, w.elder_id, at(60))).json()
    suspended = await client.post(
        f"/api/v1/providers/{w.provider_id}/suspend",
        headers=w.officer.headers,
        json={"reason": "整改期间暂停"},
    )
    assert suspended.status_code == 200, suspended.text
    refused = await _send(client, w, booking["id"], w.caregiver_id)
    assert refused.status_code == 409, refused.text
    assert await _still_offered(client, w, booking["id"])


async def test_a_caregiver_without_the_skill_or_the_hours_cannot_be_sent(client, make_person):
    w = await build_world(client, make_person)
    booking = (await book(client, w.family, w.elder_id, at(60))).json()
    bather = await add_caregiver(client, w.admin, w.provider_id, next_phone(), ["bathing"])
    await set_hours(client, w.admin, w.provider_id, bather)
    no_hours = await add_caregiver(client, w.admin, w.provider_id, next_phone(), ["haircut"])
    for caregiver_id in (bather, no_hours):
        refused = await _send(client, w, booking["id"], caregiver_id)
        assert refused.status_code == 422, refused.text
        assert refused.json()["extra"][0]["key"] == "caregiver_id"
    assert await _still_offered(client, w, booking["id"])


async def test_staff_book_on_the_elders_behalf_and_the_channel_says_so(client, make_person):
    w = await build_world(client, make_person)
    response = await book(client, w.staff, w.elder_id, at(60), channel="phone")
    assert response.status_code == 201, response.text
    assert response.json()["channel"] == "phone"


async def test_a_declined_chosen_provider_ends_the_booking_as_declined(client, make_person):
    w = await build_world(client, make_person)
    booking = (await book(client, w.family, w.elder_id, at(60), provider_id=w.provider_id)).json()
    declined = await client.post(
        f"/api/v1/bookings/{booking['id']}/decline",
        headers=w.admin.headers,
        json={"reason": "人手不足"},
    )
    assert declined.status_code == 200, declined.text
    assert declined.json()["status"] == "declined"
    inbox = await client.get("/api/v1/notifications", headers=w.family.headers)
    assert inbox.json()["total"] >= 1


async def test_declining_needs_a_reason(client, make_person):
    w = await build_world(client, make_person)
    booking = (await book(client, w.family, w.elder_id, at(60))).json()
    response = await client.post(
        f"/api/v1/bookings/{booking['id']}/decline", headers=w.admin.headers, json={"reason": " "}
    )
    assert response.status_code == 422
    assert response.json()["extra"][0]["key"] == "reason"


async def test_the_elder_side_cancels_and_cannot_rate_an_unfinished_visit(client, make_person):
    w = await build_world(client, make_person)
    booking = (await book(client, w.family, w.elder_id, at(600))).json()
    cancelled = await client.post(
        f"/api/v1/bookings/{booking['id']}/cancel",
        headers=w.family.headers,
        json={"reason": "家里有事"},
    )
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["late_cancellation"] is False
    again = await client.post(
        f"/api/v1/bookings/{booking['id']}/cancel", headers=w.family.headers, json={}
    )
    assert again.status_code == 409
    rate = await client.post(
        f"/api/v1/bookings/{booking['id']}/rate", headers=w.family.headers, json={"stars": 3}
    )
    assert rate.status_code == 409


async def test_stars_outside_one_to_five_are_refused(client, make_person):
    w = await build_world(client, make_person)
    booking = (await book(client, w.family, w.elder_id, at(45))).json()
    response = await client.post(
        f"/api/v1/bookings/{booking['id']}/rate", headers=w.family.headers, json={"stars": 9}
    )
    assert response.status_code == 422


async def test_match_lists_the_provider_with_distance_price_and_rating(client, make_person):
    w = await build_world(client, make_person)
    response = await client.get(
        "/api/v1/match",
        headers=w.family.headers,
        params={"elder_id": w.elder_id, "service_code": "home-haircut", "start": at(120)},
    )
    assert response.status_code == 200, response.text
    [candidate] = response.json()["candidates"]
    assert candidate["provider_id"] == w.provider_id
    assert candidate["price_fen"] == 2800
    assert 0 < candidate["distance_km"] < 3


async def test_a_busy_caregiver_is_not_matched_for_an_overlapping_time(client, make_person):
    w = await build_world(client, make_person)
    start = at(120)
    booking = (await book(client, w.family, w.elder_id, start)).json()
    await client.post(
        f"/api/v1/bookings/{booking['id']}/accept",
        headers=w.admin.headers,
        json={"caregiver_id": w.caregiver_id},
    )
    response = await client.get(
        "/api/v1/match",
        headers=w.family.headers,
        params={"elder_id": w.elder_id, "service_code": "home-haircut", "start": start},
    )
    assert response.json()["candidates"] == []


async def test_the_same_idempotency_key_books_once(client, make_person):
    w = await build_world(client, make_person)
    start = at(90)
    headers = {**w.family.headers, "Idempotency-Key": "book-once"}
    body = {"elder_id": w.elder_id, "service_code": "home-haircut", "start": start}
    first = await client.post("/api/v1/bookings", headers=headers, json=body)
    again = await client.post("/api/v1/bookings", headers=headers, json=body)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert await Booking.count().run() == 1
    other = await client.post(
        "/api/v1/bookings", headers=headers, json={**body, "notes": "changed"}
    )
    assert other.status_code == 422
