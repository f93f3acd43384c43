"""Booking sweeps run as of a moment: they catch up, and running them twice changes nothing."""

from __future__ import annotations

from datetime import timedelta

from eldercare.booking import jobs
from eldercare.booking.tables import Booking, BookingOffer
from eldercare.notifications.tables import Notification
from eldercare.scheduling.runner import run_job
from eldercare.scheduling.tables import JobRun
from tests.integration.booking_support import ITEM, at, book, build_world, set_hours
from tests.integration.providers_support import add_caregiver, approved_provider


async def _second_provider(client, make_person, world):
    admin, provider_id = await approved_provider(
        client, make_person, world.officer, lat=30.5300, lon=105.5900
    )
    await client.post(
        f"/api/v1/providers/{provider_id}/offerings",
        headers=admin.headers,
        json={"service_code": ITEM, "price_fen": 2500},
    )
    caregiver = await make_person("caregiver", provider_id=provider_id)
    caregiver_id = await add_caregiver(client, admin, provider_id, caregiver.phone, ["haircut"])
    await set_hours(client, admin, provider_id, caregiver_id)
    return provider_id


async def test_an_unanswered_offer_moves_to_the_next_provider_then_expires(client, make_person):
    w = await build_world(client, make_person)
    second = await _second_provider(client, make_person, w)
    booking = (await book(client, w.family, w.elder_id, at(240))).json()
    row = await Booking.select().where(Booking.id == booking["id"]).first().run()
    first_provider = row["provider"]
    deadline = row["offer_expires_at"]

    assert await jobs.expire_offers(deadline - timedelta(seconds=1)) == 0
    assert await jobs.expire_offers(deadline) == 1
    row = await Booking.select().where(Booking.id == booking["id"]).first().run()
    assert row["status"] == "offered"
    assert row["provider"] != first_provider and row["provider"] in (w.provider_id, second)
    assert await jobs.expire_offers(deadline) == 0  # the same moment again changes nothing

    assert await jobs.expire_offers(row["offer_expires_at"] + timedelta(minutes=5)) == 1
    row = await Booking.select().where(Booking.id == booking["id"]).first().run()
    assert row["status"] == "expired"
    outcomes = (
        await BookingOffer.select(BookingOffer.outcome)
        .where(BookingOffer.booking == booking["id"])
        .run()
    )
    assert sorted(o["outcome"] for o in outcomes) == ["expired", "expired"]
    told = (
        await Notification.count()
        .where((Notification.user_id == w.family.id) & (Notification.kind == "booking.unfilled"))
        .run()
    )
    assert told == 1
    staff_told = (
        await Notification.count()
        .where((Notification.user_id == w.staff.id) & (Notification.kind == "booking.unfilled"))
        .run()
    )
    assert staff_told == 1


async def test_a_missed_visit_alerts_the_provider_and_staff_once(client, make_person):
    w = await build_world(client, make_person)
    booking = (await book(client, w.family, w.elder_id, at(60))).json()
    await client.post(
        f"/api/v1/bookings/{booking['id']}/accept",
        headers=w.admin.headers,
        json={"caregiver_id": w.caregiver_id},
    )
    row = await Booking.select().where(Booking.id == booking["id"]).first().run()
    assert await jobs.missed_visits(row["start_at"] + timedelta(minutes=29)) == 0
    later = row["start_at"] + timedelta(minutes=31)
    assert await jobs.missed_visits(later) == 1
    assert await jobs.missed_visits(later + timedelta(hours=1)) == 0
    alerts = (
        await Notification.select(Notification.user_id)
        .where(Notification.kind == "visit.missed")
        .run()
    )
    assert sorted(a["user_id"] for a in alerts) == sorted([w.admin.id, w.staff.id])


async def test_a_job_run_is_recorded_with_its_row_count(client, make_person):
    w = await build_world(client, make_person)
    booking = (await book(client, w.family, w.elder_id, at(240))).json()
    row = await Booking.select().where(Booking.id == booking["id"]).first().run()
    run = await run_job("expire_offers", row["offer_expires_at"])
    assert run is not None and run.rows == 1 and run.error == ""
    recorded = await JobRun.select().where(JobRun.name == "expire_offers").run()
    assert len(recorded) == 1 and recorded[0]["finished_at"] is not None


async def test_the_family_hears_of_a_second_acceptance_after_a_provider_cancels(
    client, make_person
):
    from eldercare.actor import Actor
    from eldercare.booking import visits
    from eldercare.providers.tables import Caregiver

    w = await build_world(client, make_person)
    await _second_provider(client, make_person, w)
    booking = (await book(client, w.family, w.elder_id, at(240))).json()

    async def accept_as_provider(provider_id: int) -> None:
        caregiver = (
            await Caregiver.select(Caregiver.id)
            .where(Caregiver.provider == provider_id)
            .first()
            .run()
        )
        admin = Actor(id=0, name="admin", roles=("provider_admin",), provider_id=provider_id)
        await visits.accept(admin, booking["id"], caregiver["id"])

    first = booking["provider_id"]
    await accept_as_provider(first)
    first_admin = Actor(id=0, name="admin", roles=("provider_admin",), provider_id=first)
    moved = await visits.cancel(first_admin, booking["id"], "护理员生病")
    assert moved.status == "offered" and moved.provider_id != first
    await accept_as_provider(moved.provider_id)
    told = (
        await Notification.count()
        .where((Notification.user_id == w.family.id) & (Notification.kind == "booking.accepted"))
        .run()
    )
    assert told == 2
