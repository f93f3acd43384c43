"""The world the access matrix runs in, built once for its module, and a snapshot of every
table so a refused request can be shown to have changed nothing.

Region A is 船山区 (510903) in 遂宁市 (510900); the other region is 蓬溪县 (510921), a county of
the same city, with its own family, community staff and bureau officer.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from piccolo.apps.migrations.tables import Migration
from piccolo.table import sort_table_classes

from eldercare import db
from eldercare.accounts import service as accounts
from eldercare.actor import Actor
from eldercare.notifications.tables import Notification
from eldercare.piccolo_conf import APP_REGISTRY
from eldercare.settings import get_settings
from eldercare.subsidies import applications, payments, reviews
from eldercare.subsidies import domain as subsidy_domain
from tests.factories import elder_body, valid_id_number
from tests.integration.booking_support import ITEM, add_elder, at, book, set_hours
from tests.integration.conftest import PASSWORD, Person, next_phone
from tests.integration.providers_support import (
    NEARBY,
    add_caregiver,
    make_item,
    register,
)
from tests.integration.purge_support import purge
from tests.integration.series_support import days_ahead_at
from tests.integration.subsidies_support import make_program

API = "/api/v1"
ROLES = {
    "R": "resident",
    "F": "family",
    "C": "caregiver",
    "P": "provider_admin",
    "S": "community_staff",
    "O": "bureau_officer",
    "A": "admin",
}
# Tables that every request may touch (sessions, sign-in throttling, idempotency) or that
# only migrations and the gazetteer fill.
VOLATILE = {"auth_session", "login_failure", "idempotency_key", "region", "job_run"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
VOUCHER = "voucher-access"


@dataclass
class World:
    """Who acts (``people``: key -> Person) and what they act on (``ids``: name -> id)."""

    people: dict[str, Person] = field(default_factory=dict)
    ids: dict[str, Any] = field(default_factory=dict)
    region: dict[str, str | None] = field(default_factory=dict)

    def actor(self, key: str) -> Actor:
        person = self.people[key]
        return Actor(
            id=person.id,
            name=person.name,
            roles=tuple(person.roles),
            region_code=self.region.get(key),
        )


# Each role's actors: "own" (the world's objects are theirs, or in their region), "other"
# (the same role, someone else's objects) and "region" (the same role in 蓬溪县).
ACTORS: dict[str, dict[str, str]] = {
    "R": {"own": "resident", "other": "resident"},
    "F": {"own": "family_a", "other": "family_b", "region": "family_c"},
    "C": {"own": "caregiver_1", "other": "caregiver_2"},
    "P": {"own": "provider_admin_1", "other": "provider_admin_2"},
    "S": {"own": "staff_a", "region": "staff_b"},
    "O": {"own": "officer_a", "region": "officer_b"},
    "A": {"own": "admin"},
}


async def wipe() -> None:
    """What tests/integration/conftest.py's ``empty_database`` does, for a module-wide world."""
    from eldercare.catalog import service as catalog
    from eldercare.geo import service as geo
    from eldercare.subsidies import programs

    catalog.clear_cache()
    geo.clear_cache()
    programs.clear_cache()
    keep = {"region", Migration._meta.tablename, "service_category"}
    every = [t for app in APP_REGISTRY.app_configs.values() for t in app.table_classes]
    tables = [t for t in sort_table_classes(every) if t._meta.tablename not in keep]
    await purge([t._meta.tablename for t in reversed(tables)])  # past audit_event's trigger


def _tables() -> list[str]:
    every = [t for app in APP_REGISTRY.app_configs.values() for t in app.table_classes]
    return sorted(t._meta.tablename for t in every if t._meta.tablename not in VOLATILE)


async def snapshot() -> dict[str, str]:
    """Every row of every table but the volatile ones, as text. SQLite is read through a plain
    connection of our own (Piccolo opens one per query: ~100 ms for all tables); PostgreSQL
    answers in one query."""
    names = _tables()
    if db.is_sqlite():
        global _reader
        if _reader is None:
            _reader = sqlite3.connect(get_settings().sqlite_path, check_same_thread=False)
        return {
            name: repr(_reader.execute(f'SELECT * FROM "{name}" ORDER BY id').fetchall())
            for name in names
        }
    union = " UNION ALL ".join(
        f"SELECT '{name}' AS name, (SELECT coalesce(json_agg(x ORDER BY x.id)::text, '[]') "
        f'FROM "{name}" x) AS rows'
        for name in names
    )
    return {row["name"]: row["rows"] for row in await db.fetch(union)}


_reader: sqlite3.Connection | None = None


def changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(name for name in before if before[name] != after.get(name))


async def person(world: World, key: str, role: str, *, region: str | None = None, **kw: Any):
    phone = next_phone()
    user = await accounts.create_user(
        phone=phone,
        password=PASSWORD,
        name=kw.pop("name", key[:20]),
        roles=[role],
        region_code=region,
        **kw,
    )
    signed = await accounts.sign_in(phone=phone, password=PASSWORD, kind="api")
    world.people[key] = Person(
        user.id, user.name, phone, user.roles, {"Authorization": f"Bearer {signed.token}"}
    )
    world.region[key] = region
    return world.people[key]


async def fresh_headers(who: Person) -> dict[str, str]:
    """Another API token for the same account (for a request that ends its session)."""
    signed = await accounts.sign_in(phone=who.phone, password=PASSWORD, kind="api")
    return {"Authorization": f"Bearer {signed.token}"}


async def _post(http: httpx.AsyncClient, who: Person, url: str, body: Any = None) -> Any:
    """A request the world is built with: it must succeed; its answer's ``id`` if any."""
    response = await http.post(API + url, headers=who.headers, json=body)
    assert response.status_code in (200, 201), response.text
    return response.json().get("id") if response.content else None


async def _provider(http: httpx.AsyncClient, w: World, n: int, approve: bool, **body: Any) -> int:
    """A provider registered by a helper account, run by a provider_admin made for it."""
    provider_id = await register(http, await person(w, f"founder_{n}", "family"), **body)
    if approve:
        await _post(http, w.people["officer_a"], f"/providers/{provider_id}/approve")
    await person(w, f"provider_admin_{n}", "provider_admin", provider_id=provider_id)
    return provider_id


async def _people(w: World) -> None:
    await person(w, "officer_a", "bureau_officer", region="510900")
    await person(w, "officer_b", "bureau_officer", region="510921")
    await person(w, "staff_a", "community_staff", region="510903")
    await person(w, "staff_b", "community_staff", region="510921")
    await person(w, "admin", "admin")
    for key in ("family_a", "family_b", "family_c"):
        await person(w, key, "family")
    await person(w, "resident", "resident", name="何正清")


async def _providers(http: httpx.AsyncClient, w: World) -> None:
    """Two approved teams in 船山区 (the first offers the item) and one still pending."""
    await make_item(w.people["officer_a"], ITEM, category="haircut", price_fen=3000)
    p1 = w.ids["provider"] = await _provider(http, w, 1, True)
    p2 = w.ids["provider_2"] = await _provider(http, w, 2, True, lat=NEARBY[0], lon=NEARBY[1])
    w.ids["provider_pending"] = await _provider(http, w, 3, False)
    pa1 = w.people["provider_admin_1"]
    await _post(http, pa1, f"/providers/{p1}/offerings", {"service_code": ITEM, "price_fen": 2800})
    for n, provider_id in ((1, p1), (2, p2)):
        admin = w.people[f"provider_admin_{n}"]
        carer = await person(w, f"caregiver_{n}", "caregiver", provider_id=provider_id)
        cid = await add_caregiver(http, admin, provider_id, carer.phone, ["haircut"])
        w.ids[f"caregiver_{n}"] = cid
        await set_hours(http, admin, provider_id, cid)
    spare = w.ids["caregiver_spare"] = await add_caregiver(http, pa1, p1, next_phone(), ["haircut"])
    await set_hours(http, pa1, p1, spare)


async def _elders(http: httpx.AsyncClient, w: World) -> None:
    f = w.people
    w.ids["elder"] = await add_elder(http, f["family_a"], name="张秀英")
    w.ids["elder_2"] = await add_elder(http, f["family_a"], name="张国强")
    w.ids["elder_b"] = await add_elder(http, f["family_b"], name="李桂芳")
    pengxi = elder_body(
        name="陈玉兰",
        id_number=valid_id_number("510921"),
        region_code="510921100001",
        address="蓬溪县赤城镇鹫峰社区 2 号",
        lat=30.76,
        lon=105.714,
        relationship="child",
    )
    w.ids["elder_c"] = await _post(http, f["family_c"], "/elders", pengxi)
    own = elder_body(name="何正清", id_number=valid_id_number("510903"))
    w.ids["elder_r"] = await _post(http, f["resident"], "/elders", own)


async def _bookings(http: httpx.AsyncClient, w: World) -> None:
    """Visits of the first elder with the first team in each state the actions start from,
    a complaint about the finished one, and one of the family's notifications."""
    f, ids = w.people, w.ids
    family, pa1, carer = f["family_a"], f["provider_admin_1"], f["caregiver_1"]
    starts = {"offered": 3 * 1440, "accepted": 4 * 1440, "done": 45, "in_service": 50}
    for name, minutes in starts.items():
        response = await book(http, family, ids["elder"], at(minutes), provider_id=ids["provider"])
        assert response.status_code == 201, response.text
        ids[f"booking_{name}"] = response.json()["id"]
    for name, cid in (("accepted", 1), ("done", 1), ("in_service", "spare")):
        body = {"caregiver_id": ids[f"caregiver_{cid}"]}
        await _post(http, pa1, f"/bookings/{ids[f'booking_{name}']}/accept", body)
    here = {"lat": 30.53, "lon": 105.58}
    done = f"/bookings/{ids['booking_done']}"
    await _post(http, carer, f"{done}/check-in", here)
    await _post(http, carer, f"{done}/check-out", {})
    await _post(http, pa1, f"/bookings/{ids['booking_in_service']}/check-in", here)
    ids["complaint"] = await _post(http, family, f"{done}/complaints", {"text": "来晚了"})
    mine = Notification.select(Notification.id).where(Notification.user_id == family.id)
    ids["notification"] = (await mine.first().run())["id"]


async def _series(http: httpx.AsyncClient, w: World) -> None:
    """Three weekly series of the first elder: active, paused and cancelled."""
    family = w.people["family_a"]
    for name, day in (("series", 8), ("series_paused", 9), ("series_cancelled", 10)):
        body = {
            "elder_id": w.ids["elder"],
            "service_code": ITEM,
            "rrule": "FREQ=WEEKLY;COUNT=2",
            "start": days_ahead_at(day).isoformat(),
            "provider_id": w.ids["provider"],
        }
        w.ids[name] = await _post(http, family, "/series", body)
    for name, action in (("series_paused", "pause"), ("series_cancelled", "cancel")):
        await _post(http, family, f"/series/{w.ids[name]}/{action}")
    w.ids["skip_day"] = days_ahead_at(15).date().isoformat()  # the active series' second visit


async def _subsidies(http: httpx.AsyncClient, w: World) -> None:
    """An approved allowance (paid once, exported, its yearly check open), an application
    waiting for review with a document, one returned for correction, and the voucher program."""
    from eldercare.subsidies.tables import AnnualReview, Entitlement, Payment

    ids, now = w.ids, datetime.now(UTC)
    officer, staff, family = w.actor("officer_a"), w.actor("staff_a"), w.actor("family_a")
    await make_program(w.people["officer_a"])
    await make_program(w.people["officer_a"], VOUCHER, kind="service_voucher")

    async def apply(elder: str, program: str, *steps: tuple[Actor, str]) -> int:
        made = await applications.apply(family, elder_id=ids[elder], program_code=program, now=now)
        for who, decision in steps:
            comment = "补户口本" if decision == "return" else ""
            await applications.decide(who, made.id, decision=decision, comment=comment, now=now)
        return made.id

    approval = ((staff, "accept"), (staff, "pass"), (officer, "approve"))
    ids["application_approved"] = await apply("elder", "gaoling-suining", *approval)
    ids["application"] = await apply("elder_2", "gaoling-suining")
    returned = ((staff, "accept"), (staff, "return"))
    ids["application_returned"] = await apply("elder", VOUCHER, *returned)
    upload = await http.post(
        f"{API}/subsidies/applications/{ids['application']}/documents",
        headers=w.people["family_a"].headers,
        data={"kind": "id_card"},
        files={"file": ("id.png", PNG, "image/png")},
    )
    assert upload.status_code == 201, upload.text
    ids["document"] = upload.json()["id"]
    ids["entitlement"] = (await Entitlement.select(Entitlement.id).first().run())["id"]
    paid_at = now + timedelta(days=40)
    await payments.pay_months(paid_at)
    month = subsidy_domain.month_of(paid_at.date())
    ids["month"] = subsidy_domain.month_text(month)
    ids["batch"], _, _ = await payments.export_batch(officer, month, now=now)
    ids["payment"] = (await Payment.select(Payment.id).first().run())["id"]
    await reviews.annual_reviews(now + timedelta(days=340))
    review = await AnnualReview.select(AnnualReview.id).first().run()
    assert review is not None, "the yearly check should be open 25 days before the anniversary"
    ids["review"] = review["id"]


async def _directory(http: httpx.AsyncClient, w: World) -> None:
    body = {"name": "船山区社会福利院", "kind": "care_home", "beds": 80, "vacancies": 12, "price_min_fen": 180_000, "price_max_fen": 420_000, "address": "船山区滨江北路168号", "phone": "0825-2226801", "region_code": "510903001"}  # fmt: skip
    w.ids["institution"] = await _post(http, w.people["officer_a"], "/institutions", body)


async def build(http: httpx.AsyncClient) -> World:
    w = World()
    w.ids.update(
        item=ITEM,
        category="haircut",
        region_a="510903",
        today=datetime.now(UTC).date().isoformat(),
        start=at(2 * 1440 + 90),
        series_start=days_ahead_at(20).isoformat(),
        new_id_number=valid_id_number("510903", birth=date(1938, 3, 3)),
    )
    await _people(w)
    w.ids["phone_family_a"] = w.people["family_a"].phone
    await _providers(http, w)
    await _elders(http, w)
    await _bookings(http, w)
    await _series(http, w)
    await _subsidies(http, w)
    await _directory(http, w)
    return w


# ----------------------------------------------------------------------------- the routes


def api_routes(app: Any) -> dict[str, Any]:
    """Every /api/v1 route handler of the app, keyed "METHOD /path" (without /api/v1)."""
    found = {}
    for route in app.routes:
        if not route.path.startswith(API):
            continue
        for handler in getattr(route, "route_handlers", []):
            for method in sorted(handler.http_methods - {"OPTIONS", "HEAD"}):
                found[f"{method} {route.path[len(API) :] or '/'}"] = handler
    return found


def guarded_roles(handler: Any) -> set[str] | None:
    """The role letters a ``roles(...)`` guard lets through (None: no such guard)."""
    letters = {name: letter for letter, name in ROLES.items()}
    allowed: set[str] | None = None
    for guard in handler.resolve_guards():
        fn = getattr(guard, "func", guard)
        fn = getattr(fn, "func", fn)
        if getattr(fn, "__qualname__", "") == "roles.<locals>.guard":
            names = fn.__closure__[0].cell_contents
            these = {letters[name] for name in names if name in letters}
            allowed = these if allowed is None else allowed & these
    return allowed


def body_fields(handler: Any) -> set[str] | None:
    """The fields of the handler's JSON body (None: it takes no JSON body)."""
    import msgspec

    data = handler.parsed_fn_signature.parameters.get("data")
    if data is None:
        return None
    for kind in (data.annotation, *(t.annotation for t in data.inner_types)):
        if isinstance(kind, type) and issubclass(kind, msgspec.Struct):
            assert kind.__struct_config__.forbid_unknown_fields, kind
            return set(kind.__struct_fields__)
    return None


def fill(value: Any, ids: dict[str, Any]) -> Any:
    """``"{name}"`` becomes the world's id itself (an int stays an int); other strings are
    formatted with the ids; dicts and lists are filled through."""
    if isinstance(value, str):
        if value.startswith("{") and value.endswith("}") and value[1:-1] in ids:
            return ids[value[1:-1]]
        return value.format(**ids) if "{" in value else value
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, ids) for v in value]
    return value


async def send(
    http: httpx.AsyncClient,
    method: str,
    url: str,
    headers: dict[str, str],
    body: Any,
    params: dict[str, Any] | None,
    multipart: bool,
) -> httpx.Response:
    if multipart and body is not None:
        files = {"file": ("doc.png", PNG, "image/png")}
        return await http.request(
            method, API + url, headers=headers, data=body, files=files, params=params
        )
    if body is None:
        return await http.request(method, API + url, headers=headers, params=params)
    return await http.request(method, API + url, headers=headers, json=body, params=params)


def item_ids(response: httpx.Response) -> list[Any]:
    if not response.headers.get("content-type", "").startswith("application/json"):
        return []
    data = response.json()
    return [item.get("id") for item in data.get("items", [])] if isinstance(data, dict) else []
