"""Visit reminders: the day before and within the hour, each exactly once, in words.

Every sweep gets its moment passed in: bookings are made for real times (the booking API
uses the clock), and the sweep is then run as of moments around each visit's start.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from eldercare.booking import reminders
from eldercare.booking.tables import Booking
from eldercare.notifications.tables import Notification, VisitReminder
from eldercare.scheduling.runner import run_job
from eldercare.scheduling.tables import JobRun
from eldercare.web.i18n import format_moment
from tests.factories import valid_id_number
from tests.integration.booking_support import accepted, at, book, build_world

DAY, SOON = "reminder.day_before", "reminder.hour_before"


async def accepted_visit(
    client, w, *, minutes_ahead: int = 26 * 60, who=None
) -> tuple[int, datetime]:
    booking_id = await accepted(client, w, minutes_ahead, who)
    row = await Booking.select(Booking.start_at).where(Booking.id == booking_id).first().run()
    return booking_id, row["start_at"]


async def reminders_of(kind: str) -> list[int]:
    rows = await Notification.select(Notification.user_id).where(Notification.kind == kind).run()
    return sorted(r["user_id"] for r in rows)


async def test_the_day_before_the_visit_the_family_is_reminded_once(client, make_person):
    w = await build_world(client, make_person)
    _, start = await accepted_visit(client, w)

    assert await reminders.send_reminders(start - timedelta(hours=24, minutes=1)) == 0
    assert await reminders.send_reminders(start - timedelta(hours=24)) == 1
    assert await reminders.send_reminders(start - timedelta(hours=24)) == 0  # the same moment again
    assert (
        await reminders.send_reminders(start - timedelta(hours=12)) == 0
    )  # and every minute after
    assert await reminders_of(DAY) == [w.family.id]
    assert await reminders_of(SOON) == []


async def test_within_the_hour_the_family_is_reminded_again_once(client, make_person):
    w = await build_world(client, make_person)
    _, start = await accepted_visit(client, w)

    await reminders.send_reminders(start - timedelta(hours=20))
    assert await reminders.send_reminders(start - timedelta(minutes=61)) == 0
    assert await reminders.send_reminders(start - timedelta(minutes=60)) == 1
    assert await reminders.send_reminders(start - timedelta(minutes=5)) == 0
    assert await reminders_of(DAY) == [w.family.id]
    assert await reminders_of(SOON) == [w.family.id]
    assert await VisitReminder.count().run() == 2


async def test_after_downtime_a_run_catches_up_with_the_reminder_still_due(client, make_person):
    w = await build_world(client, make_person)
    _, early = await accepted_visit(client, w, minutes_ahead=26 * 60)
    _, late = await accepted_visit(client, w, minutes_ahead=30 * 60)

    # Nothing ran for a day: as of 30 minutes before the first visit, both are caught up.
    moment = early - timedelta(minutes=30)
    assert await reminders.send_reminders(moment) == 2
    assert await reminders_of(SOON) == [w.family.id]  # the first visit: the nearer reminder only
    assert await reminders_of(DAY) == [w.family.id]  # the second, four hours later
    assert await reminders.send_reminders(early - timedelta(minutes=1)) == 0
    assert await reminders.send_reminders(late - timedelta(minutes=10)) == 1
    assert await reminders_of(DAY) == [w.family.id]  # never a late day-before for the first
    assert await reminders_of(SOON) == [w.family.id, w.family.id]


async def test_a_cancelled_visit_gets_no_reminder(client, make_person):
    w = await build_world(client, make_person)
    booking_id, start = await accepted_visit(client, w)
    cancelled = await client.post(
        f"/api/v1/bookings/{booking_id}/cancel", headers=w.family.headers, json={"reason": "住院了"}
    )
    assert cancelled.status_code == 200, cancelled.text
    assert await reminders.send_reminders(start - timedelta(hours=2)) == 0
    assert await reminders.send_reminders(start - timedelta(minutes=30)) == 0
    assert await Notification.count().where(Notification.kind.like("reminder.%")).run() == 0


async def test_a_visit_that_has_started_or_passed_gets_no_reminder(client, make_person):
    w = await build_world(client, make_person)
    _, start = await accepted_visit(client, w)
    assert await reminders.send_reminders(start) == 0
    assert await reminders.send_reminders(start + timedelta(hours=3)) == 0
    assert await VisitReminder.count().run() == 0


async def test_an_offer_not_yet_accepted_gets_no_reminder(client, make_person):
    w = await build_world(client, make_person)
    created = await book(client, w.family, w.elder_id, at(120))
    assert created.json()["status"] == "offered"
    row = (
        await Booking.select(Booking.start_at)
        .where(Booking.id == created.json()["id"])
        .first()
        .run()
    )
    assert await reminders.send_reminders(row["start_at"] - timedelta(minutes=30)) == 0


async def test_the_elders_own_account_and_the_staff_who_booked_are_reminded_but_no_other_staff(
    client,
    make_person,
):
    w = await build_world(client, make_person)
    resident = await make_person("resident", name="何正清")
    body = {
        "name": "何正清",
        "id_number": valid_id_number(region="510903"),
        "address": "船山区南津路街道滨江社区 2 栋",
        "region_code": "510903001001",
        "lat": 30.5226,
        "lon": 105.5800,
    }
    response = await client.post("/api/v1/elders", headers=resident.headers, json=body)
    assert response.status_code == 201, response.text
    w.elder_id = response.json()["id"]
    other_staff = await make_person("community_staff", region="510903")
    _, start = await accepted_visit(client, w, who=w.staff)

    assert await reminders.send_reminders(start - timedelta(hours=3)) == 1
    told = await reminders_of(DAY)
    assert told == sorted([resident.id, w.staff.id])
    assert other_staff.id not in told and w.family.id not in told and w.admin.id not in told


async def test_the_reminder_says_what_and_when_in_the_readers_language(client, make_person):
    w = await build_world(client, make_person)
    booking_id, start = await accepted_visit(client, w)
    await reminders.send_reminders(start - timedelta(hours=23))

    zh = (await client.get("/api/v1/notifications", headers=w.family.headers)).json()["items"]
    reminder = next(m for m in zh if m["kind"] == DAY)
    assert reminder["text"] == (
        f"温馨提醒：张秀英预约的「上门home-haircut」将于{format_moment(start, 'zh_CN')}上门服务。"
    )  # such as 2026年12月1日 星期二 上午9:30
    assert reminder["link"] == f"/bookings/{booking_id}"

    en = (
        await client.get(
            "/api/v1/notifications", headers={**w.family.headers, "Accept-Language": "en"}
        )
    ).json()
    english = next(m for m in en["items"] if m["kind"] == DAY)["text"]
    assert english == f"Reminder: 上门home-haircut for 张秀英 on {format_moment(start, 'en')}."


async def test_the_sweep_runs_through_the_runner_and_is_recorded(client, make_person):
    w = await build_world(client, make_person)
    _, start = await accepted_visit(client, w)
    seen: list[tuple[int, int | None]] = []
    run = await run_job(
        "send_reminders",
        start - timedelta(minutes=45),
        progress=lambda done, total: seen.append((done, total)),
    )
    assert run is not None and run.rows == 1 and run.error == ""
    assert seen == [(1, 1)]
    assert await JobRun.count().where(JobRun.name == "send_reminders").run() == 1
