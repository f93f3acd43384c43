"""db.select_all / select_first / insert, the statements built once per table for the paths
every booking takes: the same rows as Piccolo's own select, the same defaults as its save,
on both engines."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from eldercare import db
from eldercare.accounts.tables import Elder
from eldercare.audit.tables import AuditEvent
from eldercare.booking.tables import Booking, BookingOffer
from eldercare.providers.tables import Caregiver, Certificate, Provider
from tests.integration.booking_support import accepted, build_world

AT = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)


async def test_rows_are_the_ones_piccolo_selects(client, make_person) -> None:
    w = await build_world(client, make_person)
    booking_id = await accepted(client, w, 45)
    for table, row_id in (
        (Booking, booking_id),
        (Elder, w.elder_id),
        (Provider, w.provider_id),
        (Caregiver, w.caregiver_id),
    ):
        ours = await db.select_first(table, "WHERE id = {}", row_id)
        theirs = await table.select().where(table.id == row_id).first().run()
        assert ours == theirs, table
        assert {k: type(v) for k, v in ours.items()} == {k: type(v) for k, v in theirs.items()}
    assert await db.select_first(Booking, "WHERE id = {}", -1) is None
    offers = await db.select_all(BookingOffer, "WHERE booking = {} ORDER BY id", booking_id)
    assert offers == await BookingOffer.select().where(BookingOffer.booking == booking_id).run()
    assert [offer["outcome"] for offer in offers] == ["accepted"]
    # The caregiver's certificates, as the caregiver API reads them.
    assert await db.select_all(Certificate, f"WHERE caregiver IN ({w.caregiver_id})") == (
        await Certificate.select().where(Certificate.caregiver == w.caregiver_id).run()
    )


async def test_a_locked_read_inside_a_transaction(client, make_person) -> None:
    w = await build_world(client, make_person)
    async with db.write_transaction():
        row = await db.select_first(Elder, "WHERE id = {}", w.elder_id, lock=True)
    assert row is not None and row["id"] == w.elder_id


async def test_insert_fills_what_piccolo_would(app) -> None:
    ours = await db.insert(AuditEvent, at=AT, action="test.ours", entity="booking", entity_id="7")
    theirs = AuditEvent(at=AT, action="test.theirs", entity="booking", entity_id="7")
    await theirs.save().run()
    rows = {
        row["action"]: row
        for row in await AuditEvent.select().where(AuditEvent.entity_id == "7").run()
    }
    assert rows["test.ours"]["id"] == ours
    drop = {"id", "action"}
    assert {k: v for k, v in rows["test.ours"].items() if k not in drop} == {
        k: v for k, v in rows["test.theirs"].items() if k not in drop
    }
    assert rows["test.ours"]["actor_id"] is None and rows["test.ours"]["detail"] == ""


async def test_insert_refuses_what_piccolo_refuses(app) -> None:
    with pytest.raises(ValueError, match="Unrecognized columns"):
        await db.insert(AuditEvent, at=AT, action="x", actor=3)
    with pytest.raises(ValueError, match="elder wasn't provided"):
        await db.insert(Booking, service_code="x", start_at=AT, end_at=AT, busy_until=AT)
    assert await AuditEvent.count().where(AuditEvent.at == AT).run() == 0
    assert await Booking.count().where(Booking.start_at == AT).run() == 0


async def test_update_writes_what_piccolo_would(client, make_person) -> None:
    w = await build_world(client, make_person)
    ours, theirs = await accepted(client, w, 45), await accepted(client, w, 180)
    changes = {"status": "offered", "caregiver": None, "offer_expires_at": AT, "price_fen": 1}
    await db.update(Booking, ours, **changes)
    await (
        Booking.update({getattr(Booking, k): v for k, v in changes.items()})
        .where(Booking.id == theirs)
        .run()
    )
    rows = {
        row["id"]: row
        for row in await Booking.select().where(Booking.id.is_in([ours, theirs])).run()
    }
    for row in rows.values():
        assert {k: row[k] for k in changes} == changes
    same = ("elder", "service_code", "provider", "status", "caregiver", "offer_expires_at")
    assert [rows[ours][k] for k in same] == [rows[theirs][k] for k in same]
    with pytest.raises(ValueError, match="Unrecognized columns"):
        await db.update(Booking, ours, colour="red")
    assert (await db.select_first(Booking, "WHERE id = {}", ours))["price_fen"] == 1


async def test_ids_in_finds_the_rows_among_the_ids(client, make_person) -> None:
    w = await build_world(client, make_person)
    for ids in ([w.elder_id], [w.elder_id, -1, 10**6], list(range(-500, 0))):
        among, args = db.ids_in("id", ids)
        rows = await db.fetch(f"SELECT id FROM elder WHERE {among} ORDER BY id", *args)
        assert [row["id"] for row in rows] == sorted(set(ids) & {w.elder_id})
    # The statement's text does not depend on the ids on PostgreSQL (prepared once).
    assert (db.ids_in("id", [1])[0] == db.ids_in("id", [2, 3])[0]) != db.is_sqlite()
