"""The bureau's complaint queue through the API: listing, resolving, and who may do either."""

from __future__ import annotations

from eldercare.audit.tables import AuditEvent
from eldercare.booking.tables import Complaint
from tests.integration.booking_support import at, book, build_world

API = "/api/v1/complaints"


async def finished_visit_with_complaint(
    client, w, text: str = "护理员迟到了半小时"
) -> tuple[int, int]:
    """A visit done from booking to check-out, and the family's complaint about it."""
    booking_id = (await book(client, w.family, w.elder_id, at(45))).json()["id"]
    for path, who, body in (
        ("accept", w.admin, {"caregiver_id": w.caregiver_id}),
        ("check-in", w.caregiver, {"lat": 30.5301, "lon": 105.5801}),
        ("check-out", w.caregiver, {"notes": "完成"}),
    ):
        response = await client.post(
            f"/api/v1/bookings/{booking_id}/{path}", headers=who.headers, json=body
        )
        assert response.status_code == 200, response.text
    filed = await client.post(
        f"/api/v1/bookings/{booking_id}/complaints", headers=w.family.headers, json={"text": text}
    )
    assert filed.status_code == 201, filed.text
    return booking_id, filed.json()["id"]


async def test_an_officer_of_the_region_lists_open_complaints_and_resolves_one(client, make_person):
    w = await build_world(client, make_person)
    booking_id, complaint_id = await finished_visit_with_complaint(client, w)

    listed = await client.get(API, headers=w.officer.headers)
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert body["total"] == 1
    [item] = body["items"]
    assert (item["id"], item["booking_id"], item["status"]) == (complaint_id, booking_id, "open")
    assert item["text"] == "护理员迟到了半小时" and item["created_at"].endswith("+08:00")

    resolved = await client.post(
        f"{API}/{complaint_id}/resolve",
        headers=w.officer.headers,
        json={"resolution": "已约谈服务机构并督促整改"},
    )
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["status"] == "resolved"
    assert resolved.json()["resolution"] == "已约谈服务机构并督促整改"

    assert (await client.get(API, headers=w.officer.headers, params={"status": "open"})).json()[
        "total"
    ] == 0
    closed = (
        await client.get(API, headers=w.officer.headers, params={"status": "resolved"})
    ).json()
    assert [c["id"] for c in closed["items"]] == [complaint_id]

    audited = (
        await AuditEvent.count()
        .where(
            (AuditEvent.action == "complaint.resolve") & (AuditEvent.entity_id == str(complaint_id))
        )
        .run()
    )
    assert audited == 1
    inbox = (await client.get("/api/v1/notifications", headers=w.family.headers)).json()
    assert any(
        f"/bookings/{booking_id}" == m["link"] and "complaint" in m["kind"] for m in inbox["items"]
    )


async def test_a_resolved_complaint_cannot_be_resolved_again(client, make_person):
    w = await build_world(client, make_person)
    _, complaint_id = await finished_visit_with_complaint(client, w)
    first = await client.post(
        f"{API}/{complaint_id}/resolve", headers=w.officer.headers, json={"resolution": "已处理"}
    )
    assert first.status_code == 200
    again = await client.post(
        f"{API}/{complaint_id}/resolve", headers=w.officer.headers, json={"resolution": "再次"}
    )
    assert again.status_code == 409
    row = await Complaint.select().where(Complaint.id == complaint_id).first().run()
    assert row["resolution"] == "已处理"


async def test_a_resolution_must_say_something_and_bad_input_changes_nothing(client, make_person):
    w = await build_world(client, make_person)
    _, complaint_id = await finished_visit_with_complaint(client, w)
    for body, key in (
        ({"resolution": "  "}, "resolution"),
        ({"resolution": "好" * 2001}, "resolution"),
        ({}, "resolution"),
        ({"resolution": "ok", "status": "open"}, "status"),
    ):
        response = await client.post(
            f"{API}/{complaint_id}/resolve", headers=w.officer.headers, json=body
        )
        assert response.status_code == 422, (body, response.text)
        assert response.json()["extra"][0]["key"] == key
    bad_filter = await client.get(API, headers=w.officer.headers, params={"status": "pending"})
    assert bad_filter.status_code == 422 and bad_filter.json()["extra"][0]["key"] == "status"
    row = await Complaint.select().where(Complaint.id == complaint_id).first().run()
    assert (row["status"], row["resolution"]) == ("open", "")


async def test_an_officer_of_another_region_sees_none_and_gets_404(client, make_person):
    w = await build_world(client, make_person)
    _, complaint_id = await finished_visit_with_complaint(client, w)
    elsewhere = await make_person("bureau_officer", region="510904")
    listed = await client.get(API, headers=elsewhere.headers)
    assert listed.status_code == 200 and listed.json() == {"items": [], "total": 0}
    response = await client.post(
        f"{API}/{complaint_id}/resolve", headers=elsewhere.headers, json={"resolution": "不是我的"}
    )
    assert response.status_code == 404
    missing = await client.post(
        f"{API}/999999/resolve", headers=w.officer.headers, json={"resolution": "x"}
    )
    assert missing.status_code == 404


async def test_only_bureau_officers_handle_complaints(client, make_person):
    w = await build_world(client, make_person)
    _, complaint_id = await finished_visit_with_complaint(client, w)
    for person in (w.family, w.staff, w.admin, w.caregiver):
        assert (await client.get(API, headers=person.headers)).status_code == 403
        response = await client.post(
            f"{API}/{complaint_id}/resolve", headers=person.headers, json={"resolution": "x"}
        )
        assert response.status_code == 403
    assert (await client.get(API)).status_code == 401
    assert (
        await client.post(f"{API}/{complaint_id}/resolve", json={"resolution": "x"})
    ).status_code == 401


async def test_the_list_pages_with_limit_and_offset(client, make_person):
    w = await build_world(client, make_person)
    booking_id, first = await finished_visit_with_complaint(client, w, "第一条")
    second = await client.post(
        f"/api/v1/bookings/{booking_id}/complaints",
        headers=w.family.headers,
        json={"text": "第二条"},
    )
    assert second.status_code == 201
    page = (
        await client.get(API, headers=w.officer.headers, params={"status": "open", "limit": 1})
    ).json()
    assert page["total"] == 2 and [c["id"] for c in page["items"]] == [
        first
    ]  # the queue: oldest first
    rest = (
        await client.get(
            API, headers=w.officer.headers, params={"status": "open", "limit": 1, "offset": 1}
        )
    ).json()
    assert [c["id"] for c in rest["items"]] == [second.json()["id"]]
