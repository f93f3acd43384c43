"""The crash test's checks (eldercare/integrity.py) find what they look for: sound data passes,
and each kind of half-done or doubled row planted by hand is reported."""

from __future__ import annotations

from datetime import timedelta

import pytest

from eldercare import db, integrity
from eldercare.subsidies import jobs
from tests.integration.booking_support import accepted, at, book, build_world
from tests.integration.subsidies_support import add_elder, approved, local
from tests.integration.subsidies_support import build_world as build_subsidy_world


async def _accepted_booking(client, make_person) -> tuple[int, int]:
    world = await build_world(client, make_person)
    return await accepted(client, world, 24 * 60), world.caregiver_id


async def _names() -> set[str]:
    return {violation.check for violation in await integrity.find_violations()}


async def test_a_booked_and_accepted_visit_and_a_paid_allowance_pass_every_check(
    client, make_person
):
    await _accepted_booking(client, make_person)
    world = await build_subsidy_world(make_person)
    elder_id = await add_elder(client, world.family, birth=local(1940, 3, 1).date())
    await approved(world, elder_id, at=local(2026, 5, 10, 9))
    assert await jobs.monthly_payments(local(2026, 8, 1, 9)) == 3

    assert await integrity.find_violations() == []
    assert await integrity.storage_problems() == []


async def test_an_accepted_booking_that_lost_its_caregiver_is_half_done(client, make_person):
    booking_id, _ = await _accepted_booking(client, make_person)
    await db.fetch("UPDATE booking SET caregiver = NULL WHERE id = {}", booking_id)

    found = await integrity.find_violations()

    assert [v.check for v in found] == ["holding_booking_without_caregiver"]
    assert found[0].rows == [{"id": booking_id, "status": "accepted"}]
    assert f"'id': {booking_id}" in str(found[0])


async def test_a_booking_on_offer_without_its_offer_row_is_half_done(client, make_person):
    world = await build_world(client, make_person)
    response = await book(client, world.family, world.elder_id, at(24 * 60))
    booking_id = response.json()["id"]
    await db.fetch("DELETE FROM booking_offer WHERE booking = {}", booking_id)

    assert await _names() == {"offered_booking_without_open_offer"}


async def test_an_approval_whose_entitlement_is_missing_is_half_done(client, make_person):
    world = await build_subsidy_world(make_person)
    elder_id = await add_elder(client, world.family, birth=local(1940, 3, 1).date())
    entitlement_id = await approved(world, elder_id, at=local(2026, 5, 10, 9))
    await db.fetch("DELETE FROM subsidy_entitlement WHERE id = {}", entitlement_id)

    assert await _names() == {"approved_application_without_entitlement"}


async def test_an_entitlement_without_its_application_is_half_done(client, make_person):
    world = await build_subsidy_world(make_person)
    elder_id = await add_elder(client, world.family, birth=local(1940, 3, 1).date())
    entitlement_id = await approved(world, elder_id, at=local(2026, 5, 10, 9))
    await db.fetch(
        "UPDATE subsidy_entitlement SET application = NULL WHERE id = {}", entitlement_id
    )

    # The approval now has no entitlement either: both halves are reported.
    assert await _names() == {
        "entitlement_without_application",
        "approved_application_without_entitlement",
    }


@pytest.mark.skipif(
    not db.is_sqlite(), reason="PostgreSQL's exclusion constraint refuses the overlap itself"
)
async def test_a_caregiver_in_two_overlapping_visits_is_double_booked(client, make_person):
    booking_id, caregiver_id = await _accepted_booking(client, make_person)
    rows = await db.fetch("SELECT * FROM booking WHERE id = {}", booking_id)
    copy = {k: v for k, v in rows[0].items() if k != "id"}
    copy["start_at"] = copy["start_at"] + timedelta(minutes=30)
    columns = ", ".join(copy)
    marks = ", ".join("{}" for _ in copy)
    await db.fetch(f"INSERT INTO booking ({columns}) VALUES ({marks})", *copy.values())

    # The copy has no audit row and no offer of its own: only the overlap matters here.
    assert "caregiver_double_booked" in await _names()


async def test_an_acknowledged_write_missing_or_not_as_answered_is_reported(client, make_person):
    booking_id, caregiver_id = await _accepted_booking(client, make_person)
    accepted = (("status", "accepted"), ("caregiver", caregiver_id))
    sound = [
        integrity.Acknowledged("booking", booking_id, "booking.create"),
        integrity.Acknowledged("booking", booking_id, "booking.accept", accepted),
    ]
    assert await integrity.missing_acknowledged(sound) == []

    problems = await integrity.missing_acknowledged(
        [
            integrity.Acknowledged("booking", booking_id + 1000, "booking.create"),
            integrity.Acknowledged("booking", booking_id, "booking.decline"),
            integrity.Acknowledged(
                "booking", booking_id, "booking.accept", (("status", "offered"),)
            ),
        ]
    )

    assert problems == [
        f"booking {booking_id + 1000} (booking.create) was answered 2xx but is missing",
        f"booking {booking_id} has no booking.decline audit row",
        f"booking {booking_id} (booking.accept): status is 'accepted', answered as 'offered'",
    ]


async def test_creations_are_found_by_their_audit_rows_after_a_mark(client, make_person):
    mark = await integrity.last_audit_id()
    booking_id, _ = await _accepted_booking(client, make_person)
    rows = await db.fetch("SELECT booked_by FROM booking WHERE id = {}", booking_id)

    found = await integrity.audited_ids(
        "booking.create", actor_ids=[rows[0]["booked_by"]], after_audit_id=mark
    )

    assert found == {booking_id}
    assert await integrity.audited_ids("booking.create", actor_ids=[], after_audit_id=mark) == set()
