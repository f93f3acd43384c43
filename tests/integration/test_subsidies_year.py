"""The whole year of an allowance: application, two-level review, twelve payments, a 90th
birthday, a missed and then confirmed annual review — exact to the fen."""

from __future__ import annotations

from datetime import date

from eldercare.db import fetch
from eldercare.subsidies import jobs, reviews
from tests.integration.subsidies_support import add_elder as add_subsidy_elder
from tests.integration.subsidies_support import approved, build_world, local


async def payments_of(entitlement_id: int) -> list[tuple[int, int, str, str]]:
    rows = await fetch(
        "SELECT month, amount_fen, kind, status FROM subsidy_payment WHERE entitlement = {} "
        "ORDER BY month",
        entitlement_id,
    )
    return [(r["month"], r["amount_fen"], r["kind"], r["status"]) for r in rows]


async def test_a_year_of_allowance_with_a_90th_birthday_and_a_late_review(client, make_person):
    world = await build_world(make_person)
    # Turns 90 on 31 March 2027: the amount rises from April.
    elder_id = await add_subsidy_elder(client, world.family, birth=date(1937, 3, 31))
    entitlement_id = await approved(world, elder_id, at=local(2026, 11, 28, 10, 0))

    # The yearly check opens 30 days before 28 November 2027 (and nobody will confirm it).
    await jobs.annual_reviews(local(2027, 10, 28, 12, 0))
    assert (await reviews.list_reviews(world.family_actor, elder_id=elder_id))[1] == 0
    await jobs.annual_reviews(local(2027, 10, 29, 12, 0))
    found, _ = await reviews.list_reviews(world.family_actor, elder_id=elder_id)
    assert [(r.due_date, r.status) for r in found] == [(date(2027, 11, 28), "open")]

    assert await jobs.monthly_payments(local(2027, 11, 15, 2, 0)) == 12
    assert await jobs.monthly_payments(local(2027, 11, 15, 2, 0)) == 0
    paid = await payments_of(entitlement_id)
    assert [p[0] for p in paid] == [
        202612, 202701, 202702, 202703, 202704, 202705,
        202706, 202707, 202708, 202709, 202710, 202711,
    ]  # fmt: skip
    assert [p[1] for p in paid] == [10000] * 4 + [20000] * 8
    assert sum(p[1] for p in paid) == 200000
    assert {p[2] for p in paid} == {"regular"}

    # Far later, one monthly run catches everything up: suspended 60 days after the due date
    # (27 January 2028), so December and January are paid and February and March held back.
    assert await jobs.monthly_payments(local(2028, 3, 10, 2, 0)) == 2
    status = await fetch(
        "SELECT status, held_from FROM subsidy_entitlement WHERE id = {}", entitlement_id
    )
    assert [dict(r) for r in status] == [{"status": "suspended", "held_from": 202802}]
    found, _ = await reviews.list_reviews(world.family_actor, elder_id=elder_id)
    assert found[0].status == "overdue"

    # The family confirms online on 10 March 2028: February and March come as back pay.
    await reviews.confirm(
        world.family_actor, found[0].id, method="online", now=local(2028, 3, 10, 9, 0)
    )
    paid = await payments_of(entitlement_id)
    assert paid[-4:] == [
        (202712, 20000, "regular", "pending"),
        (202801, 20000, "regular", "pending"),
        (202802, 20000, "back_pay", "pending"),
        (202803, 20000, "back_pay", "pending"),
    ]
    assert await jobs.monthly_payments(local(2028, 3, 10, 2, 0)) == 0
    assert await jobs.monthly_payments(local(2028, 4, 1, 2, 0)) == 1
    row = (
        await fetch(
            "SELECT status, next_review_due FROM subsidy_entitlement WHERE id = {}", entitlement_id
        )
    )[0]
    assert row["status"] == "active"
    assert str(row["next_review_due"]) == "2028-11-28"
    # A run as of an earlier moment undoes nothing.
    assert await jobs.monthly_payments(local(2027, 1, 5, 2, 0)) == 0
    assert await jobs.annual_reviews(local(2027, 12, 1, 2, 0)) == 0
    assert len(await payments_of(entitlement_id)) == 17
