"""Service vouchers close the loop with booking: a subsidy-eligible visit holds money from the
month's credit, a completed one spends it, a cancelled one gives it back, and concurrent
bookings never take more than the credit."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from eldercare.actor import Actor
from eldercare.subsidies import applications, domain, vouchers
from eldercare.subsidies.domain import Band
from tests.integration.booking_support import ITEM, at, book, build_world
from tests.integration.series_support import bookings_of, days_ahead_at, made
from tests.integration.subsidies_support import local, make_program

SHANGHAI = ZoneInfo("Asia/Shanghai")
CREDIT = 5000  # ¥50 a month; a visit at this provider costs ¥28


async def voucher_world(client, make_person):
    w = await build_world(client, make_person)
    patched = await client.patch(
        f"/api/v1/catalog/items/{ITEM}", headers=w.officer.headers, json={"subsidy_eligible": True}
    )
    assert patched.status_code == 200, patched.text
    await make_program(
        w.officer, "fuwuquan", kind="service_voucher", bands=[Band(60, None, CREDIT)]
    )
    family = Actor(id=w.family.id, name="f", roles=("family",))
    staff = Actor(id=w.staff.id, name="s", roles=("community_staff",), region_code="510903")
    officer = Actor(id=w.officer.id, name="o", roles=("bureau_officer",), region_code="510900")
    view = await applications.apply(family, elder_id=w.elder_id, program_code="fuwuquan")
    then = local(2026, 10, 1, 10, 0)  # approved in October: the credit runs from November
    await applications.decide(staff, view.id, decision="accept", now=then)
    await applications.decide(staff, view.id, decision="pass", now=then)
    await applications.decide(officer, view.id, decision="approve", now=then)
    return w, family


def next_month_at(hour: int) -> str:
    today = datetime.now(SHANGHAI)
    first = (today.replace(day=1) + timedelta(days=32)).replace(day=10)
    return first.replace(hour=hour, minute=0, second=0, microsecond=0).isoformat()


async def test_a_voucher_covers_visits_until_the_months_credit_is_used(client, make_person):
    w, family = await voucher_world(client, make_person)
    amounts = []
    for hour in (8, 10, 12):
        made = await book(client, w.family, w.elder_id, next_month_at(hour))
        assert made.status_code == 201, made.text
        body = made.json()
        amounts.append((body["price_fen"], body["subsidy_fen"], body["copay_fen"]))
    assert amounts == [(2800, 2800, 0), (2800, 2200, 600), (2800, 0, 2800)]
    month = domain.parse_month(next_month_at(8)[:7])
    balance = await vouchers.balance(family, w.elder_id, month)
    assert (balance.credit_fen, balance.held_fen, balance.left_fen) == (CREDIT, CREDIT, 0)

    first = (await client.get("/api/v1/bookings", headers=w.family.headers)).json()["items"]
    cheapest = next(b for b in first if b["subsidy_fen"] == 2800)
    cancelled = await client.post(
        f"/api/v1/bookings/{cheapest['id']}/cancel",
        headers=w.family.headers,
        json={"reason": "不需要了"},
    )
    assert cancelled.status_code == 200
    balance = await vouchers.balance(family, w.elder_id, month)
    assert balance.left_fen == 2800
    again = await book(client, w.family, w.elder_id, next_month_at(14))
    assert again.json()["subsidy_fen"] == 2800
    shown = await client.get(
        "/api/v1/subsidies/vouchers",
        headers=w.family.headers,
        params={"elder_id": w.elder_id, "month": domain.month_text(month)},
    )
    assert shown.json()["left_fen"] == 0


async def test_a_completed_visit_spends_the_voucher(client, make_person):
    w, family = await voucher_world(client, make_person)
    made = (await book(client, w.family, w.elder_id, at(45))).json()
    assert made["subsidy_fen"] == 2800
    await client.post(
        f"/api/v1/bookings/{made['id']}/accept",
        headers=w.admin.headers,
        json={"caregiver_id": w.caregiver_id},
    )
    await client.post(
        f"/api/v1/bookings/{made['id']}/check-in",
        headers=w.caregiver.headers,
        json={"lat": 30.5301, "lon": 105.5801},
    )
    done = await client.post(
        f"/api/v1/bookings/{made['id']}/check-out", headers=w.caregiver.headers, json={}
    )
    assert done.json()["status"] == "completed"
    start = datetime.fromisoformat(made["start"])
    balance = await vouchers.balance(
        family, w.elder_id, domain.month_of(start.astimezone(SHANGHAI).date())
    )
    assert (balance.held_fen, balance.spent_fen, balance.left_fen) == (0, 2800, 2200)


async def test_concurrent_bookings_never_overspend_the_credit(client_factory, make_person):
    async with client_factory() as client:
        w, family = await voucher_world(client, make_person)

        async def one(hour: int) -> dict:
            async with client_factory() as own:
                response = await book(own, w.family, w.elder_id, next_month_at(hour))
                assert response.status_code == 201, response.text
                return response.json()

        made = await asyncio.gather(*(one(hour) for hour in range(6, 18)))
    subsidies = sorted((b["subsidy_fen"] for b in made), reverse=True)
    assert sum(subsidies) == CREDIT
    assert subsidies[:2] == [2800, 2200] and set(subsidies[2:]) == {0}
    assert all(b["copay_fen"] == b["price_fen"] - b["subsidy_fen"] for b in made)


async def test_no_voucher_means_no_subsidy(client, make_person):
    w = await build_world(client, make_person)
    await client.patch(
        f"/api/v1/catalog/items/{ITEM}", headers=w.officer.headers, json={"subsidy_eligible": True}
    )
    made = await book(client, w.family, w.elder_id, next_month_at(9))
    assert (made.json()["subsidy_fen"], made.json()["copay_fen"]) == (0, 2800)


async def test_a_series_visits_hold_the_voucher_offered_or_accepted_at_once(client, make_person):
    """Visits a series makes are priced like bookings: those its fixed caregiver takes at once
    when made, offered ones when offered; the month's credit runs out in the order made."""
    w, _ = await voucher_world(client, make_person)
    day = 2
    while (start := days_ahead_at(day, hour=9, minute=0)).month != (
        start + timedelta(days=5)
    ).month:
        day += 1
    taken = await made(
        client,
        w,
        "FREQ=DAILY;COUNT=1",
        start=start + timedelta(days=3),
        provider_id=w.provider_id,
        caregiver_id=w.caregiver_id,
    )
    offered = await made(client, w, "FREQ=DAILY;COUNT=2", start=start)
    visits = [*await bookings_of(taken["id"]), *await bookings_of(offered["id"])]
    assert [(v["status"], v["price_fen"], v["subsidy_fen"], v["copay_fen"]) for v in visits] == [
        ("accepted", 2800, 2800, 0),
        ("offered", 2800, 2200, 600),
        ("offered", 2800, 0, 2800),
    ]
