"""The subsidy sweeps run twice and as of a far-later time: discovery, age bands, proof of
life from a visit, and a death recorded by staff."""

from __future__ import annotations

from datetime import date

from eldercare.db import fetch
from eldercare.subsidies import (
    application_views,
    applications,
    departures,
    discovery,
    jobs,
    reviews,
)
from tests.integration.subsidies_support import (
    PROGRAM,
    add_elder,
    approved,
    build_world,
    local,
    make_program,
)


async def count(sql: str, *args) -> int:
    return (await fetch(f"SELECT COUNT(*) AS n FROM {sql}", *args))[0]["n"]


async def test_discovery_invites_each_eligible_elder_once(client, make_person):
    world = await build_world(make_person)
    old = await add_elder(client, world.family, birth=date(1940, 5, 1), name="八十六岁")
    await add_elder(client, world.family, birth=date(1950, 5, 1), name="七十六岁")
    applied = await add_elder(client, world.family, birth=date(1939, 1, 1), name="已申请")
    await applications.apply(world.family_actor, elder_id=applied, program_code=PROGRAM)

    assert await jobs.discover_eligible(local(2026, 12, 1, 3, 0)) == 1
    assert await jobs.discover_eligible(local(2026, 12, 1, 3, 0)) == 0
    assert await jobs.discover_eligible(local(2027, 6, 1, 3, 0)) == 0
    found, total = await discovery.outreach_list(world.staff_actor)
    assert total == 1 and found[0].elder_id == old and found[0].application_id is None
    invitations = await count("notification WHERE kind = 'subsidy.invitation'")
    assert invitations == 1

    # Applying settles the outreach entry.
    await applications.apply(world.family_actor, elder_id=old, program_code=PROGRAM)
    assert (await discovery.outreach_list(world.staff_actor))[1] == 0


async def test_discovery_with_auto_grant_prefills_an_application_for_staff(client, make_person):
    world = await build_world(make_person)
    await make_program(world.officer, "baisui", bands=[_band(100)], auto_grant=True)
    centenarian = await add_elder(client, world.staff, birth=date(1926, 1, 1), name="百岁老人")
    # Reaches a program's minimum age later: found on the run after the birthday.
    nearly = await add_elder(client, world.staff, birth=date(1927, 1, 15), name="快百岁")
    await jobs.discover_eligible(local(2026, 12, 1, 3, 0))
    queue, _ = await application_views.list_applications(world.staff_actor, status="submitted")
    assert [
        (a.elder_id, a.program_code, a.channel) for a in queue if a.program_code == "baisui"
    ] == [(centenarian, "baisui", "discovered")]
    await jobs.discover_eligible(local(2027, 1, 16, 3, 0))
    queue, _ = await application_views.list_applications(world.staff_actor, status="submitted")
    assert {a.elder_id for a in queue if a.program_code == "baisui"} == {centenarian, nearly}


def _band(min_age: int):
    from eldercare.subsidies.domain import Band

    return Band(min_age, None, 50000)


async def test_age_bands_raise_the_shown_amount_from_the_month_after_the_birthday(
    client, make_person
):
    world = await build_world(make_person)
    elder = await add_elder(client, world.family, birth=date(1937, 3, 31))
    entitlement = await approved(world, elder, at=local(2026, 11, 28, 10, 0))

    async def amount() -> int:
        return (
            await fetch("SELECT amount_fen FROM subsidy_entitlement WHERE id = {}", entitlement)
        )[0]["amount_fen"]

    assert await jobs.age_bands(local(2027, 3, 31, 23, 0)) == 0
    assert await amount() == 10000
    assert await jobs.age_bands(local(2027, 4, 1, 1, 0)) == 1
    assert await jobs.age_bands(local(2027, 4, 1, 1, 0)) == 0
    assert await jobs.age_bands(local(2027, 3, 1, 1, 0)) == 0  # an earlier run undoes nothing
    assert await amount() == 20000
    assert await count("notification WHERE kind = 'entitlement.raised'") == 1


async def test_a_verified_visit_in_the_window_confirms_the_review_as_proof_of_life(
    client, make_person
):
    from eldercare.booking.tables import Booking

    world = await build_world(make_person)
    elder = await add_elder(client, world.family, birth=date(1940, 5, 1))
    entitlement = await approved(world, elder, at=local(2025, 11, 20, 10, 0))
    await jobs.annual_reviews(local(2026, 11, 1, 2, 0))
    # A visit checked in at the door on 5 November (made directly: the booking tests cover how).
    from tests.integration.booking_support import build_world as booking_world

    _ = booking_world
    await Booking.insert(
        Booking(
            elder=elder,
            service_code="x",
            start_at=local(2026, 11, 5, 9, 0),
            end_at=local(2026, 11, 5, 10, 0),
            busy_until=local(2026, 11, 5, 10, 30),
            status="completed",
            channel="app",
            booked_by=world.family.id,
            price_fen=0,
            copay_fen=0,
            check_in_at=local(2026, 11, 5, 9, 2),
            geofence_flag=False,
            created_at=local(2026, 11, 1, 9, 0),
            updated_at=local(2026, 11, 5, 10, 0),
        )
    ).run()
    assert await jobs.annual_reviews(local(2026, 11, 6, 2, 0)) == 1
    found, _ = await reviews.list_reviews(world.family_actor, elder_id=elder)
    assert (found[0].status, found[0].method) == ("confirmed", "visit")
    assert found[0].evidence.startswith("booking ")
    assert await jobs.annual_reviews(local(2026, 11, 6, 2, 0)) == 0
    row = (
        await fetch("SELECT next_review_due FROM subsidy_entitlement WHERE id = {}", entitlement)
    )[0]
    assert str(row["next_review_due"]) == "2027-11-20"


async def test_a_death_ends_the_entitlement_and_cancels_what_follows(client, make_person):
    world = await build_world(make_person)
    elder = await add_elder(client, world.family, birth=date(1940, 5, 1))
    entitlement = await approved(world, elder, at=local(2026, 6, 10, 10, 0))
    await jobs.monthly_payments(local(2026, 11, 20, 2, 0))  # July to November
    counts = await departures.close_elder(
        world.staff_actor,
        elder,
        reason="death",
        on=date(2026, 9, 14),
        comment="家属告知",
        now=local(2026, 11, 20, 9, 0),
    )
    assert counts["entitlements"] == 1 and counts["payments_cancelled"] == 2
    rows = await fetch(
        "SELECT month, status FROM subsidy_payment WHERE entitlement = {} ORDER BY month",
        entitlement,
    )
    assert [(r["month"], r["status"]) for r in rows] == [
        (202607, "pending"),
        (202608, "pending"),
        (202609, "pending"),
        (202610, "cancelled"),
        (202611, "cancelled"),
    ]
    assert await jobs.monthly_payments(local(2027, 3, 1, 2, 0)) == 0
    ended = (await fetch("SELECT status, end_month, ended_reason FROM subsidy_entitlement"))[0]
    assert (ended["status"], ended["end_month"]) == ("terminated", 202609)
    assert "家属告知" in ended["ended_reason"]
    again = await client.post(
        f"/api/v1/elders/{elder}/departure",
        headers=world.staff.headers,
        json={"reason": "death", "date": "2026-09-14"},
    )
    assert again.status_code == 409
    refused = await client.post(
        "/api/v1/subsidies/applications",
        headers=world.family.headers,
        json={"elder_id": elder, "program_code": PROGRAM},
    )
    assert refused.status_code == 422


async def test_family_cannot_record_a_departure(client, make_person):
    world = await build_world(make_person)
    elder = await add_elder(client, world.family, birth=date(1940, 5, 1))
    response = await client.post(
        f"/api/v1/elders/{elder}/departure",
        headers=world.family.headers,
        json={"reason": "moved_out", "date": "2026-09-14"},
    )
    assert response.status_code == 403
    future = await client.post(
        f"/api/v1/elders/{elder}/departure",
        headers=world.staff.headers,
        json={"reason": "moved_out", "date": "2099-01-01"},
    )
    assert future.status_code == 422


async def test_only_a_check_in_at_home_inside_the_reviews_own_window_is_proof(client, make_person):
    """The window opens at local midnight 30 days before the due date (2026-10-21 for a
    review due 2026-11-20): a check-in half an hour earlier, one flagged away from the
    address, or one of a visit then cancelled proves nothing; one half an hour after
    midnight does."""
    from eldercare.booking.tables import Booking

    world = await build_world(make_person)
    elder = await add_elder(client, world.family, birth=date(1940, 5, 1))
    await approved(world, elder, at=local(2025, 11, 20, 10, 0))
    await jobs.annual_reviews(local(2026, 11, 1, 2, 0))

    async def visit(checked_in, *, flagged: bool = False, status: str = "completed") -> None:
        await Booking.insert(
            Booking(
                elder=elder,
                service_code="x",
                start_at=checked_in,
                end_at=checked_in,
                busy_until=checked_in,
                status=status,
                channel="app",
                booked_by=world.family.id,
                price_fen=0,
                copay_fen=0,
                check_in_at=checked_in,
                geofence_flag=flagged,
                created_at=checked_in,
                updated_at=checked_in,
            )
        ).run()

    await visit(local(2026, 10, 20, 23, 30))
    await visit(local(2026, 10, 25, 9, 0), flagged=True)
    await visit(local(2026, 10, 26, 9, 0), status="cancelled")
    assert await jobs.annual_reviews(local(2026, 11, 6, 2, 0)) == 0
    found, _ = await reviews.list_reviews(world.family_actor, elder_id=elder)
    assert found[0].status == "open"

    await visit(local(2026, 10, 21, 0, 30))
    assert await jobs.annual_reviews(local(2026, 11, 6, 3, 0)) == 1
    found, _ = await reviews.list_reviews(world.family_actor, elder_id=elder)
    assert (found[0].status, found[0].method) == ("confirmed", "visit")
