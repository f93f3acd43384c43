"""The series pages: set up regular visits from plain choices (check the dates, drop the ones
that clash, create), the list, and one series with skip, pause, resume, cancel and change."""

from __future__ import annotations

import contextlib
import re

from eldercare.booking.tables import Series
from tests.integration.booking_support import ITEM, book, build_world
from tests.integration.conftest import csrf_token, sign_in_page
from tests.integration.series_support import (
    SHANGHAI,
    bookings_of,
    days_ahead_at,
    local_dates,
    made,
    series_row,
)
from tests.integration.test_page_rendering import assert_page


@contextlib.asynccontextmanager
async def signed_in(client_factory, person):
    async with client_factory() as http:
        response = await sign_in_page(http, person.phone)
        assert response.status_code in (302, 303), response.text
        yield http


def assert_field_error(page: str, field: str) -> None:
    assert f'id="error-{field}"' in page, page
    assert f'aria-describedby="error-{field}"' in page


def choices(w, **fields) -> dict:
    form = {
        "elder_id": str(w.elder_id),
        "service_code": ITEM,
        "kind": "weekdays",
        "time": "11:30",
        "start_date": days_ahead_at(1).date().isoformat(),
        "end": "none",
    }
    form.update(fields)
    return form


async def post(http, path: str, data: dict, page: str | None = None):
    token = await csrf_token(http, page or path)
    return await http.post(path, data={"_csrf_token": token, **data})


async def test_a_family_checks_the_dates_then_creates_lunch_every_weekday(
    client_factory, client, make_person
):
    w = await build_world(client, make_person)
    async with signed_in(client_factory, w.family) as http:
        page = await http.get("/series/new")
        assert page.status_code == 200, page.text
        assert_page(page.text)
        assert 'name="kind"' in page.text and 'type="time"' in page.text
        checked = await post(
            http, "/series/new", {**choices(w), "action": "preview"}, "/series/new"
        )
        assert checked.status_code == 200, checked.text
        assert "每个工作日 11:30" in checked.text
        assert 'name="drop"' in checked.text and "没有发现问题" in checked.text
        assert f'value="c:{w.provider_id}:{w.caregiver_id}"' in checked.text
        created = await post(
            http,
            "/series/new",
            {**choices(w, who=f"p:{w.provider_id}"), "action": "create"},
            "/series/new",
        )
        assert created.status_code in (302, 303), created.text
        location = created.headers["location"]
        series_id = int(re.search(r"/series/(\d+)", location).group(1))
        detail = await http.get(location)
        assert detail.status_code == 200 and "定期服务已设置好" in detail.text
        assert_page(detail.text)
    bookings = await bookings_of(series_id)
    assert bookings and all(b["start_at"].astimezone(SHANGHAI).weekday() < 5 for b in bookings)
    assert {b["provider"] for b in bookings} == {w.provider_id}
    row = await series_row(series_id)
    assert row["rrule"] == "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR" and row["channel"] == "web"


async def test_clashing_dates_are_ticked_to_drop_and_dropped_dates_are_not_booked(
    client_factory, client, make_person
):
    w = await build_world(client, make_person)
    clash = days_ahead_at(2)
    taken = (await book(client, w.family, w.elder_id, clash.isoformat())).json()
    await client.post(
        f"/api/v1/bookings/{taken['id']}/accept",
        headers=w.admin.headers,
        json={"caregiver_id": w.caregiver_id},
    )
    who = f"c:{w.provider_id}:{w.caregiver_id}"
    async with signed_in(client_factory, w.family) as http:
        checked = await post(
            http,
            "/series/new",
            {**choices(w, kind="daily", who=who), "action": "preview"},
            "/series/new",
        )
        day = clash.date().isoformat()
        assert re.search(rf'id="drop-{day}" name="drop" value="{day}" checked', checked.text), (
            checked.text
        )
        assert "所选护理员那时已有别的上门服务" in checked.text
        created = await post(
            http,
            "/series/new",
            {
                **choices(w, kind="daily", who=who),
                "drop": day,
                "previewed": "1",
                "action": "create",
            },
            "/series/new",
        )
        assert created.status_code in (302, 303), created.text
    [series] = await Series.select().run()
    assert day not in local_dates(await bookings_of(series["id"]))
    assert series["exdates"] == day


async def test_wrong_choices_are_shown_beside_their_fields_and_nothing_is_saved(
    client_factory, client, make_person
):
    w = await build_world(client, make_person)
    async with signed_in(client_factory, w.family) as http:
        response = await post(
            http,
            "/series/new",
            {**choices(w, kind="weekly", time="25:00", start_date=""), "action": "preview"},
            "/series/new",
        )
        assert response.status_code == 422
        for field in ("days", "time", "start_date"):
            assert_field_error(response.text, field)
        too_long = await post(
            http,
            "/series/new",
            {**choices(w, end="count", count="400", kind="daily"), "action": "create"},
            "/series/new",
        )
        assert too_long.status_code == 422
        assert_field_error(too_long.text, "end")
    assert await Series.count().run() == 0


async def test_the_series_page_skips_pauses_resumes_and_cancels(
    client_factory, client, make_person
):
    w = await build_world(client, make_person)
    body = await made(client, w, "FREQ=DAILY", provider_id=w.provider_id)
    path = f"/series/{body['id']}"
    async with signed_in(client_factory, w.family) as http:
        page = await http.get(path)
        assert page.status_code == 200
        assert "每天 11:30" in page.text and 'action="' + path + '/pause"' in page.text
        wrong = await post(http, f"{path}/skip", {"skip_date": "2020-01-01"}, path)
        assert wrong.status_code == 422
        assert_field_error(wrong.text, "skip_date")
        day = days_ahead_at(3).date().isoformat()
        skipped = await post(http, f"{path}/skip", {"skip_date": day}, path)
        assert skipped.status_code in (302, 303)
        assert (await series_row(body["id"]))["exdates"] == day
        for action, status in (("pause", "paused"), ("resume", "active"), ("cancel", "cancelled")):
            response = await post(http, f"{path}/{action}", {}, path)
            assert response.status_code in (302, 303), (action, response.text)
            assert (await series_row(body["id"]))["status"] == status
        again = await post(http, f"{path}/pause", {}, path)
        assert again.status_code == 409


async def test_changing_one_visit_from_the_page(client_factory, client, make_person):
    w = await build_world(client, make_person)
    body = await made(
        client, w, "FREQ=DAILY", provider_id=w.provider_id, caregiver_id=w.caregiver_id
    )
    path = f"/series/{body['id']}"
    day = days_ahead_at(2).date().isoformat()
    async with signed_in(client_factory, w.family) as http:
        missing = await post(http, f"{path}/change", {"scope": "one", "date": day}, path)
        assert missing.status_code == 422
        assert_field_error(missing.text, "time")
        moved = await post(
            http, f"{path}/change", {"scope": "one", "date": day, "time": "15:30"}, path
        )
        assert moved.status_code in (302, 303), moved.text
    assert len(await bookings_of(body["id"], live=True)) == body["visits_created"]


async def test_the_list_and_what_other_people_see(client_factory, client, make_person):
    w = await build_world(client, make_person)
    body = await made(client, w, provider_id=w.provider_id)
    async with signed_in(client_factory, w.family) as http:
        listed = await http.get("/series?lang=en")
        assert listed.status_code == 200
        assert_page(listed.text)
        assert f'href="/series/{body["id"]}"' in listed.text and "every day at 11:30" in listed.text
    async with signed_in(client_factory, w.admin) as http:
        page = await http.get(f"/series/{body['id']}")
        assert page.status_code == 200 and "/pause" not in page.text
        refused = await post(http, f"/series/{body['id']}/pause", {}, f"/series/{body['id']}")
        assert refused.status_code == 403
    stranger = await make_person("family")
    async with signed_in(client_factory, stranger) as http:
        assert (await http.get(f"/series/{body['id']}")).status_code == 404
        assert (await http.get("/series/new")).status_code == 200
    async with client_factory() as http:
        assert (await http.get("/series/new")).status_code in (302, 303)
