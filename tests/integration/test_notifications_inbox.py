"""The inbox: messages in the reader's language with local times, marked read from the page
and the API, and `eldercare jobs run` for the notification sweeps."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from eldercare import db
from eldercare.cli import main
from eldercare.db import write_transaction
from eldercare.notifications import domain
from eldercare.notifications.rendering import in_each_language, moment
from eldercare.notifications.service import notify
from eldercare.notifications.tables import SmsLog
from tests.integration.conftest import csrf_token, sign_in_page

VISIT = datetime(2026, 12, 1, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai
CREATED = datetime(2026, 11, 30, 4, 5, tzinfo=UTC)  # 12:05 in Shanghai


async def a_reminder(user_id: int, key: str = "r:1", *, now: datetime = CREATED) -> None:
    async with write_transaction():
        await notify(
            user_id,
            domain.DAY_BEFORE,
            "Reminder: {service} for {elder} on {when}.",
            dedupe_key=key,
            link="/bookings/7",
            now=now,
            elder="张秀英",
            service=in_each_language("上门理发", "Home haircut"),
            when=moment(VISIT, "Asia/Shanghai"),
        )


async def test_the_inbox_page_shows_the_message_in_words_with_local_times(
    client_factory, make_person
):
    family = await make_person("family")
    await a_reminder(family.id)
    async with client_factory() as http:
        await sign_in_page(http, family.phone)
        page = (await http.get("/inbox")).text
        assert (
            "温馨提醒：张秀英预约的「上门理发」将于2026年12月1日 星期二 上午9:30上门服务。" in page
        )
        assert "下午12:05" in page  # created at 04:05 UTC, shown in Shanghai time
        assert "1 条未读" in page
        english = (await http.get("/inbox?lang=en")).text
        assert "Reminder: Home haircut for 张秀英 on Tuesday 1 December 2026, 9:30 AM." in english
        assert "1 unread" in english


async def test_marking_read_from_the_page_clears_the_unread_count(client_factory, make_person):
    family = await make_person("family")
    await a_reminder(family.id, "r:a")
    await a_reminder(family.id, "r:b")
    async with client_factory() as http:
        await sign_in_page(http, family.phone)
        token = await csrf_token(http, "/inbox")
        response = await http.post("/inbox/read-all", data={"_csrf_token": token})
        assert response.status_code in (302, 303)
        page = (await http.get("/inbox")).text
        assert '<p id="unread-count">全部已读</p>' in page and "条未读" not in page


async def test_the_api_lists_messages_in_the_requested_language_and_marks_them_read(
    client, make_person
):
    family = await make_person("family")
    other = await make_person("family")
    await a_reminder(family.id)
    listed = (
        await client.get(
            "/api/v1/notifications", headers={**family.headers, "Accept-Language": "en"}
        )
    ).json()
    assert listed["total"] == 1 and listed["unread"] == 1
    [item] = listed["items"]
    assert item["text"] == "Reminder: Home haircut for 张秀英 on Tuesday 1 December 2026, 9:30 AM."
    assert (
        await client.post(f"/api/v1/notifications/{item['id']}/read", headers=other.headers)
    ).status_code == 404
    assert (
        await client.post(f"/api/v1/notifications/{item['id']}/read", headers=family.headers)
    ).status_code == 200
    assert (await client.get("/api/v1/notifications", headers=family.headers)).json()["unread"] == 0


async def run_cli(argv: list[str]) -> int:
    """``eldercare …`` in this process, on its own loop in a thread (the tests' pool set aside)."""
    engine = db.engine()
    pool = getattr(engine, "pool", None)
    if pool is not None:
        engine.pool = None  # type: ignore[attr-defined]
    try:
        return await asyncio.to_thread(main, argv)
    finally:
        if pool is not None:
            engine.pool = pool  # type: ignore[attr-defined]


async def test_eldercare_jobs_run_dispatches_as_of_a_moment(make_person, capsys):
    family = await make_person("family")
    now = datetime.now(UTC).replace(microsecond=0)
    await a_reminder(family.id, now=now)
    later = (now + timedelta(minutes=1)).astimezone().isoformat()
    assert await run_cli(["jobs", "run", "dispatch_notifications", "--at", later]) == 0
    assert "dispatch_notifications as of" in capsys.readouterr().out
    assert await SmsLog.count().where(SmsLog.user_id == family.id).run() == 1
    assert await run_cli(["jobs", "run", "dispatch_notifications", "--at", later]) == 0
    assert ": 0 rows" in capsys.readouterr().out
    assert await SmsLog.count().run() == 1
