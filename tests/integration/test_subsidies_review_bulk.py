"""The annual-review sweep's bulk steps: the opening reminders written in bulk are the rows
``notify`` writes, once each; the bulk read of links behind its package. (Which check-ins
prove life is pinned through the sweep itself, in test_subsidies_sweeps.py.)"""

from __future__ import annotations

import json
from datetime import date

from eldercare.accounts import links
from eldercare.db import as_date, fetch, write_transaction
from eldercare.notifications.rendering import render
from eldercare.notifications.service import Outgoing, notify, notify_many
from eldercare.subsidies import jobs
from tests.integration.subsidies_support import add_elder, approved, build_world, local


async def rows(where: str, *args) -> list[dict]:
    return await fetch(
        "SELECT user_id, kind, message, params, link, created_at FROM notification "
        f"WHERE {where} ORDER BY user_id",
        *args,
    )


async def test_an_opened_review_tells_family_and_staff_once_in_both_languages(client, make_person):
    world = await build_world(make_person)
    elder = await add_elder(client, world.family, birth=date(1940, 5, 1))
    await approved(world, elder, at=local(2025, 11, 20, 10, 0))
    await jobs.annual_reviews(local(2026, 11, 1, 2, 0))
    told = await rows("kind = 'review.opened'")
    assert {row["user_id"] for row in told} == {world.family.id, world.staff.id}
    params = json.loads(told[0]["params"])
    due_zh, due_en = render("zh_CN", "{date}", params), render("en", "{date}", params)
    assert render("zh_CN", told[0]["message"], params) == (
        f"{params['name']}的津贴年审请在 {due_zh} 前完成确认。"
    )
    assert render("en", told[0]["message"], params) == (
        f"The yearly check for {params['name']}'s allowance is due by {due_en}. Please confirm it."
    )
    assert "2026" in due_zh and "2026" in due_en
    assert {row["link"] for row in told} == {"/subsidies/reviews"}
    await jobs.annual_reviews(local(2026, 11, 1, 3, 0))
    assert len(await rows("kind = 'review.opened'")) == 2


async def test_notify_many_writes_the_rows_notify_writes_and_skips_known_keys(make_person):
    person = await make_person("family")
    at = local(2026, 11, 1, 9, 0)
    params = {"id": 7}
    async with write_transaction():
        await notify(
            person.id, "job.offered", "Job {id}.", dedupe_key="one", link="/jobs", now=at, **params
        )
        added = await notify_many(
            [
                Outgoing(person.id, "job.offered", "Job {id}.", "one", "/jobs", params),
                Outgoing(person.id, "job.offered", "Job {id}.", "two", "/jobs", params),
                Outgoing(person.id, "job.offered", "Job {id}.", "two", "/jobs", params),
                Outgoing(person.id, "review.confirmed", "Done.", "three", "/x"),
            ],
            now=at,
        )
    assert added == 2
    one, two = await fetch(
        "SELECT user_id, kind, message, params, link, created_at, read_at FROM notification "
        "WHERE dedupe_key IN ('one', 'two') ORDER BY dedupe_key"
    )
    assert one == two
    deliveries = await fetch(
        "SELECT n.dedupe_key FROM notification_delivery d "
        "JOIN notification n ON n.id = d.notification ORDER BY n.dedupe_key"
    )
    assert [d["dedupe_key"] for d in deliveries] == ["one", "two"]  # SMS kinds only
    async with write_transaction():
        assert await notify_many([Outgoing(person.id, "job.offered", "x", "two")], now=at) == 0


async def test_links_are_read_for_many_elders_at_once(client, make_person):
    world = await build_world(make_person)
    first = await add_elder(client, world.family, birth=date(1940, 5, 1))
    second = await add_elder(client, world.family, birth=date(1941, 6, 1))
    found = await links.linked_users_by_elder([first, second, 999_999])
    assert found[first] == found[second] and world.family.id in found[first]
    assert 999_999 not in found


def test_as_date_reads_either_engines_value():
    assert as_date(date(2026, 11, 20)) == date(2026, 11, 20)
    assert as_date("2026-11-20") == date(2026, 11, 20)
