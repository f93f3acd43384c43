"""The audit log is append-only and complete for the acts that matter.

The app's own connection cannot UPDATE or DELETE an audit row (a trigger refuses, on each
engine; TRUNCATE too on PostgreSQL), and every approval, rejection, reveal, export, role
grant and password change leaves a row naming who did it.
"""

from __future__ import annotations

from datetime import date

import pytest

from eldercare import db
from eldercare.accounts import service as accounts
from eldercare.actor import Actor
from eldercare.audit import service as audit
from eldercare.audit.tables import AuditEvent
from eldercare.subsidies import jobs
from tests.integration.conftest import PASSWORD
from tests.integration.providers_support import API as PROVIDERS
from tests.integration.providers_support import register
from tests.integration.subsidies_support import PROGRAM, add_elder, build_world, local

APPLICATIONS = "/api/v1/subsidies/applications"


async def one_event() -> int:
    await audit.record(None, "test.event", entity="elder", entity_id=1, detail="kept as written")
    row = (
        await AuditEvent.select(AuditEvent.id)
        .where(AuditEvent.action == "test.event")
        .first()
        .run()
    )
    return row["id"]


async def unchanged(event_id: int) -> bool:
    row = await AuditEvent.select().where(AuditEvent.id == event_id).first().run()
    return row is not None and row["detail"] == "kept as written" and row["action"] == "test.event"


async def test_the_app_cannot_update_an_audit_row():
    event_id = await one_event()
    with pytest.raises(Exception, match="append-only"):
        async with db.write_transaction():
            await (
                AuditEvent.update({AuditEvent.detail: "rewritten"})
                .where(AuditEvent.id == event_id)
                .run()
            )
    with pytest.raises(Exception, match="append-only"):
        await db.fetch("UPDATE audit_event SET actor_id = {} WHERE id = {}", 99, event_id)
    assert await unchanged(event_id)


async def test_the_app_cannot_delete_an_audit_row():
    event_id = await one_event()
    with pytest.raises(Exception, match="append-only"):
        async with db.write_transaction():
            await AuditEvent.delete().where(AuditEvent.id == event_id).run()
    with pytest.raises(Exception, match="append-only"):
        await db.fetch("DELETE FROM audit_event")
    assert await unchanged(event_id)


async def test_postgresql_refuses_truncating_the_audit_log_too():
    if db.is_sqlite():
        pytest.skip("SQLite has no TRUNCATE; its DELETE trigger covers DELETE without WHERE")
    event_id = await one_event()
    with pytest.raises(Exception, match="append-only"):
        await db.engine().run_ddl("TRUNCATE audit_event")
    assert await unchanged(event_id)


async def test_adding_rows_still_works():
    first = await one_event()
    await audit.record(None, "test.event", detail="kept as written")
    assert await AuditEvent.count().where(AuditEvent.action == "test.event").run() == 2
    assert await unchanged(first)


async def actions_by(actor_id: int) -> set[str]:
    rows = await AuditEvent.select(AuditEvent.action).where(AuditEvent.actor_id == actor_id).run()
    return {row["action"] for row in rows}


async def test_every_approval_rejection_reveal_export_and_role_grant_is_audited(
    client, make_person
):
    world = await build_world(make_person)
    approved_elder = await add_elder(client, world.family, birth=date(1940, 5, 1), name="陈淑芬")
    rejected_elder = await add_elder(client, world.family, birth=date(1941, 3, 2), name="李桂香")
    ids = {}
    for elder in (approved_elder, rejected_elder):
        made = await client.post(
            APPLICATIONS,
            headers=world.family.headers,
            json={"elder_id": elder, "program_code": PROGRAM},
        )
        assert made.status_code == 201, made.text
        ids[elder] = made.json()["id"]
        for decision in ("accept", "pass"):
            step = await client.post(
                f"{APPLICATIONS}/{ids[elder]}/decisions",
                headers=world.staff.headers,
                json={"decision": decision},
            )
            assert step.status_code == 200, step.text
    approve = await client.post(
        f"{APPLICATIONS}/{ids[approved_elder]}/decisions",
        headers=world.officer.headers,
        json={"decision": "approve"},
    )
    reject = await client.post(
        f"{APPLICATIONS}/{ids[rejected_elder]}/decisions",
        headers=world.officer.headers,
        json={"decision": "reject", "comment": "户籍不在本市"},
    )
    assert approve.status_code == 200 and reject.status_code == 200, reject.text

    revealed = await client.post(
        f"/api/v1/elders/{approved_elder}/reveal", headers=world.staff.headers
    )
    assert revealed.status_code == 200

    assert await jobs.monthly_payments(local(2027, 1, 3, 2, 0)) >= 1
    batch = await client.post(
        "/api/v1/subsidies/payments/batches",
        headers=world.officer.headers,
        json={"month": "2027-01"},
    )
    assert batch.status_code == 201, batch.text
    again = await client.get(
        f"/api/v1/subsidies/payments/batches/{batch.json()['batch']}", headers=world.officer.headers
    )
    assert again.status_code == 200

    admin = await make_person("admin")
    admin_actor = Actor(id=admin.id, name=admin.name, roles=("admin",))
    staff_user = await accounts.create_user(
        phone="13700009999",
        password=PASSWORD,
        name="新社区员",
        roles=["community_staff"],
        region_code="510903",
        by=admin_actor,
    )
    await accounts.grant_role(staff_user.id, "caregiver", by=admin_actor)

    provider_admin = await make_person("family")
    provider_id = await register(client, provider_admin)
    rejected_provider = await client.post(
        f"{PROVIDERS}/{provider_id}/reject",
        headers=world.officer.headers,
        json={"reason": "执照过期"},
    )
    assert rejected_provider.status_code == 200, rejected_provider.text
    other_admin = await make_person("family")
    other_provider = await register(client, other_admin, name="夕阳红居家服务中心")
    approved_provider = await client.post(
        f"{PROVIDERS}/{other_provider}/approve", headers=world.officer.headers
    )
    assert approved_provider.status_code == 200, approved_provider.text

    assert {"application.accept", "application.pass"} <= await actions_by(world.staff.id)
    assert "elder.reveal" in await actions_by(world.staff.id)
    officer = await actions_by(world.officer.id)
    assert {"application.approve", "application.reject"} <= officer
    assert {"payments.export", "provider.reject", "provider.approve"} <= officer
    exports = await AuditEvent.count().where(AuditEvent.action == "payments.export").run()
    assert exports == 2  # making the file and fetching it again: both carry full ID numbers
    grants = await AuditEvent.select().where(AuditEvent.action == "role.grant").run()
    by_admin = {(g["entity_id"], g["detail"]) for g in grants if g["actor_id"] == admin.id}
    assert by_admin == {(str(staff_user.id), "community_staff"), (str(staff_user.id), "caregiver")}
    # Providers' admins get their role with the registration, audited as a grant too.
    assert {str(provider_admin.id), str(other_admin.id)} <= {g["entity_id"] for g in grants}
