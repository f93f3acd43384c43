"""No resident ID number and no full mobile number outside the places allowed to hold them.

A whole scenario runs with every logger at DEBUG: a family registers, adds an elder with an
ID number, a phone and health conditions, books a visit that a provider accepts, applies
for the age allowance with a bank account, staff and the bureau approve it, the month's
payments are exported, notifications go out by SMS, and people make mistakes on the way.
Then every log line, every audit row, every notification and SMS log, every answer and
page that is not an authorised reveal, and a dump of every table but the identity columns
are searched for the ID numbers and phone numbers of everyone in the scenario.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from eldercare import db
from eldercare.notifications.dispatch import dispatch_notifications
from eldercare.piccolo_conf import APP_REGISTRY
from eldercare.subsidies import jobs
from tests.factories import elder_body, valid_id_number
from tests.integration.booking_support import at, book, build_world
from tests.integration.conftest import PASSWORD, Person, csrf_token, sign_in_page
from tests.integration.subsidies_support import PROGRAM, local, make_program

# Where the full numbers may be: the identity columns, and the answers that are reveals.
IDENTITY_COLUMNS = {
    ("elder", "id_number"),
    ("elder", "phone"),
    ("app_user", "phone"),
    ("caregiver", "phone"),  # how a provider's caregiver record finds its sign-in account
    ("subsidy_application", "bank_account"),
    ("subsidy_application", "bank_name"),
    ("subsidy_entitlement", "bank_account"),
    ("subsidy_entitlement", "bank_name"),
}
AUTHORISED_ANSWERS = (
    "POST /api/v1/auth/register (the new account's own phone)",
    "GET /api/v1/me (one's own phone)",
    "POST /api/v1/elders/{id}/reveal (staff of the region, audited)",
    "POST /elders/{id}/reveal (the same reveal on the page, audited)",
    "GET /api/v1/subsidies/payments/batches/{batch} (the bank's file, audited)",
    "POST /login shown again: the phone box keeps what the person just typed",
)
_TYPED_PHONE = re.compile(r'(<input id="phone" name="phone" type="tel") value="[^"]*"')

ELDER_PHONE = "13812345678"
FAMILY_PHONE = "13987654321"


class Recorder:
    """Every answer of the scenario, sorted into authorised reveals and everything else."""

    def __init__(self) -> None:
        self.checked: list[tuple[str, str]] = []

    def keep(self, label: str, response: httpx.Response) -> httpx.Response:
        self.checked.append((label, response.text))
        return response


async def _dump(skip: set[tuple[str, str]]) -> list[tuple[str, str]]:
    """Every row of every table as text, without the identity columns."""
    found = []
    tables = sorted(
        {t._meta.tablename for app in APP_REGISTRY.app_configs.values() for t in app.table_classes}
    )
    for table in tables:
        for row in await db.fetch(f'SELECT * FROM "{table}"'):
            kept = {k: v for k, v in row.items() if (table, k) not in skip}
            found.append((f"table {table}", repr(kept)))
    return found


async def _scenario(client: httpx.AsyncClient, client_factory: Any, make_person: Any) -> Recorder:
    seen = Recorder()
    w = await build_world(client, make_person)
    await make_program(w.officer)

    # A family registers itself; its own phone comes back to it (authorised).
    registered = await client.post(
        "/api/v1/auth/register",
        json={"phone": FAMILY_PHONE, "password": PASSWORD, "name": "王强", "role": "family"},
    )
    assert registered.status_code == 201, registered.text
    token = await client.post(
        "/api/v1/auth/token", json={"phone": FAMILY_PHONE, "password": PASSWORD}
    )
    family = {"Authorization": f"Bearer {token.json()['token']}"}
    new_family = Person(registered.json()["id"], "王强", FAMILY_PHONE, ["family"], family)

    # The family adds an elder of 86 with an ID number, a phone and health conditions.
    id_number = valid_id_number(region="510903", birth=date(1940, 5, 1), seq=77)
    body = elder_body(
        name="陈淑芬",
        id_number=id_number,
        phone=f"+86 {ELDER_PHONE[:3]} {ELDER_PHONE[3:7]} {ELDER_PHONE[7:]}",
        relationship="child",
        needs=["diabetes", "meals"],
        consent_health=True,
    )
    created = seen.keep("add elder", await client.post("/api/v1/elders", headers=family, json=body))
    assert created.status_code == 201, created.text
    elder_id = created.json()["id"]
    # Mistakes: the same ID number again, a bad phone, a reveal by the family.
    seen.keep("duplicate", await client.post("/api/v1/elders", headers=family, json=body))
    seen.keep(
        "bad phone",
        await client.patch(f"/api/v1/elders/{elder_id}", headers=family, json={"phone": "1381234"}),
    )
    seen.keep(
        "family reveal", await client.post(f"/api/v1/elders/{elder_id}/reveal", headers=family)
    )
    seen.keep(
        "search by ID",
        await client.get("/api/v1/elders", headers=w.staff.headers, params={"q": id_number[-4:]}),
    )
    seen.keep("elder", await client.get(f"/api/v1/elders/{elder_id}", headers=w.staff.headers))

    # Staff reveal the numbers (an authorised, audited reveal: not searched).
    revealed = await client.post(f"/api/v1/elders/{elder_id}/reveal", headers=w.staff.headers)
    assert revealed.json()["id_number"] == id_number

    # A visit: booked by the family of the world's elder and by the new family, accepted.
    for who, elder, hours in ((w.family, w.elder_id, 26), (new_family, elder_id, 30)):
        booked = seen.keep("book", await book(client, who, elder, at(60 * hours)))
        assert booked.status_code == 201, booked.text
        accepted = await client.post(
            f"/api/v1/bookings/{booked.json()['id']}/accept",
            headers=w.admin.headers,
            json={"caregiver_id": w.caregiver_id},
        )
        seen.keep("accept", accepted)
        assert accepted.status_code == 200, accepted.text
        seen.keep(
            "caregiver sees",
            await client.get(
                f"/api/v1/bookings/{booked.json()['id']}", headers=w.caregiver.headers
            ),
        )

    # The allowance: applied for with a bank account, accepted, passed and approved.
    applied = seen.keep(
        "apply",
        await client.post(
            "/api/v1/subsidies/applications",
            headers=family,
            json={
                "elder_id": elder_id,
                "program_code": PROGRAM,
                "bank_name": "遂宁银行",
                "bank_account": "6217731234567890",
                "consent_bank": True,
            },
        ),
    )
    assert applied.status_code == 201, applied.text
    decide = f"/api/v1/subsidies/applications/{applied.json()['id']}/decisions"
    for who, decision in (
        (w.staff.headers, "accept"),
        (w.staff.headers, "pass"),
        (w.officer.headers, "approve"),
    ):
        answer = seen.keep(
            decision, await client.post(decide, headers=who, json={"decision": decision})
        )
        assert answer.status_code == 200, answer.text
    assert await jobs.monthly_payments(local(2027, 1, 3, 2, 0)) >= 1
    batch = await client.post(
        "/api/v1/subsidies/payments/batches", headers=w.officer.headers, json={"month": "2027-01"}
    )
    seen.keep("batch", batch)
    assert batch.status_code == 201, batch.text
    csv_file = await client.get(
        f"/api/v1/subsidies/payments/batches/{batch.json()['batch']}", headers=w.officer.headers
    )
    assert id_number in csv_file.text  # the bank's file: an authorised, audited export
    seen.keep("payments", await client.get("/api/v1/subsidies/payments", headers=family))
    seen.keep("entitlements", await client.get("/api/v1/subsidies/entitlements", headers=family))

    # Messages go out by SMS (the log backend) to everyone told of something.
    assert await dispatch_notifications(datetime.now(UTC) + timedelta(minutes=1)) >= 1
    seen.keep("inbox", await client.get("/api/v1/notifications", headers=family))

    # Pages, as the family and as staff (masked numbers only); a wrong sign-in.
    async with client_factory() as http:
        wrong = await sign_in_page(http, FAMILY_PHONE, "Wrong-horse-9")
        assert wrong.status_code == 401
        seen.checked.append(("wrong sign-in", _TYPED_PHONE.sub(r"\1", wrong.text)))
        await sign_in_page(http, FAMILY_PHONE)
        for path in ("/account", f"/elders/{elder_id}", "/bookings", "/subsidies", "/inbox"):
            seen.keep(path, await http.get(path))
    async with client_factory() as http:
        await sign_in_page(http, w.staff.phone)
        for path in (f"/elders/{elder_id}", "/staff/elders", f"/staff/elders?q={id_number[-4:]}"):
            seen.keep(path, await http.get(path))
        token_value = await csrf_token(http, f"/elders/{elder_id}")
        shown = await http.post(f"/elders/{elder_id}/reveal", data={"_csrf_token": token_value})
        assert id_number in shown.text  # the page's reveal: authorised, audited
    return seen


async def test_no_id_number_or_phone_appears_outside_the_identity_columns_and_reveals(
    client, client_factory, make_person, caplog
):
    caplog.set_level(logging.DEBUG)
    seen = await _scenario(client, client_factory, make_person)

    ids = [r["id_number"] for r in await db.fetch("SELECT id_number FROM elder")]
    phones = [r["phone"] for r in await db.fetch("SELECT phone FROM elder WHERE phone IS NOT NULL")]
    phones += [r["phone"] for r in await db.fetch("SELECT phone FROM app_user")]
    assert ELDER_PHONE in phones and FAMILY_PHONE in phones and len(ids) == 2
    secrets = set(ids) | set(phones)

    places = list(seen.checked)
    places += [(f"log {r.name}", r.getMessage() + (r.exc_text or "")) for r in caplog.records]
    places += await _dump(IDENTITY_COLUMNS)
    assert await db.fetch("SELECT 1 AS found FROM sms_log LIMIT 1")  # SMS went out and are searched
    assert await db.fetch("SELECT 1 AS found FROM audit_event WHERE action = 'elder.reveal'")
    leaks = sorted(
        {
            f"{where}: …{_around(text, secret)}…"
            for where, text in places
            for secret in secrets
            if secret in text
        }
    )
    assert not leaks, (
        "full numbers found outside " + "; ".join(AUTHORISED_ANSWERS) + ":\n" + "\n".join(leaks)
    )


def _around(text: str, secret: str) -> str:
    at_ = text.index(secret)
    return text[max(0, at_ - 60) : at_ + len(secret) + 20]


class _NeverFound:
    """Stands in for ``Elder.exists()``: the check misses, as in a race of two requests."""

    def where(self, *_: Any) -> _NeverFound:
        return self

    async def run(self) -> bool:
        return False


async def test_a_database_error_carrying_an_id_number_is_logged_without_it(
    client, make_person, caplog, monkeypatch
):
    """Two registrations of one elder racing past the check meet the unique index; PostgreSQL's
    error text then names the ID number (``DETAIL: Key (id_number)=(…)``). The 500 is logged
    with its traceback, and the number masked."""
    from eldercare.accounts.tables import Elder

    family = await make_person("family")
    body = elder_body(id_number=valid_id_number(region="510903", seq=88), relationship="child")
    first = await client.post("/api/v1/elders", headers=family.headers, json=body)
    assert first.status_code == 201, first.text
    monkeypatch.setattr(Elder, "exists", classmethod(lambda cls: _NeverFound()))
    caplog.set_level(logging.DEBUG)
    second = await client.post("/api/v1/elders", headers=family.headers, json=body)
    assert second.status_code in (409, 500), second.text
    assert body["id_number"] not in second.text
    logged = "\n".join(logging.Formatter().format(r) for r in caplog.records)
    if second.status_code == 500:
        assert "Traceback" in logged  # the error was logged in full ...
    assert body["id_number"] not in logged  # ... but not the number
