"""The booking pages: three steps to book, my bookings, one booking with its actions, the job
board, a caregiver's visits and the bureau's complaint queue, each with CSRF-protected forms."""

from __future__ import annotations

import contextlib
import html
import re

from eldercare.booking.tables import Booking, Complaint
from tests.integration.booking_support import add_elder, at, book, build_world
from tests.integration.conftest import csrf_token, sign_in_page

PROVIDER_NAME = "遂宁市船山区康乐居家养老服务中心"
_CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


@contextlib.asynccontextmanager
async def signed_in(client_factory, person):
    async with client_factory() as http:
        response = await sign_in_page(http, person.phone)
        assert response.status_code in (302, 303), response.text
        yield http


def links(page: str, pattern: str) -> list[str]:
    return [html.unescape(link) for link in re.findall(rf'href="({pattern})"', page)]


def hidden(page: str, name: str) -> str:
    found = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', page)
    assert found, f"no hidden {name}"
    return html.unescape(found.group(1))


def token_of(page: str) -> str:
    found = _CSRF.search(page)
    assert found
    return found.group(1)


def assert_field_error(page: str, field: str) -> None:
    assert f'id="error-{field}"' in page, page
    assert f'aria-describedby="error-{field}"' in page


async def post_form(http, page: str, action: str, **fields):
    return await http.post(action, data={"_csrf_token": await csrf_token(http, page), **fields})


async def walk_to_confirm(http) -> str:
    """Steps 1 and 2 as a person takes them: the first service card, then the first free time."""
    step1 = await http.get("/book")
    assert step1.status_code == 200, step1.text
    assert 'id="item-home-haircut"' in step1.text
    [service_link] = links(step1.text, r"/book\?[^\"]*service_code=home-haircut[^\"]*")
    step2 = await http.get(service_link)
    assert step2.status_code == 200, step2.text
    times = links(step2.text, r"/book\?[^\"]*start=[^\"]*")
    assert times, "no suggested times"
    step3 = await http.get(times[0])
    assert step3.status_code == 200, step3.text
    return step3.text


async def test_a_family_books_in_three_steps_and_the_provider_and_caregiver_take_it_from_there(
    client, client_factory, make_person
):
    w = await build_world(client, make_person)
    async with signed_in(client_factory, w.family) as http:
        confirm = await walk_to_confirm(http)
        assert 'id="best-provider"' in confirm and PROVIDER_NAME in confirm
        assert "¥28.00" in confirm and "张秀英" in confirm
        assert 'name="channel"' not in confirm  # only staff say how the elder asked
        response = await http.post(
            "/book",
            data={
                "_csrf_token": token_of(confirm),
                "elder_id": hidden(confirm, "elder_id"),
                "service_code": hidden(confirm, "service_code"),
                "start": hidden(confirm, "start"),
                "provider_id": "",
                "notes": "请按两次门铃",
            },
        )
        assert response.status_code in (302, 303), response.text
        location = response.headers["location"]
        booking_id = int(re.fullmatch(r"/bookings/(\d+)\?done=booked", location).group(1))
        detail = await http.get(location)
        assert detail.status_code == 200
        assert "status-offered" in detail.text and "success-box" in detail.text
        assert "请按两次门铃" in detail.text and "¥28.00" in detail.text
        mine = await http.get("/bookings")
        assert f'id="booking-{booking_id}"' in mine.text
    row = await Booking.select().where(Booking.id == booking_id).first().run()
    assert (row["status"], row["channel"], row["provider"]) == ("offered", "web", w.provider_id)
    assert row["chosen_provider"] is False

    async with signed_in(client_factory, w.admin) as http:
        board = await http.get("/jobs")
        assert f'id="job-{booking_id}"' in board.text and "张秀英" in board.text
        accepted = await post_form(
            http, "/jobs", f"/jobs/{booking_id}/accept", caregiver_id=str(w.caregiver_id)
        )
        assert accepted.status_code in (302, 303), accepted.text
        assert f'id="job-{booking_id}"' not in (await http.get("/jobs")).text
    assert (await Booking.select(Booking.status).where(Booking.id == booking_id).first().run())[
        "status"
    ] == "accepted"

    async with signed_in(client_factory, w.caregiver) as http:
        visits = await http.get("/visits")
        assert visits.status_code == 200
        assert f'id="visit-{booking_id}"' in visits.text and "张秀英" in visits.text
        assert "船山区南津路街道滨江社区" in visits.text
        job = await http.get(f"/bookings/{booking_id}")
        assert job.status_code == 200 and 'name="lat"' in job.text
        assert "¥28.00" not in job.text  # a caregiver sees what the job needs, not the bill

    stranger = await make_person("family")
    async with signed_in(client_factory, stranger) as http:
        assert (await http.get(f"/bookings/{booking_id}")).status_code == 404
        assert f'id="booking-{booking_id}"' not in (await http.get("/bookings")).text
        refused = await post_form(http, "/bookings", f"/bookings/{booking_id}/cancel", reason="x")
        assert refused.status_code == 404


async def test_the_time_step_shows_times_grouped_by_day_and_offers_the_next_week(
    client, client_factory, make_person
):
    w = await build_world(client, make_person)
    async with signed_in(client_factory, w.family) as http:
        step2 = await http.get(f"/book?elder_id={w.elder_id}&service_code=home-haircut")
        assert step2.status_code == 200
        assert step2.text.count('class="day-times"') >= 6
        assert "week=1" in step2.text
        later = await http.get(f"/book?elder_id={w.elder_id}&service_code=home-haircut&week=1")
        assert later.status_code == 200 and links(later.text, r"/book\?[^\"]*start=[^\"]*")


async def test_bad_choices_are_shown_on_the_step_they_belong_to(
    client, client_factory, make_person
):
    w = await build_world(client, make_person)
    async with signed_in(client_factory, w.family) as http:
        confirm = await walk_to_confirm(http)
        fields = {
            "elder_id": hidden(confirm, "elder_id"),
            "service_code": "home-haircut",
            "start": hidden(confirm, "start"),
        }
        long_notes = await post_form(http, "/book", "/book", **fields, notes="长" * 501)
        assert long_notes.status_code == 422
        assert_field_error(long_notes.text, "notes")
        assert 'id="best-provider"' in long_notes.text

        bad_time = await post_form(
            http, "/book", "/book", **{**fields, "start": "tomorrow morning"}
        )
        assert bad_time.status_code == 422
        assert 'id="error-start"' in bad_time.text

        too_soon = await post_form(http, "/book", "/book", **{**fields, "start": at(5)})
        assert too_soon.status_code == 422 and 'id="error-start"' in too_soon.text

        unknown = await http.get(f"/book?elder_id={w.elder_id}&service_code=no-such-thing")
        assert unknown.status_code == 422 and 'id="error-service_code"' in unknown.text
    assert await Booking.count().run() == 0


async def test_a_time_taken_meanwhile_sends_the_booker_back_to_the_times(
    client, client_factory, make_person
):
    w = await build_world(client, make_person)
    start = at(180)
    taken = (await book(client, w.family, w.elder_id, start)).json()
    await client.post(
        f"/api/v1/bookings/{taken['id']}/accept",
        headers=w.admin.headers,
        json={"caregiver_id": w.caregiver_id},
    )
    async with signed_in(client_factory, w.family) as http:
        query = {"elder_id": w.elder_id, "service_code": "home-haircut", "start": start}
        page = await http.get("/book", params=query)
        assert page.status_code == 409
        assert 'id="error-start"' in page.text and 'class="day-times"' in page.text


async def test_staff_book_on_an_elders_behalf_and_say_how_the_elder_asked(
    client, client_factory, make_person
):
    w = await build_world(client, make_person)
    async with signed_in(client_factory, w.staff) as http:
        search = await http.get("/book?q=张秀英")
        assert search.status_code == 200
        assert links(search.text, rf"/book\?elder_id={w.elder_id}[^\"]*")
        step2 = await http.get(f"/book?elder_id={w.elder_id}&service_code=home-haircut")
        start = links(step2.text, r"/book\?[^\"]*start=[^\"]*")[0]
        confirm = (await http.get(start)).text
        assert 'name="channel"' in confirm
        response = await http.post(
            "/book",
            data={
                "_csrf_token": token_of(confirm),
                "elder_id": str(w.elder_id),
                "service_code": "home-haircut",
                "start": hidden(confirm, "start"),
                "channel": "phone",
            },
        )
        assert response.status_code in (302, 303), response.text
    row = await Booking.select().first().run()
    assert row["channel"] == "phone" and row["booked_by"] == w.staff.id


async def test_the_visit_is_finished_confirmed_rated_and_complained_about_through_the_pages(
    client, client_factory, make_person
):
    w = await build_world(client, make_person)
    booking_id = (await book(client, w.family, w.elder_id, at(45))).json()["id"]
    page = f"/bookings/{booking_id}"
    async with signed_in(client_factory, w.admin) as http:
        no_caregiver = await post_form(http, page, f"{page}/accept", caregiver_id="")
        assert no_caregiver.status_code == 422
        assert_field_error(no_caregiver.text, "caregiver_id")
        ok = await post_form(http, page, f"{page}/accept", caregiver_id=str(w.caregiver_id))
        assert ok.status_code in (302, 303), ok.text

    async with signed_in(client_factory, w.caregiver) as http:
        bad = await post_form(http, page, f"{page}/check-in", lat="北纬", lon="")
        assert bad.status_code == 422
        assert_field_error(bad.text, "lat")
        assert_field_error(bad.text, "lon")
        arrived = await post_form(http, page, f"{page}/check-in", lat="30.5301", lon="105.5801")
        assert arrived.status_code in (302, 303), arrived.text
        left = await post_form(http, page, f"{page}/check-out", notes="剪发完成")
        assert left.status_code in (302, 303), left.text

    async with signed_in(client_factory, w.family) as http:
        detail = await http.get(page)
        assert "status-completed" in detail.text and 'name="stars"' in detail.text
        no_stars = await post_form(http, page, f"{page}/rate")
        assert no_stars.status_code == 422
        assert_field_error(no_stars.text, "stars")
        rated = await post_form(http, page, f"{page}/rate", stars="5", comment="师傅很耐心")
        assert rated.status_code in (302, 303)
        empty = await post_form(http, page, f"{page}/complain", complaint=" ")
        assert empty.status_code == 422
        assert_field_error(empty.text, "complaint")
        filed = await post_form(http, page, f"{page}/complain", complaint="迟到了半小时")
        assert filed.status_code in (302, 303)
    row = await Booking.select().where(Booking.id == booking_id).first().run()
    assert (row["status"], row["stars"], row["visit_notes"]) == ("completed", 5, "剪发完成")
    assert row["confirmed_at"] is not None

    async with signed_in(client_factory, w.officer) as http:
        queue = await http.get("/bureau/complaints")
        assert queue.status_code == 200 and "迟到了半小时" in queue.text
        [complaint] = await Complaint.select().run()
        action = f"/bureau/complaints/{complaint['id']}/resolve"
        blank = await post_form(http, "/bureau/complaints", action, resolution="")
        assert blank.status_code == 422
        assert_field_error(blank.text, "resolution")
        done = await post_form(http, "/bureau/complaints", action, resolution="已约谈服务机构")
        assert done.status_code in (302, 303)
        resolved = await http.get("/bureau/complaints?status=resolved")
        assert "已约谈服务机构" in resolved.text


async def test_the_elder_side_cancels_on_the_page_and_is_told_it_is_free(
    client, client_factory, make_person
):
    w = await build_world(client, make_person)
    booking_id = (await book(client, w.family, w.elder_id, at(600))).json()["id"]
    async with signed_in(client_factory, w.family) as http:
        detail = await http.get(f"/bookings/{booking_id}")
        assert f'action="/bookings/{booking_id}/cancel"' in detail.text
        response = await post_form(
            http, f"/bookings/{booking_id}", f"/bookings/{booking_id}/cancel", reason="家里有事"
        )
        assert response.status_code in (302, 303)
        again = await post_form(
            http, f"/bookings/{booking_id}", f"/bookings/{booking_id}/cancel", reason=""
        )
        assert again.status_code == 409 and 'id="form-error"' in again.text
    row = await Booking.select().where(Booking.id == booking_id).first().run()
    assert (row["status"], row["late_cancellation"]) == ("cancelled", False)


async def test_the_provider_declines_from_the_job_board_and_a_reason_is_needed(
    client, client_factory, make_person
):
    w = await build_world(client, make_person)
    booking_id = (
        await book(client, w.family, w.elder_id, at(120), provider_id=w.provider_id)
    ).json()["id"]
    async with signed_in(client_factory, w.admin) as http:
        blank = await post_form(http, "/jobs", f"/jobs/{booking_id}/decline", reason=" ")
        assert blank.status_code == 422
        assert_field_error(blank.text, "reason")
        declined = await post_form(http, "/jobs", f"/jobs/{booking_id}/decline", reason="人手不足")
        assert declined.status_code in (302, 303)
    row = await Booking.select(Booking.status).where(Booking.id == booking_id).first().run()
    assert row["status"] == "declined"


async def test_each_page_is_for_its_own_roles(client, client_factory, make_person):
    w = await build_world(client, make_person)
    async with signed_in(client_factory, w.family) as http:
        for path in ("/jobs", "/visits", "/bureau/complaints"):
            assert (await http.get(path)).status_code == 403, path
    async with signed_in(client_factory, w.caregiver) as http:
        assert (await http.get("/book")).status_code == 403
        assert (await http.get("/jobs")).status_code == 403
    async with client_factory() as anonymous:
        response = await anonymous.get("/book")
        assert response.status_code in (302, 303) and response.headers["location"].startswith(
            "/login"
        )


async def test_the_pages_read_in_english_too(client, client_factory, make_person):
    w = await build_world(client, make_person)
    booking_id = (await book(client, w.family, w.elder_id, at(120))).json()["id"]
    async with signed_in(client_factory, w.family) as http:
        for path in (
            "/book",
            f"/book?elder_id={w.elder_id}&service_code=home-haircut",
            "/bookings",
            f"/bookings/{booking_id}",
        ):
            page = await http.get(path, params={"lang": "en"})
            assert page.status_code == 200, path
            assert '<html lang="en">' in page.text and "{{" not in page.text
        assert "Waiting for the provider to answer" in page.text


async def test_a_family_with_two_elders_first_says_whom_the_service_is_for(
    client, client_factory, make_person
):
    w = await build_world(client, make_person)
    second = await add_elder(client, w.family, name="王德明")
    async with signed_in(client_factory, w.family) as http:
        step = await http.get("/book")
        assert step.status_code == 200
        assert links(step.text, rf"/book\?elder_id={w.elder_id}") and links(
            step.text, rf"/book\?elder_id={second}"
        )
        assert 'id="item-home-haircut"' not in step.text
        chosen = await http.get(f"/book?elder_id={second}")
        assert "王德明" in chosen.text and 'id="item-home-haircut"' in chosen.text
        stranger_elder = await http.get("/book?elder_id=999999")
        assert stranger_elder.status_code == 404


async def test_a_booking_form_without_its_csrf_token_or_elder_books_nothing(
    client, client_factory, make_person
):
    w = await build_world(client, make_person)
    async with signed_in(client_factory, w.family) as http:
        confirm = await walk_to_confirm(http)
        fields = {"service_code": "home-haircut", "start": hidden(confirm, "start")}
        refused = await http.post("/book", data={**fields, "elder_id": str(w.elder_id)})
        assert refused.status_code == 403
        no_elder = await http.post("/book", data={**fields, "_csrf_token": token_of(confirm)})
        assert no_elder.status_code == 422 and 'id="form-error"' in no_elder.text
    assert await Booking.count().run() == 0


async def test_a_caregiver_sees_what_the_job_needs_and_never_the_id_number(
    client, client_factory, make_person
):
    w = await build_world(client, make_person)
    booking_id = (await book(client, w.family, w.elder_id, at(120))).json()["id"]
    await client.post(
        f"/api/v1/bookings/{booking_id}/accept",
        headers=w.admin.headers,
        json={"caregiver_id": w.caregiver_id},
    )
    masked = (await client.get(f"/api/v1/elders/{w.elder_id}", headers=w.family.headers)).json()[
        "id_number_masked"
    ]
    async with signed_in(client_factory, w.caregiver) as http:
        for path in (f"/bookings/{booking_id}", "/visits"):
            page = await http.get(path)
            assert page.status_code == 200
            assert "张秀英" in page.text and "滨江社区" in page.text
            assert masked not in page.text and "********" not in page.text
