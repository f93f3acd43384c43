"""Matching keeps provider data in memory (providers/snapshot.py): every write is seen at once.

The writes below are plain SQL, as another process would make them: nothing tells this
process's snapshot, only the data revision the triggers move in the writing transaction.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from eldercare import db
from eldercare.providers import service, snapshot
from tests.integration.providers_support import (
    API,
    NEARBY,
    add_caregiver,
    approved_provider,
    make_item,
    set_cap,
)

ON = date(2026, 12, 8)  # a Tuesday
ZONE = ZoneInfo("Asia/Shanghai")
VISIT = (datetime(2026, 12, 8, 10, tzinfo=ZONE), datetime(2026, 12, 8, 11, tzinfo=ZONE))


@pytest.fixture
async def officer(make_person):
    return await make_person("bureau_officer", region="510900", name="王建国")


@pytest.fixture
async def kangle(client, make_person, officer):
    """An approved provider offering a home haircut, with a haircut caregiver working
    Tuesdays 08:00-18:00."""
    await make_item(officer, "home-haircut", price_fen=3000)
    admin, provider_id = await approved_provider(client, make_person, officer)
    response = await client.post(
        f"{API}/{provider_id}/offerings",
        headers=admin.headers,
        json={"service_code": "home-haircut", "price_fen": 2800},
    )
    assert response.status_code in (200, 201), response.text
    caregiver_id = await add_caregiver(client, admin, provider_id, "13811110001", ["haircut"])
    response = await client.put(
        f"{API}/{provider_id}/caregivers/{caregiver_id}/availability",
        headers=admin.headers,
        json={"weekly": [{"weekday": 1, "start": "08:00", "end": "18:00"}], "days_off": []},
    )
    assert response.status_code == 200, response.text
    return provider_id, caregiver_id


async def working() -> dict[int, list[int]]:
    """Who could come to NEARBY for the visit: provider → caregivers working then."""
    found = await service.match_pool(
        item_code="home-haircut",
        skill="haircut",
        lat=NEARBY[0],
        lon=NEARBY[1],
        region_code="510903001001",
        on=ON,
        working=VISIT,
    )
    return {p.id: [c.id for c in p.caregivers] for p in found}


async def sql(statement: str, *args) -> None:
    async with db.write_transaction():
        await db.fetch(statement, *args)


async def test_the_snapshot_is_kept_while_nothing_it_holds_is_written(kangle):
    provider_id, caregiver_id = kangle
    assert await working() == {provider_id: [caregiver_id]}
    kept = await snapshot.current()
    assert provider_id in kept.teams and "home-haircut" in kept.items
    [found] = await service.covering(
        item_code="home-haircut", lat=NEARBY[0], lon=NEARBY[1], region_code="510903001001"
    )
    assert (found.rating, found.rating_count) == (0.0, 0)
    # Other tables leave it as it is; a rating drops only the ratings kept.
    await sql("UPDATE app_user SET name = name")
    assert await snapshot.current() is kept
    await sql("UPDATE provider SET rating_avg = 4.5, rating_count = 2 WHERE id = {}", provider_id)
    assert await working() == {provider_id: [caregiver_id]}
    now = await snapshot.current()
    assert (now.teams, now.items, now.caps) == (kept.teams, kept.items, kept.caps)
    assert now.teams is kept.teams and now.ratings is not kept.ratings
    [found] = await service.covering(
        item_code="home-haircut", lat=NEARBY[0], lon=NEARBY[1], region_code="510903001001"
    )
    assert (found.rating, found.rating_count) == (4.5, 2)
    assert kept.ratings.of[provider_id] == (0.0, 0)  # the old revision's, as it was


# Each write takes the caregiver (or the whole provider) out of the visit's pool.
WRITES = {
    "a day off": "INSERT INTO caregiver_day_off (caregiver, day) VALUES ({caregiver}, '2026-12-08')",
    "hours taken away": "DELETE FROM availability_window WHERE caregiver = {caregiver}",
    "hours moved": "UPDATE availability_window SET start_minute = 720 WHERE caregiver = {caregiver}",
    "caregiver stopped": "UPDATE caregiver SET active = FALSE WHERE id = {caregiver}",
    "skill dropped": "UPDATE caregiver SET skills = 'meals' WHERE id = {caregiver}",
    "certificate expired": "INSERT INTO caregiver_certificate (caregiver, skill, name, number, "
    "expires_on) VALUES ({caregiver}, 'haircut', '美发师证', '', '2026-12-01')",
    "offering stopped": "UPDATE offering SET active = FALSE WHERE provider = {provider}",
    "offering priced over the cap": "UPDATE offering SET price_fen = 3500 "
    "WHERE provider = {provider}",
    "guide price lowered below the price": "UPDATE service_item SET price_fen = 2000 "
    "WHERE code = 'home-haircut'",
    "provider suspended": "UPDATE provider SET status = 'suspended' WHERE id = {provider}",
    "provider moved away": "UPDATE provider SET lat = 31.5 WHERE id = {provider}",
    "provider narrowed its reach": "UPDATE provider SET service_radius_km = 1 "
    "WHERE id = {provider}",
    "caregiver removed": "DELETE FROM caregiver WHERE id = {caregiver}",
}


@pytest.mark.parametrize("write", list(WRITES))
async def test_a_write_by_another_process_is_seen_by_the_next_match(kangle, write):
    provider_id, caregiver_id = kangle
    assert await working() == {provider_id: [caregiver_id]}
    await sql(WRITES[write].format(provider=provider_id, caregiver=caregiver_id))
    assert await working() in ({}, {provider_id: []})


async def test_a_district_served_brings_a_provider_moved_away_back(kangle):
    provider_id, caregiver_id = kangle
    await sql("UPDATE provider SET lat = 31.5 WHERE id = {}", provider_id)
    assert await working() == {}
    await sql(
        "INSERT INTO provider_district (provider, region_code) VALUES ({}, '510903')", provider_id
    )
    assert await working() == {provider_id: [caregiver_id]}


async def test_a_menu_cap_below_the_price_hides_the_offering(officer, kangle):
    provider_id, caregiver_id = kangle
    assert await working() == {provider_id: [caregiver_id]}
    await set_cap(officer, "510903", "home-haircut", 2500)
    assert await working() == {}


async def test_a_write_rolled_back_leaves_nothing_behind(kangle):
    provider_id, caregiver_id = kangle

    class Undo(Exception):
        pass

    with pytest.raises(Undo):
        async with db.write_transaction():
            await db.fetch("UPDATE caregiver SET active = FALSE WHERE id = {}", caregiver_id)
            # Inside, the transaction's own write is seen (and the snapshot built from it) …
            assert await working() in ({}, {provider_id: []})
            raise Undo
    # … and once it is rolled back, the next match sees the caregiver again.
    assert await working() == {provider_id: [caregiver_id]}


async def _revision_moves(statement: str) -> bool:
    before = await db.data_revision()
    await sql(statement)
    return await db.data_revision() != before


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE provider SET name = name",
        "INSERT INTO provider_district (provider, region_code) SELECT id, '510921' FROM provider",
        "UPDATE offering SET price_fen = price_fen",
        "UPDATE caregiver SET name = name",
        "INSERT INTO caregiver_certificate (caregiver, skill, name, number, expires_on) "
        "SELECT id, 'haircut', '美发师证', '', '2030-01-01' FROM caregiver",
        "UPDATE availability_window SET end_minute = end_minute",
        "INSERT INTO caregiver_day_off (caregiver, day) SELECT id, '2030-01-01' FROM caregiver",
        "DELETE FROM availability_window",
        "UPDATE service_item SET name_zh = name_zh",
        "UPDATE service_category SET sort_order = sort_order",
        "INSERT INTO menu_entry (region_code, item, offered, price_cap_fen, updated_at) "
        "SELECT '510903', id, TRUE, 2900, CURRENT_TIMESTAMP FROM service_item",
    ],
)
async def test_every_write_to_what_matching_keeps_moves_the_revision(kangle, statement):
    assert await db.data_revision() is not None
    assert await _revision_moves(statement)


async def test_writes_matching_does_not_keep_leave_the_revision(kangle):
    assert not await _revision_moves("UPDATE provider SET rating_avg = 4.0, rating_count = 1")
    assert not await _revision_moves("UPDATE provider SET address = '船山区南津路 20 号'")


async def test_a_rating_moves_the_ratings_revision_alone(kangle):
    before = await db.revisions()
    await sql("UPDATE provider SET rating_avg = 4.0, rating_count = 1")
    after = await db.revisions()
    assert after[0] == before[0] and after[1] != before[1] and None not in after
    await sql("UPDATE provider SET name = name")
    assert (await db.revisions())[1] == after[1]


async def test_a_review_is_seen_by_the_next_match_and_not_by_one_under_way(kangle):
    provider_id, _ = kangle

    async def rating() -> tuple[float, int]:
        [found] = await service.covering(
            item_code="home-haircut", lat=NEARBY[0], lon=NEARBY[1], region_code="510903001001"
        )
        return found.rating, found.rating_count

    assert await rating() == (0.0, 0)
    with service.pinned_snapshot():
        assert await rating() == (0.0, 0)
        async with db.write_transaction():
            await service.add_rating(provider_id, 4)
        assert await rating() == (0.0, 0)  # the revision this use case saw
    assert await rating() == (4.0, 1)
    async with db.write_transaction():
        await service.add_rating(provider_id, 5)
    assert await rating() == (4.5, 2)


async def test_one_use_case_reads_the_revision_once(kangle):
    provider_id, caregiver_id = kangle
    with service.pinned_snapshot():
        kept = await snapshot.current()
        await sql("UPDATE provider SET status = 'suspended' WHERE id = {}", provider_id)
        assert await snapshot.current() is kept
        with service.pinned_snapshot():  # nested: the outer one's
            assert await snapshot.current() is kept
    assert await snapshot.current() is not kept
    assert await working() == {}


@pytest.mark.parametrize(
    "write", ["offering stopped", "offering priced over the cap", "provider suspended"]
)
async def test_a_provider_that_no_longer_offers_the_item_is_told_so(kangle, write):
    provider_id, caregiver_id = kangle
    assert await service.offers_now(provider_id, "home-haircut")
    assert not await service.offers_now(provider_id, "bathing")
    await sql(WRITES[write].format(provider=provider_id, caregiver=caregiver_id))
    assert not await service.offers_now(provider_id, "home-haircut")
