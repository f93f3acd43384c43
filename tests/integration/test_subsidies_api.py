"""The subsidy API per role (API.md "Subsidies"): programs, applications and their review,
entitlements, payments, the bank's files, annual reviews — and the bad input that changes
nothing."""

from __future__ import annotations

from datetime import date

from eldercare.actor import Actor
from eldercare.db import fetch
from eldercare.subsidies import applications, jobs
from tests.integration.subsidies_support import (
    PROGRAM,
    add_elder,
    approved,
    build_world,
    local,
)

API = "/api/v1/subsidies"
PROGRAM_BODY = {
    "code": "gaoling-chuanshan",
    "name": "船山区高龄津贴",
    "kind": "allowance",
    "region_code": "510903",
    "bands": [
        {"min_age": 80, "max_age": 89, "amount_fen": 10000},
        {"min_age": 90, "max_age": 99, "amount_fen": 20000},
        {"min_age": 100, "max_age": None, "amount_fen": 50000},
    ],
    "annual_review": True,
}


def keys(response) -> list[str]:
    return [problem["key"] for problem in response.json().get("extra", [])]


async def test_an_officer_defines_a_program_anyone_can_read(client, make_person):
    world = await build_world(make_person)
    created = await client.post(f"{API}/programs", headers=world.officer.headers, json=PROGRAM_BODY)
    assert created.status_code == 201, created.text
    assert created.json()["bands"][2] == {"min_age": 100, "max_age": None, "amount_fen": 50000}
    listed = await client.get(f"{API}/programs", params={"region_code": "510903001001"})
    assert listed.status_code == 200
    assert {p["code"] for p in listed.json()["items"]} == {PROGRAM, "gaoling-chuanshan"}
    elsewhere = await client.get(f"{API}/programs", params={"region_code": "510921"})
    assert [p["code"] for p in elsewhere.json()["items"]] == [PROGRAM]
    again = await client.post(f"{API}/programs", headers=world.officer.headers, json=PROGRAM_BODY)
    assert again.status_code == 409


async def test_bad_programs_are_refused_and_nothing_is_created(client, make_person):
    world = await build_world(make_person)
    overlapping = {
        **PROGRAM_BODY,
        "bands": [
            {"min_age": 80, "max_age": 90, "amount_fen": 10000},
            {"min_age": 90, "max_age": None, "amount_fen": 20000},
        ],
    }
    response = await client.post(f"{API}/programs", headers=world.officer.headers, json=overlapping)
    assert response.status_code == 422
    assert keys(response) == ["bands[1].min_age"]
    gapped = {**PROGRAM_BODY, "bands": [PROGRAM_BODY["bands"][0], PROGRAM_BODY["bands"][2]]}
    response = await client.post(f"{API}/programs", headers=world.officer.headers, json=gapped)
    assert response.status_code == 422
    negative = {**PROGRAM_BODY, "bands": [{"min_age": 80, "max_age": None, "amount_fen": -5}]}
    response = await client.post(f"{API}/programs", headers=world.officer.headers, json=negative)
    assert keys(response) == ["bands[0].amount_fen"]
    response = await client.post(f"{API}/programs", headers=world.staff.headers, json=PROGRAM_BODY)
    assert response.status_code == 403
    response = await client.post(f"{API}/programs", json=PROGRAM_BODY)
    assert response.status_code == 401
    assert len((await client.get(f"{API}/programs")).json()["items"]) == 1


async def test_applying_checks_eligibility_at_once(client, make_person):
    world = await build_world(make_person)
    young = await add_elder(client, world.family, birth=date(1955, 1, 1), name="年轻人")
    response = await client.post(
        f"{API}/applications",
        headers=world.family.headers,
        json={"elder_id": young, "program_code": PROGRAM},
    )
    assert response.status_code == 422
    assert keys(response) == ["elder_id"]
    assert "80" in response.json()["extra"][0]["message"]
    unknown = await client.post(
        f"{API}/applications",
        headers=world.family.headers,
        json={"elder_id": young, "program_code": "no-such"},
    )
    assert keys(unknown) == ["program_code"]
    assert (await fetch("SELECT COUNT(*) AS n FROM subsidy_application"))[0]["n"] == 0


async def test_the_two_level_review_through_the_api(client, make_person):
    world = await build_world(make_person)
    elder = await add_elder(client, world.family, birth=date(1940, 5, 1))
    created = await client.post(
        f"{API}/applications",
        headers=world.family.headers,
        json={
            "elder_id": elder,
            "program_code": PROGRAM,
            "bank_account": "6222 0212 3456 7890",
            "consent_bank": True,
        },
    )
    assert created.status_code == 201, created.text
    application = created.json()
    assert application["status"] == "submitted"
    again = await client.post(
        f"{API}/applications",
        headers=world.family.headers,
        json={"elder_id": elder, "program_code": PROGRAM},
    )
    assert again.status_code == 409

    decide = f"{API}/applications/{application['id']}/decisions"
    early = await client.post(decide, headers=world.officer.headers, json={"decision": "approve"})
    assert early.status_code == 409
    wrong_role = await client.post(
        decide, headers=world.staff.headers, json={"decision": "approve"}
    )
    assert wrong_role.status_code == 403
    family = await client.post(decide, headers=world.family.headers, json={"decision": "accept"})
    assert family.status_code == 403
    nonsense = await client.post(decide, headers=world.staff.headers, json={"decision": "maybe"})
    assert nonsense.status_code == 422
    silent_return = await client.post(
        decide, headers=world.staff.headers, json={"decision": "return"}
    )
    assert keys(silent_return) == ["comment"]

    returned = await client.post(
        decide,
        headers=world.staff.headers,
        json={"decision": "return", "comment": "请补充户口簿照片"},
    )
    assert returned.status_code == 200 and returned.json()["status"] == "returned"
    resent = await client.post(
        f"{API}/applications/{application['id']}/resubmit", headers=world.family.headers, json={}
    )
    assert resent.json()["status"] == "submitted"
    for who, decision, status in (
        (world.staff, "accept", "accepted"),
        (world.staff, "pass", "reviewed"),
        (world.officer, "approve", "approved"),
    ):
        response = await client.post(decide, headers=who.headers, json={"decision": decision})
        assert response.status_code == 200, response.text
        assert response.json()["status"] == status

    shown = (
        await client.get(f"{API}/applications/{application['id']}", headers=world.family.headers)
    ).json()
    assert [(s["decision"], s["role"]) for s in shown["steps"]] == [
        ("submit", "family"),
        ("return", "community_staff"),
        ("resubmit", "family"),
        ("accept", "community_staff"),
        ("pass", "community_staff"),
        ("approve", "bureau_officer"),
    ]
    assert shown["steps"][1]["comment"] == "请补充户口簿照片"
    assert shown["steps"][0]["at"].endswith("+08:00")

    found = await client.get(
        f"{API}/entitlements", headers=world.family.headers, params={"elder_id": elder}
    )
    [entitlement] = found.json()["items"]
    assert entitlement["status"] == "active"
    assert entitlement["amount_fen"] == 10000
    assert set(entitlement) >= {
        "id",
        "program_code",
        "amount_fen",
        "status",
        "start_month",
        "next_review_due",
    }

    queue = await client.get(
        f"{API}/applications", headers=world.staff.headers, params={"status": "approved"}
    )
    assert [a["id"] for a in queue.json()["items"]] == [application["id"]]


async def test_the_review_queue_filtered_by_something_that_is_no_region_code_is_refused(
    client, make_person
):
    world = await build_world(make_person)
    await add_elder(client, world.family, birth=date(1940, 5, 1))
    for bad in ("\x0c", "5109", "abcdef"):
        queue = await client.get(
            f"{API}/applications", headers=world.staff.headers, params={"region_code": bad}
        )
        assert queue.status_code == 422, (bad, queue.text)
        assert keys(queue) == ["region_code"]
    district = await client.get(
        f"{API}/applications", headers=world.staff.headers, params={"region_code": "510903"}
    )
    assert district.status_code == 200


async def test_the_first_reviewer_cannot_approve(client, make_person):
    world = await build_world(make_person)
    elder = await add_elder(client, world.family, birth=date(1940, 5, 1))
    both = Actor(
        id=world.staff.id,
        name="两个角色",
        roles=("community_staff", "bureau_officer"),
        region_code="510900",
    )
    view = await applications.apply(world.family_actor, elder_id=elder, program_code=PROGRAM)
    await applications.decide(both, view.id, decision="accept")
    await applications.decide(both, view.id, decision="pass")
    import pytest

    from eldercare.errors import Forbidden

    with pytest.raises(Forbidden):
        await applications.decide(both, view.id, decision="approve")
    assert (await applications.get_application(both, view.id)).status == "reviewed"


async def test_other_peoples_applications_do_not_exist(client, make_person):
    world = await build_world(make_person)
    elder = await add_elder(client, world.family, birth=date(1940, 5, 1))
    stranger = await make_person("family", name="陌生人")
    far_staff = await make_person("community_staff", region="510921")
    created = await client.post(
        f"{API}/applications",
        headers=world.family.headers,
        json={"elder_id": elder, "program_code": PROGRAM},
    )
    path = f"{API}/applications/{created.json()['id']}"
    assert (await client.get(path, headers=stranger.headers)).status_code == 404
    assert (await client.get(path, headers=far_staff.headers)).status_code == 404
    decided = await client.post(
        f"{path}/decisions", headers=far_staff.headers, json={"decision": "accept"}
    )
    assert decided.status_code == 404
    on_behalf = await client.post(
        f"{API}/applications",
        headers=stranger.headers,
        json={"elder_id": elder, "program_code": PROGRAM},
    )
    assert on_behalf.status_code == 404
    assert (await client.get(f"{API}/applications", headers=stranger.headers)).json()["total"] == 0


async def test_staff_apply_on_an_elders_behalf(client, make_person):
    world = await build_world(make_person)
    elder = await add_elder(client, world.staff, birth=date(1935, 6, 6), name="独居老人")
    created = await client.post(
        f"{API}/applications",
        headers=world.staff.headers,
        json={"elder_id": elder, "program_code": PROGRAM},
    )
    assert created.status_code == 201
    assert created.json()["channel"] == "proxy"


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def test_documents_are_photos_or_pdfs_within_the_size_limit(client, make_person):
    world = await build_world(make_person)
    elder = await add_elder(client, world.family, birth=date(1940, 5, 1))
    created = await client.post(
        f"{API}/applications",
        headers=world.family.headers,
        json={"elder_id": elder, "program_code": PROGRAM},
    )
    docs = f"{API}/applications/{created.json()['id']}/documents"
    ok = await client.post(
        docs,
        headers=world.family.headers,
        data={"kind": "id_card"},
        files={"file": ("身份证.png", PNG, "image/png")},
    )
    assert ok.status_code == 201, ok.text
    assert ok.json()["content_type"] == "image/png"
    program = await client.post(
        docs,
        headers=world.family.headers,
        data={"kind": "other"},
        files={"file": ("photo.png", b"MZ\x90\x00" + b"\x00" * 64, "image/png")},
    )
    assert program.status_code == 422 and keys(program) == ["file"]
    big = await client.post(
        docs,
        headers=world.family.headers,
        data={"kind": "other"},
        files={"file": ("big.pdf", b"%PDF-" + b"0" * (6 * 1_048_576), "application/pdf")},
    )
    assert big.status_code in (413, 422)
    got = await client.get(f"{docs}/{ok.json()['id']}", headers=world.staff.headers)
    assert got.status_code == 200 and got.content == PNG
    stranger = await make_person("family")
    assert (
        await client.get(f"{docs}/{ok.json()['id']}", headers=stranger.headers)
    ).status_code == 404
    shown = await client.get(
        f"{API}/applications/{created.json()['id']}", headers=world.family.headers
    )
    assert len(shown.json()["documents"]) == 1


async def test_payments_the_bank_file_and_the_return_file(client, make_person):
    world = await build_world(make_person)
    elder = await add_elder(client, world.family, birth=date(1940, 5, 1), name="陈淑芬")
    entitlement = await approved(world, elder, at=local(2026, 11, 28, 10, 0))
    assert await jobs.monthly_payments(local(2027, 1, 3, 2, 0)) == 2
    listed = await client.get(
        f"{API}/payments", headers=world.family.headers, params={"entitlement_id": entitlement}
    )
    assert [
        (p["month"], p["amount_fen"], p["kind"], p["status"]) for p in listed.json()["items"]
    ] == [
        ("2027-01", 10000, "regular", "pending"),
        ("2026-12", 10000, "regular", "pending"),
    ]
    stranger = await make_person("family")
    hidden = await client.get(
        f"{API}/payments", headers=stranger.headers, params={"entitlement_id": entitlement}
    )
    assert hidden.status_code == 404

    assert (
        await client.post(
            f"{API}/payments/batches", headers=world.staff.headers, json={"month": "2027-01"}
        )
    ).status_code == 403
    made = await client.post(
        f"{API}/payments/batches", headers=world.officer.headers, json={"month": "2027-01"}
    )
    assert made.status_code == 201
    assert made.json() == {"batch": "202701-1", "rows": 2}
    csv_file = await client.get(f"{API}/payments/batches/202701-1", headers=world.officer.headers)
    lines = csv_file.text.lstrip("\ufeff").strip().splitlines()
    assert lines[0].startswith("batch,payment_id,month,kind,name,id_number")
    assert len(lines) == 3 and "陈淑芬" in lines[1] and lines[1].endswith(",100.00,10000")
    ids = [int(line.split(",")[1]) for line in lines[1:]]

    bad = await client.post(
        f"{API}/payments/returns",
        headers=world.officer.headers,
        json={"csv": f"payment_id,result\n{ids[0]},paid\n999999,paid\n"},
    )
    assert bad.status_code == 422
    assert "999999" in bad.json()["extra"][0]["message"]
    statuses = await fetch("SELECT status FROM subsidy_payment ORDER BY id")
    assert {r["status"] for r in statuses} == {"exported"}
    good = await client.post(
        f"{API}/payments/returns",
        headers=world.officer.headers,
        json={"csv": f"{ids[0]},paid\n{ids[1]},failed,账户已销户\n"},
    )
    assert good.json() == {"paid": 1, "failed": 1}
    events = await fetch(
        "SELECT action FROM audit_event WHERE action LIKE 'payments.%' ORDER BY id"
    )
    assert [e["action"] for e in events] == [
        "payments.export",
        "payments.export",
        "payments.returns",
    ]


async def test_confirming_an_annual_review_by_the_right_side(client, make_person):
    world = await build_world(make_person)
    elder = await add_elder(client, world.family, birth=date(1940, 5, 1))
    await approved(world, elder, at=local(2025, 11, 20, 10, 0))
    await jobs.annual_reviews(local(2026, 11, 1, 2, 0))
    listed = await client.get(
        f"{API}/annual-reviews", headers=world.family.headers, params={"elder_id": elder}
    )
    [review] = listed.json()["items"]
    assert review["due_date"] == "2026-11-20" and review["status"] == "open"
    confirm = f"{API}/annual-reviews/{review['id']}/confirm"
    assert (
        await client.post(confirm, headers=world.family.headers, json={"method": "home_visit"})
    ).status_code == 403
    assert (
        await client.post(confirm, headers=world.staff.headers, json={"method": "online"})
    ).status_code == 403
    assert (
        await client.post(confirm, headers=world.family.headers, json={"method": "telepathy"})
    ).status_code == 422
    done = await client.post(confirm, headers=world.staff.headers, json={"method": "phone"})
    assert done.status_code == 200 and done.json()["status"] == "confirmed"
    twice = await client.post(confirm, headers=world.family.headers, json={"method": "online"})
    assert twice.status_code == 409
    found = await client.get(
        f"{API}/entitlements", headers=world.family.headers, params={"elder_id": elder}
    )
    assert found.json()["items"][0]["next_review_due"] == "2027-11-20"


async def test_staff_record_low_income_which_a_program_may_require(client, make_person):
    world = await build_world(make_person)
    elder = await add_elder(client, world.family, birth=date(1940, 5, 1))
    from tests.integration.subsidies_support import make_program

    await make_program(world.officer, "dibao-butie", requires_low_income=True)
    refused = await client.post(
        f"{API}/applications",
        headers=world.family.headers,
        json={"elder_id": elder, "program_code": "dibao-butie"},
    )
    assert refused.status_code == 422 and keys(refused) == ["elder_id"]
    by_family = await client.patch(
        f"/api/v1/elders/{elder}", headers=world.family.headers, json={"low_income": True}
    )
    assert by_family.status_code == 403
    by_staff = await client.patch(
        f"/api/v1/elders/{elder}", headers=world.staff.headers, json={"low_income": True}
    )
    assert by_staff.status_code == 200 and by_staff.json()["low_income"] is True
    accepted = await client.post(
        f"{API}/applications",
        headers=world.family.headers,
        json={"elder_id": elder, "program_code": "dibao-butie"},
    )
    assert accepted.status_code == 201


async def test_staff_tick_low_income_on_the_elders_page_and_the_record_shows_it(
    client_factory, make_person
):
    from tests.integration.conftest import csrf_token, sign_in_page

    async with client_factory() as client:
        world = await build_world(make_person)
        elder = await add_elder(client, world.family, birth=date(1940, 5, 1))
        await sign_in_page(client, world.staff.phone)
        token = await csrf_token(client, f"/elders/{elder}/edit")
        saved = await client.post(
            f"/elders/{elder}/edit",
            data={
                "_csrf_token": token,
                "name": "王桂兰",
                "address": "船山区南津路街道滨江社区 5 栋",
                "region_code": "510903001001",
                "conditions": ["low_income"],
            },
        )
        assert saved.status_code in (302, 303), saved.text
        shown = await client.get(f"/elders/{elder}")
        assert "低保/低收入" in shown.text
        row = (await fetch("SELECT low_income, disability FROM elder WHERE id = {}", elder))[0]
        assert (bool(row["low_income"]), bool(row["disability"])) == (True, False)
