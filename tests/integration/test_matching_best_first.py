"""Matching reads teams in rank order: the best candidate it stops at is the head of the
whole ranked list, past more providers than one batch, whoever is busy or off then."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from eldercare.booking import matching
from eldercare.booking.policy import current_policy
from tests.integration.booking_support import ITEM, add_elder, at, book, set_hours
from tests.integration.providers_support import BASE, add_caregiver, approved_provider, make_item

PROVIDERS = matching.BEST_BATCH + 4
OFF = matching.BEST_BATCH - 1  # the nearest ones, off duty then


async def _city(client, make_person):
    """PROVIDERS providers, each farther from the elder than the one before, one caregiver
    each; the nearest ones cannot come at ``start`` (off duty, or busy with another visit)."""
    officer = await make_person("bureau_officer", region="510900")
    await make_item(officer, ITEM, category="haircut", price_fen=3000)
    family = await make_person("family", name="刘芳")
    elder_id = await add_elder(client, family, lat=BASE[0], lon=BASE[1])
    start = at(24 * 60)
    local = datetime.fromisoformat(start)
    off_then = [
        {"weekday": d, "start": "00:00", "end": "24:00"} for d in range(7) if d != local.weekday()
    ]
    teams = []
    for n in range(PROVIDERS):
        admin, provider_id = await approved_provider(
            client, make_person, officer, lat=BASE[0] + 0.004 * (n + 1), lon=BASE[1]
        )
        response = await client.post(
            f"/api/v1/providers/{provider_id}/offerings",
            headers=admin.headers,
            json={"service_code": ITEM, "price_fen": 2800},
        )
        assert response.status_code in (200, 201), response.text
        person = await make_person("caregiver", provider_id=provider_id)
        caregiver_id = await add_caregiver(client, admin, provider_id, person.phone, ["haircut"])
        # All but one of the first batch are off that day; the rest are working.
        await set_hours(client, admin, provider_id, caregiver_id, off_then if n < OFF else None)
        teams.append((admin, provider_id, caregiver_id))
    return family, elder_id, start, teams


async def _keep_busy(client, family, start: str, teams) -> None:
    """Each team's caregiver accepts another elder's visit at ``start``."""
    for admin, provider_id, caregiver_id in teams:
        other = await add_elder(client, family, name="王桂兰", lat=BASE[0], lon=BASE[1])
        booking = await book(client, family, other, start, provider_id=provider_id)
        assert booking.status_code == 201, booking.text
        accepted = await client.post(
            f"/api/v1/bookings/{booking.json()['id']}/accept",
            headers=admin.headers,
            json={"caregiver_id": caregiver_id},
        )
        assert accepted.status_code == 200, accepted.text


async def _ranked(elder_lat: float, elder_lon: float, start: str, *, best_only: bool):
    return await matching.candidates(
        item_code=ITEM,
        skill="haircut",
        duration=timedelta(minutes=30),
        place=matching.Place(lat=elder_lat, lon=elder_lon, region_code="510903001001"),
        start=datetime.fromisoformat(start),
        now=datetime.now(UTC),
        policy=current_policy(),
        best_only=best_only,
    )


async def test_the_best_found_first_is_the_head_of_the_whole_list(client, make_person):
    family, elder_id, start, teams = await _city(client, make_person)
    # The next two are taken by other elders' visits at that very time: the whole first
    # batch in rank order has nobody free.
    await _keep_busy(client, family, start, teams[OFF : OFF + 2])

    everyone = await _ranked(BASE[0], BASE[1], start, best_only=False)
    best = await _ranked(BASE[0], BASE[1], start, best_only=True)

    expected_free = [p for _, p, _ in teams[OFF + 2 :]]
    assert [c.provider_id for c in everyone] == expected_free
    assert best == everyone[:1]
    # Booking without a provider offers the job to that one.
    booked = await book(client, family, elder_id, start)
    assert booked.status_code == 201, booked.text
    assert booked.json()["provider_id"] == expected_free[0]


async def test_nobody_free_is_no_candidate_either_way(client, make_person):
    family, _, start, teams = await _city(client, make_person)
    await _keep_busy(client, family, start, teams[OFF:])

    assert await _ranked(BASE[0], BASE[1], start, best_only=True) == []
    assert await _ranked(BASE[0], BASE[1], start, best_only=False) == []
