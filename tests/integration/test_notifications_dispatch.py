"""The SMS channel: due messages sent through the backend in the reader's language, each at
most once, failed sends retried with backoff, and two dispatchers never sending one twice."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

from eldercare.accounts import service as accounts
from eldercare.accounts.tables import User
from eldercare.actor import Actor
from eldercare.db import write_transaction
from eldercare.notifications import domain
from eldercare.notifications.channels import SmsMessage, load_backend
from eldercare.notifications.dispatch import dispatch_notifications
from eldercare.notifications.rendering import in_each_language, moment
from eldercare.notifications.service import notify
from eldercare.notifications.tables import NotificationDelivery, SmsLog
from eldercare.scheduling.runner import run_job
from tests.integration.booking_support import at, book, build_world

NOW = datetime.now(UTC).replace(microsecond=0)
REMINDER = "Reminder: {service} for {elder} on {when}."


async def remind(
    user_id: int, key: str, *, kind: str = domain.DAY_BEFORE, now: datetime = NOW
) -> None:
    async with write_transaction():
        await notify(
            user_id,
            kind,
            REMINDER,
            dedupe_key=key,
            now=now,
            elder="张秀英",
            service=in_each_language("上门理发", "Home haircut"),
            when=moment(datetime(2026, 12, 1, 1, 30, tzinfo=UTC), "Asia/Shanghai"),
        )


async def speaks_english(person) -> None:
    await accounts.set_preferences(
        Actor(id=person.id, name=person.name, roles=tuple(person.roles)), locale="en"
    )


async def deliveries() -> list[dict]:
    return await NotificationDelivery.select().order_by(NotificationDelivery.id).run()


class Recording:
    """A gateway that remembers what it was given, optionally failing the first few sends."""

    def __init__(self, fail_first: int = 0, delay: float = 0.0) -> None:
        self.fail_first = fail_first
        self.delay = delay
        self.calls: list[SmsMessage] = []
        self.sent: list[SmsMessage] = []

    async def send(self, message: SmsMessage) -> None:
        self.calls.append(message)
        if self.delay:
            await asyncio.sleep(self.delay)
        if len(self.calls) <= self.fail_first:
            raise ConnectionError("gateway unavailable")
        self.sent.append(message)


async def test_each_sms_is_logged_in_the_recipients_language_with_the_phone_masked(make_person):
    chinese = await make_person("family")
    english = await make_person("family")
    await speaks_english(english)
    await remind(chinese.id, "r:zh")
    await remind(english.id, "r:en")

    assert await dispatch_notifications(NOW) == 2
    log = {r["user_id"]: r for r in await SmsLog.select().run()}
    assert (
        log[chinese.id]["text"]
        == "【长者服务】温馨提醒：张秀英预约的「上门理发」将于2026年12月1日 星期二 上午9:30上门服务。"
    )
    assert (
        log[english.id]["text"]
        == "[Eldercare] Reminder: Home haircut for 张秀英 on Tuesday 1 December 2026, 9:30 AM."
    )
    assert (log[chinese.id]["locale"], log[english.id]["locale"]) == ("zh_CN", "en")
    assert log[english.id]["phone_masked"] == english.phone[:3] + "****" + english.phone[-4:]
    assert english.phone not in str(log)
    assert {d["state"] for d in await deliveries()} == {domain.SENT}


async def test_a_message_is_never_sent_twice(make_person):
    person = await make_person("family")
    await remind(person.id, "r:1")
    assert await dispatch_notifications(NOW) == 1
    assert await dispatch_notifications(NOW) == 0
    assert await dispatch_notifications(NOW + timedelta(hours=2)) == 0
    async with write_transaction():  # the same message queued again is the same message
        await notify(person.id, domain.DAY_BEFORE, REMINDER, dedupe_key="r:1", now=NOW)
    assert await dispatch_notifications(NOW + timedelta(hours=3)) == 0
    assert await SmsLog.count().run() == 1


async def test_messages_for_the_inbox_only_are_not_sent_by_sms(make_person):
    person = await make_person("family")
    async with write_transaction():
        await notify(
            person.id,
            "booking.completed",
            "The visit on {date} is finished. Please confirm it and rate it.",
            dedupe_key="done:1",
            now=NOW,
            date="2026-12-01 09:30",
        )
    assert await deliveries() == []
    assert await dispatch_notifications(NOW) == 0


async def test_a_message_is_not_sent_before_it_exists_as_of_the_run(make_person):
    person = await make_person("family")
    await remind(person.id, "r:later", now=NOW + timedelta(minutes=10))
    assert await dispatch_notifications(NOW) == 0
    assert await dispatch_notifications(NOW + timedelta(minutes=10)) == 1


async def test_a_failed_send_is_retried_with_backoff_and_then_sent_once(make_person):
    person = await make_person("family")
    await remind(person.id, "r:retry")
    gateway = Recording(fail_first=2)

    assert await dispatch_notifications(NOW, backend=gateway) == 1
    [row] = await deliveries()
    assert (row["state"], row["attempts"]) == (domain.PENDING, 1)
    assert row["next_attempt_at"] == NOW + timedelta(minutes=1)
    assert "gateway unavailable" in row["last_error"]

    assert (
        await dispatch_notifications(NOW + timedelta(seconds=59), backend=gateway) == 0
    )  # not due yet
    assert await dispatch_notifications(NOW + timedelta(minutes=1), backend=gateway) == 1
    [row] = await deliveries()
    assert (row["state"], row["attempts"]) == (domain.PENDING, 2)
    assert row["next_attempt_at"] == NOW + timedelta(minutes=3)  # the wait doubled

    assert await dispatch_notifications(NOW + timedelta(minutes=3), backend=gateway) == 1
    assert await dispatch_notifications(NOW + timedelta(hours=1), backend=gateway) == 0
    [row] = await deliveries()
    assert (row["state"], row["attempts"], row["last_error"]) == (domain.SENT, 3, "")
    assert len(gateway.calls) == 3 and len(gateway.sent) == 1
    assert {m.notification_id for m in gateway.calls} == {
        row["notification"]
    }  # one out id throughout


async def test_after_the_last_attempt_a_message_is_failed_for_good(make_person):
    person = await make_person("family")
    await remind(person.id, "r:down")
    gateway = Recording(fail_first=100)
    moment_ = NOW
    for _ in range(8):
        await dispatch_notifications(moment_, backend=gateway)
        moment_ += timedelta(hours=1)
    [row] = await deliveries()
    assert (row["state"], row["attempts"]) == (domain.FAILED, 5)
    assert len(gateway.calls) == 5 and gateway.sent == []


async def test_users_without_a_reachable_account_are_skipped(make_person):
    person = await make_person("family")
    await User.update({User.active: False}).where(User.id == person.id).run()
    await remind(person.id, "r:off")
    gateway = Recording()
    assert await dispatch_notifications(NOW, backend=gateway) == 1
    [row] = await deliveries()
    assert row["state"] == domain.SKIPPED and gateway.calls == []


async def test_a_message_too_old_to_matter_is_skipped_rather_than_sent(make_person):
    person = await make_person("family")
    await remind(person.id, "r:old", now=NOW - timedelta(days=2))
    gateway = Recording()
    assert await dispatch_notifications(NOW, backend=gateway) == 1
    assert (await deliveries())[0]["state"] == domain.SKIPPED and gateway.calls == []


async def test_a_send_interrupted_by_a_crash_is_never_sent_again(make_person):
    person = await make_person("family")
    await remind(person.id, "r:crash")
    await NotificationDelivery.update(
        {
            NotificationDelivery.state: domain.SENDING,
            NotificationDelivery.attempts: 1,
            NotificationDelivery.claimed_at: datetime.now(UTC) - timedelta(minutes=11),
        },
        force=True,
    ).run()
    gateway = Recording()
    assert await dispatch_notifications(NOW + timedelta(minutes=5), backend=gateway) == 1
    [row] = await deliveries()
    assert (
        row["state"] == domain.FAILED and "interrupted" in row["last_error"] and gateway.calls == []
    )


async def test_two_dispatchers_at_once_send_each_message_exactly_once(make_person):
    people = [await make_person("family") for _ in range(4)]
    for n in range(40):
        await remind(people[n % 4].id, f"r:many:{n}")
    gateway = Recording(delay=0.002)

    first, second = await asyncio.gather(
        dispatch_notifications(NOW, backend=gateway, batch=5),
        dispatch_notifications(NOW, backend=gateway, batch=5),
    )
    assert first + second == 40
    assert len(gateway.calls) == 40
    assert max(Counter(m.notification_id for m in gateway.calls).values()) == 1
    assert {d["state"] for d in await deliveries()} == {domain.SENT}


async def test_two_dispatchers_with_the_log_backend_log_each_message_once(make_person):
    person = await make_person("family")
    for n in range(20):
        await remind(person.id, f"r:log:{n}")
    await asyncio.gather(*(dispatch_notifications(NOW, batch=3) for _ in range(3)))
    rows = await SmsLog.select(SmsLog.notification_id).run()
    assert len(rows) == 20 and len({r["notification_id"] for r in rows}) == 20


async def test_a_new_offer_reaches_the_providers_admin_by_sms(client, make_person):
    w = await build_world(client, make_person)
    created = await book(client, w.family, w.elder_id, at(180))
    assert created.status_code == 201, created.text
    run = await run_job("dispatch_notifications", datetime.now(UTC) + timedelta(seconds=1))
    assert run is not None and run.error == "" and run.rows >= 1
    texts = [
        r["text"]
        for r in await SmsLog.select(SmsLog.text).where(SmsLog.user_id == w.admin.id).run()
    ]
    assert f"【长者服务】有一个新的服务单等您答复（预约 {created.json()['id']}）。" in texts
    assert any("已通过审核" in text for text in texts)  # the bureau's decision on the provider, too


async def test_a_gateway_plugs_in_by_its_dotted_path():
    backend = load_backend("tests.integration.test_notifications_dispatch:Recording")
    assert isinstance(backend, Recording)
