"""The bureau's and staff's subsidy pages: defining a program, the month's payments with the
bank's file out and its answer in, the outreach list, recording a death, and one entitlement
as the family and staff see it."""

from __future__ import annotations

import contextlib
import csv
import io
import re
from datetime import date

import pytest

from eldercare.actor import Actor
from eldercare.db import fetch
from eldercare.subsidies import applications, jobs, payments, programs
from eldercare.subsidies.domain import Band
from eldercare.web.i18n import translate
from tests.integration.conftest import csrf_token, sign_in_page
from tests.integration.subsidies_support import add_elder, local
from tests.integration.test_page_rendering import assert_page

PROGRAM = "gaoling-suining"
BANDS = [Band(80, 89, 15050), Band(90, None, 30000)]  # ¥150.50 and ¥300.00 a month


def zh(message: str, **params) -> str:
    return translate("zh_CN", message, **params)


def actor(person, role: str, region: str | None) -> Actor:
    return Actor(id=person.id, name=person.name, roles=(role,), region_code=region)


@contextlib.asynccontextmanager
async def signed_in(client_factory, person):
    async with client_factory() as http:
        response = await sign_in_page(http, person.phone)
        assert response.status_code in (302, 303), response.text
        yield http


async def post(http, path: str, data: dict, page: str | None = None, **extra):
    token = await csrf_token(http, page or path)
    return await http.post(path, data={"_csrf_token": token, **data}, **extra)


def assert_field_error(page: str, field: str, message: str | None = None) -> None:
    assert f'id="error-{field}"' in page, page
    assert f'aria-describedby="error-{field}"' in page
    if message is not None:
        shown = re.search(rf'id="error-{re.escape(field)}">(.*?)</p>', page, re.S)
        assert shown and message in shown.group(1), (field, shown and shown.group(1))


@pytest.fixture
async def people(make_person):
    return {
        "family": await make_person("family", name="王强"),
        "staff": await make_person("community_staff", region="510903", name="社区李姐"),
        "officer": await make_person("bureau_officer", region="510900", name="民政局张科长"),
        "approver": await make_person("bureau_officer", region="510900", name="民政局赵科员"),
    }


async def make_program(people, code: str = PROGRAM, **extra) -> programs.ProgramView:
    return await programs.create_program(
        actor(people["officer"], "bureau_officer", "510900"),
        programs.ProgramInput(
            code=code,
            name=extra.pop("name", "遂宁市高龄津贴"),
            kind=extra.pop("kind", "allowance"),
            region_code=extra.pop("region_code", "510900"),
            bands=extra.pop("bands", BANDS),
            **extra,
        ),
    )


async def granted(people, elder_id: int, *, at, code: str = PROGRAM) -> int:
    """Applied by the family, accepted and passed by staff, approved by another officer."""
    family = actor(people["family"], "family", None)
    staff = actor(people["staff"], "community_staff", "510903")
    view = await applications.apply(family, elder_id=elder_id, program_code=code, now=at)
    for decision in ("accept", "pass"):
        await applications.decide(staff, view.id, decision=decision, now=at)
    approver = actor(people["approver"], "bureau_officer", "510900")
    await applications.decide(approver, view.id, decision="approve", now=at)
    rows = await fetch("SELECT id FROM subsidy_entitlement WHERE application = {}", view.id)
    return rows[0]["id"]


async def payment_rows(entitlement_id: int) -> list[tuple[int, int, str]]:
    rows = await fetch(
        "SELECT month, amount_fen, status FROM subsidy_payment WHERE entitlement = {} "
        "ORDER BY month",
        entitlement_id,
    )
    return [(r["month"], r["amount_fen"], r["status"]) for r in rows]


# --------------------------------------------------------------------------- programs


def program_form(**fields: str) -> dict[str, str]:
    form = {
        "code": "gaoling-chuanshan",
        "name": "船山区高龄津贴",
        "kind": "allowance",
        "region_code": "510903",
        "annual_review": "on",
        "band-0-min_age": "80",
        "band-0-max_age": "89",
        "band-0-amount": "150.5",
        "band-1-min_age": "90",
        "band-1-max_age": "",
        "band-1-amount": "300",
    }
    form.update(fields)
    return form


PROGRAMS = "/bureau/subsidies/programs"


async def test_an_officer_defines_a_program_on_the_page(client_factory, people):
    async with signed_in(client_factory, people["officer"]) as http:
        page = await http.get(PROGRAMS)
        assert page.status_code == 200
        assert_page(page.text)
        assert zh("No programs yet. Define the first one below.") in page.text

        response = await post(http, PROGRAMS, program_form())
        assert response.status_code == 303
        assert response.headers["location"] == f"{PROGRAMS}?saved=gaoling-chuanshan"
        html = (await http.get(response.headers["location"])).text

    assert (
        zh("The program {code} is defined. Elders can apply from now on.", code="gaoling-chuanshan")
        in html
    )
    assert "船山区高龄津贴" in html and zh("Cash allowance") in html and "船山区 (510903)" in html
    assert (
        zh("{min} to {max} years", min=80, max=89) + ": " + zh("{amount} a month", amount="¥150.50")
        in html
    )
    assert (
        zh("{min} years and over", min=90) + ": " + zh("{amount} a month", amount="¥300.00") in html
    )
    assert zh("Yes, every year") in html
    program = await programs.get_program("gaoling-chuanshan")
    assert program.bands == [Band(80, 89, 15050), Band(90, None, 30000)]
    assert (program.kind, program.region_code, program.annual_review) == (
        "allowance",
        "510903",
        True,
    )
    assert not program.auto_grant and not program.requires_low_income


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"band-1-min_age": "91"}, "band-1-min_age", zh("Ages {start} to {end} are in no band.", start=90, end=90)),
        ({"band-1-min_age": "85"}, "band-1-min_age", zh("The bands overlap at age {age}.", age=85)),
        ({"band-0-amount": "-5"}, "band-0-amount", zh("The amount must be more than zero.")),
        ({"band-0-amount": "150.555"}, "band-0-amount", zh("Give at most two decimals (fen), such as 150.50.")),
        ({"band-0-min_age": "eighty"}, "band-0-min_age", zh("Enter an age in whole years, such as 80.")),
        ({"code": "Bad Code!"}, "code", zh("Use 2 to 47 lower-case letters, digits or hyphens.")),
        # Rows typed out of order: the band from 90 on is the second youngest but on row 1,
        # so the gap after 85 shows on row 0's field, where it was typed.
        (
            {"band-0-min_age": "90", "band-0-max_age": "", "band-0-amount": "300",
             "band-1-min_age": "80", "band-1-max_age": "85", "band-1-amount": "150"},
            "band-0-min_age",
            zh("Ages {start} to {end} are in no band.", start=86, end=89),
        ),
    ],
    ids=["gap", "overlap", "negative", "three-decimals", "not-a-number", "bad-code", "rows-out-of-order"],
)  # fmt: skip
async def test_wrong_bands_are_refused_beside_the_field_and_nothing_is_created(
    client_factory, people, fields, field, message
):
    async with signed_in(client_factory, people["officer"]) as http:
        response = await post(http, PROGRAMS, program_form(**fields))
    assert response.status_code == 422
    assert_page(response.text)
    assert_field_error(response.text, field, message)
    assert f'value="{program_form(**fields)[field]}"' in response.text  # what was typed stays
    assert await programs.list_programs() == []
    assert (await fetch("SELECT COUNT(*) AS n FROM subsidy_band"))[0]["n"] == 0


async def test_a_code_already_taken_is_409_beside_the_code(client_factory, people):
    await make_program(people, "gaoling-chuanshan")
    async with signed_in(client_factory, people["officer"]) as http:
        response = await post(http, PROGRAMS, program_form(name="另一个"))
    assert response.status_code == 409
    assert_field_error(
        response.text,
        "code",
        zh("A program with the code {code} already exists.", code="gaoling-chuanshan"),
    )
    assert [p.name for p in await programs.list_programs()] == ["遂宁市高龄津贴"]


async def test_only_bureau_officers_open_the_program_and_payment_pages(client_factory, people):
    for who in ("staff", "family"):
        async with signed_in(client_factory, people[who]) as http:
            assert (await http.get(PROGRAMS)).status_code == 403
            assert (await post(http, PROGRAMS, program_form(), page="/")).status_code == 403
            assert (await http.get("/bureau/subsidies/payments")).status_code == 403
            assert (
                await http.get("/bureau/subsidies/payments/batches/202702-1")
            ).status_code == 403
    assert await programs.list_programs() == []


# --------------------------------------------------------------------------- payments

PAYMENTS = "/bureau/subsidies/payments"


async def test_the_months_payments_go_to_the_bank_and_its_answer_is_recorded(
    client, client_factory, people
):
    await make_program(people)
    elder_id = await add_elder(client, people["family"], birth=date(1940, 5, 1))
    entitlement_id = await granted(people, elder_id, at=local(2026, 11, 28, 10, 0))
    assert await jobs.monthly_payments(local(2027, 2, 10, 9, 0)) == 3  # December to February

    async with signed_in(client_factory, people["officer"]) as http:
        page = await http.get(PAYMENTS, params={"month": "2027-02"})
        assert page.status_code == 200
        assert_page(page.text)
        assert 'id="count-pending">1<' in page.text and 'id="total">¥150.50<' in page.text
        assert zh("No bank file has been made for this month yet.") in page.text

        made = await post(http, f"{PAYMENTS}/batches", {"month": "2027-02"}, page=PAYMENTS)
        assert made.status_code == 303
        assert made.headers["location"] == f"{PAYMENTS}?month=2027-02&made=202702-1&rows=3"
        html = (await http.get(made.headers["location"])).text
        assert (
            zh("The bank file {batch} is made: {rows} payments.", batch="202702-1", rows=3) in html
        )
        assert f'href="{PAYMENTS}/batches/202702-1"' in html
        assert 'id="count-exported">1<' in html

        download = await http.get(f"{PAYMENTS}/batches/202702-1")
        assert download.status_code == 200
        assert download.headers["content-type"].startswith("text/csv")
        assert 'filename="payments-202702-1.csv"' in download.headers["content-disposition"]
        assert download.content.startswith("\ufeff".encode())
        rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
        assert rows[0] == payments.CSV_HEADER
        body = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
        assert [(r["month"], r["amount_yuan"], r["amount_fen"]) for r in body] == [
            ("2026-12", "150.50", "15050"),
            ("2027-01", "150.50", "15050"),
            ("2027-02", "150.50", "15050"),
        ]
        assert {r["name"] for r in body} == {"王桂兰"} and {r["batch"] for r in body} == {
            "202702-1"
        }
        for missing in ("202702-9", "202713-1", "..%2Fetc"):
            assert (await http.get(f"{PAYMENTS}/batches/{missing}")).status_code == 404
        ids = [r["payment_id"] for r in body]

        # One known payment and one the bank made up, and a line that is not a payment:
        # each problem names its line in the file, and nothing is recorded.
        wrong = f"payment_id,result\n{ids[0]},paid\n999999,paid\nx,paid\n"
        refused = await post(
            http,
            f"{PAYMENTS}/returns",
            {"month": "2027-02"},
            page=PAYMENTS,
            files={"file": ("return.csv", wrong.encode(), "text/csv")},
        )
        assert refused.status_code == 422
        assert_page(refused.text)
        assert 'id="error-file"' in refused.text and 'aria-describedby="error-file"' in refused.text
        assert (
            zh("Line {line}: payment {id} is not waiting for the bank's answer.", line=3, id=999999)
            in refused.text
        )
        assert zh("Line {line} is not payment_id,result.", line=4) in refused.text
        assert {status for _, _, status in await payment_rows(entitlement_id)} == {"exported"}

        answer = (
            f"payment_id,result,note\n{ids[0]},paid\n{ids[1]},paid\n{ids[2]},failed,账户已销户\n"
        )
        recorded = await post(
            http,
            f"{PAYMENTS}/returns",
            {"month": "2027-02"},
            page=PAYMENTS,
            files={"file": ("return.csv", answer.encode("gb18030"), "text/csv")},
        )
        assert recorded.status_code == 303
        html = (await http.get(recorded.headers["location"])).text
    assert (
        zh("The bank's answer is recorded: {paid} paid, {failed} not paid.", paid=2, failed=1)
        in html
    )
    assert 'id="count-failed">1<' in html and 'id="count-exported">0<' in html
    assert await payment_rows(entitlement_id) == [
        (202612, 15050, "paid"),
        (202701, 15050, "paid"),
        (202702, 15050, "failed"),
    ]
    note = await fetch("SELECT note FROM subsidy_payment WHERE id = {}", int(ids[2]))
    assert [dict(r) for r in note] == [{"note": "账户已销户"}]


async def test_a_month_that_cannot_be_read_is_shown_beside_the_month(client_factory, people):
    async with signed_in(client_factory, people["officer"]) as http:
        page = await http.get(PAYMENTS, params={"month": "February"})
        assert page.status_code == 422
        assert_field_error(
            page.text, "month", zh("Give the month as YYYY-MM, for example 2026-12.")
        )
        empty = await post(http, f"{PAYMENTS}/returns", {"month": "2027-02"}, page=PAYMENTS)
        assert empty.status_code == 422
        assert zh("Choose the bank's return file.") in empty.text


# --------------------------------------------------------------------------- outreach


async def test_staff_see_the_elders_found_eligible_and_apply_or_dismiss(
    client, client_factory, people
):
    await make_program(people)
    await make_program(
        people,
        "fuwuquan-chuanshan",
        name="船山区居家养老服务券",
        kind="service_voucher",
        region_code="510903",
        bands=[Band(80, None, 10000)],
        auto_grant=True,
    )
    elder_id = await add_elder(client, people["family"], birth=date(1940, 5, 1))
    assert await jobs.discover_eligible(local(2026, 11, 28, 3, 0)) == 2
    [prefilled] = await fetch("SELECT channel FROM subsidy_application WHERE elder = {}", elder_id)
    assert prefilled["channel"] == "discovered"

    async with signed_in(client_factory, people["staff"]) as http:
        page = await http.get("/staff/subsidies/outreach")
        assert page.status_code == 200
        assert_page(page.text)
        html = page.text
        assert "王桂兰" in html and zh("{age} years old", age=86) in html and "滨江社区" in html
        assert "遂宁市高龄津贴" in html and zh("Found on {date}", date="2026年11月28日") in html
        assert f'href="/subsidies/apply?elder_id={elder_id}&amp;program={PROGRAM}"' in html
        # The voucher has auto_grant: its entry links to the pre-filled application.
        [voucher] = await fetch(
            "SELECT application FROM subsidy_outreach WHERE application IS NOT NULL"
        )
        assert "船山区居家养老服务券" in html
        assert f'href="/subsidies/applications/{voucher["application"]}"' in html

        [entry] = await fetch(
            "SELECT id FROM subsidy_outreach WHERE status = 'open' AND application IS NULL"
        )
        dismissed = await post(
            http,
            f"/staff/subsidies/outreach/{entry['id']}/dismiss",
            {},
            page="/staff/subsidies/outreach",
        )
        assert dismissed.status_code == 303
        html = (await http.get(dismissed.headers["location"])).text
    assert zh("Taken off the list.") in html
    assert "/subsidies/apply?" not in html and "船山区居家养老服务券" in html

    async with signed_in(client_factory, people["family"]) as http:
        assert (await http.get("/staff/subsidies/outreach")).status_code == 403


# --------------------------------------------------------------------------- a death


async def test_staff_record_a_death_and_the_allowance_ends_after_that_month(
    client, client_factory, people
):
    await make_program(people)
    elder_id = await add_elder(client, people["family"], birth=date(1940, 5, 1))
    entitlement_id = await granted(people, elder_id, at=local(2025, 1, 10, 10, 0))
    assert await jobs.monthly_payments(local(2025, 6, 10, 9, 0)) == 5  # February to June
    path = f"/elders/{elder_id}/departure"

    async with signed_in(client_factory, people["staff"]) as http:
        form = await http.get(path)
        assert form.status_code == 200
        assert_page(form.text)
        assert (
            zh(
                "This ends the allowance after that month and cancels future visits. You will be asked to confirm."
            )
            in form.text
        )

        wrong = await post(http, path, {"step": "check", "date": "2999-01-01"})
        assert wrong.status_code == 422
        assert_field_error(wrong.text, "reason", zh("Choose what happened."))
        assert_field_error(wrong.text, "date", zh("The date cannot be later than today."))

        details = {"reason": "death", "date": "2025-03-15", "comment": "家属告知"}
        check = await post(http, path, {**details, "step": "check"})
        assert check.status_code == 200
        assert (
            zh("{reason}, on {date}", reason=zh("The elder has died"), date="2025年3月15日")
            in check.text
        )
        assert (
            zh(
                "The allowance ends after {month}: nothing is paid for later months, and payments not yet made for them are cancelled.",
                month="2025-03",
            )
            in check.text
        )
        assert await payment_rows(entitlement_id) == [
            (m, 15050, "pending") for m in range(202502, 202507)
        ]

        back = await post(http, path, {**details, "step": "edit"})
        assert (
            back.status_code == 200
            and 'value="2025-03-15"' in back.text
            and "家属告知" in back.text
        )

        done = await post(http, path, {**details, "step": "confirm"})
        assert done.status_code == 303
        assert done.headers["location"] == f"/elders/{elder_id}?departed=death"

        again = await post(http, path, {**details, "step": "confirm"}, page=f"/elders/{elder_id}")
        assert again.status_code == 409
        assert zh("The elder has died") in again.text

        page = await http.get(f"/subsidies/entitlements/{entitlement_id}")
    assert page.status_code == 200
    assert f'id="status">{zh("Ended")}<' in page.text
    assert zh("The elder has died") + " (家属告知)" in page.text
    assert await payment_rows(entitlement_id) == [
        (202502, 15050, "pending"),
        (202503, 15050, "pending"),
        (202504, 15050, "cancelled"),
        (202505, 15050, "cancelled"),
        (202506, 15050, "cancelled"),
    ]
    row = await fetch(
        "SELECT status, end_month FROM subsidy_entitlement WHERE id = {}", entitlement_id
    )
    assert [dict(r) for r in row] == [{"status": "terminated", "end_month": 202503}]
    assert await jobs.monthly_payments(local(2025, 8, 10, 9, 0)) == 0


# --------------------------------------------------------------------------- one entitlement


async def test_the_family_and_regional_staff_see_an_entitlement_and_others_get_404(
    client, client_factory, make_person, people
):
    await make_program(people)
    elder_id = await add_elder(client, people["family"], birth=date(1940, 5, 1))
    entitlement_id = await granted(people, elder_id, at=local(2026, 11, 28, 10, 0))
    await jobs.monthly_payments(local(2027, 1, 10, 9, 0))
    path = f"/subsidies/entitlements/{entitlement_id}"

    for who in ("family", "staff"):
        async with signed_in(client_factory, people[who]) as http:
            page = await http.get(path)
        assert page.status_code == 200, who
        assert_page(page.text)
        html = page.text
        assert "遂宁市高龄津贴" in html and zh("For {name}", name="王桂兰") in html
        assert f'id="status">{zh("Being paid")}<' in html
        assert "¥150.50" in html and "2026-12" in html and zh("Monthly payment") in html
        assert zh("Waiting to be sent to the bank") in html
        assert day_zh(date(2027, 11, 28)) in html  # the next yearly check
        assert 'href="/subsidies/reviews"' in html

    stranger = await make_person("family", name="陌生人")
    other_staff = await make_person("community_staff", region="510904")
    for who in (stranger, other_staff):
        async with signed_in(client_factory, who) as http:
            assert (await http.get(path)).status_code == 404
            assert (await http.get("/subsidies/entitlements/999999")).status_code == 404


async def test_a_voucher_entitlement_shows_this_months_credit(client, client_factory, people):
    await make_program(
        people,
        "fuwuquan",
        name="居家养老服务券",
        kind="service_voucher",
        bands=[Band(80, None, 20000)],
    )
    elder_id = await add_elder(client, people["family"], birth=date(1940, 5, 1))
    entitlement_id = await granted(people, elder_id, at=local(2026, 9, 1, 10, 0), code="fuwuquan")
    async with signed_in(client_factory, people["family"]) as http:
        page = await http.get(f"/subsidies/entitlements/{entitlement_id}")
    assert page.status_code == 200
    assert zh("This month's service credit") in page.text and zh("Credit a month") in page.text
    assert 'id="balance"' in page.text and zh("Left") in page.text


def day_zh(value: date) -> str:
    from eldercare.web.i18n import format_day

    return format_day(value, "zh_CN")
