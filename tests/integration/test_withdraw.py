"""Withdrawing within minutes (ELDERCARE_WITHDRAW_MINUTES, 10): a booking becomes cancelled as
"withdrawn" (never late, offers withdrawn, the provider told); an allowance application is
deleted with its trail and documents (404 afterwards). By API and on the pages, with one
question in words first; refused after the window, once work has started, and to anyone not
on the elder's side — and a refusal changes nothing."""

from __future__ import annotations

import contextlib
import html
from datetime import UTC, date, datetime, timedelta

import pytest

from eldercare.accounts import service as accounts
from eldercare.actor import Actor
from eldercare.audit.tables import AuditEvent
from eldercare.booking import service, visits
from eldercare.booking.tables import Booking, BookingOffer
from eldercare.errors import Conflict
from eldercare.notifications.tables import Notification
from eldercare.subsidies import applications, discovery, jobs
from eldercare.subsidies.tables import Application, ApplicationDocument, ApplicationStep
from eldercare.web.i18n import format_day, format_time, translate
from tests.integration import booking_support as bs
from tests.integration import subsidies_support as ss
from tests.integration.conftest import Person, csrf_token, sign_in_page
from tests.integration.providers_support import BASE

API = "/api/v1/subsidies/applications"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
TEN = timedelta(minutes=10)


def zh(message: str, **params) -> str:
    """What a reader of the (default) Chinese pages sees for this message."""
    return translate("zh_CN", message, **params)


async def actor_of(person: Person) -> Actor:
    """The actor the API sees for this person's bearer token."""
    actor = await accounts.resolve_session(
        person.headers["Authorization"].removeprefix("Bearer "), kind="api"
    )
    assert actor is not None
    return actor


@contextlib.asynccontextmanager
async def signed_in(client_factory, person: Person):
    async with client_factory() as http:
        response = await sign_in_page(http, person.phone)
        assert response.status_code in (302, 303), response.text
        yield http


async def post_form(http, page: str, action: str):
    return await http.post(action, data={"_csrf_token": await csrf_token(http, page)})


async def booking_row(booking_id: int) -> dict:
    return await Booking.select().where(Booking.id == booking_id).first().run()


async def offered(client, w: bs.World, minutes_ahead: int = 600) -> dict:
    made = await bs.book(
        client, w.family, w.elder_id, bs.at(minutes_ahead), provider_id=w.provider_id
    )
    assert made.status_code == 201 and made.json()["status"] == "offered", made.text
    return made.json()


async def booked_earlier(w: bs.World, minutes_ago: int) -> int:
    """A booking the family made ``minutes_ago`` minutes ago (the service takes ``now``)."""
    made = await service.book(
        await actor_of(w.family),
        elder_id=w.elder_id,
        service_code=bs.ITEM,
        start=datetime.fromisoformat(bs.at(600)),
        provider_id=w.provider_id,
        now=datetime.now(UTC) - timedelta(minutes=minutes_ago),
    )
    return made.id


# --------------------------------------------------------------------------- bookings


async def test_the_family_withdraws_a_booking_minutes_after_making_it_and_the_provider_is_told(
    client, make_person
):
    w = await bs.build_world(client, make_person)
    booking = await offered(client, w)
    response = await client.post(
        f"/api/v1/bookings/{booking['id']}/withdraw", headers=w.family.headers
    )
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["late_cancellation"]) == ("cancelled", False)
    row = await booking_row(booking["id"])
    assert (row["cancel_reason"], row["cancelled_by"]) == ("withdrawn", w.family.id)
    offers = await BookingOffer.select().where(BookingOffer.booking == booking["id"]).run()
    assert offers and {o["outcome"] for o in offers} == {"withdrawn"}
    told = await Notification.select().where(Notification.user_id == w.admin.id).run()
    assert [(n["kind"], n["message"]) for n in told if n["kind"] == "booking.cancelled"] == [
        (
            "booking.cancelled",
            "Booking {id} was withdrawn by the elder's side soon after it was made.",
        )
    ]
    assert (
        await AuditEvent.exists()
        .where(
            (AuditEvent.action == "booking.withdraw") & (AuditEvent.entity_id == str(booking["id"]))
        )
        .run()
    )
    again = await client.post(
        f"/api/v1/bookings/{booking['id']}/withdraw", headers=w.family.headers
    )
    assert again.status_code == 409


async def test_an_accepted_visit_starting_within_two_hours_is_withdrawn_free_never_late(
    client, make_person
):
    w = await bs.build_world(client, make_person)
    booking = await offered(client, w, minutes_ahead=90)  # inside the free-cancellation cutoff
    accepted = await client.post(
        f"/api/v1/bookings/{booking['id']}/accept",
        headers=w.admin.headers,
        json={"caregiver_id": w.caregiver_id},
    )
    assert accepted.json()["status"] == "accepted", accepted.text
    withdrawn = await client.post(
        f"/api/v1/bookings/{booking['id']}/withdraw", headers=w.family.headers
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert (withdrawn.json()["status"], withdrawn.json()["late_cancellation"]) == (
        "cancelled",
        False,
    )


async def test_after_ten_minutes_a_booking_is_not_withdrawn_but_can_still_be_cancelled(
    client, make_person
):
    w = await bs.build_world(client, make_person)
    family = await actor_of(w.family)
    late_id = (await offered(client, w))["id"]
    made_at = (await booking_row(late_id))["created_at"]
    with pytest.raises(Conflict) as refused:
        await visits.withdraw(family, late_id, now=made_at + TEN + timedelta(seconds=1))
    assert refused.value.params == {"minutes": 10}
    assert (await booking_row(late_id))["status"] == "offered"  # nothing changed
    cancelled = await visits.cancel(family, late_id, "", now=made_at + TEN + timedelta(seconds=2))
    assert cancelled.status == "cancelled"

    on_time_id = (await offered(client, w))["id"]
    made_at = (await booking_row(on_time_id))["created_at"]
    assert (await visits.withdraw(family, on_time_id, now=made_at + TEN)).status == "cancelled"

    # Through the API, eleven minutes after booking: 409 in plain words, and nothing changes.
    old_id = await booked_earlier(w, 11)
    answer = await client.post(f"/api/v1/bookings/{old_id}/withdraw", headers=w.family.headers)
    assert answer.status_code == 409
    assert answer.json()["detail"] == zh(
        "More than {minutes} minutes have passed since this booking was made, so it can no "
        "longer be withdrawn. You can still cancel it.",
        minutes=10,
    )
    row = await booking_row(old_id)
    assert (row["status"], row["cancel_reason"]) == ("offered", "")


async def test_strangers_get_404_the_provider_403_and_a_started_visit_409(client, make_person):
    w = await bs.build_world(client, make_person)
    booking = await offered(client, w, minutes_ahead=45)
    url = f"/api/v1/bookings/{booking['id']}/withdraw"
    stranger = await make_person("family")
    assert (await client.post(url, headers=stranger.headers)).status_code == 404
    assert (await client.post(url, headers=w.admin.headers)).status_code == 403
    assert (await booking_row(booking["id"]))["status"] == "offered"

    await client.post(
        f"/api/v1/bookings/{booking['id']}/accept",
        headers=w.admin.headers,
        json={"caregiver_id": w.caregiver_id},
    )
    arrived = await client.post(
        f"/api/v1/bookings/{booking['id']}/check-in",
        headers=w.caregiver.headers,
        json={"lat": BASE[0] + 0.01, "lon": BASE[1]},
    )
    assert arrived.json()["status"] == "in_service", arrived.text
    assert (await client.post(url, headers=w.family.headers)).status_code == 409
    assert (await booking_row(booking["id"]))["status"] == "in_service"


async def test_right_after_booking_the_page_offers_to_withdraw_and_asks_once_in_words(
    client, client_factory, make_person
):
    w = await bs.build_world(client, make_person)
    booking = await offered(client, w)
    path = f"/bookings/{booking['id']}"
    made_at = (await booking_row(booking["id"]))["created_at"]
    start = datetime.fromisoformat(booking["start"])
    async with signed_in(client_factory, w.family) as http:
        page = html.unescape((await http.get(f"{path}?done=booked")).text)
        assert 'id="withdraw-button"' in page and f'href="{path}?confirm=withdraw"' in page
        assert zh("Withdraw (within {minutes} minutes)", minutes=10) in page
        assert format_time(made_at + TEN, "zh_CN") in page  # until when, e.g. 下午3:47

        question = html.unescape((await http.get(f"{path}?confirm=withdraw")).text)
        assert zh("Withdraw this booking?") in question
        assert (
            zh(
                "You are withdrawing the booking of {service} for {elder} on {day} at {time}. "
                "Nothing is charged, and the provider is told.",
                service=f"上门{bs.ITEM}",
                elder="张秀英",
                day=format_day(start, "zh_CN"),
                time=format_time(start, "zh_CN"),
            )
            in question
        )
        assert f'action="{path}/withdraw"' in question and f'href="{path}"' in question

        done = await post_form(http, f"{path}?confirm=withdraw", f"{path}/withdraw")
        assert (
            done.status_code in (302, 303) and done.headers["location"] == f"{path}?done=withdraw"
        )
        after = html.unescape((await http.get(done.headers["location"])).text)
        assert (
            zh("The booking is withdrawn. Nothing is charged, and the provider has been told.")
            in after
        )
        # Said where the cancellation is shown and as a step of "what has happened".
        assert after.count(zh("Withdrawn soon after booking")) == 2
        assert 'id="withdraw-button"' not in after


async def test_after_ten_minutes_the_page_offers_no_withdrawal_and_a_late_press_is_refused(
    client, client_factory, make_person
):
    w = await bs.build_world(client, make_person)
    old_id = await booked_earlier(w, 11)
    path = f"/bookings/{old_id}"
    async with signed_in(client_factory, w.family) as http:
        page = await http.get(path)
        assert 'id="withdraw-button"' not in page.text
        asked = await http.get(f"{path}?confirm=withdraw")  # an old link: the booking itself
        assert zh("Withdraw this booking?") not in html.unescape(asked.text)
        refused = await post_form(http, path, f"{path}/withdraw")
        assert refused.status_code == 409 and 'id="form-error"' in refused.text
        assert zh("Cancel this booking") in html.unescape(refused.text)
    assert (await booking_row(old_id))["status"] == "offered"


# --------------------------------------------------------------------------- applications


async def application_rows(application_id: int) -> tuple[int, int, int]:
    """What anyone can still see: the application, its steps, its documents. A withdrawn one
    is kept hidden with its trail (so SQLite never hands its id to the next application);
    its documents are gone."""
    visible = (
        await Application.count()
        .where((Application.id == application_id) & (Application.status != "withdrawn"))
        .run()
    )
    steps = await ApplicationStep.count().where(ApplicationStep.application == application_id).run()
    documents = (
        await ApplicationDocument.count()
        .where(ApplicationDocument.application == application_id)
        .run()
    )
    return visible, steps if visible else 0, documents


async def test_the_id_of_a_withdrawn_application_is_never_given_again(client, make_person):
    world = await ss.build_world(make_person)
    first = await ss.add_elder(client, world.family, birth=date(1940, 5, 1))
    second = await ss.add_elder(client, world.family, birth=date(1941, 5, 1), name="第二位")
    sent_at = datetime.now(UTC)
    taken_back = await applications.apply(
        world.family_actor, elder_id=first, program_code=ss.PROGRAM, now=sent_at
    )
    await applications.withdraw(world.family_actor, taken_back.id, now=sent_at)
    following = await applications.apply(
        world.family_actor, elder_id=second, program_code=ss.PROGRAM, now=sent_at
    )
    assert following.id != taken_back.id
    again = await applications.apply(
        world.family_actor, elder_id=first, program_code=ss.PROGRAM, now=sent_at
    )
    assert again.status == "submitted"


async def test_a_family_withdraws_an_application_minutes_after_sending_it_and_it_is_gone(
    client, make_person
):
    world = await ss.build_world(make_person)
    elder = await ss.add_elder(client, world.family, birth=date(1940, 5, 1))
    created = await client.post(
        API, headers=world.family.headers, json={"elder_id": elder, "program_code": ss.PROGRAM}
    )
    application_id = created.json()["id"]
    uploaded = await client.post(
        f"{API}/{application_id}/documents",
        headers=world.family.headers,
        data={"kind": "id_card"},
        files={"file": ("身份证.png", PNG, "image/png")},
    )
    assert uploaded.status_code == 201, uploaded.text
    assert await application_rows(application_id) == (1, 1, 1)

    withdrawn = await client.post(f"{API}/{application_id}/withdraw", headers=world.family.headers)
    assert withdrawn.status_code == 204, withdrawn.text
    assert await application_rows(application_id) == (0, 0, 0)
    shown = await client.get(f"{API}/{application_id}", headers=world.family.headers)
    assert shown.status_code == 404
    again = await client.post(f"{API}/{application_id}/withdraw", headers=world.family.headers)
    assert again.status_code == 404
    assert (
        await AuditEvent.exists()
        .where(
            (AuditEvent.action == "application.withdraw")
            & (AuditEvent.entity_id == str(application_id))
        )
        .run()
    )
    told = await Notification.select().where(Notification.user_id == world.staff.id).run()
    assert "application.withdrawn" in {n["kind"] for n in told}
    anew = await client.post(
        API, headers=world.family.headers, json={"elder_id": elder, "program_code": ss.PROGRAM}
    )
    assert anew.status_code == 201, anew.text  # nothing open any more: apply again


async def test_after_ten_minutes_or_once_staff_act_an_application_stays(client, make_person):
    world = await ss.build_world(make_person)
    first = await ss.add_elder(client, world.family, birth=date(1940, 5, 1), name="甲")
    second = await ss.add_elder(client, world.family, birth=date(1941, 5, 1), name="乙")
    third = await ss.add_elder(client, world.family, birth=date(1942, 5, 1), name="丙")
    sent_at = datetime.now(UTC) - timedelta(minutes=11)
    old = await applications.apply(
        world.family_actor, elder_id=first, program_code=ss.PROGRAM, now=sent_at
    )
    refused = await client.post(f"{API}/{old.id}/withdraw", headers=world.family.headers)
    assert refused.status_code == 409
    assert refused.json()["detail"] == zh(
        "More than {minutes} minutes have passed since the application was sent, so it can no "
        "longer be withdrawn.",
        minutes=10,
    )
    assert await application_rows(old.id) == (1, 1, 0)

    accepted = await applications.apply(
        world.family_actor, elder_id=second, program_code=ss.PROGRAM
    )
    await applications.decide(world.staff_actor, accepted.id, decision="accept")
    answer = await client.post(f"{API}/{accepted.id}/withdraw", headers=world.family.headers)
    assert answer.status_code == 409
    shown = await client.get(f"{API}/{accepted.id}", headers=world.family.headers)
    assert shown.json()["status"] == "accepted"

    sent_at = datetime.now(UTC)
    view = await applications.apply(
        world.family_actor, elder_id=third, program_code=ss.PROGRAM, now=sent_at
    )
    with pytest.raises(Conflict):
        await applications.withdraw(
            world.family_actor, view.id, now=sent_at + TEN + timedelta(seconds=1)
        )
    await applications.withdraw(world.family_actor, view.id, now=sent_at + TEN)
    assert await application_rows(view.id) == (0, 0, 0)


async def test_strangers_get_404_other_staff_403_and_the_staff_member_who_sent_it_may_withdraw(
    client, make_person
):
    world = await ss.build_world(make_person)
    elder = await ss.add_elder(client, world.family, birth=date(1940, 5, 1))
    by_staff = await client.post(
        API, headers=world.staff.headers, json={"elder_id": elder, "program_code": ss.PROGRAM}
    )
    assert by_staff.status_code == 201 and by_staff.json()["channel"] == "proxy", by_staff.text
    url = f"{API}/{by_staff.json()['id']}/withdraw"
    stranger = await make_person("family")
    assert (await client.post(url, headers=stranger.headers)).status_code == 404
    colleague = await make_person("community_staff", region="510903")
    assert (await client.post(url, headers=colleague.headers)).status_code == 403
    assert (await client.post(url, headers=world.officer.headers)).status_code == 403
    assert await application_rows(by_staff.json()["id"]) == (1, 1, 0)
    assert (await client.post(url, headers=world.staff.headers)).status_code == 204


async def test_a_withdrawn_application_puts_its_elder_back_on_the_outreach_list(
    client, make_person
):
    world = await ss.build_world(make_person)
    elder = await ss.add_elder(client, world.family, birth=date(1940, 5, 1))
    assert await jobs.discover_eligible(datetime.now(UTC)) == 1
    view = await applications.apply(world.family_actor, elder_id=elder, program_code=ss.PROGRAM)
    assert (await discovery.outreach_list(world.staff_actor))[1] == 0
    await applications.withdraw(world.family_actor, view.id)
    found, total = await discovery.outreach_list(world.staff_actor)
    assert total == 1 and (found[0].elder_id, found[0].application_id) == (elder, None)


async def test_the_application_page_offers_withdraw_asks_once_and_then_it_is_gone(
    client, client_factory, make_person
):
    world = await ss.build_world(make_person)
    elder = await ss.add_elder(client, world.family, birth=date(1940, 5, 1))
    view = await applications.apply(world.family_actor, elder_id=elder, program_code=ss.PROGRAM)
    path = f"/subsidies/applications/{view.id}"
    async with signed_in(client_factory, world.family) as http:
        page = html.unescape((await http.get(f"{path}?done=applied")).text)
        assert 'id="withdraw-button"' in page and f'href="{path}?confirm=withdraw"' in page
        assert format_time(view.submitted_at + TEN, "zh_CN") in page

        question = html.unescape((await http.get(f"{path}?confirm=withdraw")).text)
        assert zh("Withdraw this application?") in question and "遂宁市高龄津贴" in question
        assert f'action="{path}/withdraw"' in question and f'href="{path}"' in question

        done = await post_form(http, f"{path}?confirm=withdraw", f"{path}/withdraw")
        assert done.status_code == 303 and done.headers["location"] == "/subsidies?done=withdrawn"
        after = html.unescape((await http.get("/subsidies?done=withdrawn")).text)
        assert zh("The application has been withdrawn. You can apply again at any time.") in after
        assert (await http.get(path)).status_code == 404

    accepted = await applications.apply(
        world.family_actor,
        elder_id=await ss.add_elder(client, world.family, birth=date(1941, 5, 1), name="乙"),
        program_code=ss.PROGRAM,
    )
    await applications.decide(world.staff_actor, accepted.id, decision="accept")
    async with signed_in(client_factory, world.family) as http:
        page = await http.get(f"/subsidies/applications/{accepted.id}")
        assert page.status_code == 200 and 'id="withdraw-button"' not in page.text
