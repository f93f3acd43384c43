"""No caregiver is ever in two overlapping holding visits, however many accept at once."""

from __future__ import annotations

import asyncio

from eldercare.booking import domain
from eldercare.booking.tables import Booking
from tests.integration.booking_support import add_elder, at, book, build_world

PARALLEL = 50


async def test_fifty_concurrent_accepts_for_one_caregiver_give_one_success_and_forty_nine_conflicts(
    client, client_factory, make_person
):
    w = await build_world(client, make_person)
    elders = [w.elder_id] + [await add_elder(client, w.family, name=f"老人{i}") for i in range(2)]
    start = at(180)
    ids = []
    for index in range(PARALLEL):
        response = await book(client, w.family, elders[index % len(elders)], start)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])

    async def accept(booking_id: int) -> int:
        async with client_factory() as own_client:  # each request on its own client and connection
            response = await own_client.post(
                f"/api/v1/bookings/{booking_id}/accept",
                headers=w.admin.headers,
                json={"caregiver_id": w.caregiver_id},
            )
            return response.status_code

    codes = await asyncio.gather(*(accept(i) for i in ids))
    assert sorted(codes) == [200] + [409] * (PARALLEL - 1)
    holding = (
        await Booking.count()
        .where((Booking.caregiver == w.caregiver_id) & Booking.status.is_in(list(domain.HOLDING)))
        .run()
    )
    assert holding == 1
