"""The allowance pages: a family applies in three steps and adds documents, community staff
receive and check, an officer approves; the yearly check, the review queue, and everything
refused is refused beside its field with nothing changed."""

from __future__ import annotations

import contextlib
import html
import re
from datetime import UTC, date, datetime, timedelta

from eldercare.accounts import service as accounts
from eldercare.actor import Actor
from eldercare.db import fetch
from eldercare.subsidies import applications, jobs, programs
from eldercare.subsidies.domain import Band
from eldercare.web.i18n import translate
from tests.factories import valid_id_number
from tests.integration.conftest import PASSWORD, csrf_token, next_phone, sign_in_page

PROGRAM = "gaoling-suining"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
_CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


def zh(message: str, **params) -> str:
    """What a reader of the (default) Chinese pages sees for this message."""
    return translate("zh_CN", message, **params)


def text_of(response) -> str:
    return html.unescape(response.text)


def token_of(page: str) -> str:
    found = _CSRF.search(page)
    assert found, "no CSRF token"
    return found.group(1)


def assert_field_error(page: str, field: str, message: str) -> None:
    found = re.search(rf'<p class="field-error" id="error-{field}">([^<]*)</p>', page)
    assert found, f"no error beside {field}"
    assert html.unescape(found.group(1)) == message
    assert f'aria-describedby="error-{field}"' in page


@contextlib.asynccontextmanager
async def signed_in(client_factory, phone: str):
    async with client_factory() as http:
        response = await sign_in_page(http, phone)
        assert response.status_code in (302, 303), response.text
        yield http


async def post_form(http, page: str, action: str, **fields):
    return await http.post(action, data={"_csrf_token": await csrf_token(http, page), **fields})


async def make_program() -> None:
    officer = Actor(id=0, name="民政局", roles=("bureau_officer",), region_code="510900")
    await programs.create_program(
        officer,
        programs.ProgramInput(
            code=PROGRAM,
            name="遂宁市高龄津贴",
            kind="allowance",
            region_code="510900",
            bands=[Band(80, 89, 10000), Band(90, 99, 20000), Band(100, None, 50000)],
        ),
    )


async def add_elder(client, family, *, birth: date, name: str = "王桂兰") -> int:
    response = await client.post(
        "/api/v1/elders",
        headers=family.headers,
        json={
            "name": name,
            "id_number": valid_id_number(region="510903", birth=birth),
            "address": "船山区南津路街道滨江社区 5 栋",
            "region_code": "510903001001",
            "lat": 30.53,
            "lon": 105.58,
            "relationship": "child",
        },
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def rows_of(sql: str, *args) -> list[dict]:
    return [dict(row) for row in await fetch(sql, *args)]


async def count_applications() -> int:
    return (await fetch("SELECT COUNT(*) AS n FROM subsidy_application"))[0]["n"]


async def test_a_family_applies_in_three_steps_and_staff_and_an_officer_decide_on_the_pages(
    client, client_factory, make_person
):
    await make_program()
    family = await make_person("family", name="王强")
    staff = await make_person("community_staff", region="510903", name="社区李姐")
    officer = await make_person("bureau_officer", region="510900", name="民政局张科长")
    elder_id = await add_elder(client, family, birth=date(1940, 5, 1))

    async with signed_in(client_factory, family.phone) as http:
        mine = text_of(await http.get("/subsidies"))
        assert (
            "遂宁市高龄津贴" in mine
            and f"/subsidies/apply?elder_id={elder_id}&program={PROGRAM}" in mine
        )

        # Step 1: the only elder and the only program are already chosen.
        step1 = await http.get("/subsidies/apply")
        assert step1.status_code == 200
        assert zh("Step {step} of 3", step=1) in text_of(step1)
        assert f'id="elder_id-{elder_id}"' in step1.text and f'id="program-{PROGRAM}"' in step1.text

        # Step 2: eligible at 86, so ¥100.00 a month; a bank account of three digits is refused.
        step2 = await http.get(f"/subsidies/apply?elder_id={elder_id}&program={PROGRAM}")
        assert step2.status_code == 200, step2.text
        assert zh("{amount} a month", amount="¥100.00") in text_of(step2)
        refused = await http.post(
            "/subsidies/apply",
            data={
                "_csrf_token": token_of(step2.text),
                "elder_id": str(elder_id),
                "program": PROGRAM,
                "bank_name": "农业银行",
                "bank_account": "123",
            },
        )
        assert refused.status_code == 422
        assert_field_error(
            refused.text, "bank_account", zh("A bank account number has 12 to 30 digits.")
        )
        assert await count_applications() == 0

        sent = await http.post(
            "/subsidies/apply",
            data={
                "_csrf_token": token_of(step2.text),
                "elder_id": str(elder_id),
                "program": PROGRAM,
                "bank_name": "农业银行",
                "bank_account": "6228 4800 1234 5678",
                "consent_bank": "yes",
            },
        )
        assert sent.status_code == 303, sent.text
        found = re.fullmatch(
            r"/subsidies/applications/(\d+)\?done=applied", sent.headers["location"]
        )
        assert found, sent.headers["location"]
        application_id = int(found.group(1))
        page = f"/subsidies/applications/{application_id}"

        # Step 3: the application's own page, where the documents are added.
        step3 = text_of(await http.get(sent.headers["location"]))
        assert zh("Step {step} of 3", step=3) in step3 and "status-submitted" in step3
        assert zh("Application sent") in step3 and 'enctype="multipart/form-data"' in step3

        token = await csrf_token(http, page)
        added = await http.post(
            f"{page}/documents",
            data={"_csrf_token": token, "kind": "id_card"},
            files={"file": ("身份证.png", PNG, "image/png")},
        )
        assert added.status_code == 303, added.text
        fake = await http.post(
            f"{page}/documents",
            data={"_csrf_token": token, "kind": "other"},
            files={"file": ("photo.png", b"MZ\x90\x00" + b"\x00" * 60, "image/png")},
        )
        assert fake.status_code == 422
        assert_field_error(
            fake.text, "file", zh("Only photos (JPEG, PNG) and PDF files can be uploaded.")
        )
        detail = await http.get(page)
        [link] = re.findall(rf'href="({page}/documents/\d+)"', detail.text)
        download = await http.get(link)
        assert download.status_code == 200 and download.content == PNG
        assert download.headers["content-type"] == "image/png"
        assert download.headers["x-content-type-options"] == "nosniff"

        # Applying twice is refused with the reason and a way to the first application.
        again = await http.post(
            "/subsidies/apply",
            data={"_csrf_token": token, "elder_id": str(elder_id), "program": PROGRAM},
        )
        assert again.status_code == 409
        assert zh("This elder already has an open application for this program.") in text_of(again)
        assert f'href="{page}"' in again.text
        assert await count_applications() == 1

    # Another family sees nothing of it.
    stranger = await make_person("family", name="陌生人")
    async with signed_in(client_factory, stranger.phone) as http:
        assert (await http.get(page)).status_code == 404
        assert (await http.get(link)).status_code == 404

    # Community staff receive it and pass the first check.
    async with signed_in(client_factory, staff.phone) as http:
        queue = await http.get("/staff/subsidies")
        assert f'id="application-{application_id}"' in queue.text
        seen = await http.get(page)
        assert (
            f'action="{page}/accept"' in seen.text and f'action="{page}/approve"' not in seen.text
        )
        assert (await post_form(http, page, f"{page}/accept")).status_code == 303
        # Sending back needs a reason, given beside the box.
        bare = await post_form(http, page, f"{page}/return", return_comment="")
        assert bare.status_code == 422
        assert_field_error(
            bare.text,
            "return_comment",
            zh("Say what is missing or why, so the family knows what to do."),
        )
        passed = await post_form(http, page, f"{page}/pass", pass_comment="材料齐全")
        assert passed.status_code == 303, passed.text

    async with signed_in(client_factory, officer.phone) as http:
        seen = await http.get(page)
        assert f'action="{page}/approve"' in seen.text
        approved = await post_form(http, page, f"{page}/approve")
        assert approved.status_code == 303, approved.text
        again = await post_form(http, page, f"{page}/approve")
        assert again.status_code == 409
        assert "form-error" in again.text

    async with signed_in(client_factory, family.phone) as http:
        mine = text_of(await http.get("/subsidies"))
        assert "status-approved" in mine and zh("{amount} a month", amount="¥100.00") in mine
        assert re.search(r'href="/subsidies/entitlements/\d+"', mine)
        timeline = text_of(await http.get(page))
        for words in (
            "Application sent",
            "Received by community staff",
            "Passed the first check by community staff",
            "Approved by the civil affairs bureau",
        ):
            assert zh(words) in timeline
        assert "材料齐全" in timeline


async def test_the_first_reviewer_is_told_another_officer_must_approve(
    client, client_factory, make_person
):
    await make_program()
    family = await make_person("family")
    elder_id = await add_elder(client, family, birth=date(1935, 2, 1))
    phone = next_phone()
    user = await accounts.create_user(
        phone=phone,
        password=PASSWORD,
        name="身兼两职",
        roles=["community_staff", "bureau_officer"],
        region_code="510900",
    )
    family_actor = Actor(id=family.id, name="", roles=("family",))
    made = await applications.apply(family_actor, elder_id=elder_id, program_code=PROGRAM)
    page = f"/subsidies/applications/{made.id}"

    async with signed_in(client_factory, phone) as http:
        for step in ("accept", "pass"):
            assert (await post_form(http, page, f"{page}/{step}")).status_code == 303
        seen = text_of(await http.get(page))
        assert 'id="approve-blocked"' in seen and f'action="{page}/approve"' not in seen
        refused = await post_form(http, page, f"{page}/approve")  # e.g. from a page left open
        assert refused.status_code == 403
        assert zh("The first reviewer cannot also approve the application.") in text_of(refused)
        assert "status-reviewed" in refused.text  # the page itself, not a bare error
    assert user.roles
    rows = await rows_of("SELECT status FROM subsidy_application WHERE id = {}", made.id)
    assert rows == [{"status": "reviewed"}]


async def test_a_too_young_elder_is_told_why_beside_the_field_and_nothing_is_made(
    client, client_factory, make_person
):
    await make_program()
    family = await make_person("family")
    elder_id = await add_elder(client, family, birth=date(1960, 5, 1), name="刘明")
    reason = zh("This program starts at age {min_age}; the elder is {age}.", min_age=80, age=66)
    async with signed_in(client_factory, family.phone) as http:
        checked = await http.get(f"/subsidies/apply?elder_id={elder_id}&program={PROGRAM}")
        assert checked.status_code == 422
        assert_field_error(checked.text, "elder_id", reason)
        assert zh("Step {step} of 3", step=1) in text_of(checked)
        posted = await post_form(
            http, "/subsidies/apply", "/subsidies/apply", elder_id=str(elder_id), program=PROGRAM
        )
        assert posted.status_code == 422
        assert_field_error(posted.text, "elder_id", reason)
        unknown = await http.get(f"/subsidies/apply?elder_id={elder_id}&program=nope")
        assert unknown.status_code == 422
        assert_field_error(
            unknown.text, "program", zh("There is no program with the code {code}.", code="nope")
        )
        unchosen = await http.get(f"/subsidies/apply?check=1&elder_id={elder_id}")
        assert unchosen.status_code == 422
        assert_field_error(unchosen.text, "program", zh("Please choose an allowance."))
        # Somebody else's elder, named in a link, is not found.
        assert (await http.get("/subsidies/apply?elder_id=999999&program=x")).status_code == 404
    assert await count_applications() == 0


async def test_the_queue_filters_and_shows_late_applications_first(
    client, client_factory, make_person
):
    await make_program()
    family = await make_person("family")
    staff = await make_person("community_staff", region="510903")
    family_actor = Actor(id=family.id, name="", roles=("family",))
    now = datetime.now(UTC)
    elders = {
        "新来的": await add_elder(client, family, birth=date(1944, 1, 1), name="新来的"),
        "等久了": await add_elder(client, family, birth=date(1938, 1, 1), name="等久了"),
        "九十六": await add_elder(client, family, birth=date(1930, 1, 1), name="九十六"),
    }
    ids = {}
    for name, sent in (
        ("新来的", now),
        ("九十六", now - timedelta(days=10)),  # a due date clearly between the other two
        ("等久了", now - timedelta(days=60)),
    ):
        made = await applications.apply(
            family_actor, elder_id=elders[name], program_code=PROGRAM, now=sent
        )
        ids[name] = made.id

    def order(page: str) -> list[int]:
        return [int(i) for i in re.findall(r'<li class="card" id="application-(\d+)"', page)]

    async with signed_in(client_factory, staff.phone) as http:
        queue = await http.get("/staff/subsidies")
        assert queue.status_code == 200
        assert order(queue.text) == [ids["等久了"], ids["九十六"], ids["新来的"]]
        assert queue.text.count("overdue-badge") == 1
        late = await http.get("/staff/subsidies?overdue=1")
        assert order(late.text) == [ids["等久了"]]
        oldest = await http.get("/staff/subsidies?status=submitted&min_age=90")
        assert order(oldest.text) == [ids["九十六"]]
        bad = await http.get("/staff/subsidies?min_age=abc&max_age=70")
        assert bad.status_code == 422 and order(bad.text) == []
        assert_field_error(bad.text, "min_age", zh("Give an age in whole years, from 0 to 150."))
        upside_down = await http.get("/staff/subsidies?min_age=90&max_age=80")
        assert upside_down.status_code == 422
        assert_field_error(
            upside_down.text,
            "max_age",
            zh("The highest age must not be below the lowest age."),
        )
        unknown = await http.get("/staff/subsidies?status=lost")
        assert unknown.status_code == 422
        assert_field_error(unknown.text, "status", zh("Please choose from the list."))

    # The queue is for staff only.
    async with signed_in(client_factory, family.phone) as http:
        assert (await http.get("/staff/subsidies")).status_code == 403


async def test_the_yearly_check_is_confirmed_online_by_the_family_and_by_staff_after_a_call(
    client, client_factory, make_person
):
    await make_program()
    family = await make_person("family")
    staff = await make_person("community_staff", region="510903")
    officer = Actor(id=0, name="民政局", roles=("bureau_officer",), region_code="510900")
    staff_actor = Actor(id=staff.id, name="", roles=("community_staff",), region_code="510903")
    family_actor = Actor(id=family.id, name="", roles=("family",))
    now = datetime.now(UTC)
    approved_at = now - timedelta(days=350)
    for name, birth in (("王桂兰", date(1940, 5, 1)), ("李大爷", date(1936, 3, 3))):
        elder_id = await add_elder(client, family, birth=birth, name=name)
        view = await applications.apply(
            family_actor, elder_id=elder_id, program_code=PROGRAM, now=approved_at
        )
        for who, decision in ((staff_actor, "accept"), (staff_actor, "pass"), (officer, "approve")):
            await applications.decide(who, view.id, decision=decision, now=approved_at)
    await jobs.annual_reviews(now)
    [first, second] = [r["id"] for r in await fetch("SELECT id FROM subsidy_review ORDER BY elder")]

    async with signed_in(client_factory, family.phone) as http:
        assert 'id="reviews-waiting"' in (await http.get("/subsidies")).text
        checks = text_of(await http.get("/subsidies/reviews"))
        assert f'id="review-{first}"' in checks and "suspends-on" in checks
        assert 'value="home_visit"' not in checks
        done = await post_form(http, "/subsidies/reviews", f"/subsidies/reviews/{first}/confirm")
        assert done.status_code == 303
        again = await post_form(http, "/subsidies/reviews", f"/subsidies/reviews/{first}/confirm")
        assert again.status_code == 409 and "form-error" in again.text

    async with signed_in(client_factory, staff.phone) as http:
        checks = await http.get("/subsidies/reviews")
        assert f'id="review-{second}"' in checks.text and 'value="phone"' in checks.text
        called = await post_form(
            http, "/subsidies/reviews", f"/subsidies/reviews/{second}/confirm", method="phone"
        )
        assert called.status_code == 303

    rows = await rows_of("SELECT method, status FROM subsidy_review ORDER BY elder")
    assert rows == [
        {"method": "online", "status": "confirmed"},
        {"method": "phone", "status": "confirmed"},
    ]


async def test_community_staff_apply_on_an_elders_behalf_from_a_link(
    client, client_factory, make_person
):
    await make_program()
    family = await make_person("family")
    staff = await make_person("community_staff", region="510903")
    elder_id = await add_elder(client, family, birth=date(1931, 7, 1), name="赵奶奶")
    async with signed_in(client_factory, staff.phone) as http:
        home = await http.get("/subsidies")
        assert (
            'href="/staff/subsidies/outreach"' in home.text
            and 'href="/staff/subsidies"' in home.text
        )
        found = await http.get("/subsidies/apply?q=赵")
        assert f'id="elder_id-{elder_id}"' in found.text
        step2 = await http.get(f"/subsidies/apply?elder_id={elder_id}&program={PROGRAM}")
        assert zh("{amount} a month", amount="¥200.00") in text_of(step2)  # 95 years old
        sent = await http.post(
            "/subsidies/apply",
            data={
                "_csrf_token": token_of(step2.text),
                "elder_id": str(elder_id),
                "program": PROGRAM,
            },
        )
        assert sent.status_code == 303, sent.text
        detail = text_of(await http.get(sent.headers["location"]))
        assert zh("By community staff on the elder's behalf") in detail
    rows = await rows_of("SELECT channel, status FROM subsidy_application")
    assert rows == [{"channel": "proxy", "status": "submitted"}]
    async with signed_in(client_factory, family.phone) as http:
        mine = text_of(await http.get("/subsidies"))
        assert zh("Already applied: see the application above.") in mine


async def test_an_application_sent_back_says_what_to_correct_and_the_family_sends_it_again(
    client, client_factory, make_person
):
    await make_program()
    family = await make_person("family")
    staff = await make_person("community_staff", region="510903")
    elder_id = await add_elder(client, family, birth=date(1940, 5, 1))
    made = await applications.apply(
        Actor(id=family.id, name="", roles=("family",)), elder_id=elder_id, program_code=PROGRAM
    )
    page = f"/subsidies/applications/{made.id}"
    async with signed_in(client_factory, staff.phone) as http:
        sent_back = await post_form(http, page, f"{page}/return", return_comment="请补交户口本照片")
        assert sent_back.status_code == 303

    async with signed_in(client_factory, family.phone) as http:
        seen = text_of(await http.get(page))
        assert "status-returned" in seen
        assert zh("What needs correcting: {comment}", comment="请补交户口本照片") in seen
        assert f'action="{page}/accept"' not in seen  # no review buttons for the family
        refused = await post_form(http, page, f"{page}/accept")
        assert refused.status_code == 403 and "status-returned" in refused.text
        again = await post_form(http, page, f"{page}/resubmit", resubmit_comment="已补交")
        assert again.status_code == 303
        seen = text_of(await http.get(again.headers["location"]))
        assert "status-submitted" in seen and zh("Sent again after the correction") in seen
        assert f'action="{page}/resubmit"' not in seen
